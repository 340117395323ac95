"""Records derived from entities: which system holds whom how often, with variants and defects.

Each entity has a primary record in its home system; a share of entities get one or two extra
records (another system, or the same system twice). Record-level values are then perturbed the
way real exports differ (typos, missing fields, case, traditional characters) and a small share
carries injected defects, all labelled in ``variants`` / ``defects``.

Example
-------
>>> import numpy as np
>>> from migration_kit.synthetic.pools import build_pools
>>> from migration_kit.synthetic.people import make_entities
>>> from migration_kit.synthetic.rates import SynthRates
>>> rng = np.random.default_rng(0)
>>> e = make_entities(100, rng, build_pools(0), SynthRates())
>>> r = make_records(e, rng, SynthRates())
>>> bool((r.groupby("eid").size() >= 1).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identity import INVALID_PREFIXES
from .people import day_range
from .rates import SynthRates

__all__ = ["DEFECTS", "label_join", "make_records"]

#: Injected defect codes (per record).
DEFECTS: tuple[str, ...] = (
    "PHONE_INVALID",
    "ID_CHECKSUM",
    "BIRTH_FUTURE",
    "EMAIL_SYNTAX",
    "ACTIVITY_BEFORE_SIGNUP",
)
_CN_SOURCES = np.array(["pos", "web"], dtype=object)


def label_join(labels: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Join boolean label masks into ``;``-separated strings (vectorized, stable label order).

    Example
    -------
    >>> import numpy as np
    >>> label_join({"A": np.array([True, False]), "B": np.array([True, True])}, 2).tolist()
    ['A;B', 'B']
    """
    codes = list(labels)
    bits = np.zeros(n, dtype=np.int64)
    for k, code in enumerate(codes):
        bits |= np.asarray(labels[code], dtype=bool).astype(np.int64) << k
    uniq, inverse = np.unique(bits, return_inverse=True)  # a few hundred combinations at most
    text = np.array(
        [";".join(c for k, c in enumerate(codes) if u >> k & 1) for u in uniq.tolist()],
        dtype=object,
    )
    return text[inverse.ravel()] if n else np.array([], dtype=object)


def _extra_sources(
    rng: np.random.Generator, e: pd.DataFrame, dup: np.ndarray, rates: SynthRates
) -> tuple[np.ndarray, np.ndarray]:
    """Return (eid, source) of extra records for duplicated entities."""
    eids, srcs = [], []
    home = e["home"].to_numpy(dtype=object)
    kind = e["kind"].to_numpy(dtype=object)
    pinyin = e["trap"].to_numpy(dtype=object) == "pinyin_variant"
    n_extra = np.where(rng.random(len(dup)) < 0.2, 2, 1)
    for k in (1, 2):
        d = dup[n_extra >= k]
        h, kd = home[d], kind[d]
        same = rng.random(len(d)) < rates.same_source
        other = np.where(h == "pos", "web", "pos")
        src = np.where(same, h, other).astype(object)
        src = np.where(kd == "school", np.where(same, "school", "pos"), src)
        src = np.where(kd == "foreign", "overseas", src)
        if k == 1:
            src = np.where(pinyin[d], "overseas", src)
        else:
            src = np.where(
                kd == "foreign", "overseas", _CN_SOURCES[rng.integers(0, 2, size=len(d))]
            )
        eids.append(d)
        srcs.append(src)
    return np.concatenate(eids), np.concatenate(srcs).astype(object)


def _typo(rng: np.random.Generator, phones: pd.Series) -> pd.Series:
    """Change one digit (position 3..10) of 11-digit mobiles (vectorized on a byte matrix)."""
    if len(phones) == 0:
        return phones
    b = np.frombuffer("".join(phones).encode("ascii"), dtype=np.uint8).reshape(-1, 11).copy()
    rows, pos = np.arange(len(b)), rng.integers(3, 11, size=len(b))
    b[rows, pos] = 48 + (b[rows, pos] - 48 + rng.integers(1, 10, size=len(b))) % 10
    return pd.Series(b.view("S11").ravel().astype(str), index=phones.index, dtype=object)


def make_records(e: pd.DataFrame, rng: np.random.Generator, rates: SynthRates) -> pd.DataFrame:
    """Plan every record and its record-level values.

    Parameters
    ----------
    e : pandas.DataFrame
        Entities from :func:`~migration_kit.synthetic.people.make_entities`.
    rng : numpy.random.Generator
    rates : SynthRates

    Returns
    -------
    pandas.DataFrame
        One row per record: ``eid, source, rank`` (0 = primary), record values ``phone, email,
        id_number, birth, created, last, cents (total spent in integer cents), order_count, consent,
        name_style,
        short_address, numeric_phone, use_landline``, labels ``defects`` and ``variants``.

    Example
    -------
    >>> import numpy as np
    >>> from migration_kit.synthetic.pools import build_pools
    >>> from migration_kit.synthetic.people import make_entities
    >>> rng = np.random.default_rng(3)
    >>> r = make_records(make_entities(60, rng, build_pools(0), SynthRates()), rng, SynthRates())
    >>> sorted(set(r["source"])) <= ["overseas", "pos", "school", "web"]
    True
    """
    n = len(e)
    eid = e["eid"].to_numpy()
    pinyin = eid[e["trap"].to_numpy(dtype=object) == "pinyin_variant"]
    n_dup = max(round(rates.duplicate * n), len(pinyin))
    others = rng.permutation(np.setdiff1d(eid, pinyin))[: n_dup - len(pinyin)]
    dup = np.sort(np.concatenate([pinyin, others]))
    x_eid, x_src = _extra_sources(rng, e, dup, rates)
    r = pd.DataFrame(
        {
            "eid": np.concatenate([eid, x_eid]),
            "source": np.concatenate([e["home"].to_numpy(dtype=object), x_src]),
            "rank": np.concatenate(
                [np.zeros(n, dtype=np.int64), np.ones(len(x_eid), dtype=np.int64)]
            ),
        }
    )
    r["rank"] = r.groupby("eid").cumcount()
    r = r.sort_values(["eid", "rank"], kind="stable").reset_index(drop=True)
    m = len(r)
    src = r["source"].to_numpy(dtype=object)
    needed = ["kind", "phone", "landline", "email", "id_number", "birth", "first_date", "last_date"]
    ent = (
        e[needed].iloc[r["eid"].to_numpy()].reset_index(drop=True)
    )  # only what records need (memory)
    dupl = r["rank"].to_numpy() > 0
    u = lambda: rng.random(m)  # noqa: E731 - one fresh uniform draw per record
    labels: dict[str, np.ndarray] = {}
    defects: dict[str, np.ndarray] = {}

    # names
    style = np.full(m, "plain", dtype=object)
    cnsrc = np.isin(src, ["pos", "web", "school"]) & (
        ent["kind"].to_numpy(dtype=object) != "foreign"
    )
    a = u()
    style[cnsrc & dupl & (a < 0.15)] = "trad"
    style[cnsrc & (((a >= 0.15) & (a < 0.30) & dupl) | ((a < 0.03) & ~dupl))] = "spaced"
    labels["TRAD_CHARS"], labels["SPACED_NAME"] = style == "trad", style == "spaced"
    r["name_style"] = style

    # phone
    phone = ent["phone"].copy()
    use_land = (src == "school") & (u() < 0.4)
    phone[use_land] = ent["landline"][use_land]
    missing = ((src == "pos") & (u() < 0.03)) | ((src == "overseas") & (u() < 0.15))
    mobile = (
        ~use_land
        & ~missing
        & (ent["kind"].to_numpy(dtype=object) != "foreign")
        & (phone.str.len() == 11).to_numpy()
    )
    typo = mobile & dupl & (u() < 0.10)
    phone[typo] = _typo(rng, phone[typo])
    bad = mobile & ~typo & (u() < rates.invalid)
    phone[bad] = (
        np.array([str(x) for x in INVALID_PREFIXES], dtype=object)[
            rng.integers(0, 2, size=int(bad.sum()))
        ]
        + phone[bad].str[3:]
    )
    phone[missing] = ""
    labels["PHONE_TYPO"], labels["PHONE_MISSING"], labels["LANDLINE"] = typo, missing, use_land
    defects["PHONE_INVALID"] = bad
    r["phone"], r["use_landline"] = phone.to_numpy(dtype=object), use_land
    r["numeric_phone"] = (src == "school") & ~use_land & ~missing & (u() < 0.5)
    labels["PHONE_NUMERIC"] = r["numeric_phone"].to_numpy()

    # e-mail
    email = ent["email"].copy()
    has = (email != "").to_numpy() & (
        ((src == "web") & (u() < 0.95)) | ((src == "school") & (u() < 0.9)) | (src == "overseas")
    )
    b = u()
    upper = has & dupl & (b < 0.15)
    title = has & dupl & (b >= 0.15) & (b < 0.30)
    email[upper] = email[upper].str.upper()
    email[title] = email[title].str.capitalize()
    bad = has & (u() < rates.invalid)
    kind_bad = rng.integers(0, 3, size=m)
    email[bad & (kind_bad == 0)] = email[bad & (kind_bad == 0)].str.replace("@", "@@", regex=False)
    email[bad & (kind_bad == 1)] = email[bad & (kind_bad == 1)].str.replace(
        "@", " at ", regex=False
    )
    email[bad & (kind_bad == 2)] = (
        email[bad & (kind_bad == 2)].str.replace(r"\.[a-z]+$", "", regex=True) + ".."
    )
    email[~has] = ""
    labels["EMAIL_CASE"], labels["EMAIL_MISSING"] = upper | title, (src != "pos") & ~has
    defects["EMAIL_SYNTAX"] = bad
    r["email"] = email.to_numpy(dtype=object)

    # resident id and birth date (store members only)
    pos = src == "pos"
    idn = ent["id_number"].copy()
    has_id = pos & (idn != "").to_numpy() & (u() < 0.65)
    bad = has_id & (u() < rates.invalid)
    last = idn[bad].str[-1]
    wrong = np.where(
        last == "X",
        "0",
        np.where(last == "9", "X", (pd.to_numeric(last.where(last != "X", "0")) + 1).astype(str)),
    )
    idn[bad] = idn[bad].str[:17] + wrong
    idn[~has_id] = ""
    defects["ID_CHECKSUM"] = bad
    labels["ID_MISSING"] = pos & ~has_id
    r["id_number"] = idn.to_numpy(dtype=object)
    birth = ent["birth"].to_numpy().astype("datetime64[D]")
    has_birth = pos & (u() < 0.9)
    bad = has_birth & (u() < rates.invalid)
    birth = np.where(bad, day_range(rng, "2027-01-01", "2030-12-31", m), birth)
    birth = np.where(has_birth, birth, np.datetime64("NaT"))
    defects["BIRTH_FUTURE"] = bad
    r["birth"] = birth

    # activity
    first, lastd = ent["first_date"].to_numpy(), ent["last_date"].to_numpy()
    span = (lastd - first).astype("timedelta64[D]").astype(np.int64)
    created = np.where(dupl, first + (u() * span).astype("timedelta64[D]"), first).astype(
        "datetime64[D]"
    )
    span2 = (lastd - created).astype("timedelta64[D]").astype(np.int64)
    last_r = np.where(dupl, created + (u() * span2).astype("timedelta64[D]"), lastd).astype(
        "datetime64[D]"
    )
    bad = u() < rates.inconsistent
    created = np.where(bad, last_r + rng.integers(1, 26, size=m).astype("timedelta64[D]"), created)
    defects["ACTIVITY_BEFORE_SIGNUP"] = bad
    r["created"], r["last"] = created, last_r
    r["cents"] = np.rint(rng.lognormal(6.0, 1.0, size=m) * 100).astype(np.int64)  # exact money
    r["order_count"] = 1 + rng.poisson(4, size=m)
    r["consent"] = u() < 0.6
    r["short_address"] = u() < np.where(dupl, 0.4, 0.15)
    labels["ADDR_SHORT"] = r["short_address"].to_numpy() & np.isin(src, ["pos", "web"])
    r["defects"] = label_join({k: defects[k] for k in DEFECTS}, m)
    r["variants"] = label_join(labels, m)
    return r
