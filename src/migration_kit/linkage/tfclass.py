"""Term-frequency weights calibrated per frequency class, from the matches the model itself finds.

Term-frequency adjustment (:func:`.model.tf_adjustment`) weighs an exact agreement on a value by how
common the value is. Counted over records, a rare value is overstated: a full name seen twice is
most often one customer entered twice, not two people. Good-Turing smoothing corrects part of it;
on large sets it still leaves rare names about 2 bits too weak (measured against the generator's
truth at 100k customers), so two records sharing a rare name and a city, and nothing else, stay
in the review band although nearly all of them are one person.

Frequency classes close the gap from the data, EM style. Values held by exactly ``r`` records
(``r <= max_count``) form class ``r``, more common values share geometric bins (each 1.5 times
wider: 11-15, 16-22, ... records); every record pair agreeing on such a value is counted
exactly (``A_r``: ``N_r * r * (r - 1) / 2``, cross-source only when linking). The model's current
match probabilities of the candidate pairs sharing the value (at this level or, for a lower level
such as pinyin, at a higher one too: ``A_r`` counts them all) give the expected matches among them
(``M_r``; pairs never blocked together count as non-matches). The posterior log-odds of "agree on a
class-r value, nothing else known" is then ``log2(M_r / (A_r - M_r))``: for each such pair the
adjustment is set so that prior + level weight + adjustment equals it. Scoring and counting are
repeated ``iterations`` times. Classes with fewer than ``min_values`` distinct values keep the
Good-Turing weight (too few to estimate a share).

Example
-------
>>> import numpy as np
>>> vc = np.array([0, 0, 1, 1, 2, 2, 3, 3, 3, 3])       # values 0-2 held twice, 3 four times
>>> # class 2: A = 3 agreeing pairs, M = 0.9 + 0.9 + 0.3 expected matches -> log2(2.1 / 0.9)
>>> class_log_odds(vc, np.array([0, 1, 2, 3]), np.array([0.9, 0.9, 0.3, 1.0]),
...                max_count=2, min_values=3).round(3)
array([1.222, 1.222, 1.222,   nan])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["agreement_pairs_per_value", "class_log_odds", "frequency_class"]


def agreement_pairs_per_value(
    value_codes: np.ndarray, source: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Records and agreeing record pairs per value code (cross-source pairs only with ``source``).

    Example
    -------
    >>> agreement_pairs_per_value(np.array([0, 0, 0, 1, -1]))
    (array([3, 1]), array([3, 0]))
    >>> agreement_pairs_per_value(np.array([0, 0, 0]), source=np.array([0, 0, 1]))
    (array([3]), array([2]))
    """
    codes = np.asarray(value_codes, dtype=np.int64)
    ok = codes >= 0
    n_values = int(codes.max(initial=-1)) + 1
    count = np.bincount(codes[ok], minlength=n_values).astype(np.int64)
    pairs = count * (count - 1) // 2
    if source is not None:
        src = pd.factorize(np.asarray(source)[ok])[0].astype(np.int64)
        key = codes[ok] * (int(src.max(initial=0)) + 1) + src
        uk, per = np.unique(key, return_counts=True)
        same = np.bincount(
            uk // (int(src.max(initial=0)) + 1), weights=per * (per - 1) // 2, minlength=n_values
        )
        pairs = pairs - same.astype(np.int64)
    return count, pairs


def frequency_class(count: np.ndarray, max_count: int, ratio: float = 1.5) -> np.ndarray:
    """Class of a value held by ``count`` records: the count itself up to ``max_count``, then
    geometric bins (each ``ratio`` times wider), so common names are calibrated too.

    Example
    -------
    >>> frequency_class(np.array([1, 2, 10, 11, 15, 16, 100, 1000]), 10).tolist()
    [1, 2, 10, 11, 11, 12, 16, 22]
    """
    count = np.asarray(count, dtype=np.int64)
    above = np.ceil(np.log(np.maximum(count, 1) / max_count) / np.log(ratio)).astype(np.int64)
    return np.where(count <= max_count, count, max_count + np.maximum(above, 1))


def class_log_odds(
    value_codes: np.ndarray,
    codes_at: np.ndarray,
    prob_at: np.ndarray,
    *,
    max_count: int,
    min_values: int,
    source: np.ndarray | None = None,
    codes_out: np.ndarray | None = None,
) -> np.ndarray:
    """Posterior log2-odds of a match for pairs agreeing on a value, per frequency class.

    Parameters
    ----------
    value_codes : numpy.ndarray
        Value code of every record (-1 null).
    codes_at : numpy.ndarray
        Value code of each candidate pair at the exact level (the shared value).
    prob_at : numpy.ndarray
        Current match probability of those pairs.
    max_count, min_values : int
        Classes (counts ``2 .. max_count``, then geometric bins: :func:`frequency_class`) holding at
        least ``min_values`` values are calibrated.
    source : numpy.ndarray, optional
        Source of every record when only cross-source pairs are compared.
    codes_out : numpy.ndarray, optional
        Value codes of the pairs to return the odds for (default ``codes_at``): a level below
        the top of its comparison counts the matches of every candidate sharing the value (those
        at higher levels too, as ``A_r`` does) and is calibrated for its own pairs.

    Returns
    -------
    numpy.ndarray
        Per pair, ``log2(M_r / (A_r - M_r))`` for its value's class, NaN where not calibrated.
    """
    count, pairs = agreement_pairs_per_value(value_codes, source)
    r = frequency_class(count, max_count)
    size = int(r.max(initial=max_count)) + 1
    n_r = np.bincount(r, minlength=size)
    a_r = np.bincount(r, weights=pairs, minlength=size)
    pair_r = r[np.asarray(codes_at, dtype=np.int64)]
    m_r = np.bincount(pair_r, weights=np.asarray(prob_at, dtype=float), minlength=size)
    usable = (np.arange(size) >= 2) & (n_r >= min_values)
    odds = np.full(size, np.nan)
    odds[usable] = np.log2(
        np.maximum(m_r[usable], 0.5) / np.maximum(a_r[usable] - m_r[usable], 0.5)
    )
    return odds[pair_r if codes_out is None else r[np.asarray(codes_out, dtype=np.int64)]]
