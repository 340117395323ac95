"""The hidden truth: one row per real-world person (entity), with flags and traps.

Every attribute is drawn once per entity with numpy (vectorized); records in the source files are
later derived from these rows (see :mod:`.records`).

Example
-------
>>> import numpy as np
>>> from migration_kit.synthetic.pools import build_pools
>>> from migration_kit.synthetic.rates import SynthRates
>>> e = make_entities(200, np.random.default_rng(0), build_pools(0), SynthRates())
>>> len(e), e["entity_id"].iloc[0]
(200, 'T0000001')
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from .identity import mobiles, resident_ids, unique_numbers
from .pools import CN_EMAIL_DOMAINS, COMMON_NAMES, Pools
from .rates import SynthRates
from .regions import EU_COUNTRIES, FOREIGN, OTHER_COUNTRIES, district_table

__all__ = ["day_range", "make_entities"]

_TOP_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
_SPORTS = ("足球", "篮球", "羽毛球", "乒乓球", "游泳", "网球", "跆拳道", "田径")
_CN_NUM = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def day_range(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    """Uniform ``datetime64[D]`` dates in ``[start, end]``.

    Example
    -------
    >>> d = day_range(np.random.default_rng(0), "2020-01-01", "2020-01-01", 2)
    >>> str(d[0])
    '2020-01-01'
    """
    a, b = np.datetime64(start, "D"), np.datetime64(end, "D")
    return a + rng.integers(0, int((b - a).astype(int)) + 1, size=n).astype("timedelta64[D]")


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), size=n)]


def _ascii_fold(values: pd.Series) -> pd.Series:
    """Lowercase ASCII form of names for e-mail local parts (per unique value)."""
    uniq = pd.unique(values)
    folded = {
        v: "".join(
            c for c in unicodedata.normalize("NFKD", v) if c.isascii() and c.isalnum()
        ).lower()
        for v in uniq
    }
    return values.map(folded)


def _cn_names(rng: np.random.Generator, pools: Pools, gender: np.ndarray) -> dict[str, np.ndarray]:
    n = len(gender)
    w = np.array([20.0 if s in _TOP_SURNAMES else 1.0 for s in pools.surnames])
    si = rng.choice(len(pools.surnames), size=n, p=w / w.sum())
    out = {
        "family": pools.surnames[si],
        "family_py": pools.surname_py[si],
        "family_trad": pools.surname_trad[si],
    }
    given, py, trad = (np.empty(n, dtype=object) for _ in range(3))
    two = rng.random(n) < 0.72
    for g in ("M", "F"):
        m = gender == g
        k = len(pools.given_chars[g])
        a, b = rng.integers(0, k, size=n), rng.integers(0, k, size=n)
        for arr, pool in (
            (given, pools.given_chars[g]),
            (py, pools.given_py[g]),
            (trad, pools.given_trad[g]),
        ):
            second = np.where(two, pool[b], "")
            arr[m] = (pd.Series(pool[a]) + pd.Series(second)).to_numpy(dtype=object)[m]
    out.update(given=given, given_py=py, given_trad=trad)
    return out


def _take(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    k = int(min(k, len(candidates)))
    return (
        np.sort(rng.choice(candidates, size=k, replace=False))
        if k
        else np.array([], dtype=np.int64)
    )


def make_entities(
    n: int, rng: np.random.Generator, pools: Pools, rates: SynthRates
) -> pd.DataFrame:
    """Draw ``n`` entities with all hidden attributes and compliance flags.

    Parameters
    ----------
    n : int
        Number of entities.
    rng : numpy.random.Generator
        Seeded generator (the only source of randomness).
    pools : Pools
        Value pools from :func:`~migration_kit.synthetic.pools.build_pools`.
    rates : SynthRates

    Returns
    -------
    pandas.DataFrame
        One row per entity (``eid`` 0..n-1, ``entity_id``, ``kind``, ``region``, ``country``,
        ``home``, names, ``birth``, ``minor``, ``phone``, ``landline``, ``email``, ``id_number``,
        address parts, ``org``, ``honorific``, ``first_date``, ``last_date``, flags, ``trap``,
        ``parent``).

    Example
    -------
    >>> from migration_kit.synthetic.pools import build_pools
    >>> e = make_entities(50, np.random.default_rng(1), build_pools(0), SynthRates())
    >>> set(e["region"]) <= {"CN", "EU", "OTHER"}
    True
    """
    eid = np.arange(n)
    perm = rng.permutation(n)
    cut = np.cumsum([round(rates.eu * n), round(rates.other_foreign * n), round(rates.school * n)])
    kind = np.full(n, "cn", dtype=object)
    kind[perm[: cut[1]]] = "foreign"
    kind[perm[cut[1] : cut[2]]] = "school"
    region = np.full(n, "CN", dtype=object)
    region[perm[: cut[0]]] = "EU"
    region[perm[cut[0] : cut[1]]] = "OTHER"
    country = np.full(n, "CN", dtype=object)
    country[perm[: cut[0]]] = _pick(rng, np.array(EU_COUNTRIES, dtype=object), int(cut[0]))
    country[perm[cut[0] : cut[1]]] = _pick(
        rng, np.array(OTHER_COUNTRIES, dtype=object), int(cut[1] - cut[0])
    )
    home = np.where(
        kind == "foreign",
        "overseas",
        np.where(kind == "school", "school", np.where(rng.random(n) < 0.6, "pos", "web")),
    ).astype(object)
    gender = np.where(rng.random(n) < 0.5, "M", "F").astype(object)
    e = pd.DataFrame(
        {
            "eid": eid,
            "kind": kind,
            "region": region,
            "country": country,
            "home": home,
            "gender": gender,
        }
    )
    e["entity_id"] = "T" + pd.Series(eid + 1).astype(str).str.zfill(7)
    for col, arr in _cn_names(rng, pools, gender).items():
        e[col] = arr
    for c in FOREIGN:  # Latin names for foreign residents
        m = country == c
        if m.any():
            lat = pools.latin[c]
            first = np.where(
                gender[m] == "M",
                _pick(rng, lat["first_M"], int(m.sum())),
                _pick(rng, lat["first_F"], int(m.sum())),
            )
            e.loc[m, "given"], e.loc[m, "family"] = first, _pick(rng, lat["last"], int(m.sum()))
            e.loc[m, ["given_py", "family_py", "given_trad", "family_trad"]] = ""

    # traps ----------------------------------------------------------------------------------
    trap = np.full(n, "", dtype=object)
    parent = np.full(n, -1, dtype=np.int64)
    domestic = eid[(kind == "cn")]
    n_pairs = round(rates.family_shared_phone * n / 2)
    children = _take(rng, domestic, n_pairs)
    rest = np.setdiff1d(domestic, children)
    parents = rng.permutation(_take(rng, rest, len(children)))
    children = children[: len(parents)]
    parent[children] = parents
    trap[children] = trap[parents] = "family_shared_phone"
    free = eid[(kind == "cn") & (trap == "")]
    pinyin = _take(rng, free, round(rates.pinyin_variant * n))
    trap[pinyin] = "pinyin_variant"
    free = eid[(kind != "foreign") & (trap == "")]
    names = _take(rng, free, round(rates.namesake * n))
    trap[names] = "namesake"
    if len(names):
        k = max(1, min(len(COMMON_NAMES), len(names) // 3))
        pick = np.arange(len(names)) % k
        common = np.array([nm for nm, _ in COMMON_NAMES[:k]], dtype=object)[pick]
        e.loc[names, "family"] = [c[0] for c in common]
        e.loc[names, "given"] = [c[1:] for c in common]
        e.loc[names, "family_trad"] = e.loc[names, "family"].values
        e.loc[names, "given_trad"] = e.loc[names, "given"].values
        e.loc[names, "gender"] = np.array([g for _, g in COMMON_NAMES[:k]], dtype=object)[pick]
    e["trap"] = trap
    e["parent"] = parent
    if len(children):  # a child carries the parent's family name but not the parent's given name
        for col in ("family", "family_py", "family_trad"):
            e.loc[children, col] = e.loc[parents, col].values
        same = e.loc[children, "given"].values == e.loc[parents, "given"].values
        e.loc[children[same], "given"] = e.loc[children[same], "given"] + "儿"

    # birth, minors ----------------------------------------------------------------------------
    n_minor = round(rates.minor * n)
    child_minor = children[: min(round(len(children) * 0.7), n_minor)]
    others = np.setdiff1d(
        eid[(kind == "cn") & (trap != "pinyin_variant")], np.concatenate([children, parents])
    )
    minors = np.sort(np.concatenate([child_minor, _take(rng, others, n_minor - len(child_minor))]))
    minor = np.zeros(n, dtype=bool)
    minor[minors] = True
    birth = day_range(rng, "1950-01-01", "2008-11-30", n)
    birth[children] = day_range(rng, "2000-01-01", "2012-06-30", len(children))
    birth[parents] = day_range(rng, "1965-01-01", "1990-12-31", len(parents))
    birth[minors] = day_range(rng, "2013-01-01", "2020-12-31", len(minors))
    e["birth"], e["minor"] = birth, minor

    # addresses, phones, ids ---------------------------------------------------------------------
    dt = district_table()
    di = rng.integers(0, len(dt), size=n)
    street = _pick(rng, pools.streets, n)
    house = rng.integers(1, 300, size=n)
    org = np.full(n, "", dtype=object)
    honor = np.full(n, "", dtype=object)
    school = eid[kind == "school"]
    if len(school):
        n_org = max(1, len(school) // 2)
        odi = rng.integers(0, len(dt), size=n_org)
        is_school = rng.random(n_org) < 0.6
        city_s = dt["city_short"].to_numpy(dtype=object)[odi]
        dist = dt["district"].to_numpy(dtype=object)[odi]
        num = _pick(rng, np.array(_CN_NUM, dtype=object), n_org)
        school_name = np.where(
            rng.random(n_org) < 0.5, city_s + "市第" + num + "中学", city_s + dist + "实验小学"
        )
        club = (
            city_s
            + _pick(rng, pools.org_prefixes, n_org)
            + _pick(rng, np.array(_SPORTS, dtype=object), n_org)
            + "俱乐部"
        )
        names_org = np.where(is_school, school_name, club)
        oi = rng.integers(0, n_org, size=len(school))
        org[school], di[school] = names_org[oi], odi[oi]
        honor[school] = np.where(
            is_school[oi],
            _pick(rng, np.array(["老师"] * 5 + ["主任", "校长"], dtype=object), len(school)),
            _pick(rng, np.array(["教练"] * 4 + ["经理"], dtype=object), len(school)),
        )
    if len(children):
        di[children], street[children], house[children] = (
            di[parents],
            street[parents],
            house[parents],
        )
    for col in (
        "province",
        "city",
        "district",
        "code",
        "postcode",
        "area_code",
        "city_short",
        "province_short",
    ):
        e[col] = dt[col].to_numpy(dtype=object)[di]
    e["municipality"] = dt["municipality"].to_numpy()[di]
    e["street"], e["house"], e["org"], e["honorific"] = street, house, org, honor

    phone = np.full(n, "", dtype=object)
    cnlike = eid[kind != "foreign"]
    phone[cnlike] = mobiles(rng, len(cnlike))
    phone[children] = phone[parents]
    for c, (_, _, prefix, width) in FOREIGN.items():
        m = eid[country == c]
        if len(m):
            phone[m] = prefix + pd.Series(unique_numbers(rng, len(m), 0, 10**width)).astype(
                str
            ).str.zfill(width).to_numpy(dtype=object)
    e["phone"] = phone
    land = np.full(n, "", dtype=object)
    if len(school):
        land_width = np.where(e.loc[school, "area_code"].values == "0592", 7, 8)
        sub = rng.integers(5, 9, size=len(school)) * 10 ** (land_width - 1) + rng.integers(
            0, 10**7, size=len(school)
        ) % 10 ** (land_width - 1)
        land[school] = (
            e.loc[school, "area_code"].values
            + "-"
            + pd.Series(sub).astype(str).to_numpy(dtype=object)
        )
    e["landline"] = land
    ids = np.full(n, "", dtype=object)
    ids[cnlike] = resident_ids(
        rng,
        e["code"].to_numpy(dtype=object)[cnlike],
        birth[cnlike],
        (e["gender"].to_numpy() == "M")[cnlike],
    )
    e["id_number"] = ids

    # e-mail: unique by construction (unique numeric suffix / QQ number)
    suffix = pd.Series(unique_numbers(rng, n, 10, 10**7)).astype(str)
    local_cn = pd.Series(e["given_py"].values) + pd.Series(e["family_py"].values) + suffix
    qq = pd.Series(unique_numbers(rng, n, 10**7, 3 * 10**9)).astype(str) + "@qq.com"
    cn_mail = np.where(
        rng.random(n) < 0.4,
        qq,
        local_cn + "@" + _pick(rng, np.array(CN_EMAIL_DOMAINS, dtype=object), n),
    )
    email = np.where(kind == "foreign", "", cn_mail).astype(object)
    fm = eid[kind == "foreign"]
    if len(fm):
        given_f = _ascii_fold(e.loc[fm, "given"].reset_index(drop=True))
        family_f = _ascii_fold(e.loc[fm, "family"].reset_index(drop=True))
        dom = np.empty(len(fm), dtype=object)
        for c in FOREIGN:
            m = country[fm] == c
            dom[m] = _pick(rng, pools.latin[c]["domains"], int(m.sum()))
        email[fm] = (
            given_f + "." + family_f + suffix.iloc[fm].reset_index(drop=True) + "@" + dom
        ).to_numpy(dtype=object)
    e["email"] = email

    # activity, flags ----------------------------------------------------------------------------
    inactive = np.zeros(n, dtype=bool)
    inactive[_take(rng, eid[~minor], round(rates.inactive * n))] = True
    last = np.where(
        inactive,
        day_range(rng, "2016-01-01", "2023-10-31", n),
        day_range(rng, "2024-01-01", "2026-10-31", n),
    )
    span = (last - np.datetime64("2012-01-01", "D")).astype(np.int64)
    first = last - (rng.random(n) * span).astype("timedelta64[D]")
    first = np.where(
        minor, np.minimum(np.maximum(first, birth + np.timedelta64(4 * 365, "D")), last), first
    )
    e["first_date"], e["last_date"], e["inactive"] = first, last, inactive
    withdrawn = np.zeros(n, dtype=bool)
    erasure = np.zeros(n, dtype=bool)
    sup = rng.permutation(n)
    nw, ne = round(rates.withdrawn * n), round(rates.erasure * n)
    withdrawn[sup[:nw]] = True
    erasure[sup[nw : nw + ne]] = True
    e["withdrawn"], e["erasure"] = withdrawn, erasure
    return e
