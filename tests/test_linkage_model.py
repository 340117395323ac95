"""Fellegi-Sunter: EM recovers known m/u without labels; TF; parameters table and charts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.linkage import FellegiSunter, plot_match_weights, plot_weight_histogram, tf_adjustment

# (m per level, u per level) for 3 comparisons, level codes 0..k-1 (best last)
TRUE = [
    (np.array([0.05, 0.15, 0.80]), np.array([0.90, 0.08, 0.02])),
    (np.array([0.10, 0.90]), np.array([0.95, 0.05])),
    (np.array([0.05, 0.10, 0.25, 0.60]), np.array([0.80, 0.15, 0.04, 0.01])),
]


def _simulate(lam: float, n: int, seed: int, null_rate: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < lam
    cols = []
    for m, u in TRUE:
        lev = np.where(is_match, rng.choice(len(m), n, p=m), rng.choice(len(u), n, p=u))
        lev[rng.random(n) < null_rate] = -1
        cols.append(lev)
    return np.stack(cols, axis=1).astype(np.int8)


@pytest.mark.parametrize("lam,null_rate,seed", [(0.3, 0.0, 1), (0.1, 0.0, 2), (0.5, 0.2, 3)])
def test_em_recovers_known_m_u(lam, null_rate, seed):
    L = _simulate(lam, 60_000, seed, null_rate)
    fs = FellegiSunter([len(m) for m, _ in TRUE], max_iter=200).fit(L)
    assert abs(fs.lam - lam) < 0.02
    for (m, u), em, eu in zip(TRUE, fs.m, fs.u):
        np.testing.assert_allclose(em, m, atol=0.03)
        np.testing.assert_allclose(eu, u, atol=0.03)


def test_em_is_deterministic_and_capped():
    L = _simulate(0.3, 5000, 7)
    a = FellegiSunter([3, 2, 4], max_iter=3).fit(L)
    b = FellegiSunter([3, 2, 4], max_iter=3).fit(L)
    assert a.n_iter == 3 and not a.converged
    assert all(np.array_equal(x, y) for x, y in zip(a.m, b.m))


def test_predict_weights_and_probability():
    fs = FellegiSunter([2, 2])
    fs.m, fs.u, fs.lam = [np.array([0.1, 0.9])] * 2, [np.array([0.9, 0.1])] * 2, 0.5
    w, p = fs.predict(np.array([[1, 1], [0, 0], [-1, 1]], dtype=np.int8))
    np.testing.assert_allclose(w, [2 * np.log2(9), -2 * np.log2(9), np.log2(9)])
    assert p[0] > 0.98 and p[1] < 0.02


def test_neutral_level_carries_no_weight_and_is_null_during_em():
    # comparison 1, level 1 ("landline vs mobile") says which source a record came from
    L = _simulate(0.3, 20_000, 4)
    plain = FellegiSunter([3, 2, 4], max_iter=100).fit(L)
    neutral = FellegiSunter([3, 2, 4], max_iter=100, neutral=[[], [1], []]).fit(L)
    assert neutral.weights[1][1] == 0.0 and plain.weights[1][1] != 0.0
    as_null = L.copy()
    as_null[as_null[:, 1] == 1, 1] = -1
    ref = FellegiSunter([3, 2, 4], max_iter=100).fit(as_null)
    np.testing.assert_allclose(neutral.weights[0], ref.weights[0])
    np.testing.assert_allclose(neutral.predict(L)[0], ref.predict(as_null)[0])


@pytest.mark.parametrize("common,rare", [(0, 3), (1, 3)])
def test_tf_common_name_weighs_less_than_rare(common, rare):
    # value 0 = 王伟 (many records), 1 = 李娜, 3 = 欧阳修 (one record pair)
    values = np.array([0] * 50 + [1] * 10 + [2] * 5 + [3] * 2)
    adj = tf_adjustment(np.array([common, rare]), values, np.array([True, True]))
    assert adj[0] < adj[1]


def test_tf_only_at_the_exact_level():
    adj = tf_adjustment(np.array([0, 0, -1]), np.array([0, 0, 1, 1, 2]), np.array([True, False, True]))
    assert adj[1] == 0 and adj[2] == 0 and adj[0] != 0


def test_params_table_and_charts(tmp_path):
    fs = FellegiSunter([3, 2, 4], names=[("name", ["else", "jw", "exact"]), ("phone", ["else", "exact"]),
                                          ("dob", ["else", "a", "b", "exact"])]).fit(_simulate(0.3, 5000, 4))
    params = fs.params()
    assert list(params.columns) == ["comparison", "level", "level_code", "m", "u", "weight"]
    assert len(params) == 1 + 3 + 2 + 4
    row = params[(params.comparison == "phone") & (params.level == "exact")].iloc[0]
    assert row.weight == pytest.approx(np.log2(row.m / row.u))
    p1 = plot_match_weights(params, str(tmp_path / "w.png"))
    p2 = plot_weight_histogram(pd.DataFrame({"match_weight": np.linspace(-10, 10, 50)}), str(tmp_path / "h.png"))
    for p in (p1, p2):
        with open(p, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


# -- smoothing, Good-Turing, non-match u ---------------------------------------------------------
from migration_kit.linkage.model import (  # noqa: E402
    exact_agreement_pairs, floor_probabilities, good_turing_counts, nonmatch_u)


@pytest.mark.parametrize("m_floor,bound", [(1e-3, np.log2(1e-3 / 0.9) - 0.5), (1e-2, np.log2(1e-2 / 0.9) - 0.5)])
def test_unseen_disagreement_weight_is_bounded(m_floor, bound):
    # matches never disagree on comparison 0: without a floor its 'else' weight collapses (~ -25 bits)
    rng = np.random.default_rng(5)
    n_m, n_u = 3000, 30000
    match = np.stack([np.ones(n_m)] + [rng.choice(2, n_m, p=[0.05, 0.95]) for _ in range(3)], axis=1)
    non = np.stack([rng.choice(2, n_u, p=[0.95, 0.05]) for _ in range(4)], axis=1)
    L = np.concatenate([match, non]).astype(np.int8)
    fs = FellegiSunter([2] * 4, max_iter=200, m_floor=m_floor).fit(L)
    w_raw = FellegiSunter([2] * 4, max_iter=200, m_floor=0.0, pseudo_count=0.0).fit(L).weights[0][0]
    assert fs.m[0][0] >= m_floor * 0.999
    assert fs.weights[0][0] >= bound
    assert w_raw < fs.weights[0][0]


@pytest.mark.parametrize("p,floor,expected", [
    ([0.999999, 1e-6], 0.01, [0.99, 0.01]),
    ([0.5, 0.5], 0.01, [0.5, 0.5]),
    ([1.0, 0.0, 0.0], 0.1, [0.8, 0.1, 0.1]),
])
def test_floor_probabilities(p, floor, expected):
    np.testing.assert_allclose(floor_probabilities(np.array(p), floor), expected, atol=1e-9)


@pytest.mark.parametrize("counts,expected", [
    # N1=4, N2=2, N3=1: r*(1)=2*2/4=1 (not smaller, kept), r*(2)=3*1/2=1.5
    ([1, 1, 1, 1, 2, 2, 3, 9], [1, 1, 1, 1, 1.5, 1.5, 3, 9]),
    # many pairs, few triples: a value seen twice is mostly one person seen twice
    ([2] * 10 + [3], [0.3] * 10 + [3]),
    ([7, 8], [7, 8]),  # above max_r: untouched
])
def test_good_turing_counts(counts, expected):
    np.testing.assert_allclose(good_turing_counts(np.array(counts)), expected)


def test_good_turing_lifts_rare_pairs_weight():
    values = np.array([0] * 40 + sum(([k, k] for k in range(1, 30)), []) + [99, 99, 99])
    at = np.array([True])
    smooth = tf_adjustment(np.array([5]), values, at, smooth=True)[0]
    raw = tf_adjustment(np.array([5]), values, at, smooth=False)[0]
    common = tf_adjustment(np.array([0]), values, at, smooth=True)[0]
    assert smooth > raw > common


@pytest.mark.parametrize("codes,source,expected", [
    ([0, 0, 0, 1, -1], None, 3),
    ([0, 0, 1, 1], ["a", "b", "a", "a"], 1),  # link_only: only the cross-source pair of value 0
    ([-1, -1], None, 0),
])
def test_exact_agreement_pairs(codes, source, expected):
    assert exact_agreement_pairs(np.array(codes), None if source is None else np.array(source)) == expected


@pytest.mark.parametrize("pairs,matches,expected", [
    ([900.0, 100.0], [5.0, 95.0], [895 / 900, 5 / 900]),
    ([900.0, 10.0], [0.0, 20.0], [900 / 900.5, 0.5 / 900.5]),  # more expected matches than pairs: half a pair
])
def test_nonmatch_u(pairs, matches, expected):
    np.testing.assert_allclose(nonmatch_u([np.array(pairs)], [np.array(matches)])[0], expected)
