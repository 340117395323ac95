"""Phone numbers -> E.164 with ``phonenumbers``, vectorized over a Series.

Accepted shapes: ``+86`` / ``0086`` / ``86`` prefixes, spaces, dashes, dots and brackets, Excel floats
(``1.3812345678E10``, ``13812345678.0``), landlines with area codes (``010-12345678``,
``0755-8888 8888``) and foreign numbers with their ``+`` country code or the record's country.

Validity is ``phonenumbers.is_valid_number`` (so unassigned ranges such as 140-144 or 174xxxx are
rejected, which the naive ``1[3-9]\\d{9}`` would accept). Fast path: the common clean Chinese mobile
shape is checked with the library's own CN metadata patterns compiled once and applied to the whole
array (same verdict as ``is_valid_number`` + ``number_type``, pinned by a test); everything else goes
through ``phonenumbers.parse`` once per distinct value.

Reason codes: ``PHONE_UNPARSEABLE`` (no number could be read), ``PHONE_INVALID`` (read but not a
valid number for its region).

Example
-------
>>> import pandas as pd
>>> clean_phone(pd.Series(["138 1234 5678", "010-12345678", "14012345678"])).values.tolist()
[['+8613812345678', 'mobile', None], ['+861012345678', 'landline', None], [None, None, 'PHONE_INVALID']]
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers as pn
from phonenumbers import PhoneNumberType

from ..errors import ParamsError
from ._common import normalize_text, obj

__all__ = ["clean_phone", "PHONE_COLUMNS", "check_region"]

PHONE_COLUMNS = ["phone", "phone_type", "reason"]

_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
}
_CN = pn.PhoneMetadata.metadata_for_region("CN")
_CN_MOBILE = _CN.mobile.national_number_pattern
_CN_FIXED = _CN.fixed_line.national_number_pattern
_FAST = re.compile(r"^(?:\+86|0086|86)?(1\d{10})$")
_EXCEL_EXP = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")
_EXCEL_DOT0 = re.compile(r"(\+?\d+)\.0+")
_SEPARATORS = r"[\s\-\.\(\)/]"


def check_region(region: str, where: str) -> str:
    """Return ``region`` if phonenumbers knows it as a region code, else raise ParamsError."""
    known = pn.SUPPORTED_REGIONS
    if region not in known:
        raise ParamsError(where, f"received {region!r}, not a phone region known to phonenumbers; "
                                 f"use an ISO 3166 alpha-2 code such as 'CN', 'DE' or 'GB'")
    return region


def _excel_fix(v: str) -> str:
    """Undo Excel's float rendering of a phone number (only when it is an integral float)."""
    if _EXCEL_EXP.fullmatch(v):
        f = float(v)
        if f.is_integer():
            return str(int(f))
    m = _EXCEL_DOT0.fullmatch(v)
    return m.group(1) if m else v


def _slow(value: str, region: str) -> tuple[str | None, str | None, str | None]:
    try:
        num = pn.parse(value, region)
    except pn.NumberParseException:
        return None, None, "PHONE_UNPARSEABLE"
    if not pn.is_valid_number(num):
        return None, None, "PHONE_INVALID"
    kind = _TYPES.get(pn.number_type(num), "other")
    return pn.format_number(num, pn.PhoneNumberFormat.E164), kind, None


def _clean_region(s: pd.Series, region: str) -> pd.DataFrame:
    """Clean the values of one region (``s`` already normalized, non-null)."""
    codes, uniques = pd.factorize(s)
    u = pd.Series(uniques, dtype=object)
    # Excel floats only on the few values carrying '.' or 'E'.
    odd = u.str.contains(r"[.eE]", regex=True).to_numpy()
    if odd.any():
        u[odd] = [_excel_fix(v) for v in u[odd]]
    u = u.str.replace(_SEPARATORS, "", regex=True)
    phone = np.full(len(u), None, dtype=object)
    kind = np.full(len(u), None, dtype=object)
    reason = np.full(len(u), None, dtype=object)
    done = np.zeros(len(u), dtype=bool)
    if region == "CN":
        national = u.str.extract(_FAST.pattern, expand=False)
        shaped = national.notna().to_numpy()
        if shaped.any():
            nat = national[shaped]
            mobile = (nat.str.fullmatch(_CN_MOBILE) & ~nat.str.fullmatch(_CN_FIXED)).to_numpy()
            idx = np.flatnonzero(shaped)[mobile]
            phone[idx] = ("+86" + nat[mobile]).to_numpy(dtype=object)
            kind[idx] = "mobile"
            done[idx] = True
    for i in np.flatnonzero(~done):
        phone[i], kind[i], reason[i] = _slow(u.iat[i], region)
    return pd.DataFrame({"phone": phone[codes], "phone_type": kind[codes], "reason": reason[codes]},
                        index=s.index)


def clean_phone(s: pd.Series, default_region: str = "CN", region: pd.Series | None = None) -> pd.DataFrame:
    """Standardize phone numbers to E.164.

    Parameters
    ----------
    s : Series
        Raw phone strings (None for missing).
    default_region : str
        Region used to read numbers without a country code (ISO alpha-2, default ``"CN"``).
    region : Series, optional
        Per-record region (e.g. the record's standardized country); missing or unknown entries fall
        back to ``default_region``.

    Returns
    -------
    DataFrame
        Columns ``phone`` (E.164), ``phone_type`` (mobile/landline/other), ``reason`` (None when valid
        or absent), same index as ``s``.

    Example
    -------
    >>> import pandas as pd
    >>> clean_phone(pd.Series(["1.3812345678E10", "0049 30 12345678"]))["phone"].tolist()
    ['+8613812345678', '+493012345678']
    """
    check_region(default_region, "clean_phone.default_region")
    text = normalize_text(s)
    regions = np.full(len(s), default_region, dtype=object)
    if region is not None:
        r = obj(region)
        ok = pd.Series(r, dtype=object).isin(sorted(pn.SUPPORTED_REGIONS)).to_numpy()
        regions[ok] = r[ok]
    out = pd.DataFrame({c: np.full(len(s), None, dtype=object) for c in PHONE_COLUMNS}, index=s.index)
    present = text.notna().to_numpy()
    for reg in sorted(set(regions[present])):
        sel = present & (regions == reg)
        part = _clean_region(text[sel], reg)
        out.loc[sel, PHONE_COLUMNS] = part[PHONE_COLUMNS].to_numpy()
    return out

