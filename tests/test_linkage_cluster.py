"""Clustering: chaining traps stay apart; decisions honoured; deterministic labels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LinkageError, ParamsError
from migration_kit.linkage import cluster_pairs, records_conflict
from migration_kit.linkage.spec import ConflictRule

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


# -- declared conflict rules: "different person" whatever else the records share -----------------
NAMES = ConflictRule.from_dict({"name": "names", "column": "pinyin_key", "test": "tokens_differ",
                                "threshold": 0.8, "unless": ["id_number"]}, "t")


@pytest.mark.parametrize("a,b,conflict", [
    ("gao ruitao", "gao xuexiang", True),       # parent and child: shared family name dropped
    ("he yanxiang", "he yanxia", True),         # 0.75 similar, 2 edits apart
    ("wang wei", "li na", True),                # nothing shared
    ("jing liu", "liu jing", False),            # token order
    ("penglei wang", "lei peng wang", False),   # spacing of the given name
    ("penglei wang", "penlei wang", False),     # one romanisation typo
    ("wang yu", "lu wang", False),              # one edit: not sure enough to forbid
    ("wei", "wei zhiqin", False),               # honorific contact: family name only
    (None, "gao xuexiang", False),
    ("gao ruitao", "gao ruitao", False),
])
def test_tokens_differ(a, b, conflict):
    std = pd.DataFrame({"pinyin_key": [a, b]})
    assert records_conflict(std, [0], [1], [NAMES]).tolist() == [conflict]


@pytest.mark.parametrize("ids,conflict", [([None, None], True), (["X1", "X1"], False), (["X1", "X2"], True)])
def test_conflict_rule_unless(ids, conflict):
    std = pd.DataFrame({"pinyin_key": ["gao ruitao", "gao xuexiang"], "id_number": ids})
    assert records_conflict(std, [0], [1], [NAMES]).tolist() == [conflict]


@pytest.mark.parametrize("rule,values,conflict", [
    ({"name": "g", "column": "gender", "test": "differ"}, ["M", "F"], True),
    ({"name": "g", "column": "gender", "test": "differ"}, ["M", None], False),
    ({"name": "s", "column": "source", "test": "same_value"}, ["pos", "pos"], True),
    ({"name": "s", "column": "source", "test": "same_value"}, ["pos", "web"], False),
])
def test_simple_conflict_rules(rule, values, conflict):
    r = ConflictRule.from_dict(rule, "t")
    std = pd.DataFrame({r.column: values})
    assert records_conflict(std, [0], [1], [r]).tolist() == [conflict]


def test_family_sharing_phone_is_not_chained():
    # 0 parent, 1 child (same phone/address: the model scores them a match), 2 child's second record
    std = pd.DataFrame({"pinyin_key": ["gao xuexiang", "gao ruitao", "gao ruitao"], "id_number": [None] * 3})
    i, j, p = np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([0.999, 0.99, 0.98])
    assert cluster_pairs(std, i, j, p, 0.95).tolist() == [0, 0, 0]          # names not declared: chained
    assert cluster_pairs(std, i, j, p, 0.95, ["id_number", NAMES]).tolist() == [0, 1, 1]


@pytest.mark.parametrize("data,match", [
    ({"name": "x", "column": "c", "test": "tokens_differ"}, "needs one"),
    ({"name": "x", "column": "c", "test": "differ", "threshold": 0.5}, "only 'tokens_differ' takes a threshold"),
    ({"name": "x", "column": "c", "test": "tokens_differ", "threshold": 1.5}, "similarity in \\(0, 1\\]"),
    ({"name": "x", "column": "c", "test": "token_differ"}, "allowed values"),
    ({"name": "x", "column": "c", "test": "differ", "unles": ["id_number"]}, "did you mean 'unless'"),
    ({"name": "x", "column": "c", "test": "tokens_differ", "threshold": 0.8, "max_edits": -1}, "must be >= 0"),
])
def test_conflict_rule_rejects(data, match):
    with pytest.raises(ParamsError, match=match):
        ConflictRule.from_dict(data, "linkage.conflict_rules[0]")


@pytest.mark.parametrize("a,b,conflict", [
    ("madeline mason", "madeline masno", False),     # transposition is one edit (OSA)
    ("john smith", "jon smyth", False),              # one typo in each token
    ("john smith", "jon smithers", True),            # smith / smithers: 3 edits
])
def test_tokens_differ_per_token_typos(a, b, conflict):
    std = pd.DataFrame({"pinyin_key": [a, b]})
    assert records_conflict(std, [0], [1], [NAMES]).tolist() == [conflict]
