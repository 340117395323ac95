"""Reason and flag codes counted and tested per distinct text (``migration_kit.codes``)."""

from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.codes import count_codes, has_code, split_codes

SPLIT_CASES = [
    ("A;B", ["A", "B"]),
    ("", []),
    (None, []),
    (float("nan"), []),
    (" A ;;B;", ["A", "B"]),
]


@pytest.mark.parametrize(("text", "codes"), SPLIT_CASES)
def test_split_codes(text, codes):
    assert split_codes(text) == codes


COUNT_CASES = [
    # rows, weights, counts
    (["A;B", "B", "", None, "A;B"], None, {"A": 2, "B": 3}),
    (["B;A", "A"], [True, False], {"A": 1, "B": 1}),
    (["X"] * 5, [1, 0, 1, 0, 1], {"X": 3}),
    ([], None, {}),
    (["", None], None, {}),
]


@pytest.mark.parametrize(("rows", "weights", "counts"), COUNT_CASES)
def test_count_codes(rows, weights, counts):
    series = pd.Series(rows, dtype=object)
    w = None if weights is None else pd.Series(weights)
    got = count_codes(series, w)
    assert got.to_dict() == counts
    assert list(got.index) == sorted(counts)


@pytest.mark.parametrize(("rows", "weights"), [(c[0], c[1]) for c in COUNT_CASES])
def test_count_codes_equals_row_by_row(rows, weights):
    """The per-distinct-text count equals splitting every row."""
    w = [1] * len(rows) if weights is None else [int(x) for x in weights]
    expected: dict[str, int] = {}
    for text, n in zip(rows, w, strict=True):
        for code in split_codes(text):
            expected[code] = expected.get(code, 0) + n
    series = pd.Series(rows, dtype=object)
    assert (
        count_codes(series, None if weights is None else pd.Series(weights)).to_dict() == expected
    )


HAS_CASES = [
    (["A;B", "B", "", None, "AB"], "A", [True, False, False, False, False]),
    (["MARKETING_OPTOUT", "X;MARKETING_OPTOUT"], "MARKETING_OPTOUT", [True, True]),
    ([], "A", []),
]


@pytest.mark.parametrize(("rows", "code", "hits"), HAS_CASES)
def test_has_code(rows, code, hits):
    series = pd.Series(rows, dtype=object, index=range(10, 10 + len(rows)))
    got = has_code(series, code)
    assert got.tolist() == hits
    assert list(got.index) == list(series.index)
