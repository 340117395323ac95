"""Helpers shared by the field cleaners: distinct-value normalization and vectorized regex.

Cleaners work on the distinct values of a column (``pd.factorize``) and spread the results back
with the codes. String work on those values runs in ``pyarrow.compute`` (C++, RE2 regular
expressions), which is 5-20x faster than pandas' object-dtype ``.str`` methods on 1M values.
Patterns passed to :func:`fullmatch` / :func:`extract` must therefore be RE2-compatible (no
look-around, no back-references).

Example
-------
>>> import pandas as pd
>>> up = map_unique(pd.Series(["a", "a", None]), lambda v: (v.upper(), None), ["up", "reason"])
>>> up["up"].tolist()
['A', 'A', None]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NULL",
    "extract",
    "fullmatch",
    "map_unique",
    "none_if_na",
    "normalize_text",
    "normalized_uniques",
    "obj",
    "replace",
    "spread",
    "to_object",
]

#: None as a 0-d object array, the "else" operand of ``np.where(mask, value, NULL)``: numpy makes
#: the same object array from a bare None, but its type stubs do not accept None there.
NULL = np.array(None, dtype=object)


def obj(values: Any) -> np.ndarray:
    """Return ``values`` as an object array with every missing value as None."""
    arr = np.asarray(values, dtype=object)
    out = arr.copy()
    out[pd.isna(arr)] = None
    return out


def none_if_na(s: pd.Series) -> pd.Series:
    """Return ``s`` as object dtype with missing values as None (the std convention)."""
    return pd.Series(obj(s), index=s.index, dtype=object)


def to_object(arr: pa.Array) -> np.ndarray:
    """Arrow string array -> numpy object array (nulls as None)."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def fullmatch(arr: pa.Array, pattern: str) -> np.ndarray:
    """Boolean numpy mask: value matches ``pattern`` entirely (nulls -> False)."""
    return (
        pc.match_substring_regex(arr, f"^(?:{pattern})$")
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )


def extract(arr: pa.Array, pattern: str) -> dict[str, np.ndarray]:
    """Named groups of a full match of ``pattern`` (``(?P<name>...)``) as object arrays.

    A value that does not match gives None in every group.
    """
    struct = pc.extract_regex(arr, f"^(?:{pattern})$")
    # flatten() carries the struct's nulls (non-matches) into the fields; .field() would not
    return {
        f.name: to_object(child) for f, child in zip(struct.type, struct.flatten(), strict=True)
    }


def replace(arr: pa.Array, pattern: str, repl: str) -> pa.Array:
    """Regex replace of every occurrence of ``pattern``."""
    return pc.replace_substring_regex(arr, pattern, repl)


def spread(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Take per-distinct ``values`` by factorize ``codes``; code -1 (null) gives None / NaT."""
    fill = np.datetime64("NaT") if values.dtype.kind == "M" else None
    return np.append(values, np.array([fill], dtype=values.dtype))[codes]


def normalized_uniques(s: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Factorize ``s`` and NFKC-normalize its distinct values (whitespace collapsed, stripped).

    Returns
    -------
    (codes, uniques)
        ``codes`` as from :func:`pandas.factorize` (-1 for missing) and the normalized distinct
        values as an Arrow string array; values that are empty after normalization are null.
    """
    codes, uniques = pd.factorize(s.astype(object))
    try:
        arr = pa.array(uniques, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # non-str cells (numbers read from Excel)
        arr = pa.array([str(v) for v in uniques], type=pa.string())
    arr = pc.utf8_trim_whitespace(replace(pc.utf8_normalize(arr, "NFKC"), r"\s+", " "))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return codes, arr


def normalize_text(s: pd.Series) -> pd.Series:
    """NFKC-normalize (full-width -> half-width), collapse whitespace, strip; empty -> None.

    Example
    -------
    >>> import pandas as pd
    >>> normalize_text(pd.Series(["  ＡＢ　 c ", "", None])).tolist()
    ['AB c', None, None]
    """
    codes, arr = normalized_uniques(s)
    return pd.Series(spread(to_object(arr), codes), index=s.index, dtype=object)


def map_unique(
    s: pd.Series, func: Callable[[Any], Sequence[Any]], columns: Sequence[str]
) -> pd.DataFrame:
    """Apply ``func`` once per distinct non-null value of ``s`` and spread the results.

    Parameters
    ----------
    s : Series
        Input values (object); nulls give None in every output column.
    func : callable
        Returns a tuple with one item per name in ``columns``.
    columns : sequence of str
        Output column names.

    Returns
    -------
    DataFrame
        Same index as ``s``, object columns.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    n_out = len(columns)
    table = np.empty((len(uniques) + 1, n_out), dtype=object)  # last row: the null sentinel
    table[-1, :] = None
    for i, v in enumerate(uniques):
        table[i, :] = func(v)
    taken = table[codes]  # code -1 picks the sentinel row
    return pd.DataFrame({c: taken[:, j] for j, c in enumerate(columns)}, index=s.index)
