"""``recordlinkage`` adapters for the linkage core (imported on demand).

The core (:mod:`.blocking`, :mod:`.compare`) does not need ``recordlinkage`` (nor the
scikit-learn it pulls in, 2-5 s of import time); only these adapter classes do. They are
reachable as ``migration_kit.linkage.BlockingIndex`` / ``LevelCompare`` through the package's
lazy attribute lookup, so ``recordlinkage`` is imported the first time one is used.

Example
-------
>>> import pandas as pd, recordlinkage
>>> from migration_kit.linkage.spec import BlockingRule
>>> idx = recordlinkage.Index()
>>> idx.add(BlockingIndex([BlockingRule("phone", ("phone",))]))
>>> len(idx.index(pd.DataFrame({"phone": ["1", "1", "2"]})))
1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from recordlinkage.base import BaseCompareFeature, BaseIndexAlgorithm

from .blocking import block_pairs
from .compare import compare_levels
from .spec import BlockingRule, Comparison

__all__ = ["BlockingIndex", "LevelCompare"]


class BlockingIndex(BaseIndexAlgorithm):
    """The blocking passes as a ``recordlinkage`` index algorithm.

    Example
    -------
    >>> import recordlinkage
    >>> idx = recordlinkage.Index()
    >>> idx.add(BlockingIndex([BlockingRule("phone", ("phone",))]))
    >>> len(idx.index(pd.DataFrame({"phone": ["1", "1", "2"]})))
    1
    """

    def __init__(self, rules: Sequence[BlockingRule], max_block_size: int = 200, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rules, self.max_block_size = list(rules), max_block_size
        self.report: pd.DataFrame | None = None

    def _run(self, df: pd.DataFrame, link_type: str) -> pd.DataFrame:
        pairs, self.report = block_pairs(
            df.reset_index(drop=True), self.rules, self.max_block_size, link_type
        )
        return pairs

    def _dedup_index(self, df_a: pd.DataFrame) -> pd.MultiIndex:
        df = df_a.reset_index(drop=True).assign(source="a")
        p = self._run(df, "dedupe_and_link")
        # recordlinkage's dedupe convention is (larger, smaller)
        return pd.MultiIndex.from_arrays(
            [df_a.index[p["j"].to_numpy()], df_a.index[p["i"].to_numpy()]]
        )

    def _link_index(self, df_a: pd.DataFrame, df_b: pd.DataFrame) -> pd.MultiIndex:
        df = pd.concat([df_a.assign(source="a"), df_b.assign(source="b")], ignore_index=True)
        p = self._run(df, "link_only")
        na = len(df_a)
        return pd.MultiIndex.from_arrays(
            [df_a.index[p["i"].to_numpy()], df_b.index[p["j"].to_numpy() - na]]
        )


class LevelCompare(BaseCompareFeature):
    """A :class:`Comparison` as a ``recordlinkage`` compare feature (levels as the feature value).

    Example
    -------
    >>> import recordlinkage
    >>> from migration_kit.linkage.spec import LinkageSpec
    >>> comp = LinkageSpec.default().comparisons[2]  # phone
    >>> df = pd.DataFrame({"phone": ["+8613812345678", "+8613812345679"],
    ...                    "phone_type": ["mobile"] * 2})
    >>> cl = recordlinkage.Compare([LevelCompare(comp)])
    >>> comp.level_names[int(cl.compute(pd.MultiIndex.from_tuples([(0, 1)]), df).iloc[0, 0])]
    'one_digit'

    Every column the levels read must be in the frame (here ``phone_type`` for ``other_type``).
    """

    name = "levels"
    description = "multi-level comparison from a migration_kit Comparison"

    def __init__(self, comparison: Comparison, label: str | None = None) -> None:
        self.comparison = comparison
        cols = list(
            dict.fromkeys(
                list(comparison.columns)
                + [
                    x
                    for lv in comparison.levels
                    for x in (lv.column, lv.missing, lv.other, *lv.needs)
                    if x
                ]
            )
        )
        super().__init__(cols, cols, label=label or comparison.name)

    def _compute_vectorized(self, *args: pd.Series) -> np.ndarray:
        n_cols = len(args) // 2
        left, right = args[:n_cols], args[n_cols:]
        n = len(left[0])
        names = self.labels_left
        df = pd.DataFrame(
            {
                c: pd.concat([pd.Series(left[k]), pd.Series(right[k])], ignore_index=True)
                for k, c in enumerate(names)
            }
        )
        i = np.arange(n)
        return compare_levels(df, i, i + n, [self.comparison])[:, 0]
