"""Value pools built once with Faker, then sampled with numpy.

Calling Faker per record costs 250-870 us; building a few thousand values once and sampling
indices with ``numpy.random.Generator`` is what makes a million entities take seconds.

Chinese name characters are kept only when they have a single pinyin reading and both their
simplified and traditional (OpenCC s2t) forms encode in GBK, so a pinyin spelling is unambiguous
and the GBK-encoded web export never fails.

Example
-------
>>> p = build_pools(0)
>>> len(p.surnames) > 50 and len(p.given_chars["M"]) > 20
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .regions import FOREIGN

if TYPE_CHECKING:  # build_pools imports faker itself; here only for the annotation
    from faker import Faker

__all__ = ["CN_EMAIL_DOMAINS", "COMMON_NAMES", "Pools", "build_pools"]

#: Very common full names (namesake trap): (name, gender).
COMMON_NAMES: tuple[tuple[str, str], ...] = (
    ("王伟", "M"),
    ("李娜", "F"),
    ("张敏", "F"),
    ("王芳", "F"),
    ("李伟", "M"),
    ("张伟", "M"),
    ("刘洋", "M"),
    ("王静", "F"),
    ("李静", "F"),
    ("张丽", "F"),
    ("王磊", "M"),
    ("刘伟", "M"),
)
CN_EMAIL_DOMAINS: tuple[str, ...] = (
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "139.com",
    "outlook.com",
    "gmail.com",
)
_FOREIGN_DOMAINS: dict[str, tuple[str, ...]] = {
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de"),
    "FR": ("gmail.com", "orange.fr", "free.fr", "laposte.net"),
    "IT": ("gmail.com", "libero.it", "virgilio.it"),
    "ES": ("gmail.com", "hotmail.es", "telefonica.net"),
    "NL": ("gmail.com", "ziggo.nl", "kpnmail.nl"),
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com"),
    "GB": ("gmail.com", "btinternet.com", "outlook.com"),
    "AU": ("gmail.com", "bigpond.com", "outlook.com"),
    "CA": ("gmail.com", "rogers.com", "outlook.com"),
}
_US_LIKE_PROVINCE = {"US": "state_abbr", "AU": "state_abbr", "CA": "province_abbr"}


@dataclass(frozen=True)
class Pools:
    """Sampled value pools (numpy object arrays), all in a stable order.

    Attributes
    ----------
    surnames, surname_py, surname_trad : numpy.ndarray
        Chinese family names with their pinyin and traditional forms (aligned).
    given_chars, given_py, given_trad : dict[str, numpy.ndarray]
        Per gender ("M"/"F"): characters for given names, pinyin, traditional form.
    streets : numpy.ndarray
        Chinese street names (e.g. 建国路).
    org_prefixes : numpy.ndarray
        Chinese trade-name prefixes for club names.
    latin : dict[str, dict[str, numpy.ndarray]]
        Per country: ``first_M``, ``first_F``, ``last``, ``domains``.
    addresses : dict[str, pandas.DataFrame]
        Per country: ``street, city, province, zip``.
    """

    surnames: np.ndarray
    surname_py: np.ndarray
    surname_trad: np.ndarray
    given_chars: dict[str, np.ndarray]
    given_py: dict[str, np.ndarray]
    given_trad: dict[str, np.ndarray]
    streets: np.ndarray
    org_prefixes: np.ndarray
    latin: dict[str, dict[str, np.ndarray]]
    addresses: dict[str, pd.DataFrame]


def _gbk_ok(text: str) -> bool:
    try:
        text.encode("gbk")
        return True
    except UnicodeEncodeError:
        return False


def _chinese_chars(chars: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep single-reading, GBK-safe characters; return (chars, pinyin, traditional)."""
    import opencc
    from pypinyin import Style, pinyin

    s2t = opencc.OpenCC("s2t")
    keep, py, trad = [], [], []
    for ch in sorted(set(chars)):
        readings = pinyin(ch, heteronym=True, style=Style.NORMAL)[0]
        t = s2t.convert(ch)
        if (
            len(readings) == 1
            and readings[0].isascii()
            and readings[0].isalpha()
            and _gbk_ok(ch)
            and _gbk_ok(t)
        ):
            keep.append(ch)
            py.append(readings[0])
            trad.append(t)
    return np.array(keep, dtype=object), np.array(py, dtype=object), np.array(trad, dtype=object)


def _unique_sorted(values: list[str]) -> np.ndarray:
    return np.array(sorted(set(v for v in values if v)), dtype=object)


def _sort_set_built_lists(fake: Faker) -> None:
    """Sort provider lists Faker builds from sets (e.g. it_IT ``cities``): their order follows
    PYTHONHASHSEED, which would make the same seed give other cities in another process."""
    for provider in fake.providers:
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list):
            provider.cities = sorted(cities)


@lru_cache(maxsize=4)
def build_pools(seed: int = 0, per_locale: int = 400) -> Pools:
    """Build all pools with Faker seeded from ``seed`` (cached per seed).

    Parameters
    ----------
    seed : int
        Seed for ``Faker.seed_instance``.
    per_locale : int
        Faker draws per pool (names, addresses) and locale.

    Returns
    -------
    Pools

    Example
    -------
    >>> build_pools(0).addresses["DE"].columns.tolist()
    ['street', 'city', 'province', 'zip']
    """
    from faker import Faker

    zh = Faker("zh_CN")
    zh.seed_instance(seed)
    person = zh.provider("faker.providers.person")
    surnames = [s for s in person.last_names if len(s) == 1]
    sur, sur_py, sur_trad = _chinese_chars(surnames)
    given: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for g, names in (("M", person.first_names_male), ("F", person.first_names_female)):
        given[g] = _chinese_chars([c for name in names for c in name])
    streets = _unique_sorted([zh.street_name() for _ in range(per_locale)])
    streets = np.array([s for s in streets if _gbk_ok(s)], dtype=object)
    prefixes = _unique_sorted([zh.company_prefix() for _ in range(per_locale)])
    prefixes = np.array([s for s in prefixes if _gbk_ok(s)], dtype=object)

    latin: dict[str, dict[str, np.ndarray]] = {}
    addresses: dict[str, pd.DataFrame] = {}
    for country in sorted(FOREIGN):
        locale = FOREIGN[country][0]
        fk = Faker(locale)
        fk.seed_instance(seed)
        _sort_set_built_lists(fk)
        latin[country] = {
            "first_M": _unique_sorted([fk.first_name_male() for _ in range(per_locale)]),
            "first_F": _unique_sorted([fk.first_name_female() for _ in range(per_locale)]),
            "last": _unique_sorted([fk.last_name() for _ in range(per_locale)]),
            "domains": np.array(_FOREIGN_DOMAINS[country], dtype=object),
        }
        prov = _US_LIKE_PROVINCE.get(country)
        rows = [
            (
                fk.street_address().replace("\n", " "),
                fk.city(),
                getattr(fk, prov)() if prov else "",
                fk.postcode(),
            )
            for _ in range(per_locale)
        ]
        addresses[country] = pd.DataFrame(rows, columns=["street", "city", "province", "zip"])
    return Pools(
        surnames=sur,
        surname_py=sur_py,
        surname_trad=sur_trad,
        given_chars={g: v[0] for g, v in given.items()},
        given_py={g: v[1] for g, v in given.items()},
        given_trad={g: v[2] for g, v in given.items()},
        streets=streets,
        org_prefixes=prefixes,
        latin=latin,
        addresses=addresses,
    )
