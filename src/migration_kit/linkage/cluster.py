"""Conflict-aware clustering of scored pairs into entities (stage 3, cluster).

Plain connected components chain strangers: a parent and a child sharing a phone, or two
namesakes (王伟), end up in one entity as soon as some third record matches each of them. Here:

1. Edges are the pairs with ``match_probability >= upper`` plus the reviewers' forced matches;
   pairs a reviewer marked ``non_match`` are removed.
2. Every model edge is checked on its own (vectorized): the two records must not conflict on the
   ``conflict_columns``. Conflict means: ``id_number`` both valid and different; ``birth_date``
   both known and neither equal, nor day/month swapped, nor differing in only one of
   year/month/day (one typo is tolerated, a different person is not); any other listed column
   (gender, email, phone) both known and different; ``source`` means at most one record per
   source in an entity (for sources known to be deduplicated, e.g. ``link_only``). Phones are
   not a conflict by default: people change numbers and families share them. Each test is an
   entry of :data:`~migration_kit.linkage.levels.CONFLICT_TESTS`.
3. Connected components are computed (scipy). Components of two records are final. Larger ones
   are rebuilt by union-find, edges taken forced first, then by probability descending (ties by
   ``(i, j)``), and a merge is rejected if ANY record of one cluster conflicts with ANY record of
   the other, or if a ``non_match`` decision links them. So the bridging record joins the side it
   matches best and the two strangers stay apart. Forced matches that would join a ``non_match``
   pair raise :class:`~migration_kit.errors.LinkageError`.

Example
-------
>>> import numpy as np, pandas as pd
>>> std = pd.DataFrame({"birth_date": pd.to_datetime(["1965-03-01", None, "1995-07-12"]),
...                     "id_number": [None, None, None]})
>>> cluster_pairs(std, np.array([0, 1]), np.array([1, 2]), np.array([0.99, 0.97]), 0.95).tolist()
[0, 0, 2]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import LinkageError
from .levels import CONFLICT_TESTS, PairTest
from .spec import ConflictRule

__all__ = ["cluster_pairs", "records_conflict"]


def _as_rule(c: str | ConflictRule) -> ConflictRule:
    if isinstance(c, ConflictRule):
        return c
    test = {"source": "same_value", "birth_date": "dates_differ"}.get(c, "differ")
    return ConflictRule(c, c, test)


class _Attrs:
    """Conflict rules prepared on the records once; :meth:`conflict` is vectorized over pairs."""

    def __init__(self, std: pd.DataFrame, rules: Sequence[str | ConflictRule]) -> None:
        self.checks: list[tuple[PairTest, list[np.ndarray]]] = []
        for rule in map(_as_rule, rules):
            if rule.column not in std.columns:
                continue
            unless = [
                pd.factorize(std[c])[0].astype(np.int64) for c in rule.unless if c in std.columns
            ]
            entry = CONFLICT_TESTS[rule.test]
            fn = entry.fn(std[rule.column], {k: getattr(rule, k) for k in entry.params})
            self.checks.append((fn, unless))

    def conflict(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = np.zeros(len(i), dtype=bool)
        for fn, unless in self.checks:
            hit = fn(i, j)
            for codes in unless:
                hit &= ~((codes[i] >= 0) & (codes[i] == codes[j]))
            out |= hit
        return out


def records_conflict(
    std: pd.DataFrame,
    i: Sequence[int] | np.ndarray,
    j: Sequence[int] | np.ndarray,
    conflict_columns: Sequence[str | ConflictRule] = ("id_number", "birth_date"),
) -> np.ndarray:
    """Vectorized pairwise conflict test used for single edges (see module docstring).

    ``conflict_columns`` holds column names (the built-in test of each, see module docstring)
    and/or :class:`~migration_kit.linkage.spec.ConflictRule` objects.

    Example
    -------
    >>> dob = pd.to_datetime(["1990-05-04", "1990-04-05", "1991-06-04"])
    >>> std = pd.DataFrame({"birth_date": dob})
    >>> records_conflict(std, [0, 0], [1, 2]).tolist()
    [False, True]
    """
    return _Attrs(std, conflict_columns).conflict(
        np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    )


def _pair_set(i: np.ndarray, j: np.ndarray) -> set[tuple[int, int]]:
    a, b = np.minimum(i, j), np.maximum(i, j)
    return set(zip(a.tolist(), b.tolist(), strict=True))


def cluster_pairs(
    std: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    prob: np.ndarray,
    upper: float,
    conflict_columns: Sequence[str | ConflictRule] = ("id_number", "birth_date"),
    forced: tuple[np.ndarray, np.ndarray] | None = None,
    forbidden: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Cluster label per record (the smallest record position of its cluster).

    Parameters
    ----------
    std : pandas.DataFrame
        Records (RangeIndex), holding the conflict columns.
    i, j, prob : numpy.ndarray
        Scored pairs.
    upper : float
        Probability threshold for an edge.
    conflict_columns : sequence of str or ConflictRule
        Column names (built-in test per column) and/or declared conflict rules.
    forced, forbidden : (i, j) arrays, optional
        Reviewer ``match`` / ``non_match`` decisions as record positions.
    """
    n = len(std)
    i, j, prob = np.asarray(i, np.int64), np.asarray(j, np.int64), np.asarray(prob, float)
    attrs = _Attrs(std, conflict_columns)
    fi, fj = (
        (np.asarray(forced[0], np.int64), np.asarray(forced[1], np.int64))
        if forced
        else (np.zeros(0, np.int64),) * 2
    )
    bi, bj = (
        (np.asarray(forbidden[0], np.int64), np.asarray(forbidden[1], np.int64))
        if forbidden
        else (np.zeros(0, np.int64),) * 2
    )
    forb = _pair_set(bi, bj)
    clash = _pair_set(fi, fj) & forb
    if clash:
        raise LinkageError(
            f"{len(clash)} review decision pair(s) are marked both 'match' and 'non_match' "
            "(e.g. record positions " + str(sorted(clash)[0]) + "); keep one decision per pair"
        )
    keep = prob >= upper
    ei, ej, ep = i[keep], j[keep], prob[keep]
    ok = ~attrs.conflict(ei, ej)
    if forb:
        key_b = np.minimum(bi, bj) * n + np.maximum(bi, bj)
        ok &= ~np.isin(np.minimum(ei, ej) * n + np.maximum(ei, ej), key_b)
    ei, ej, ep = ei[ok], ej[ok], ep[ok]
    ei, ej = np.r_[fi, ei], np.r_[fj, ej]
    ep = np.r_[np.full(len(fi), np.inf), ep]
    labels = np.arange(n, dtype=np.int64)
    if len(ei) == 0:
        return labels
    g = coo_matrix((np.ones(len(ei)), (ei, ej)), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    sizes = np.bincount(comp)
    small = sizes[comp[ei]] == 2
    labels[np.maximum(ei[small], ej[small])] = np.minimum(ei[small], ej[small])
    big = np.flatnonzero(~small)
    if len(big):
        order = big[np.lexsort((ej[big], ei[big], -ep[big]))]
        _union_find(labels, ei[order], ej[order], np.isinf(ep[order]), attrs, forb)
    # resolve every record to its root, then to the smallest member of its cluster
    root = labels.copy()
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    smallest = pd.Series(np.arange(n)).groupby(root).transform("min").to_numpy()
    return smallest.astype(np.int64)


def _union_find(
    parent: np.ndarray,
    ei: np.ndarray,
    ej: np.ndarray,
    forced: np.ndarray,
    attrs: _Attrs,
    forb: set[tuple[int, int]],
) -> None:
    members: dict[int, list[int]] = {}
    partners: dict[int, set[int]] = {}
    for a, b in forb:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for a, b, f in zip(ei.tolist(), ej.tolist(), forced.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, [ra]), members.get(rb, [rb])
        sb = set(mb)
        if any(partners.get(x, set()) & sb for x in ma):
            if f:
                raise LinkageError(
                    "a 'match' review decision would put two records marked 'non_match' "
                    "in one entity; revise the conflicting decisions"
                )
            continue
        if not f:
            xa = np.repeat(np.array(ma, np.int64), len(mb))
            xb = np.tile(np.array(mb, np.int64), len(ma))
            if attrs.conflict(xa, xb).any():
                continue
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        parent[rb] = ra
        members[ra] = ma + mb
        members.pop(rb, None)
