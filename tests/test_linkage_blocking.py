"""Blocking: vectorized pair generation, union of passes, capped oversized blocks."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from migration_kit.linkage import BlockingIndex, BlockingRule, block_pairs
from migration_kit.linkage.blocking import block_codes

DF = pd.DataFrame({
    "source": ["pos", "pos", "web", "web", "web", "club"],
    "phone": ["+8613812345678", "+8613812345678", "+8613812345678", None, "+8613912345670", "+8613912345679"],
    "name_key": ["王伟", "王伟", "王伟", "王伟", "李娜", "李娜"],
    "family_name": ["王", "王", "王", "王", "李", "李"],
})


@pytest.mark.parametrize("keys,link_type,expected", [
    (["phone"], "dedupe_and_link", [(0, 1), (0, 2), (1, 2)]),
    (["phone"], "link_only", [(0, 2), (1, 2)]),
    (["name_key"], "dedupe_and_link", [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (4, 5)]),
    (["family_name", "phone:last4"], "dedupe_and_link", [(0, 1), (0, 2), (1, 2)]),
    (["family_name", "phone:first10"], "dedupe_and_link", [(0, 1), (0, 2), (1, 2), (4, 5)]),
    (["email"], "dedupe_and_link", []),  # missing column: no pairs
])
def test_pairs(keys, link_type, expected):
    pairs, report = block_pairs(DF, [BlockingRule("r", tuple(keys))], 10, link_type)
    assert list(zip(pairs["i"], pairs["j"])) == expected
    assert report.empty


def test_union_dedupes_and_keeps_first_rule():
    rules = [BlockingRule("phone", ("phone",)), BlockingRule("name", ("name_key",))]
    counts: dict = {}
    pairs, _ = block_pairs(DF, rules, 10, counts=counts)
    assert len(pairs) == len(set(zip(pairs["i"], pairs["j"]))) == 7
    assert (pairs["i"] < pairs["j"]).all()
    assert pairs.set_index(["i", "j"]).loc[(0, 1), "rule"] == "phone"
    assert counts == {"pairs_phone": 3, "pairs_name": 4}


@pytest.mark.parametrize("cap,n_pairs,n_skipped", [(2, 1, 1), (3, 1, 1), (4, 7, 0)])
def test_oversized_blocks_are_skipped_and_reported(cap, n_pairs, n_skipped):
    pairs, report = block_pairs(DF, [BlockingRule("name", ("name_key",), max_block_size=cap)], 100)
    assert len(pairs) == n_pairs
    assert len(report) == n_skipped
    assert list(report.columns) == ["rule", "key_masked", "size", "action"]
    if n_skipped:
        assert report["action"].str.startswith("skipped").all()
        assert "王伟" not in " ".join(report["key_masked"])  # masked, not plaintext


def test_matches_brute_force_on_random_data():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"source": "s", "a": rng.integers(0, 30, 400).astype(str),
                       "b": rng.choice(["x", "y", None], 400)})
    pairs, _ = block_pairs(df, [BlockingRule("ab", ("a", "b"))], 1000)
    a, b = df["a"].tolist(), df["b"].tolist()
    brute = [(i, j) for i, j in itertools.combinations(range(len(df)), 2)
             if a[i] == a[j] and b[i] is not None and b[i] == b[j]]
    assert list(zip(pairs["i"], pairs["j"])) == brute


def test_block_codes_null_when_any_key_null():
    codes = block_codes(DF, ["name_key", "phone"])
    assert codes[3] == -1 and codes[0] == codes[1] == codes[2] >= 0


def test_recordlinkage_index_plugin():
    import recordlinkage
    idx = recordlinkage.Index()
    idx.add(BlockingIndex([BlockingRule("phone", ("phone",))]))
    a, b = DF.iloc[:2].copy(), DF.iloc[2:].copy()
    assert list(idx.index(a, b)) == [(0, 2), (1, 2)]
