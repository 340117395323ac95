"""Clustering: chaining traps stay apart; decisions honoured; deterministic labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LinkageError
from migration_kit.linkage import cluster_pairs, records_conflict

# rows: 0 parent 张建国 1965, 1 child 张小明 1995 (same phone), 2 bridge (no dob), 3 stranger
STD = pd.DataFrame({
    "birth_date": pd.to_datetime(["1965-03-01", "1995-07-12", None, "1980-01-01"]),
    "id_number": [None, None, None, None],
})

TRAPS = [
    # edges (i, j, prob), expected labels
    ([(0, 2, 0.99), (1, 2, 0.97)], [0, 1, 0, 3]),          # bridge joins the stronger side only
    ([(1, 2, 0.99), (0, 2, 0.97)], [0, 1, 1, 3]),
    ([(0, 1, 0.999)], [0, 1, 2, 3]),                        # direct edge with conflicting dob rejected
    ([(0, 2, 0.99), (2, 3, 0.98), (1, 3, 0.97)], [0, 1, 0, 3]),
    ([(0, 2, 0.90)], [0, 1, 2, 3]),                         # below threshold
]


@pytest.mark.parametrize("edges,expected", TRAPS)
def test_chaining_traps(edges, expected):
    i, j, p = (np.array(x) for x in zip(*edges))
    assert cluster_pairs(STD, i, j, p, 0.95).tolist() == expected


def test_namesakes_with_different_ids_stay_apart():
    std = pd.DataFrame({"birth_date": pd.to_datetime([None, None, None]),
                        "id_number": ["110105199003050011", None, "110105198512120022"]})
    labels = cluster_pairs(std, np.array([0, 1]), np.array([1, 2]), np.array([0.99, 0.98]), 0.95)
    assert labels.tolist() == [0, 0, 2]


@pytest.mark.parametrize("a,b,conflict", [
    ("1990-05-04", "1990-05-04", False), ("1990-05-04", "1990-04-05", False),
    ("1990-05-04", "1991-05-04", False), ("1990-05-04", "1991-06-04", True), (None, "1991-06-04", False),
])
def test_birth_date_tolerance(a, b, conflict):
    std = pd.DataFrame({"birth_date": pd.to_datetime([a, b])})
    assert records_conflict(std, [0], [1]).tolist() == [conflict]


def test_source_conflict_one_record_per_source():
    std = pd.DataFrame({"source": ["A", "B", "A"]})
    labels = cluster_pairs(std, np.array([0, 1]), np.array([1, 2]), np.array([0.99, 0.98]), 0.95, ["source"])
    assert labels.tolist() == [0, 0, 2]


def test_decisions_force_and_forbid():
    std = pd.DataFrame({"birth_date": pd.to_datetime([None] * 4)})
    i, j, p = np.array([0, 2]), np.array([2, 3]), np.array([0.99, 0.99])
    assert cluster_pairs(std, i, j, p, 0.95).tolist() == [0, 1, 0, 0]
    forbid = cluster_pairs(std, i, j, p, 0.95, forbidden=(np.array([3]), np.array([0])))
    assert forbid.tolist() == [0, 1, 0, 3]
    forced = cluster_pairs(STD, i, j, p, 0.95, forced=(np.array([1]), np.array([3])))
    assert forced[1] == forced[3]  # a reviewer's match overrides the birth-date check


def test_contradicting_decisions_raise():
    with pytest.raises(LinkageError, match="both 'match' and 'non_match'"):
        cluster_pairs(STD, np.array([0]), np.array([1]), np.array([0.5]), 0.95,
                      forced=(np.array([0]), np.array([1])), forbidden=(np.array([1]), np.array([0])))
    with pytest.raises(LinkageError, match="non_match"):
        cluster_pairs(STD, np.array([0]), np.array([1]), np.array([0.5]), 0.95,
                      forced=(np.array([0, 1]), np.array([3, 3])), forbidden=(np.array([0]), np.array([1])))
