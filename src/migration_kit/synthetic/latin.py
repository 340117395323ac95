"""Latin-script value pools for the ``webshop_en`` and ``membership`` shapes, built once with Faker.

Names come with frequencies (Faker's own weights where it has them, else a Zipf law over the
provider's list, with a locale's very common names on top), so common names repeat the way they do
in a real customer base. Cities come as a table with their county/state and postcode stem, so a
person's city, region and postcode agree. Every list is sorted or drawn from a seeded Faker, so the
pools are the same in every process (no set order, no hash seed).

Example
-------
>>> p = locale_pools("en_GB")
>>> p.country, len(p.first["F"].values) > 100, p.cities.columns.tolist()
('GB', True, ['city', 'region', 'postcode', 'weight'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COMMON_FIRST", "COMMON_LAST", "NICKNAMES", "LocalePools", "NamePool", "locale_pools"]

#: Formal given name -> nicknames and short forms (the nickname variant picks one).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Richard": ("Rick", "Rich", "Dick"),
    "Thomas": ("Tom", "Tommy"),
    "Michael": ("Mike", "Mick"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Catherine": ("Cathy", "Kate", "Cath"),
    "Jennifer": ("Jen", "Jenny"),
    "Christopher": ("Chris",),
    "Matthew": ("Matt",),
    "Daniel": ("Dan", "Danny"),
    "Joseph": ("Joe", "Joey"),
    "Anthony": ("Tony",),
    "Edward": ("Ed", "Ted", "Eddie"),
    "Alexander": ("Alex",),
    "Benjamin": ("Ben",),
    "Samuel": ("Sam",),
    "Nicholas": ("Nick",),
    "Jonathan": ("Jon",),
    "Timothy": ("Tim",),
    "Patricia": ("Pat", "Trish"),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Jessica": ("Jess",),
    "Samantha": ("Sam",),
    "Alexandra": ("Alex", "Lexi"),
    "Charles": ("Charlie", "Chuck"),
    "Andrew": ("Andy", "Drew"),
    "Steven": ("Steve",),
    "Stephen": ("Steve",),
    "David": ("Dave",),
    "Peter": ("Pete",),
    "Jacqueline": ("Jackie",),
    "Kimberly": ("Kim",),
    "Christine": ("Chris", "Tina"),
    "Gregory": ("Greg",),
    "Zachary": ("Zach",),
    "Abigail": ("Abby",),
    "Frederick": ("Fred", "Freddie"),
}
#: Very common given names per country and gender (top of the frequency table, namesake trap).
COMMON_FIRST: dict[str, dict[str, tuple[str, ...]]] = {
    "GB": {
        "M": ("David", "John", "James", "Michael", "Robert", "Thomas", "William", "Richard"),
        "F": ("Sarah", "Elizabeth", "Margaret", "Emma", "Susan", "Catherine", "Rebecca", "Claire"),
    },
    "US": {
        "M": ("James", "Robert", "John", "Michael", "William", "David", "Richard", "Joseph"),
        "F": ("Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Susan", "Jessica", "Sarah"),
    },
    "AU": {
        "M": ("David", "John", "Peter", "Michael", "Andrew", "James", "Matthew", "Daniel"),
        "F": ("Sarah", "Jessica", "Emma", "Rebecca", "Katherine", "Michelle", "Lisa", "Samantha"),
    },
    "DE": {
        "M": ("Thomas", "Michael", "Andreas", "Stefan", "Peter", "Christian", "Daniel", "Jürgen"),
        "F": ("Sabine", "Julia", "Anna", "Katharina", "Maria", "Monika", "Petra", "Lena"),
    },
}
#: Very common family names per country.
COMMON_LAST: dict[str, tuple[str, ...]] = {
    "GB": ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson"),
    "US": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia"),
    "AU": ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Schäfer"),
}
_LOCALE_COUNTRY = {"en_GB": "GB", "en_US": "US", "en_AU": "AU", "de_DE": "DE"}
_ALPHABETICAL = frozenset({"de_DE"})  # Faker lists in alphabetical, not frequency, order


@dataclass(frozen=True)
class NamePool:
    """Values with their probabilities (sum 1), in a stable order.

    Example
    -------
    >>> locale_pools("en_US").last.values[np.argmax(locale_pools("en_US").last.p)]
    'Smith'
    """

    values: np.ndarray
    p: np.ndarray

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` values drawn with replacement by frequency.

        Example
        -------
        >>> pool = NamePool(np.array(["a", "b"], dtype=object), np.array([1.0, 0.0]))
        >>> pool.draw(np.random.default_rng(0), 2).tolist()
        ['a', 'a']
        """
        return self.values[rng.choice(len(self.values), size=n, p=self.p)]


@dataclass(frozen=True)
class LocalePools:
    """Pools of one locale.

    Attributes
    ----------
    country : str
        ISO alpha-2 code of the locale's country.
    first : dict[str, NamePool]
        Given names per gender ("M", "F").
    last : NamePool
        Family names.
    street_roots : numpy.ndarray
        Words that street names are built from (family names, place words).
    cities : pandas.DataFrame
        ``city, region, postcode, weight``: a city with its county/state, its postcode stem
        (GB outward code, US 3-digit ZIP prefix, AU/DE full postcode) and a Zipf weight (sum 1).

    Example
    -------
    >>> p = locale_pools("en_AU")
    >>> p.country, bool(p.cities["postcode"].str.fullmatch(r"\\d{4}").all())
    ('AU', True)
    """

    country: str
    first: dict[str, NamePool]
    last: NamePool
    street_roots: np.ndarray
    cities: pd.DataFrame


def _pool(names: Any, common: Sequence[str], rng: np.random.Generator, shuffle: bool) -> NamePool:
    """Frequencies from Faker's weights (OrderedDict) or a Zipf law over the list (shuffled first,
    seeded, when the list is alphabetical); ``common`` names get the top ranks."""
    w: np.ndarray
    if isinstance(names, dict):
        values = [str(k) for k in names]
        w = np.array([float(v) for v in names.values()]) ** 0.8  # flatter: Faker lists are short
    else:
        values = [str(v) for v in names]
        if shuffle:
            values = [values[i] for i in rng.permutation(len(values))]
        w = 1.0 / (np.arange(len(values)) + 20.0)
    seen = dict(zip(values, w, strict=True))
    top = float(max(seen.values())) * 1.2
    for k, name in enumerate(common):
        seen[name] = top / (1.0 + 0.15 * k)
    uniq = sorted(seen)
    p = np.array([seen[v] for v in uniq])
    return NamePool(np.array(uniq, dtype=object), p / p.sum())


def _cities(fake: Any, country: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    rows: dict[str, tuple[str, str]] = {}
    listed = getattr(fake.provider("faker.providers.address"), "cities", None)
    names = sorted(set(listed)) if listed else []
    for _ in range(n * 4):
        if len(rows) >= n:
            break
        city = names[int(rng.integers(0, len(names)))] if names else fake.city()
        if city in rows:
            continue
        if country == "GB":
            region, post = fake.county(), fake.postcode().split(" ")[0]
        elif country == "US":
            region = fake.state_abbr(include_territories=False)
            post = fake.zipcode_in_state(region)[:3]
        elif country == "AU":
            region, post = fake.state_abbr(), fake.postcode()
        else:
            region, post = "", fake.postcode()
        rows[city] = (str(region), str(post))
    cities = sorted(rows)
    order = rng.permutation(len(cities))  # which cities are big: seeded, not alphabetical
    w = np.empty(len(cities))
    w[order] = 1.0 / (np.arange(len(cities)) + 3.0)
    return pd.DataFrame(
        {
            "city": np.array(cities, dtype=object),
            "region": np.array([rows[c][0] for c in cities], dtype=object),
            "postcode": np.array([rows[c][1] for c in cities], dtype=object),
            "weight": w / w.sum(),
        }
    )


@lru_cache(maxsize=8)
def locale_pools(locale: str, n_cities: int = 240, seed: int = 0) -> LocalePools:
    """Build the pools of one Faker locale (cached).

    Parameters
    ----------
    locale : {"en_GB", "en_US", "en_AU", "de_DE"}
    n_cities : int
        Cities in the city table.
    seed : int
        Seed of Faker and of the list shuffles (the numpy seed of a run drives every draw).

    Returns
    -------
    LocalePools

    Example
    -------
    >>> p = locale_pools("de_DE", n_cities=30)
    >>> len(p.cities), bool(p.cities["postcode"].str.fullmatch(r"\\d{5}").all())
    (30, True)
    """
    from faker import Faker

    country = _LOCALE_COUNTRY[locale]
    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    person = fake.provider("faker.providers.person")
    shuffle = locale in _ALPHABETICAL
    first = {
        "M": _pool(person.first_names_male, COMMON_FIRST[country]["M"], rng, shuffle),
        "F": _pool(person.first_names_female, COMMON_FIRST[country]["F"], rng, shuffle),
    }
    last = _pool(person.last_names, COMMON_LAST[country], rng, shuffle)
    roots = sorted({str(v) for v in person.last_names} | {str(v) for v in person.first_names})
    roots = [r for r in roots if r.isalpha() and len(r) >= 4]
    return LocalePools(
        country=country,
        first=first,
        last=last,
        street_roots=np.array(roots, dtype=object),
        cities=_cities(fake, country, n_cities, rng),
    )
