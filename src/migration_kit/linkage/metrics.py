"""Pairwise precision / recall / F1 of an entity assignment against ground truth.

Example
-------
>>> pairwise_metrics(["a", "a", "b", "c"], ["x", "x", "x", "y"])["precision"]
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["pairwise_metrics"]


def _pairs(counts: np.ndarray) -> int:
    c = counts.astype(np.int64)
    return int((c * (c - 1) // 2).sum())


def pairwise_metrics(predicted: Sequence, truth: Sequence) -> dict[str, float]:
    """Compare two cluster assignments (one label per record) on the pairs they imply.

    Returns
    -------
    dict
        ``precision, recall, f1, tp, predicted_pairs, true_pairs``.
    """
    df = pd.DataFrame(
        {
            "p": pd.factorize(pd.Series(list(predicted)))[0],
            "t": pd.factorize(pd.Series(list(truth)))[0],
        }
    )
    tp = _pairs(df.groupby(["p", "t"]).size().to_numpy())
    pp = _pairs(df.groupby("p").size().to_numpy())
    tt = _pairs(df.groupby("t").size().to_numpy())
    prec = tp / pp if pp else 1.0
    rec = tp / tt if tt else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "tp": tp,
        "predicted_pairs": pp,
        "true_pairs": tt,
    }
