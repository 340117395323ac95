"""Amounts, counts, yes/no flags and gender codes, vectorized.

* :func:`clean_amount`: ``¥1,234.50``, ``￥1234.5``, ``RMB 1,234``, ``1234元``, ``€12.30``
  -> float64.
* :func:`clean_count`: ``3``, ``3.0``, ``1,200`` -> Int64 (a fractional count is invalid).
* :func:`clean_boolean`: 是/否, 同意/不同意, yes/no, true/false, 1/0, Y/N -> nullable boolean.
* :func:`clean_gender`: 男/女, M/F, male/female, 先生/女士 -> ``"M"``/``"F"``.

Reason codes: ``NUMBER_INVALID``, ``NUMBER_NEGATIVE`` (value nulled; a refund is not a spend),
``BOOLEAN_INVALID``, ``GENDER_INVALID``.

Example
-------
>>> import pandas as pd
>>> clean_amount(pd.Series(["¥1,234.50", "-3"])).values.tolist()
[[1234.5, None], [nan, 'NUMBER_NEGATIVE']]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ._common import NULL, normalized_uniques, replace, spread, to_object

__all__ = [
    "FALSE_WORDS",
    "GENDER_WORDS",
    "TRUE_WORDS",
    "clean_amount",
    "clean_boolean",
    "clean_count",
    "clean_gender",
]

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
_CURRENCY = r"(?i)rmb|cny|eur|usd|元|[¥$€£,\s]"


def _numeric(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parsed float per row (NaN when absent or invalid) and the 'present but not a number' mask."""
    codes, u = normalized_uniques(s)
    present = ~pc.is_null(u).to_numpy(zero_copy_only=False)
    stripped = pd.Series(to_object(replace(u, _CURRENCY, "")), dtype=object)
    value = pd.to_numeric(stripped, errors="coerce").astype("float64").to_numpy()
    invalid = present & np.isnan(value)
    return pd.Series(np.append(value, np.nan)[codes], index=s.index), np.append(invalid, False)[
        codes
    ]


def _result(value: pd.Series, reasons: list[tuple[np.ndarray, str]], name: str) -> pd.DataFrame:
    reason = np.full(len(value), None, dtype=object)
    bad = np.zeros(len(value), dtype=bool)
    for mask, code in reasons:
        reason[mask & ~bad] = code
        bad |= mask
    return pd.DataFrame({name: value.where(~bad), "reason": reason}, index=value.index)


def clean_amount(s: pd.Series) -> pd.DataFrame:
    """Parse money amounts to float64 (``amount``) with reasons.

    Example
    -------
    >>> import pandas as pd
    >>> clean_amount(pd.Series(["1,234", "abc"]))["reason"].tolist()
    [None, 'NUMBER_INVALID']
    """
    value, invalid = _numeric(s)
    negative = (value < 0).to_numpy()
    return _result(value, [(invalid, "NUMBER_INVALID"), (negative, "NUMBER_NEGATIVE")], "amount")


def clean_count(s: pd.Series) -> pd.DataFrame:
    """Parse counts to Int64 (``count``).

    Fractions are ``NUMBER_INVALID``, negatives ``NUMBER_NEGATIVE``.

    Example
    -------
    >>> import pandas as pd
    >>> clean_count(pd.Series(["3.0", "2.5"]))["count"].tolist()
    [3, <NA>]
    """
    value, invalid = _numeric(s)
    fraction = (value.notna() & (value != value.round())).to_numpy()
    negative = (value < 0).to_numpy()
    out = _result(
        value, [(invalid | fraction, "NUMBER_INVALID"), (negative, "NUMBER_NEGATIVE")], "count"
    )
    out["count"] = out["count"].astype("Int64")
    return out


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
