"""Amounts, counts, yes/no flags and gender codes, vectorized.

* :func:`clean_amount`: ``¥1,234.50``, ``￥1234.5``, ``RMB 1,234``, ``1234元``, ``€12.30``
  -> exact decimal (:data:`MONEY_DTYPE`).
* :func:`clean_count`: ``3``, ``3.0``, ``1,200`` -> Int64 (a fractional count is invalid).
* :func:`clean_boolean`: 是/否, 同意/不同意, yes/no, true/false, 1/0, Y/N -> nullable boolean.
* :func:`clean_gender`: 男/女, M/F, male/female, 先生/女士 -> ``"M"``/``"F"``.

Money is exact from reading to export
-------------------------------------
One representation everywhere money is held: a fixed-point decimal, **pyarrow
``decimal128(18, 2)``** (:data:`MONEY_TYPE`), in pandas as ``pd.ArrowDtype`` (:data:`MONEY_DTYPE`;
values are ``decimal.Decimal`` when taken out one by one). Its value is an integer of minor units
(cents, fen) with the declared scale 2, so:

* the source's written value is kept exactly: ``'¥1,792.56'`` is 1792.56, ``'1792.5'`` is 1792.50
  (always shown with two decimals: ``1792.50``), ``'1.5e+3'`` is 1500.00, ``'1792.560'`` is 1792.56
  (a trailing zero loses nothing);
* a value needing more than 2 decimals (``'12.345'``, ``'0.30000000000000004'``) or more than 16
  digits before the point (over 10^16; ``'90071992547409.93'``, 2^53 + 1 cents, is kept) is **not
  rounded**: it gets ``NUMBER_PRECISION`` in the failure table and no value;
* sums are exact (integers of minor units: :func:`money_units`, :func:`money_from_units`; golden
  records add a customer's records so), 1792.56 + 2033.47 is 3826.03;
* Parquet stores the column as ``decimal(18, 2)`` and the run folder reads it back as
  :data:`MONEY_DTYPE`; the buyer's CSV shows the decimal text (``3826.03``, never
  ``3826.0299999999997``, never scientific notation).

Why this type: it is exact and still columnar (Arrow computes on it in C++, 1M values in
milliseconds; no ``Decimal`` object per row), Parquet stores it natively, pyarrow writes its
decimal text into CSV, and 16 + 2 digits fit int64 minor units, where sums are plain integer
additions.

Parsing is vectorized over the distinct values (``pyarrow.compute``: one regular expression,
string lengths, one cast). A number is an optional sign, digits with an optional ``.`` fraction
and an optional exponent (``1.5E+06``, as spreadsheets write large numbers); commas are
thousands separators only, in groups of three (``1,234``; ``12,50`` and ``1.234,50`` are
``NUMBER_INVALID``, not 1250 or 1.234). Counts (:func:`clean_count`) are read the same way,
exactly, as integers below 10^18 (Int64).

Reason codes: ``NUMBER_INVALID``, ``NUMBER_NEGATIVE`` (value nulled; a refund is not a spend),
``NUMBER_PRECISION`` (more decimals than the scale, or too large: value nulled, never rounded),
``BOOLEAN_INVALID``, ``GENDER_INVALID``.

Example
-------
>>> import pandas as pd
>>> out = clean_amount(pd.Series(["¥1,792.56", "2033.47", "1792.5", "0.125", "-3"]))
>>> [str(v) for v in out["amount"]]
['1792.56', '2033.47', '1792.50', '<NA>', '<NA>']
>>> out["reason"].tolist()
[None, None, None, 'NUMBER_PRECISION', 'NUMBER_NEGATIVE']
>>> str(out["amount"].iloc[:2].sum())
'3826.03'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._common import NULL, normalized_uniques, replace, spread, to_object

__all__ = [
    "COUNT_DIGITS",
    "FALSE_WORDS",
    "GENDER_WORDS",
    "MONEY_DTYPE",
    "MONEY_PRECISION",
    "MONEY_SCALE",
    "MONEY_TYPE",
    "TRUE_WORDS",
    "clean_amount",
    "clean_boolean",
    "clean_count",
    "clean_gender",
    "is_money",
    "money_from_units",
    "money_units",
]

#: Decimal places of money: values are integers of minor units (cents, fen).
MONEY_SCALE = 2
#: Total digits of money: 16 before the point, 2 after (every value fits int64 minor units).
MONEY_PRECISION = 18
#: The Arrow (and Parquet) type of every money column.
MONEY_TYPE = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
#: The pandas dtype of every money column (``total_spent`` in std and golden records).
MONEY_DTYPE = pd.ArrowDtype(MONEY_TYPE)
#: Most digits of a count (Int64 holds every integer below 10^18 exactly).
COUNT_DIGITS = 18

TRUE_WORDS = frozenset({"是", "同意", "y", "yes", "true", "t", "1", "ja", "oui", "on"})
FALSE_WORDS = frozenset({"否", "不同意", "n", "no", "false", "f", "0", "nein", "non", "off"})
GENDER_WORDS = {
    "男": "M",
    "m": "M",
    "male": "M",
    "man": "M",
    "先生": "M",
    "男性": "M",
    "1": "M",
    "女": "F",
    "f": "F",
    "female": "F",
    "woman": "F",
    "女士": "F",
    "女性": "F",
    "2": "F",
}
_CURRENCY = r"(?i)rmb|cny|eur|usd|元|[¥$€£\s]"
#: A written number once currency and spaces are gone (RE2): sign, integer part (commas only as
#: thousands separators), fraction, exponent.
_NUMBER = (
    r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d*))?"
    r"(?:[eE](?P<esign>[+-]?)(?P<exp>\d+))?$"
)
_EXP_DIGITS = 4  # an exponent of 5 or more digits never fits: NUMBER_PRECISION
_REASONS = {"invalid": "NUMBER_INVALID", "precision": "NUMBER_PRECISION"}


def _lengths(arr: pa.Array) -> np.ndarray:
    """Characters of each string (0 for null)."""
    return np.asarray(pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False), np.int64)


def _mask(arr: pa.Array) -> np.ndarray:
    """Boolean Arrow array -> numpy bool (null -> False)."""
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _exact(u: pa.Array, scale: int, digits: int) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """Exact decimals of the distinct normalized texts ``u``, and why the others have none.

    Returns the values as ``decimal128(digits, scale)`` (null where absent, invalid, not fitting
    or negative) and boolean masks: ``invalid`` (present, not a number), ``decimals`` (needs more
    than ``scale`` decimals), ``large`` (more than ``digits - scale`` integer digits),
    ``negative`` (a fitting value below zero).
    """
    present = ~_mask(pc.is_null(u))
    parts = pc.extract_regex(replace(u, _CURRENCY, ""), _NUMBER)
    sign, whole, frac, esign, exp = parts.flatten()
    whole, frac = pc.replace_substring(whole, ",", "").fill_null(""), frac.fill_null("")
    mantissa = pc.binary_join_element_wise(whole, frac, "")
    invalid = present & (~_mask(pc.is_valid(parts)) | (_lengths(mantissa) == 0))
    # value = significant digits (mantissa without leading and trailing zeros) * 10^shift
    huge, tiny = _lengths(exp) > _EXP_DIGITS, _mask(pc.equal(esign, "-"))
    exp = pc.binary_join_element_wise("0", pc.if_else(pa.array(huge), "", exp.fill_null("")), "")
    exponent = np.asarray(pc.cast(exp, pa.int64()).to_numpy(zero_copy_only=False), np.int64)
    exponent = np.where(tiny, -exponent, exponent)
    significant = pc.utf8_trim(mantissa, "0")
    n_sig = _lengths(significant)
    trailing = _lengths(mantissa) - _lengths(pc.utf8_rtrim(mantissa, "0"))
    shift = exponent - _lengths(frac) + trailing
    zero = n_sig == 0
    number = present & ~invalid
    decimals = number & ~zero & ((huge & tiny) | (~huge & (-shift > scale)))
    large = number & ~zero & ~decimals & (huge | (n_sig + shift > digits - scale))
    keep = number & ~decimals & ~large
    negative = keep & ~zero & _mask(pc.equal(sign, "-"))
    keep &= ~negative
    canonical = pc.binary_join_element_wise(
        significant, "e", pc.cast(pa.array(shift), pa.string()), ""
    )
    canonical = pc.if_else(pa.array(zero), "0", canonical)
    canonical = pc.if_else(pa.array(keep), canonical, pa.scalar(None, pa.string()))
    value = pc.cast(canonical, pa.decimal128(digits, scale))
    return value, {"invalid": invalid, "decimals": decimals, "large": large, "negative": negative}


def _parse(s: pd.Series, scale: int, digits: int) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """:func:`_exact` over the distinct values of ``s``, spread back to its rows."""
    codes, u = normalized_uniques(s)
    value, masks = _exact(u, scale, digits)
    rows = np.where(codes < 0, len(u), codes)
    value = pc.take(pa.concat_arrays([value, pa.nulls(1, value.type)]), pa.array(rows))
    return value, {k: np.append(m, False)[rows] for k, m in masks.items()}


def _reasons(masks: Mapping[str, np.ndarray], codes: Mapping[str, str], n: int) -> np.ndarray:
    """One reason per row: the code (mask name -> reason code) of the first mask set, else None."""
    reason = np.full(n, None, dtype=object)
    bad = np.zeros(n, dtype=bool)
    for name, code in codes.items():
        reason[masks[name] & ~bad] = code
        bad |= masks[name]
    return reason


def clean_amount(s: pd.Series) -> pd.DataFrame:
    """Parse money amounts to exact decimals (``amount``, :data:`MONEY_DTYPE`) with reasons.

    Negative amounts are ``NUMBER_NEGATIVE``; amounts needing more than :data:`MONEY_SCALE`
    decimals or more than 16 digits before the point are ``NUMBER_PRECISION``: nulled, never
    rounded.

    Example
    -------
    >>> import pandas as pd
    >>> out = clean_amount(pd.Series(["1,234", "abc", "12.345", "90071992547409.93"]))
    >>> out["reason"].tolist()
    [None, 'NUMBER_INVALID', 'NUMBER_PRECISION', None]
    >>> [str(v) for v in out["amount"].dropna()]
    ['1234.00', '90071992547409.93']
    """
    value, m = _parse(s, MONEY_SCALE, MONEY_PRECISION)
    masks = {**m, "precision": m["decimals"] | m["large"]}
    reason = _reasons(masks, {**_REASONS, "negative": "NUMBER_NEGATIVE"}, len(s))
    return pd.DataFrame(
        {"amount": pd.Series(value, index=s.index, dtype=MONEY_DTYPE), "reason": reason},
        index=s.index,
    )


def clean_count(s: pd.Series) -> pd.DataFrame:
    """Parse counts to Int64 (``count``), exactly.

    Fractions are ``NUMBER_INVALID``, negatives ``NUMBER_NEGATIVE``, counts of more than
    :data:`COUNT_DIGITS` digits ``NUMBER_PRECISION``.

    Example
    -------
    >>> import pandas as pd
    >>> clean_count(pd.Series(["3.0", "2.5", "9007199254740993"]))["count"].tolist()
    [3, <NA>, 9007199254740993]
    """
    value, m = _parse(s, 0, COUNT_DIGITS)
    masks = {**m, "invalid": m["invalid"] | m["decimals"], "precision": m["large"]}
    reason = _reasons(masks, {**_REASONS, "negative": "NUMBER_NEGATIVE"}, len(s))
    ints = pc.cast(value, pa.int64())
    count = pd.arrays.IntegerArray(
        np.asarray(ints.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64),
        ~_mask(pc.is_valid(ints)),
    )
    return pd.DataFrame({"count": pd.Series(count, index=s.index), "reason": reason}, index=s.index)


def is_money(s: pd.Series) -> bool:
    """Whether ``s`` holds exact decimals (an Arrow decimal dtype, such as :data:`MONEY_DTYPE`).

    Example
    -------
    >>> import pandas as pd
    >>> is_money(pd.Series([1.5])), is_money(clean_amount(pd.Series(["1.5"]))["amount"])
    (False, True)
    """
    return isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_decimal(s.dtype.pyarrow_dtype)


def money_units(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Exact int64 minor units (cents) of a money column, and where it holds a value.

    ``s`` is a decimal column (:func:`is_money`) of at most :data:`MONEY_SCALE` decimals; it is
    cast to :data:`MONEY_TYPE` first, which raises (``pyarrow.ArrowInvalid``) rather than rounds
    when a value does not fit. Missing values give 0 units and ``False``.

    Example
    -------
    >>> import pandas as pd
    >>> units, present = money_units(clean_amount(pd.Series(["1792.56", None, "0.1"]))["amount"])
    >>> units.tolist(), present.tolist()
    ([179256, 0, 10], [True, False, True])
    """
    if not is_money(s):
        raise TypeError(f"money_units needs a decimal column ({MONEY_DTYPE}); received {s.dtype}")
    arr = pa.array(s)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.cast(arr, MONEY_TYPE)  # safe: raises when a value would lose digits
    units = pc.cast(arr.view(pa.decimal128(MONEY_PRECISION, 0)), pa.int64())
    present = _mask(pc.is_valid(units))
    return np.asarray(units.fill_null(0).to_numpy(zero_copy_only=False), np.int64), present


def money_from_units(
    units: np.ndarray, present: np.ndarray | None = None, index: pd.Index | None = None
) -> pd.Series:
    """A :data:`MONEY_DTYPE` column from int64 minor units (null where ``present`` is False).

    Raises
    ------
    OverflowError
        When a value has more than 16 digits before the point (never wrapped or rounded).

    Example
    -------
    >>> import numpy as np
    >>> money_from_units(np.array([179256 + 203347, 5]), np.array([True, False])).tolist()
    [Decimal('3826.03'), <NA>]
    """
    units = np.asarray(units, dtype=np.int64)
    limit = 10**MONEY_PRECISION
    if len(units) and (np.abs(units) >= limit).any():
        raise OverflowError(
            f"an amount of {int(np.abs(units).max())} minor units has more than "
            f"{MONEY_PRECISION - MONEY_SCALE} digits before the point; {MONEY_TYPE} cannot hold it"
        )
    mask = None if present is None else ~np.asarray(present, dtype=bool)
    arr = pa.array(units, type=pa.int64(), mask=mask)
    value = pc.cast(arr, pa.decimal128(MONEY_PRECISION + 1, 0)).view(MONEY_TYPE)
    return pd.Series(value, index=index, dtype=MONEY_DTYPE)


def _coded(
    s: pd.Series,
    mapping: Mapping[str, object],
    code: str,
    name: str,
    dtype: Literal["boolean", "object"],
) -> pd.DataFrame:
    codes, u = normalized_uniques(s)
    words = pd.Series(to_object(pc.utf8_lower(u)), dtype=object)
    value = words.map(mapping).to_numpy(dtype=object)
    bad = words.notna().to_numpy() & pd.isna(value)
    value[pd.isna(value)] = None
    return pd.DataFrame(
        {
            name: pd.Series(spread(value, codes), index=s.index, dtype=object).astype(dtype),
            "reason": spread(np.where(bad, code, NULL).astype(object), codes),
        },
        index=s.index,
    )


def clean_boolean(s: pd.Series) -> pd.DataFrame:
    """Parse yes/no flags to nullable boolean (``value``).

    Example
    -------
    >>> import pandas as pd
    >>> clean_boolean(pd.Series(["是", "N", "maybe"])).values.tolist()
    [[True, None], [False, None], [<NA>, 'BOOLEAN_INVALID']]
    """
    mapping = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}
    return _coded(s, mapping, "BOOLEAN_INVALID", "value", "boolean")


def clean_gender(s: pd.Series) -> pd.DataFrame:
    """Parse gender codes to ``"M"``/``"F"`` (``gender``).

    Example
    -------
    >>> import pandas as pd
    >>> clean_gender(pd.Series(["女", "Male", "x"])).values.tolist()
    [['F', None], ['M', None], [None, 'GENDER_INVALID']]
    """
    return _coded(s, GENDER_WORDS, "GENDER_INVALID", "gender", "object")
