"""Compute the integer level matrix of candidate pairs (stage 3, compare).

For each :class:`~migration_kit.linkage.spec.Comparison`, levels are tried best first on the
pairs still undecided, so expensive string similarity only runs on pairs that failed the cheap
exact tests. Output: ``int8`` matrix ``(n_pairs, n_comparisons)``; ``-1`` null, ``0`` else, ``k``
best. :class:`~migration_kit.linkage.rl_compat.LevelCompare` plugs the same code into
``recordlinkage.Compare``.

Example
-------
>>> import numpy as np, pandas as pd
>>> from migration_kit.linkage.spec import Comparison
>>> c = Comparison.from_dict({"name": "e", "columns": ["email"], "levels": [
...     {"name": "exact", "test": "exact"}, {"name": "local", "test": "email_local"}]}, "c")
>>> df = pd.DataFrame({"email": ["a@x.cn", "a@y.cn", None]})
>>> compare_levels(df, np.array([0, 0]), np.array([1, 2]), [c]).tolist()
[[1], [-1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .levels import ColumnData, run_test
from .spec import Comparison

__all__ = ["column_data", "compare_levels"]


def column_data(
    df: pd.DataFrame, comparisons: Sequence[Comparison], cache: dict[str, ColumnData] | None = None
) -> dict[str, ColumnData]:
    """Factorize every column the comparisons use (missing columns count as all null)."""
    cache = {} if cache is None else cache
    for c in comparisons:
        for col in sorted(
            set(c.columns)
            | {x for lv in c.levels for x in (lv.column, lv.missing, lv.other, *lv.needs) if x}
        ):
            if col not in cache:
                s = df[col] if col in df.columns else pd.Series([None] * len(df), dtype=object)
                cache[col] = ColumnData(s, col)
    return cache


def compare_levels(
    df: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    comparisons: Sequence[Comparison],
    cols: dict[str, ColumnData] | None = None,
    chunk: int = 2_000_000,
) -> np.ndarray:
    """Level matrix of pairs ``(i[k], j[k])`` of ``df`` rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Records (RangeIndex positions are what ``i`` and ``j`` refer to).
    i, j : numpy.ndarray
        Pair positions.
    comparisons : sequence of Comparison
    cols : dict, optional
        Pre-built :func:`column_data` (reused across calls).
    chunk : int
        Pairs processed at a time (bounds memory).

    Returns
    -------
    numpy.ndarray
        ``int8`` array of shape ``(len(i), len(comparisons))``.
    """
    cols = column_data(df, comparisons, cols)
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    out = np.zeros((len(i), len(comparisons)), dtype=np.int8)
    for start in range(0, len(i), chunk):
        ii, jj = i[start : start + chunk], j[start : start + chunk]
        for c_idx, comp in enumerate(comparisons):
            out[start : start + chunk, c_idx] = _one(comp, cols, ii, jj)
    return out


def _one(comp: Comparison, cols: dict[str, ColumnData], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    null = np.ones(len(i), dtype=bool)
    for col in comp.columns:
        codes = cols[col].codes
        null &= (codes[i] < 0) | (codes[j] < 0)
    level = np.where(null, -1, 0).astype(np.int8)
    todo = ~null
    k = len(comp.levels)
    for n, lv in enumerate(comp.levels):
        idx = np.flatnonzero(todo)
        if not len(idx):
            break
        hit = run_test(
            lv.test,
            cols[lv.column or comp.columns[0]],
            i[idx],
            j[idx],
            lv.threshold,
            missing=cols[lv.missing] if lv.missing else None,
            other=cols[lv.other] if lv.other else None,
        )
        for need in lv.needs:
            codes = cols[need].codes
            hit &= (codes[i[idx]] >= 0) & (codes[j[idx]] >= 0)
        level[idx[hit]] = k - n
        todo[idx[hit]] = False
    return level
