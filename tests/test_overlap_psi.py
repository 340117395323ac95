"""PSI cardinality over openmined.psi, in process and over the process pool."""
from __future__ import annotations

import pytest

from migration_kit.overlap import psi


@pytest.mark.parametrize(
    ("client", "server", "expected"),
    [
        (["a", "b", "c"], ["b", "c", "d"], 2),
        (["a"], ["b"], 0),
        ([], ["b"], 0),
        (["a", "b"], [], 0),
        ([f"x{i}" for i in range(40)], [f"x{i}" for i in range(25, 90)], 15),
    ],
)
@pytest.mark.parametrize("pool", [False, True])
def test_intersection_size_is_exact(monkeypatch, client, server, expected, pool):
    if pool:  # small chunks, no minimum: the same counts through the process pool
        monkeypatch.setattr(psi, "_CHUNK", 7)
        monkeypatch.setattr(psi, "_POOL_MIN", 0)
    workers = 2 if pool else 1
    key = psi.new_key()
    request = psi.blind({"s": client}, key, workers)
    setup, response = psi.answer(request, {"s": server}, workers)
    assert len(setup["s"]) == len(server) and len(response["s"]) == len(client)
    assert psi.intersection_sizes(setup, response, key, workers) == {"s": expected}


def test_points_are_sorted_and_compressed():
    key = psi.new_key()
    request = psi.blind({"s": ["a", "b", "c", "d"]}, key)
    setup, response = psi.answer(request, {"s": ["a", "b"]})
    for part in (request["s"], setup["s"], response["s"]):
        assert part == sorted(part)
        assert {len(e) for e in part} == {psi.ELEMENT_BYTES}
        assert {e[0] for e in part} <= {2, 3}  # SEC1 compressed points


def test_another_key_blinds_differently_and_counts_nothing():
    k1, k2 = psi.new_key(), psi.new_key()
    assert psi.blind({"s": ["a"]}, k1) != psi.blind({"s": ["a"]}, k2)
    setup, response = psi.answer(psi.blind({"s": ["a", "b"]}, k1), {"s": ["a", "b"]})
    assert psi.intersection_sizes(setup, response, k1) == {"s": 2}
    assert psi.intersection_sizes(setup, response, k2) == {"s": 0}  # not the request's key


def test_each_answer_uses_a_fresh_seller_key():
    request = psi.blind({"s": ["a"]}, psi.new_key())
    first, _ = psi.answer(request, {"s": ["a"]})
    second, _ = psi.answer(request, {"s": ["a"]})
    assert first != second
