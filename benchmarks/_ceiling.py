r"""The information ceiling of a linkage run: the best pairwise F1 any decision could reach on the
evidence its candidate pairs carry.

An oracle is shown the truth and allowed to decide each *evidence class* at once: all candidate
pairs with the same comparison levels (every ``gamma_*`` column of ``work/pairs.parquet``), the
same term-frequency adjustment (rounded to 0.1) and, where the records have a ``name_key``, the
same bucket of how many records hold that name overall and within the city. Pairs in one class
look the same to any classifier that uses those comparisons; the oracle knows each class's true
match rate and merges the classes in falling order of it, stopping where F1 is highest. True
pairs the blocking never made a candidate count as missed, and clusters add no pairs (no
transitive closure), so the figure is what pairwise decisions on that evidence can reach, with
perfect knowledge of the classes' rates (which flatters the oracle on small classes).

Two figures: unconstrained (the oracle merges classes down to a match rate of about F1 / 2, i.e.
coin flips), and merging only classes whose true rate is at least the run's automatic-merge
threshold (``review_band.upper`` of ``reports/linkage_summary.json``): the product's own policy
for when two records may be merged without a person.

Example
-------
>>> import pandas as pd
>>> pairs = pd.DataFrame({"i": [0, 2, 4], "j": [1, 3, 5], "gamma_name": [2, 2, 1],
...                       "tf_adjustment": [0.0, 0.0, 0.0]})
>>> labels = ["a", "a", "b", "c", "d", "d"]
>>> c = information_ceiling(pairs, labels)
>>> round(c["f1"], 4), c["classes"]
(0.8, 2)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["evidence_classes", "information_ceiling"]


def _bucket(counts: np.ndarray) -> np.ndarray:
    """1, 2, ..., 10 kept; then 11-20, 21-50, 51-100, 101-500, >500."""
    edges = np.array([11, 21, 51, 101, 501])
    return np.where(counts <= 10, counts, 10 + np.searchsorted(edges, counts, side="right"))


def evidence_classes(pairs: pd.DataFrame, std: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per candidate pair: the columns that define its evidence class.

    ``pairs``: ``i``, ``j`` (row positions in ``std``), the ``gamma_*`` levels and
    ``tf_adjustment``. ``std``: the cleaned records (optional); where it has ``name_key`` (and
    ``city``), the larger of the two records' name counts, overall and within the city, bucketed.
    """
    gammas = [c for c in pairs.columns if c.startswith("gamma_")]
    out = pairs[gammas].copy()
    if "tf_adjustment" in pairs:
        out["tf"] = pairs["tf_adjustment"].to_numpy().round(1)
    i, j = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    if std is not None and "name_key" in std:
        keys = [["name_key"]] + ([["name_key", "city"]] if "city" in std else [])
        for cols in keys:
            n = std.groupby(cols, dropna=False, sort=False, observed=True)["name_key"]
            counts = n.transform("size").to_numpy(np.int64)
            counts[std["name_key"].isna().to_numpy()] = 0
            out["n_" + "_".join(cols)] = _bucket(np.maximum(counts[i], counts[j]))
    return out


def information_ceiling(
    pairs: pd.DataFrame,
    labels: Sequence[object] | np.ndarray,
    std: pd.DataFrame | None = None,
    *,
    min_rate: float = 0.0,
) -> dict[str, float]:
    """The oracle's best pairwise precision, recall and F1 over the evidence classes.

    Parameters
    ----------
    pairs : DataFrame
        The run's candidate pairs (``work/pairs.parquet``).
    labels : sequence
        The true entity of every record, in the order of ``std`` (the pairs' ``i``, ``j``).
    std : DataFrame, optional
        The cleaned records, for the name-frequency classes.
    min_rate : float
        Merge only classes whose true match rate is at least this (0: unconstrained).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``classes`` (evidence classes seen), ``rate`` (the
        lowest match rate among the classes merged).
    """
    codes = pd.factorize(pd.Series(np.asarray(labels, dtype=object)))[0]
    sizes = np.bincount(codes).astype(np.int64)
    true_pairs = int((sizes * (sizes - 1) // 2).sum())
    y = codes[pairs["i"].to_numpy(np.int64)] == codes[pairs["j"].to_numpy(np.int64)]
    ev = evidence_classes(pairs, std)
    key = list(ev.columns)
    ev["y"] = y
    agg = ev.groupby(key, dropna=False, sort=False)["y"].agg(["sum", "size"])
    rate = (agg["sum"] / agg["size"]).to_numpy()
    order = np.argsort(-rate, kind="stable")
    tp = agg["sum"].to_numpy()[order].cumsum()
    pred = agg["size"].to_numpy()[order].cumsum()
    f1 = 2 * tp / (true_pairs + pred)
    allowed = np.flatnonzero(rate[order] >= min_rate)
    if not len(allowed) or not true_pairs:
        return {"precision": 1.0, "recall": 0.0, "f1": 0.0, "classes": len(agg), "rate": 1.0}
    k = int(allowed[np.argmax(f1[allowed])])
    return {
        "precision": float(tp[k] / pred[k]),
        "recall": float(tp[k] / true_pairs),
        "f1": float(f1[k]),
        "classes": len(agg),
        "rate": float(rate[order][k]),
    }
