r"""Reason and flag codes as the dispositions carry them: ``;``-joined text per row
(``"MINOR_NO_GUARDIAN;REQUEST_ERASURE"``, ``""`` for none). Counted and tested per distinct
text, not per row: a million rows hold a few dozen combinations.

Example
-------
>>> import pandas as pd
>>> s = pd.Series(["A;B", "B", "", None, "A;B"])
>>> count_codes(s).to_dict()
{'A': 2, 'B': 3}
>>> has_code(s, "A").tolist()
[True, False, False, False, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["count_codes", "has_code", "split_codes"]


def split_codes(text: object) -> list[str]:
    """The codes of one cell (``None`` / NaN / ``""``: none).

    >>> split_codes("A; B;")
    ['A', 'B']
    """
    if text is None or (isinstance(text, float) and text != text):
        return []
    return [c.strip() for c in str(text).split(";") if c.strip()]


def count_codes(series: pd.Series, weights: pd.Series | None = None) -> pd.Series:
    """How many rows carry each code (a row with two codes counts under both), sorted by code;
    with ``weights`` the sum of the rows' weights instead.

    >>> count_codes(pd.Series(["B;A", "A"]), weights=pd.Series([True, False])).to_dict()
    {'A': 1, 'B': 1}
    """
    values = series.fillna("").astype(str)
    per_text: pd.Series
    if weights is None:
        per_text = values.value_counts(sort=False)
    else:
        w = pd.Series(np.asarray(weights, dtype=np.int64), index=values.index)
        per_text = w.groupby(values.to_numpy(), sort=False).sum()
    counts: dict[str, int] = {}
    for text, n in zip(per_text.index, per_text.to_numpy(), strict=True):
        for code in split_codes(text):
            counts[code] = counts.get(code, 0) + int(n)
    index = pd.Index(list(counts), dtype=object)
    return pd.Series(list(counts.values()), index=index, dtype=np.int64).sort_index()


def has_code(series: pd.Series, code: str) -> pd.Series:
    """Whether each row's codes include ``code`` (boolean, aligned with ``series``)."""
    codes, uniques = pd.factorize(series.fillna("").astype(str))
    hit = np.array([code in split_codes(u) for u in uniques], dtype=bool)
    flags = hit[codes] if len(uniques) else np.zeros(len(series), dtype=bool)
    return pd.Series(flags, index=series.index)
