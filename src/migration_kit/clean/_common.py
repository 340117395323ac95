"""Helpers shared by the field cleaners: per-unique-value mapping and text normalization.

Example
-------
>>> import pandas as pd
>>> map_unique(pd.Series(["a", "a", None]), lambda v: (v.upper(), None), ["up", "reason"])["up"].tolist()
['A', 'A', None]
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["map_unique", "normalize_text", "none_if_na", "obj"]


def obj(values: Any) -> np.ndarray:
    """Return ``values`` as an object array with every missing value as None."""
    arr = np.asarray(values, dtype=object)
    out = arr.copy()
    out[pd.isna(arr)] = None
    return out


def none_if_na(s: pd.Series) -> pd.Series:
    """Return ``s`` as object dtype with missing values as None (the std convention)."""
    return pd.Series(obj(s), index=s.index, dtype=object)


def normalize_text(s: pd.Series) -> pd.Series:
    """NFKC-normalize (full-width -> half-width), collapse whitespace, strip; empty -> None.

    Example
    -------
    >>> import pandas as pd
    >>> normalize_text(pd.Series(["  ＡＢ　 c ", "", None])).tolist()
    ['AB c', None, None]
    """
    s = s.astype(object)
    present = s.notna()
    if not present.any():
        return pd.Series([None] * len(s), index=s.index, dtype=object)
    t = s[present].astype(str).str.normalize("NFKC").str.replace(r"\s+", " ", regex=True).str.strip()
    out = pd.Series(None, index=s.index, dtype=object)
    out[present] = t.where(t != "", None)
    return none_if_na(out)


def map_unique(s: pd.Series, func: Callable[[Any], Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
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
