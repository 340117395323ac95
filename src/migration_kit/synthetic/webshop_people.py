"""People of the ``webshop_en`` shape: customers of an English-language web shop (GB, US, AU).

One row per real-world customer with everything the records are later derived from: names by
frequency, a postal address whose city, county/state and postcode agree, a second address (for
customers who move), two distinct e-mail addresses (the second for customers who change it), a
mobile for some, a birth date and the activity window. Traps are drawn here, at entity level:

* ``namesake``: groups of 2-3 customers with a very common name in the same city;
* ``family``: households of 2-4 sharing surname and address (a quarter of the members also the
  household's e-mail address);
* ``twin``: pairs sharing surname, address and birth date.

Example
-------
>>> e = make_webshop_entities(300, np.random.default_rng(0))
>>> sorted(set(e["country"])), e["entity_id"].iloc[0]
(['AU', 'GB', 'US'], 'T0000001')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .latin import COMMON_FIRST, COMMON_LAST, locale_pools
from .people import day_range
from .shapes import entity_ids
from .variation import ascii_fold, mobile_numbers, unique_emails

__all__ = [
    "COUNTRIES",
    "STREET_SUFFIXES",
    "TRAP_RATES",
    "address_lines",
    "draw_addresses",
    "make_webshop_entities",
]

#: Country -> (Faker locale, share of customers, name written in the shop's country column).
COUNTRIES: dict[str, tuple[str, float, str]] = {
    "GB": ("en_GB", 0.5, "United Kingdom"),
    "US": ("en_US", 0.3, "United States"),
    "AU": ("en_AU", 0.2, "Australia"),
}
#: Street types: (full, abbreviation, weight).
STREET_SUFFIXES: tuple[tuple[str, str, float], ...] = (
    ("Street", "St", 6.0),
    ("Road", "Rd", 6.0),
    ("Avenue", "Ave", 3.0),
    ("Lane", "Ln", 2.0),
    ("Drive", "Dr", 2.0),
    ("Close", "Cl", 1.5),
    ("Crescent", "Cres", 1.0),
    ("Court", "Ct", 1.0),
    ("Place", "Pl", 1.0),
    ("Terrace", "Tce", 0.7),
    ("Gardens", "Gdns", 0.5),
    ("Grove", "Gr", 0.5),
    ("Square", "Sq", 0.3),
)
#: Share of customers in each trap.
TRAP_RATES: dict[str, float] = {"namesake": 0.03, "family": 0.06, "twin": 0.01}
_PHONE_PLANS: dict[str, list[tuple[str, int]]] = {
    "GB": [("7400", 6), ("7500", 6), ("7712", 6), ("7800", 6), ("7900", 6)],
    "US": [("4152", 6), ("2125", 6), ("3127", 6), ("6172", 6), ("2063", 6), ("7138", 6)],
    "AU": [("412", 6), ("423", 6), ("433", 6), ("447", 6), ("458", 6)],
}
_DOMAINS: dict[str, tuple[tuple[str, float], ...]] = {
    "GB": (
        ("gmail.com", 4),
        ("hotmail.co.uk", 2),
        ("yahoo.co.uk", 1),
        ("btinternet.com", 1),
        ("outlook.com", 1),
        ("sky.com", 0.5),
    ),
    "US": (
        ("gmail.com", 4),
        ("yahoo.com", 2),
        ("hotmail.com", 1),
        ("outlook.com", 1),
        ("aol.com", 0.5),
        ("icloud.com", 1),
    ),
    "AU": (
        ("gmail.com", 4),
        ("bigpond.com", 1.5),
        ("hotmail.com", 1),
        ("outlook.com", 1),
        ("optusnet.com.au", 0.5),
    ),
}
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)


def _weighted(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = np.array([v for v, _ in table], dtype=object)
    w = np.array([float(x) for _, x in table])
    return values[rng.choice(len(values), size=n, p=w / w.sum())]


def draw_addresses(rng: np.random.Generator, country: np.ndarray) -> pd.DataFrame:
    """One postal address per row of ``country``: street parts and a matching city row.

    Returns
    -------
    pandas.DataFrame
        ``root, suffix`` (index into :data:`STREET_SUFFIXES`), ``house, unit`` (0: none),
        ``city, county, postcode``.

    Example
    -------
    >>> a = draw_addresses(np.random.default_rng(0), np.array(["GB", "US", "AU"], dtype=object))
    >>> a.columns.tolist()
    ['root', 'suffix', 'house', 'unit', 'city', 'county', 'postcode']
    """
    n = len(country)
    w = np.array([s[2] for s in STREET_SUFFIXES])
    out = pd.DataFrame(
        {
            "root": np.empty(n, dtype=object),
            "suffix": rng.choice(len(w), size=n, p=w / w.sum()),
            "house": 1 + np.minimum(rng.geometric(0.03, size=n), 2999),
            "unit": np.where(rng.random(n) < 0.12, rng.integers(1, 40, size=n), 0),
            "city": np.empty(n, dtype=object),
            "county": np.empty(n, dtype=object),
            "postcode": np.empty(n, dtype=object),
        }
    )
    for c, (locale, _, _) in COUNTRIES.items():
        m = country == c
        k = int(m.sum())
        if not k:
            continue
        pools = locale_pools(locale)
        out.loc[m, "root"] = pools.street_roots[rng.integers(0, len(pools.street_roots), size=k)]
        ci = rng.choice(len(pools.cities), size=k, p=pools.cities["weight"].to_numpy())
        row = pools.cities.iloc[ci]
        stem = pd.Series(row["postcode"].to_numpy(dtype=object), dtype=object)
        if c == "GB":
            a, b = rng.integers(0, len(_INWARD_LETTERS), size=(2, k))
            post = (
                stem
                + " "
                + pd.Series(rng.integers(0, 10, size=k)).astype(str)
                + _INWARD_LETTERS[a]
                + _INWARD_LETTERS[b]
            )
        elif c == "US":
            post = stem + pd.Series(rng.integers(0, 100, size=k)).astype(str).str.zfill(2)
        else:
            post = stem
        out.loc[m, "city"] = row["city"].to_numpy(dtype=object)
        out.loc[m, "county"] = row["region"].to_numpy(dtype=object)
        out.loc[m, "postcode"] = post.to_numpy(dtype=object)
    return out


def address_lines(
    country: np.ndarray, a: pd.DataFrame, abbrev: np.ndarray, drop_unit: np.ndarray
) -> np.ndarray:
    """First address line as each country writes it (``Flat 3, 27 Harper Road``,
    ``1204 Harper Avenue Apt 5``, ``5/27 Harper Street``).

    Example
    -------
    >>> a = pd.DataFrame({"root": ["Harper"], "suffix": [1], "house": [27], "unit": [3]})
    >>> address_lines(np.array(["GB"]), a, np.array([True]), np.array([False])).tolist()
    ['Flat 3, 27 Harper Rd']
    """
    full = np.array([s[0] for s in STREET_SUFFIXES], dtype=object)
    short = np.array([s[1] for s in STREET_SUFFIXES], dtype=object)
    idx = a["suffix"].to_numpy()
    suffix = pd.Series(np.where(abbrev, short[idx], full[idx]), dtype=object)
    house = pd.Series(a["house"].to_numpy()).astype(str)
    unit = pd.Series(a["unit"].to_numpy()).astype(str)
    base = house + " " + pd.Series(a["root"].to_numpy(dtype=object), dtype=object) + " " + suffix
    has_unit = (a["unit"].to_numpy() > 0) & ~np.asarray(drop_unit, dtype=bool)
    line = np.where(
        country == "GB",
        "Flat " + unit + ", " + base,
        np.where(country == "US", base + " Apt " + unit, unit + "/" + base),
    )
    return np.where(has_unit, line, base).astype(object)


class _Picker:
    """Draws trap members without replacement, in a seeded order, optionally from one country."""

    def __init__(self, rng: np.random.Generator, country: np.ndarray) -> None:
        self.order = rng.permutation(len(country))
        self.free = np.ones(len(country), dtype=bool)
        self.country = country

    def any(self, k: int) -> np.ndarray:
        out = self.order[self.free[self.order]][:k]
        self.free[out] = False
        return out

    def like(self, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A partner from the same country for each anchor (anchors without one are dropped)."""
        out = np.full(len(anchors), -1, dtype=np.int64)
        for c in COUNTRIES:
            m = np.flatnonzero(self.country[anchors] == c)
            cand = self.order[self.free[self.order] & (self.country[self.order] == c)][: len(m)]
            out[m[: len(cand)]] = cand
            self.free[cand] = False
        keep = out >= 0
        return anchors[keep], out[keep]


def _redraw_given(
    rng: np.random.Generator, e: pd.DataFrame, rows: np.ndarray, avoid: np.ndarray
) -> None:
    """New given names for ``rows`` (by their country and gender), different from ``avoid``."""
    for _ in range(8):
        same = e.loc[rows, "given"].to_numpy(dtype=object) == avoid
        if not same.any():
            return
        for c, (locale, _, _) in COUNTRIES.items():
            for g in ("M", "F"):
                m = (
                    same
                    & (e.loc[rows, "country"].to_numpy() == c)
                    & (e.loc[rows, "gender"].to_numpy() == g)
                )
                if m.any():
                    e.loc[rows[m], "given"] = locale_pools(locale).first[g].draw(rng, int(m.sum()))


_HOME = ["root", "suffix", "house", "unit", "city", "county", "postcode"]


def _traps(rng: np.random.Generator, e: pd.DataFrame) -> None:
    n = len(e)
    country = e["country"].to_numpy(dtype=object)
    pick = _Picker(rng, country)
    trap = np.full(n, "", dtype=object)
    head = np.full(n, -1, dtype=np.int64)
    # households: a head and 1-3 members at the same address with the same surname
    n_house = max(1, round(TRAP_RATES["family"] * n / 2.6))
    sizes = rng.choice([2, 3, 4], size=n_house, p=[0.6, 0.25, 0.15])
    heads = pick.any(n_house)
    head_of, members = pick.like(np.repeat(heads, sizes[: len(heads)] - 1))
    e.loc[members, [*_HOME, "family"]] = e.loc[head_of, [*_HOME, "family"]].to_numpy()
    spouse = rng.random(len(members)) < 0.5
    head_birth = e.loc[head_of, "birth"].to_numpy().astype("datetime64[D]")
    delta = np.where(
        spouse,
        rng.integers(-8 * 365, 8 * 365, size=len(members)),
        rng.integers(20 * 365, 40 * 365, size=len(members)),
    )
    e.loc[members, "birth"] = np.minimum(
        head_birth + delta.astype("timedelta64[D]"), np.datetime64("2006-11-30")
    )
    _redraw_given(rng, e, members, e.loc[head_of, "given"].to_numpy(dtype=object))
    trap[heads] = trap[members] = "family"
    head[members] = head_of
    # twins: surname, address and birth date shared, given names differ
    a, b = pick.like(pick.any(max(1, round(TRAP_RATES["twin"] * n / 2))))
    e.loc[b, [*_HOME, "family", "birth"]] = e.loc[a, [*_HOME, "family", "birth"]].to_numpy()
    _redraw_given(rng, e, b, e.loc[a, "given"].to_numpy(dtype=object))
    trap[a] = trap[b] = "twin"
    # namesakes: a very common name in the same city, nothing else shared
    leaders = pick.any(max(1, round(TRAP_RATES["namesake"] * n / 2.3)))
    for c in COUNTRIES:
        for g in ("M", "F"):
            m = leaders[(country[leaders] == c) & (e.loc[leaders, "gender"].to_numpy() == g)]
            first = np.array(COMMON_FIRST[c][g][:4], dtype=object)
            last = np.array(COMMON_LAST[c][:4], dtype=object)
            e.loc[m, "given"] = first[rng.integers(0, len(first), size=len(m))]
            e.loc[m, "family"] = last[rng.integers(0, len(last), size=len(m))]
    extra = leaders[rng.random(len(leaders)) < 0.3]  # some names are shared three times
    lead_of, followers = pick.like(np.concatenate([leaders, extra]))
    cols = ["given", "family", "gender", "city", "county"]
    e.loc[followers, cols] = e.loc[lead_of, cols].to_numpy()
    own = e.loc[followers, "postcode"].astype(str)
    theirs = e.loc[lead_of, "postcode"].astype(str).to_numpy(dtype=object)
    c = country[followers]
    e.loc[followers, "postcode"] = np.where(
        c == "GB",
        pd.Series(theirs, dtype=object).str.split(" ").str[0] + " " + own.str[-3:].to_numpy(),
        np.where(
            c == "US", pd.Series(theirs, dtype=object).str[:3] + own.str[3:].to_numpy(), theirs
        ),
    )
    trap[leaders] = trap[followers] = "namesake"
    e["trap"] = trap
    e["head"] = head
    e["shared_email"] = (head >= 0) & (rng.random(n) < 0.25)


def make_webshop_entities(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw ``n`` web-shop customers with their hidden attributes and traps.

    Returns
    -------
    pandas.DataFrame
        One row per customer (index = eid 0..n-1): ``entity_id, country, region, gender, given,
        family, birth`` and the address columns of :func:`draw_addresses`, the moved-to address
        as ``alt_*``, ``phone`` (national number or ""), ``email, email_alt``, ``first_date,
        last_date, inactive, minor, trap, shared_email, head``.

    Example
    -------
    >>> e = make_webshop_entities(400, np.random.default_rng(1))
    >>> bool((e["email"] != e["email_alt"]).all()), set(e["trap"]) >= {"family", "twin"}
    (True, True)
    """
    names = list(COUNTRIES)
    share = np.array([COUNTRIES[c][1] for c in names])
    country = np.array(names, dtype=object)[rng.choice(len(names), size=n, p=share)]
    gender = np.where(rng.random(n) < 0.5, "M", "F").astype(object)
    e = pd.DataFrame({"entity_id": entity_ids(n), "country": country, "region": "OTHER"})
    e["gender"] = gender
    given, family = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for c, (locale, _, _) in COUNTRIES.items():
        pools = locale_pools(locale)
        m = country == c
        family[m] = pools.last.draw(rng, int(m.sum()))
        for g in ("M", "F"):
            mg = m & (gender == g)
            given[mg] = pools.first[g].draw(rng, int(mg.sum()))
    e["given"], e["family"] = given, family
    e["birth"] = day_range(rng, "1940-01-01", "2006-11-30", n)
    e = pd.concat([e, draw_addresses(rng, country)], axis=1)
    alt = draw_addresses(rng, country).add_prefix("alt_")
    e = pd.concat([e, alt], axis=1)
    _traps(rng, e)
    country = e["country"].to_numpy(dtype=object)
    phone = np.full(n, "", dtype=object)
    for c in COUNTRIES:
        m = np.flatnonzero(country == c)
        has = m[rng.random(len(m)) < 0.27]
        phone[has] = mobile_numbers(rng, len(has), _PHONE_PLANS[c])
    e["phone"] = phone
    dom = np.empty(2 * n, dtype=object)
    for c in COUNTRIES:
        m = np.concatenate([country == c, country == c])
        dom[m] = _weighted(rng, _DOMAINS[c], int(m.sum()))
    gf, ff = ascii_fold(e["given"].to_numpy()), ascii_fold(e["family"].to_numpy())
    mails = unique_emails(rng, np.concatenate([gf, gf]), np.concatenate([ff, ff]), dom)
    e["email"], e["email_alt"] = mails[:n], mails[n:]
    heads = e["head"].to_numpy()
    share = e["shared_email"].to_numpy()
    e.loc[share, "email"] = e["email"].to_numpy(dtype=object)[heads[share]]
    inactive = rng.random(n) < 0.10
    last = np.where(
        inactive,
        day_range(rng, "2016-01-01", "2023-10-31", n),
        day_range(rng, "2024-01-01", "2026-10-31", n),
    )
    span = (last - np.datetime64("2014-01-01", "D")).astype(np.int64)
    e["first_date"] = last - (rng.random(n) * span).astype("timedelta64[D]")
    e["last_date"], e["inactive"], e["minor"] = last, inactive, False
    return e
