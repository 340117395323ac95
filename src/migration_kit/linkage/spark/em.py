"""EM on Spark's aggregated comparison vectors: the sufficient statistics of Fellegi-Sunter.

The pairs are grouped by their level vector and counted where they are (one ``groupBy`` over the
level columns); only the count table, a few hundred rows whatever the number of pairs, reaches
the driver, where :meth:`~migration_kit.linkage.model.FellegiSunter.fit_counts` runs the same EM
as the local engine. The table is put in :func:`~migration_kit.linkage.model.pattern_code` order,
the order in which the local EM visits its patterns, so the floating-point sums are the same and
so is the model (m, u, lambda, iterations), for a million pairs or a billion.

Example
-------
>>> import numpy as np, pandas as pd
>>> table = pd.DataFrame({"g0": [1, 0, 0], "g1": [1, 0, -1], "n": [30, 60, 5]})
>>> pats, counts = order_patterns(table, [2, 2])
>>> pats.tolist(), counts.tolist()
([[0, -1], [0, 0], [1, 1]], [5.0, 60.0, 30.0])
>>> from migration_kit.linkage.model import level_frequencies
>>> levels = np.repeat(pats, counts.astype(int), axis=0)   # the same as from the pairs:
>>> [bool(np.array_equal(a, b)) for a, b in zip(level_shares(pats, counts, [2, 2]),
...                                             level_frequencies(levels, [2, 2]))]
[True, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model import pattern_code

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["level_shares", "order_patterns", "pattern_counts"]


def pattern_counts(levels: DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """``names..., n``: pairs per distinct level vector, aggregated on Spark (small result).

    Example
    -------
    >>> pattern_counts(levels, ["g0", "g1"]).columns.tolist()  # doctest: +SKIP
    ['g0', 'g1', 'n']
    """
    from pyspark.sql import functions as F

    cols = list(names)
    if not cols:
        n = levels.count()
        return pd.DataFrame({"n": [n] if n else []})
    return levels.groupBy(*cols).agg(F.count("*").alias("n")).toPandas()


def order_patterns(table: pd.DataFrame, n_levels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(patterns, counts)`` of a :func:`pattern_counts` table in ascending
    :func:`~migration_kit.linkage.model.pattern_code` order (the local EM's order).

    Example
    -------
    >>> order_patterns(pd.DataFrame({"g0": [1, 0], "n": [3, 4]}), [2])[0].tolist()
    [[0], [1]]
    """
    cols = [c for c in table.columns if c != "n"]
    pats = table[cols].to_numpy(dtype=np.int64).reshape(len(table), len(cols))
    order = np.argsort(pattern_code(pats, n_levels), kind="stable")
    return pats[order], table["n"].to_numpy(dtype=float)[order]


def level_shares(
    patterns: np.ndarray, counts: np.ndarray, n_levels: Sequence[int]
) -> list[np.ndarray]:
    """Share of each level per comparison among non-null pairs (add-0.5 smoothed), from pattern
    counts: :func:`~migration_kit.linkage.model.level_frequencies` without the pairs.

    Example
    -------
    >>> level_shares(np.array([[0], [1]]), np.array([1.0, 2.0]), [2])[0].tolist()
    [0.375, 0.625]
    """
    out = []
    for c, k in enumerate(n_levels):
        col = patterns[:, c]
        ok = col >= 0
        cnt = np.bincount(col[ok], weights=counts[ok], minlength=k)[:k] + 0.5
        out.append(cnt / cnt.sum())
    return out
