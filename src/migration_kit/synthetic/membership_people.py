"""People of the ``membership`` shape: members of a German sports club federation.

One row per real-world member: names by frequency (cp1252-safe, the register's encoding), birth
dates of adults and juniors, an address in one of the federation's towns (street, house number,
postcode, town), a second address, phone and e-mail (each with a second value for members who
change it), department, join date and last renewal. Traps, at entity level:

* ``family``: households of 2-5 (parents and children) sharing surname and address, half of
  them also the household's phone and a third the parents' e-mail address;
* ``twin``: junior pairs sharing surname, address and birth date;
* ``namesake``: groups of 2-3 members with a very common name in the same town.

Example
-------
>>> e = make_members(300, np.random.default_rng(0))
>>> e["country"].unique().tolist(), bool(e["minor"].any())
(['DE'], True)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .latin import COMMON_FIRST, COMMON_LAST, NamePool, locale_pools
from .people import day_range
from .rates import TRANSFER_DATE
from .shapes import entity_ids
from .variation import ascii_fold, mobile_numbers, unique_emails

__all__ = ["DEPARTMENTS", "STREET_TYPES", "TRAP_RATES", "make_members", "member_pools"]

#: Street types: (suffix, abbreviation or "", weight); the suffix is written onto the root.
STREET_TYPES: tuple[tuple[str, str, float], ...] = (
    ("straße", "str.", 6.0),
    ("weg", "", 3.0),
    ("allee", "", 1.0),
    ("platz", "pl.", 1.0),
    ("ring", "", 1.0),
    ("gasse", "", 0.5),
)
DEPARTMENTS: tuple[str, ...] = (
    "Fußball",
    "Turnen",
    "Tennis",
    "Handball",
    "Leichtathletik",
    "Schwimmen",
    "Tischtennis",
    "Volleyball",
)
#: Share of members in each trap.
TRAP_RATES: dict[str, float] = {"family": 0.12, "twin": 0.015, "namesake": 0.03}
_MOBILE = [("151", 8), ("152", 8), ("157", 8), ("160", 7), ("162", 7), ("170", 7), ("176", 8)]
_LANDLINE = [("30", 8), ("40", 7), ("89", 7), ("221", 7), ("69", 8), ("711", 7), ("511", 7)]
_DOMAINS = (
    ("gmx.de", 3),
    ("web.de", 3),
    ("t-online.de", 2),
    ("gmail.com", 3),
    ("freenet.de", 1),
    ("yahoo.de", 1),
    ("outlook.de", 1),
)
_YEAR, _MONTH_DAY = int(TRANSFER_DATE[:4]), TRANSFER_DATE[4:]
#: Under 14 at the transfer date / last activity more than 3 years before it.
_MINOR_BORN_AFTER = np.datetime64(f"{_YEAR - 14}{_MONTH_DAY}", "D")
_INACTIVE_BEFORE = np.datetime64(f"{_YEAR - 3}{_MONTH_DAY}", "D")


def _cp1252(pool: NamePool) -> NamePool:
    ok = np.array([_encodes(v) for v in pool.values])
    p = pool.p[ok]
    return NamePool(pool.values[ok], p / p.sum())


def _encodes(text: str) -> bool:
    try:
        text.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


@lru_cache(maxsize=1)
def member_pools() -> tuple[dict[str, NamePool], NamePool, np.ndarray, pd.DataFrame]:
    """(given names per gender, family names, street roots, the federation's 60 towns), all
    encodable in cp1252.

    Example
    -------
    >>> first, last, roots, towns = member_pools()
    >>> len(towns), all(v.encode("cp1252") for v in last.values)
    (60, True)
    """
    p = locale_pools("de_DE", n_cities=60)
    first = {g: _cp1252(pool) for g, pool in p.first.items()}
    roots = np.array([r for r in p.street_roots if _encodes(r)], dtype=object)
    towns = p.cities.loc[p.cities["city"].map(_encodes)].reset_index(drop=True)
    towns["weight"] = towns["weight"] / towns["weight"].sum()
    return first, _cp1252(p.last), roots, towns


def draw_member_addresses(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``root, street_type`` (index into :data:`STREET_TYPES`), ``house, house_letter, city,
    postcode`` for ``n`` members.

    Example
    -------
    >>> draw_member_addresses(np.random.default_rng(0), 2).columns.tolist()
    ['root', 'street_type', 'house', 'house_letter', 'city', 'postcode']
    """
    _, _, roots, towns = member_pools()
    w = np.array([t[2] for t in STREET_TYPES])
    ti = rng.choice(len(towns), size=n, p=towns["weight"].to_numpy())
    stem = pd.Series(towns["postcode"].to_numpy(dtype=object)[ti], dtype=object).str[:3]
    return pd.DataFrame(
        {
            "root": roots[rng.integers(0, len(roots), size=n)],
            "street_type": rng.choice(len(w), size=n, p=w / w.sum()),
            "house": 1 + np.minimum(rng.geometric(0.04, size=n), 250),
            "house_letter": np.where(
                rng.random(n) < 0.1,
                np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, n)],
                "",
            ),
            "city": towns["city"].to_numpy(dtype=object)[ti],
            "postcode": (
                stem + pd.Series(rng.integers(0, 100, size=n)).astype(str).str.zfill(2)
            ).to_numpy(dtype=object),
        }
    )


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct national numbers (no trunk 0): two thirds mobiles, one third landlines."""
    out = np.empty(n, dtype=object)
    mobile = rng.random(n) < 0.65
    out[mobile] = mobile_numbers(rng, int(mobile.sum()), _MOBILE)
    out[~mobile] = mobile_numbers(rng, int((~mobile).sum()), _LANDLINE)
    return out


def _share(e: pd.DataFrame, rows: np.ndarray, src: np.ndarray, cols: list[str]) -> None:
    e.loc[rows, cols] = e.loc[src, cols].to_numpy()


def _traps(rng: np.random.Generator, e: pd.DataFrame, junior: np.ndarray) -> None:
    n = len(e)
    order = rng.permutation(n)
    free = np.ones(n, dtype=bool)

    def take(k: int, among: np.ndarray | None = None) -> np.ndarray:
        ok = free[order] if among is None else free[order] & among[order]
        out = order[ok][:k]
        free[out] = False
        return out

    trap = np.full(n, "", dtype=object)
    head = np.full(n, -1, dtype=np.int64)
    home = ["root", "street_type", "house", "house_letter", "city", "postcode"]
    # households: an adult head, then a partner (half the time) and juniors
    n_house = max(1, round(TRAP_RATES["family"] * n / 3.0))
    heads = take(n_house, ~junior)
    sizes = rng.choice([2, 3, 4, 5], size=len(heads), p=[0.35, 0.35, 0.2, 0.1])
    head_of = np.repeat(heads, sizes - 1)
    kids = take(len(head_of), junior)
    head_of = head_of[: len(kids)]
    _share(e, kids, head_of, [*home, "family"])
    trap[heads] = trap[kids] = "family"
    head[kids] = head_of
    # twins: two juniors with the same birth date, surname and address
    a = take(max(1, round(TRAP_RATES["twin"] * n / 2)), junior)
    b = take(len(a), junior)
    a = a[: len(b)]
    _share(e, b, a, [*home, "family", "birth"])
    trap[a] = trap[b] = "twin"
    for rows, avoid in ((kids, head_of), (b, a)):
        for _ in range(8):
            same = e.loc[rows, "given"].to_numpy() == e.loc[avoid, "given"].to_numpy()
            if not same.any():
                break
            first, _, _, _ = member_pools()
            for g in ("M", "F"):
                m = same & (e.loc[rows, "gender"].to_numpy() == g)
                e.loc[rows[m], "given"] = first[g].draw(rng, int(m.sum()))
    # namesakes: a very common name in the same town
    leaders = take(max(1, round(TRAP_RATES["namesake"] * n / 2.3)))
    for g in ("M", "F"):
        m = leaders[e.loc[leaders, "gender"].to_numpy() == g]
        common = np.array(COMMON_FIRST["DE"][g][:4], dtype=object)
        e.loc[m, "given"] = common[rng.integers(0, len(common), size=len(m))]
    last = np.array(COMMON_LAST["DE"][:4], dtype=object)
    e.loc[leaders, "family"] = last[rng.integers(0, len(last), size=len(leaders))]
    lead_of = np.concatenate([leaders, leaders[rng.random(len(leaders)) < 0.3]])
    followers = take(len(lead_of))
    lead_of = lead_of[: len(followers)]
    _share(e, followers, lead_of, ["given", "family", "gender", "city"])
    trap[leaders] = trap[followers] = "namesake"
    e["trap"], e["head"] = trap, head


def make_members(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw ``n`` members with their hidden attributes and traps.

    Returns
    -------
    pandas.DataFrame
        One row per member (index = eid): ``entity_id, country, region, gender, given, family,
        birth, minor``, the address of :func:`draw_member_addresses` and ``alt_*``, ``phone,
        phone_alt, email, email_alt`` ("" when the member has none), ``department, first_date,
        last_date, inactive, trap, head``.

    Example
    -------
    >>> e = make_members(400, np.random.default_rng(2))
    >>> sorted(set(e["trap"]) - {""})
    ['family', 'namesake', 'twin']
    """
    first, last, _, _ = member_pools()
    gender = np.where(rng.random(n) < 0.55, "M", "F").astype(object)
    e = pd.DataFrame({"entity_id": entity_ids(n), "country": "DE", "region": "EU"})
    e["gender"] = gender
    given = np.empty(n, dtype=object)
    for g in ("M", "F"):
        m = gender == g
        given[m] = first[g].draw(rng, int(m.sum()))
    e["given"], e["family"] = given, last.draw(rng, n)
    junior = rng.random(n) < 0.25
    e["birth"] = np.where(
        junior,
        day_range(rng, "2006-01-01", "2020-12-31", n),
        day_range(rng, "1935-01-01", "2001-12-31", n),
    )
    e = pd.concat([e, draw_member_addresses(rng, n)], axis=1)
    e = pd.concat([e, draw_member_addresses(rng, n).add_prefix("alt_")], axis=1)
    _traps(rng, e, junior)
    phones = _phones(rng, 2 * n)
    has_phone = rng.random(n) < 0.55
    e["phone"] = np.where(has_phone, phones[:n], "")
    e["phone_alt"] = np.where(has_phone, phones[n:], "")
    w = np.array([x for _, x in _DOMAINS], dtype=float)
    dom = np.array([d for d, _ in _DOMAINS], dtype=object)[rng.choice(len(w), 2 * n, p=w / w.sum())]
    gf = ascii_fold(e["given"].to_numpy(), german=True)
    ff = ascii_fold(e["family"].to_numpy(), german=True)
    mails = unique_emails(rng, np.concatenate([gf, gf]), np.concatenate([ff, ff]), dom)
    has_mail = rng.random(n) < 0.75
    e["email"] = np.where(has_mail, mails[:n], "")
    e["email_alt"] = np.where(has_mail, mails[n:], "")
    head = e["head"].to_numpy()
    kid = head >= 0
    for col, share in (("phone", 0.5), ("email", 0.35)):  # the household's phone, parents' mail
        sel = kid & (rng.random(n) < share)
        e.loc[sel, col] = e[col].to_numpy(dtype=object)[head[sel]]
        e.loc[sel, f"{col}_alt"] = e.loc[sel, col].to_numpy()
    e["shared_contact"] = kid & (
        (e["phone"].to_numpy() != "")
        & (e["phone"].to_numpy() == e["phone"].to_numpy()[np.maximum(head, 0)])
        | (e["email"].to_numpy() != "")
        & (e["email"].to_numpy() == e["email"].to_numpy()[np.maximum(head, 0)])
    )
    birth = e["birth"].to_numpy().astype("datetime64[D]")
    e["minor"] = birth > _MINOR_BORN_AFTER
    dept = np.array(DEPARTMENTS, dtype=object)
    e["department"] = dept[rng.integers(0, len(dept), size=n)]
    join_from = np.maximum(birth + np.timedelta64(4 * 365, "D"), np.datetime64("1990-01-01"))
    lapsed = rng.random(n) < 0.15
    last_d = np.where(
        lapsed,
        day_range(rng, "2012-01-01", "2023-10-31", n),
        day_range(rng, "2024-01-01", "2026-10-31", n),
    )
    last_d = np.maximum(last_d, join_from + np.timedelta64(30, "D"))
    inactive = last_d < _INACTIVE_BEFORE
    span = (last_d - join_from).astype(np.int64)
    e["first_date"] = join_from + (rng.random(n) * span * 0.8).astype("timedelta64[D]")
    e["last_date"], e["inactive"] = last_d, inactive
    return e
