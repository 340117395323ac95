"""Phone numbers -> E.164 with ``phonenumbers``, vectorized over a Series.

Accepted shapes: ``+86`` / ``0086`` / ``86`` prefixes, spaces, dashes, dots and brackets, Excel
floats (``1.3812345678E10``, ``13812345678.0``), landlines with area codes (``010-12345678``,
``0755-8888 8888``) and foreign numbers with their ``+`` country code or the record's country.

Validity is ``phonenumbers.is_valid_number`` (so unassigned ranges such as 140-144 or 174xxxx are
not valid, which the naive ``1[3-9]\\d{9}`` would accept). Validity is kept apart from
possibility: the metadata lags new allocations, so a number that is *possible* but not valid keeps
its E.164 value (for matching and suppression) with type ``other`` and ``PHONE_UNASSIGNED``, which
counts against validity (quality's ``valid`` check fails it, the value stays). Possible means both:

* ``phonenumbers.is_possible_number_with_reason`` is ``IS_POSSIBLE``: a full length of the
  country's numbering plan (not ``IS_POSSIBLE_LOCAL_ONLY``, a local number whose area code is
  missing, whose E.164 form would be wrong);
* the number lies in a block the metadata uses at that length: some number type of the country
  code (any of its regions) has numbers of this length starting with the same two national
  digits (:func:`_blocks`, read from the metadata's patterns). A country's lengths alone admit
  almost anything for CN (7-12 digits), DE (4-15) or JP (8-17): a CN mobile with a digit dropped
  (``1381234567``) or a float's stray ``0`` (``+86 138123456780``) would be kept; new ranges open
  inside blocks in use (CN ``14``/``17``, a UK ``07``, a US area code's first two digits), while
  the blocks a plan reserves (US ``37x`` and ``N9x`` area codes such as ``29x``) are not in use.

Everything else read as a number (too short or long for the plan, a block the plan does not use
at that length, a local-only length) is nulled with ``PHONE_INVALID``. Fast path: values of the
common Chinese mobile shape (optional +86/0086/86 and 11 digits starting with 1) are checked with
the library's own CN metadata patterns applied to the whole array: mobile pattern and not
fixed-line -> valid mobile; no type pattern at all -> possible (``PHONE_UNASSIGNED``) when its
first two digits open an 11-digit CN block (13-19), else invalid (same verdicts as the per-value
rule, pinned by a test; values that start like an international call, a carrier-selection code
and ``00`` such as ``17951 00...``, are left to the per-value path); likewise ``0`` + area code +
number matching only the fixed-line pattern -> valid landline. Everything else goes through
``phonenumbers.parse`` once per distinct value.

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
  invalid, sometimes possible and kept: a UK ``07911 123456`` read as CN is a Nanchang ``0791``
  number in an unknown range);
* scientific notation with fewer significant digits than the number it stands for (``1.34E+10``
  is 13400000000: Excel kept 3 of 11 digits; a float32 column's ``1.3812346e+10`` kept 8), a
  fraction (``1381234567.8``, ``1.3812345678E+9``) or a negative exponent cannot be a phone
  number's exact digits: ``PHONE_PRECISION_LOST``, no value. Trailing zeros of an exact integer
  (a value rounded before it was written as ``13812300000``) cannot be told from a real number.

Reason codes: ``PHONE_UNPARSEABLE`` (no number could be read), ``PHONE_INVALID`` (read but not
even possible for its region: nulled), ``PHONE_PRECISION_LOST`` (a float rendering that lost
digits or is not an integer: nulled), ``PHONE_UNASSIGNED`` (possible, as above, but in no range
the metadata knows as assigned, in any country: kept as E.164 with type ``other``, for matching
and withdrawal requests, and counted against validity). Decision: ``PHONE_UNASSIGNED`` is reused
for every country rather than adding a second code: its meaning, a number of the plan's shape in a
range the metadata does not list as assigned, is the same for a CN 140 mobile and a new UK range.

Example
-------
>>> import pandas as pd
>>> clean_phone(pd.Series(["138 1234 5678", "010-12345678", "14012345678"])).values.tolist()
[['+8613812345678', 'mobile', None], ['+861012345678', 'landline', None],
 ['+8614012345678', 'other', 'PHONE_UNASSIGNED']]
>>> clean_phone(pd.Series(["13812345678.0", "1.34E+10", "1381234567.8"]))["reason"].tolist()
[None, 'PHONE_PRECISION_LOST', 'PHONE_PRECISION_LOST']
>>> uk = clean_phone(pd.Series(["07627 489242", "07579 01892", "07911 1234567"]), "GB")
>>> uk.values.tolist()  # possible (kept) / a GB length in no block in use / too long
[['+447627489242', 'other', 'PHONE_UNASSIGNED'], [None, None, 'PHONE_INVALID'],
 [None, None, 'PHONE_INVALID']]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cache

import numpy as np
import pandas as pd
import phonenumbers as pn
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneNumberDesc, PhoneNumberType

from ..errors import ParamsError
from ._common import extract, fullmatch, normalized_uniques, obj, replace, to_object

__all__ = ["PHONE_COLUMNS", "PRECISION_LOST", "UNASSIGNED", "check_region", "clean_phone"]

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


#: The number types of a region's metadata: a national number matching none of them is invalid
#: (``is_valid_number`` is False when ``number_type`` is UNKNOWN).
_TYPE_DESCS = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)
#: Leading national digits that name a block of a numbering plan (see :func:`_blocks`).
_BLOCK_DIGITS = 2
#: Longest national significant number phonenumbers reads.
_MAX_NSN = 17
_TOKEN = re.compile(r"\\d|\[[^\]]*\]|\(\?:|[()|?]|\{\d+(?:,\d+)?\}|\d")
_DIGITS = "0123456789"

#: What a pattern matches, in short: ``(first _BLOCK_DIGITS digits, length)`` of its strings.
Blocks = frozenset[tuple[str, int]]
_EMPTY: Blocks = frozenset({("", 0)})


def _concat(a: Blocks, b: Blocks) -> Blocks:
    """Blocks of a string of ``a`` followed by one of ``b`` (longer than ``_MAX_NSN``: dropped)."""
    b_lengths = {lb for _, lb in b}
    out: set[tuple[str, int]] = set()
    for head, la in a:
        if la >= _BLOCK_DIGITS:  # the prefix is complete: only b's lengths matter
            out.update((head, la + lb) for lb in b_lengths if la + lb <= _MAX_NSN)
        else:
            out.update(
                ((head + pb)[:_BLOCK_DIGITS], la + lb) for pb, lb in b if la + lb <= _MAX_NSN
            )
    return frozenset(out)


def _char_class(token: str, pattern: str) -> Blocks:
    """Blocks of one digit token: ``7``, ``\\d`` or a class such as ``[02-9]``."""
    if token == r"\d":
        digits = _DIGITS
    elif token.startswith("["):
        body = token[1:-1]
        if not re.fullmatch(r"(?:\d-\d|\d)+", body):
            raise ValueError(f"phone metadata pattern {pattern!r}: class {token} not understood")
        digits = "".join(d for d in _DIGITS if re.fullmatch(token, d))
    else:
        digits = token
    return frozenset((d, 1) for d in digits)


def _pattern_blocks(pattern: str) -> Blocks:
    """``(first two digits, length)`` of every string a metadata pattern matches.

    phonenumbers' national-number patterns use digits, ``\\d``, classes, ``(?:...)``, ``|``,
    ``?`` and ``{m}`` / ``{m,n}``; anything else raises ValueError (a metadata change to look at,
    pinned by a test over every region).

    >>> sorted(_pattern_blocks(r"1(?:3\\d|4[57])\\d{2}|6\\d?"))[:4]
    [('13', 5), ('14', 5), ('6', 1), ('60', 2)]
    """
    tokens = _TOKEN.findall(pattern)
    if "".join(tokens) != pattern:
        raise ValueError(f"phone metadata pattern {pattern!r} not understood")
    stream: Iterator[str] = iter([*tokens, ""])
    return _alternation(stream, next(stream), pattern, top=True)[0]


def _alternation(
    stream: Iterator[str], tok: str, pattern: str, *, top: bool = False
) -> tuple[Blocks, str]:
    """Blocks of ``a|b|...`` up to the closing ``)`` (or the end at ``top``); the next token."""
    out: set[tuple[str, int]] = set()
    while True:
        branch, tok = _sequence(stream, tok, pattern)
        out |= branch
        if tok != "|":
            break
        tok = next(stream)
    if tok != ("" if top else ")"):
        raise ValueError(f"phone metadata pattern {pattern!r}: unbalanced group")
    return frozenset(out), next(stream) if not top else ""


def _sequence(stream: Iterator[str], tok: str, pattern: str) -> tuple[Blocks, str]:
    """Blocks of a concatenation of atoms (each with its ``?`` / ``{m,n}``); the next token."""
    acc = _EMPTY
    while tok not in ("|", ")", ""):
        if tok in ("(", "(?:"):
            atom, tok = _alternation(stream, next(stream), pattern)
        elif tok == "?" or tok.startswith("{"):
            raise ValueError(f"phone metadata pattern {pattern!r}: quantifier without atom")
        else:
            atom, tok = _char_class(tok, pattern), next(stream)
        while tok == "?" or tok.startswith("{"):
            if tok == "?":
                atom = atom | _EMPTY
            else:
                lo, _, hi = tok[1:-1].partition(",")
                rep, total = _EMPTY, set[tuple[str, int]]()
                for i in range(int(hi or lo)):
                    if i >= int(lo):
                        total |= rep
                    rep = _concat(rep, atom)
                atom = frozenset(total | rep) if int(hi or lo) else _EMPTY
            tok = next(stream)
        acc = _concat(acc, atom)
    return acc, tok


@cache
def _blocks(country_code: int) -> Blocks:
    """``(first two national digits, length)`` pairs of the numbers the metadata assigns to any
    number type of any region sharing ``country_code``: the blocks of its numbering plan in use.

    >>> ("14", 11) in _blocks(86), ("12", 11) in _blocks(86), ("37", 10) in _blocks(1)
    (True, False, False)
    """
    regions = pn.region_codes_for_country_code(country_code)
    metas = [
        pn.PhoneMetadata.metadata_for_nongeo_region(country_code)
        if r == pn.REGION_CODE_FOR_NON_GEO_ENTITY
        else pn.PhoneMetadata.metadata_for_region(r)
        for r in regions
    ]
    out: set[tuple[str, int]] = set()
    for meta in metas:
        for name in _TYPE_DESCS if meta is not None else ():
            desc = getattr(meta, name)
            if desc is None or not desc.national_number_pattern:
                continue
            lengths = set(desc.possible_length or ())
            out.update(
                b
                for b in _pattern_blocks(desc.national_number_pattern)
                if not lengths or b[1] in lengths
            )
    return frozenset(out)


def _possible(num: pn.PhoneNumber) -> bool:
    """A full length of the plan (``IS_POSSIBLE``) in a block in use (:func:`_blocks`)."""
    if pn.is_possible_number_with_reason(num) != pn.ValidationResult.IS_POSSIBLE:
        return False
    nsn = pn.national_significant_number(num)
    return (nsn[:_BLOCK_DIGITS], len(nsn)) in _blocks(num.country_code or 0)


_CN = pn.PhoneMetadata.metadata_for_region("CN")
if _CN is None:  # the metadata ships with phonenumbers
    raise ImportError("phonenumbers has no metadata for region CN")
_CN_MOBILE = _pattern(_CN.mobile)
_CN_FIXED = _pattern(_CN.fixed_line)
_CN_ANY = "|".join(
    f"(?:{d.national_number_pattern})"
    for d in (getattr(_CN, name) for name in _TYPE_DESCS)
    if d is not None and d.national_number_pattern
)
#: A number starting with CN's international prefix (``00``, or a carrier-selection code + ``00``).
_CN_IDD = f"(?:{_CN.international_prefix or '00'}).*"
#: An 11-digit CN national number starting with 1 in a block in use (13-19: the mobile blocks),
#: assigned or not: what the fast path keeps as possible.
_CN_POSSIBLE_1 = (
    "(?:" + "|".join(sorted(p for p, n in _blocks(86) if n == 11 and p.startswith("1"))) + r")\d{9}"
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
#: Reason code of a possible number in no range the metadata knows (the value is kept).
UNASSIGNED = "PHONE_UNASSIGNED"
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
        if _possible(num):  # the metadata lags new allocations: kept, counted against validity
            return pn.format_number(num, pn.PhoneNumberFormat.E164), "other", UNASSIGNED
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
        # no type's pattern; those that start like an international call from China (a
        # carrier-selection code + 00: 1795100...) are left to phonenumbers, which reads them so
        unknown = (
            ~pc.is_null(nat).to_numpy(zero_copy_only=False)
            & ~mobile
            & ~fullmatch(nat, _CN_ANY)
            & ~fullmatch(nat, _CN_IDD)
        )
        # 11 digits in a block in use (13-19) but in a range the metadata does not know (yet):
        # possible, kept for matching and suppression, and marked so validity counts it
        shaped = unknown & fullmatch(nat, _CN_POSSIBLE_1)
        out[shaped, 0] = np.char.add("+86", to_object(nat)[shaped].astype(str)).astype(object)
        out[shaped, 1] = "other"
        out[shaped, 2] = UNASSIGNED
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
