"""Frequency-class calibration of term-frequency weights (linkage.tfclass)."""
from __future__ import annotations

import numpy as np
import pytest

from migration_kit.errors import ParamsError
from migration_kit.linkage import LinkageSpec
from migration_kit.linkage.tfclass import agreement_pairs_per_value, class_log_odds, frequency_class

PAIRS_CASES = [
    # value codes, source, records per value, agreeing pairs per value
    ([0, 0, 0, 1, -1], None, [3, 1], [3, 0]),
    ([0, 0, 1, 1, 1, 1], None, [2, 4], [1, 6]),
    ([0, 0, 0], [0, 0, 1], [3], [2]),            # linking: only the 2 cross-source pairs
    ([0, 0, 1, 1], ["a", "b", "a", "a"], [2, 2], [1, 0]),
    ([-1, -1], None, [], []),
]


@pytest.mark.parametrize("codes,source,records,pairs", PAIRS_CASES)
def test_agreement_pairs_per_value(codes, source, records, pairs):
    c, p = agreement_pairs_per_value(np.array(codes), None if source is None else np.array(source))
    assert c.tolist() == records and p.tolist() == pairs


def _values(held_twice: int, held_four: int) -> np.ndarray:
    """Value codes: ``held_twice`` values on 2 records each, then ``held_four`` values on 4 records."""
    return np.r_[np.repeat(np.arange(held_twice), 2), np.repeat(np.arange(held_four) + held_twice, 4)]


ODDS_CASES = [
    # held twice, held 4x, shared-value probs of the candidate pairs (class 2 then class 4), max_count,
    # min_values, expected log2-odds per pair (None = not calibrated)
    (3, 0, [0.9, 0.9, 0.3], 2, 3, [np.log2(2.1 / 0.9)] * 3),
    (3, 0, [0.9, 0.9, 0.3], 2, 4, [None] * 3),                       # too few values in the class
    (3, 2, [1.0, 1.0, 1.0, 0.5, 0.5], 4, 2, [np.log2(3 / 0.5)] * 3 + [np.log2(1 / 11)] * 2),
    # above max_count, counts share geometric bins: 4 records -> the bin after 3, calibrated alike
    (3, 2, [1.0, 1.0, 1.0, 0.5, 0.5], 3, 2, [np.log2(3 / 0.5)] * 3 + [np.log2(1 / 11)] * 2),
    (3, 2, [1.0, 1.0, 1.0, 0.5, 0.5], 3, 3, [np.log2(3 / 0.5)] * 3 + [None] * 2),  # bin has 2 values < 3
]


@pytest.mark.parametrize("count,max_count,expected", [
    ([1, 2, 10], 10, [1, 2, 10]),
    ([11, 15, 16, 22, 23], 10, [11, 11, 12, 12, 13]),   # bins 10-15, 15-22.5, 22.5-33.75 ...
    ([100, 1000, 10000], 10, [16, 22, 28]),
    ([4, 5], 3, [4, 5]),
])
def test_frequency_class(count, max_count, expected):
    assert frequency_class(np.array(count), max_count).tolist() == expected


@pytest.mark.parametrize("twice,four,probs,max_count,min_values,expected", ODDS_CASES)
def test_class_log_odds(twice, four, probs, max_count, min_values, expected):
    vc = _values(twice, four)
    shared = np.r_[np.arange(twice), np.arange(four) + twice][:len(probs)]
    got = class_log_odds(vc, shared, np.array(probs), max_count=max_count, min_values=min_values)
    for g, e in zip(got, expected):
        assert np.isnan(g) if e is None else g == pytest.approx(e)


def test_a_lower_level_counts_the_matches_of_every_pair_sharing_the_value():
    # class 2: 3 values, so A = 3 agreeing pairs. Two share the value at a higher level (their
    # matches, 0.9 each, are part of A); the third is the lower level's own pair.
    vc = _values(3, 0)
    all_sharing = class_log_odds(vc, np.arange(3), np.array([0.9, 0.9, 0.3]), max_count=2,
                                 min_values=3, codes_out=np.array([2]))
    own_only = class_log_odds(vc, np.array([2]), np.array([0.3]), max_count=2, min_values=3)
    assert all_sharing.tolist() == pytest.approx([np.log2(2.1 / 0.9)])
    assert own_only[0] < all_sharing[0]   # counting its own pairs alone understates the odds


def test_every_pair_a_match_is_bounded():
    # all 3 agreeing pairs are matches: A - M = 0 is floored at half a pair, not infinite odds
    got = class_log_odds(_values(3, 0), np.arange(3), np.ones(3), max_count=2, min_values=1)
    assert np.isfinite(got).all() and got[0] == pytest.approx(np.log2(3 / 0.5))


@pytest.mark.parametrize("value,match", [
    ({"max_count": 1, "min_values": 20, "iterations": 1}, r"tf_classes\.max_count.*must be >= 2"),
    ({"max_count": 10, "min_values": 20}, r"tf_classes.*iterations"),
    ({"max_count": 10, "min_values": 20, "iterations": 1, "bands": 3}, r"tf_classes.*bands"),
    ([10, 20, 1], r"tf_classes.*expected dict"),
])
def test_spec_rejects_bad_tf_classes(value, match):
    with pytest.raises(ParamsError, match=match):
        LinkageSpec.from_dict({"tf_classes": value})


def test_spec_can_switch_tf_classes_off():
    assert LinkageSpec.from_dict({"tf_classes": None}).tf_classes is None
    assert LinkageSpec.default().tf_classes == {"max_count": 10, "min_values": 20, "iterations": 2}
