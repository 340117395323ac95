"""Phone numbers -> E.164 with ``phonenumbers``, vectorized over a Series.

Accepted shapes: ``+86`` / ``0086`` / ``86`` prefixes, spaces, dashes, dots and brackets, Excel
floats (``1.3812345678E10``, ``13812345678.0``), landlines with area codes (``010-12345678``,
``0755-8888 8888``) and foreign numbers with their ``+`` country code or the record's country.

Validity is ``phonenumbers.is_valid_number`` (so unassigned ranges such as 140-144 or 174xxxx are
rejected, which the naive ``1[3-9]\\d{9}`` would accept). Fast path: values of the common Chinese
mobile shape (optional +86/0086/86 and 11 digits starting with 1) are checked with the library's
own CN metadata patterns applied to the whole array: mobile pattern and not fixed-line -> valid
mobile; no type pattern at all -> invalid (same verdicts as ``is_valid_number`` +
``number_type``, pinned by a test); likewise ``0`` + area code + number matching only the
fixed-line pattern -> valid landline. Everything else goes through ``phonenumbers.parse`` once per
distinct value.

Numbers that went through a float (a numeric Excel cell, a float Parquet column, a CSV saved
from Excel) are read by their text, never by stripping its dot (``13812345678.0`` is not
``138123456780``):

* an integral float, ``13812345678.0`` (Parquet float64, pandas' text of an Excel number) or
  ``1.3812345678E+10`` with every digit written, is read as its integer digits **and not
  flagged**: a float64 holds every integer of up to 15 digits exactly (E.164 numbers have at most
  15), so the digits are the ones the cell held, and flagging every number of a numeric phone
  column would bury the real losses. What a number cell cannot hold is its leading ``0`` or
  ``+``: a Chinese landline's trunk 0 and a mobile's ``86`` are read the same without them; a
  foreign number whose ``+`` was lost reads as a national number of the record's country (often
  invalid);
* scientific notation with fewer significant digits than the number it stands for (``1.34E+10``
  is 13400000000: Excel kept 3 of 11 digits; a float32 column's ``1.3812346e+10`` kept 8), a
  fraction (``1381234567.8``, ``1.3812345678E+9``) or a negative exponent cannot be a phone
  number's exact digits: ``PHONE_PRECISION_LOST``, no value. Trailing zeros of an exact integer
  (a value rounded before it was written as ``13812300000``) cannot be told from a real number.

Reason codes: ``PHONE_UNPARSEABLE`` (no number could be read), ``PHONE_INVALID`` (read but not a
valid number for its region: nulled), ``PHONE_PRECISION_LOST`` (a float rendering that lost
digits or is not an integer: nulled), ``PHONE_UNASSIGNED`` (a Chinese mobile's shape, 11 digits
starting 1[3-9], in a range the metadata calls unassigned: kept as E.164 with type ``other``, for
matching and withdrawal requests, and counted against validity; the metadata lags new
allocations).

Example
-------
>>> import pandas as pd
>>> clean_phone(pd.Series(["138 1234 5678", "010-12345678", "14012345678"])).values.tolist()
[['+8613812345678', 'mobile', None], ['+861012345678', 'landline', None],
 ['+8614012345678', 'other', 'PHONE_UNASSIGNED']]
>>> clean_phone(pd.Series(["13812345678.0", "1.34E+10", "1381234567.8"]))["reason"].tolist()
[None, 'PHONE_PRECISION_LOST', 'PHONE_PRECISION_LOST']
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import phonenumbers as pn
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneNumberDesc, PhoneNumberType

from ..errors import ParamsError
from ._common import extract, fullmatch, normalized_uniques, obj, replace, to_object

__all__ = ["PHONE_COLUMNS", "PRECISION_LOST", "check_region", "clean_phone"]

PHONE_COLUMNS = ["phone", "phone_type", "reason"]

_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
}


def _pattern(desc: PhoneNumberDesc | None) -> str:
    """National-number regex of a CN metadata entry that must have one (import fails if not)."""
    if desc is None or desc.national_number_pattern is None:
        raise ImportError("the phonenumbers CN metadata lacks a mobile/fixed-line/general pattern")
    return desc.national_number_pattern


#: A Chinese mobile number's shape (national number), assigned or not.
_CN_MOBILE_SHAPE = r"1[3-9]\d{9}"

_CN = pn.PhoneMetadata.metadata_for_region("CN")
if _CN is None:  # the metadata ships with phonenumbers
    raise ImportError("phonenumbers has no metadata for region CN")
_CN_MOBILE = _pattern(_CN.mobile)
_CN_FIXED = _pattern(_CN.fixed_line)
# Every number-type pattern of CN: a national number matching none of them is invalid
# (is_valid_number returns False when number_type is UNKNOWN).
_CN_ANY = "|".join(
    f"(?:{d.national_number_pattern})"
    for d in (
        _CN.fixed_line,
        _CN.mobile,
        _CN.toll_free,
        _CN.premium_rate,
        _CN.shared_cost,
        _CN.personal_number,
        _CN.voip,
        _CN.pager,
        _CN.uan,
        _CN.voicemail,
    )
    if d is not None and d.national_number_pattern
)
_FAST = r"(?:\+86|0086|86)?(?P<n>1\d{10})"
_FAST_LANDLINE = r"0(?P<n>[1-9]\d{6,10})"  # trunk prefix 0 + area code + subscriber number
_CN_GENERAL = _pattern(_CN.general_desc)
_CN_OTHER = "|".join(
    f"(?:{d.national_number_pattern})"
    for d in (_CN.mobile, _CN.toll_free, _CN.premium_rate, _CN.shared_cost)
    if d is not None
)
# _pattern(_CN.fixed_line) above guarantees fixed_line is not None
_CN_FIXED_LENGTHS = pa.array(
    list(_CN.fixed_line.possible_length if _CN.fixed_line else ()), type=pa.int32()
)
_EXCEL_EXP = re.compile(r"(\d+)(?:\.(\d+))?[eE]([+-]?\d+)")
_EXCEL_DOT0 = re.compile(r"(\+?\d+)\.0+")
#: A decimal number with a fraction (a float's text), not digits grouped by dots (``138.1234.5678``,
#: ``0755.88888888`` do not match).
_DECIMAL = re.compile(r"[1-9]\d{5,}\.\d*[1-9]\d*")
#: Most digits a float rendering may stand for (E.164's 15 plus a ``00`` prefix).
_MAX_DIGITS = 17
#: Reason code of a float rendering that lost digits or is no integer (the value is nulled).
PRECISION_LOST = "PHONE_PRECISION_LOST"
_SEPARATORS = r"[\s\-\.\(\)/]"


def check_region(region: str, where: str) -> str:
    """Return ``region`` if phonenumbers knows it as a region code, else raise ParamsError."""
    known = pn.SUPPORTED_REGIONS
    if region not in known:
        raise ParamsError(
            where,
            f"received {region!r}, not a phone region known to phonenumbers; "
            f"use an ISO 3166 alpha-2 code such as 'CN', 'DE' or 'GB'",
        )
    return region


def _excel_fix(v: str) -> str | None:
    """Undo a float's rendering of a phone number: its integer digits, None when the rendering
    lost digits or is no integer (``PHONE_PRECISION_LOST``), ``v`` itself when it is no float.

    >>> _excel_fix("1.3812345678E+10"), _excel_fix("13812345678.0"), _excel_fix("1.34E+10")
    ('13812345678', '13812345678', None)
    """
    m = _EXCEL_EXP.fullmatch(v)
    if m:
        written = (m.group(1) + (m.group(2) or "")).lstrip("0")  # significant digits written
        try:
            value = Decimal(v)
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            return None
        if int(m.group(3)) > _MAX_DIGITS or value <= 0 or value != value.to_integral_value():
            return None
        digits = str(int(value))
        return digits if len(written) >= len(digits) else None
    m = _EXCEL_DOT0.fullmatch(v)
    if m:
        return m.group(1)
    return None if _DECIMAL.fullmatch(v) else v


def _slow(value: str, region: str) -> tuple[str | None, str | None, str | None]:
    try:
        num = pn.parse(value, region)
    except pn.NumberParseException:
        return None, None, "PHONE_UNPARSEABLE"
    if not pn.is_valid_number(num):
        return None, None, "PHONE_INVALID"
    kind = _TYPES.get(pn.number_type(num), "other")
    return pn.format_number(num, pn.PhoneNumberFormat.E164), kind, None


def _clean_values(u: pa.Array, region: str) -> np.ndarray:
    """Clean normalized distinct values of one region; return an (n, 3) object array."""
    out = np.full((len(u), 3), None, dtype=object)
    # Excel floats only on the few values carrying '.' or 'E'.
    odd = np.flatnonzero(
        pc.match_substring_regex(u, "[.eE]").fill_null(False).to_numpy(zero_copy_only=False)
    )
    lost = np.zeros(len(u), dtype=bool)
    if len(odd):
        values = to_object(u)
        fixed = [_excel_fix(v) for v in values[odd]]
        lost[odd] = [f is None for f in fixed]
        values[odd] = fixed
        u = pa.array(values, type=pa.string())
    u = replace(u, _SEPARATORS, "")
    todo = ~pc.is_null(u).to_numpy(zero_copy_only=False)
    if region == "CN":
        nat = pa.array(extract(u, _FAST)["n"], type=pa.string())
        mobile = fullmatch(nat, _CN_MOBILE) & ~fullmatch(nat, _CN_FIXED)
        out[mobile, 0] = np.char.add("+86", to_object(nat)[mobile].astype(str)).astype(object)
        out[mobile, 1] = "mobile"
        unknown = (
            ~pc.is_null(nat).to_numpy(zero_copy_only=False) & ~mobile & ~fullmatch(nat, _CN_ANY)
        )
        # a mobile's shape (11 digits, 1[3-9]) in a range the metadata does not know (yet):
        # possible, kept for matching and suppression, and marked so validity counts it
        shaped = unknown & fullmatch(nat, _CN_MOBILE_SHAPE)
        out[shaped, 0] = np.char.add("+86", to_object(nat)[shaped].astype(str)).astype(object)
        out[shaped, 1] = "other"
        out[shaped, 2] = "PHONE_UNASSIGNED"
        out[unknown & ~shaped, 2] = "PHONE_INVALID"
        todo &= ~mobile & ~unknown
        # CN landlines written with the trunk 0: fixed-line pattern and length, no other type's
        # pattern
        land = pa.array(extract(u, _FAST_LANDLINE)["n"], type=pa.string())
        length_ok = (
            pc.is_in(pc.utf8_length(land), value_set=_CN_FIXED_LENGTHS)
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
        )
        fixed = (
            todo
            & length_ok
            & fullmatch(land, _CN_GENERAL)
            & fullmatch(land, _CN_FIXED)
            & ~fullmatch(land, _CN_OTHER)
        )
        out[fixed, 0] = np.char.add("+86", to_object(land)[fixed].astype(str)).astype(object)
        out[fixed, 1] = "landline"
        todo &= ~fixed
    values = to_object(u)
    for i in np.flatnonzero(todo):
        out[i] = _slow(values[i], region)
    out[lost, 2] = PRECISION_LOST  # nulled above: a number that lost digits is no number
    return out


def clean_phone(
    s: pd.Series, default_region: str = "CN", region: pd.Series | None = None
) -> pd.DataFrame:
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
        Columns ``phone`` (E.164), ``phone_type`` (mobile/landline/other), ``reason`` (None when
        valid or absent), same index as ``s``.

    Example
    -------
    >>> import pandas as pd
    >>> clean_phone(pd.Series(["1.3812345678E10", "0049 30 12345678"]))["phone"].tolist()
    ['+8613812345678', '+493012345678']
    """
    check_region(default_region, "clean_phone.default_region")
    regions = np.full(len(s), default_region, dtype=object)
    if region is not None:
        r = obj(region)
        ok = pd.Series(r, dtype=object).isin(sorted(pn.SUPPORTED_REGIONS)).to_numpy()
        regions[ok] = r[ok]
    result = np.full((len(s), 3), None, dtype=object)
    for reg in sorted(set(regions)):
        sel = regions == reg
        part = s if sel.all() else s[sel]
        codes, u = normalized_uniques(part)
        cleaned = np.vstack([_clean_values(u, reg), np.full((1, 3), None, dtype=object)])
        result[sel] = cleaned[codes]
    return pd.DataFrame(result, index=s.index, columns=PHONE_COLUMNS)
