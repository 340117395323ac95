"""Candidate pairs from a union of blocking passes (stage 3, index).

Each :class:`~migration_kit.linkage.spec.BlockingRule` groups records sharing all its keys (plain
std columns or derived ``column:transform`` keys such as ``phone:last4``). Everything is
vectorized: keys are factorized into one integer block code per record, rows are sorted by code,
and every within-block pair ``(i < j)`` is expanded with ``numpy.repeat`` arithmetic. The passes
are united and deduplicated on ``i * n + j``; each pair remembers the first rule that found it.

A rule with a ``window`` is a sorted-neighbourhood pass: records sorted on the keys, each paired
with the next ``window - 1`` (typos late in a key still meet).

A rule with ``cross_keys`` pairs a record's ``keys`` with another record's alternative keys
(an email local part spelling the other record's full name): entries of both sides are
factorized together and only side-0 x side-1 pairs are expanded.

Blocks larger than the rule's ``max_block_size`` (a shared shop phone, 王伟 + a common birth
date) are skipped and reported in a table ``rule, key_masked, size, action`` with the key masked,
so the skip is visible and the rule can be tightened.

Example
-------
>>> import pandas as pd
>>> from migration_kit.linkage.spec import BlockingRule
>>> df = pd.DataFrame({"source": ["a"] * 3, "phone": ["+861", "+861", None]})
>>> pairs, report = block_pairs(df, [BlockingRule("phone", ("phone",))], max_block_size=10)
>>> pairs[["i", "j"]].values.tolist(), len(report)
([[0, 1]], 0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .levels import local_letters, name_concat
from .spec import KEY_TRANSFORM_RE, BlockingRule

__all__ = ["REPORT_COLUMNS", "block_codes", "block_key", "block_pairs"]

REPORT_COLUMNS = ["rule", "key_masked", "size", "action"]


def _parse_key(key: str) -> tuple[str, str | None]:
    """``(column, transform or None)`` of a blocking key ``column[:transform]``."""
    m = KEY_TRANSFORM_RE.match(key)
    if m is None:
        raise ValueError(
            f"blocking key {key!r} is not a std column or 'column:transform' (e.g. 'phone:last4')"
        )
    return m.group("col"), m.group("tf")


def block_key(df: pd.DataFrame, key: str) -> pd.Series:
    """Values of one (possibly derived) blocking key; null where unusable."""
    col, tf = _parse_key(key)
    if col not in df.columns:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    s = df[col]
    if tf is None:
        return s
    if tf == "year":
        return pd.to_datetime(s, errors="coerce").dt.year.astype("Int64")
    if tf == "local_letters":
        return _per_unique(s, local_letters)
    if tf in ("concat", "rconcat"):
        return _per_unique(s, lambda u: name_concat(u, tf == "rconcat"))
    s = s.astype("string")
    if tf == "lower":
        return s.str.lower()
    n = int(tf[5:] if tf.startswith("first") else tf[4:])
    s = s.where(s.str.len() >= n)
    return s.str[:n] if tf.startswith("first") else s.str[-n:]


def _per_unique(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    codes, uniq = pd.factorize(s)
    der = fn(pd.Series(np.asarray(uniq, dtype=object), dtype=object)).to_numpy(dtype=object)
    # code -1 (null) picks the appended None
    der = np.append(der, np.array([None], dtype=object))
    return pd.Series(der[codes], index=s.index, dtype=object)


def _factorized(
    df: pd.DataFrame, key: str, cache: dict[Any, Any] | None
) -> tuple[np.ndarray, pd.Index]:
    """``pandas.factorize`` of one blocking key, memoised in ``cache``.

    One pass shares the cache with the next.
    """
    if cache is not None and key in cache:
        return cache[key]
    out = pd.factorize(block_key(df, key))
    if cache is not None:
        cache[key] = out
    return out


def block_codes(
    df: pd.DataFrame, keys: Sequence[str], cache: dict[Any, Any] | None = None
) -> np.ndarray:
    """One int64 block code per record (-1 when any key is null)."""
    combined: np.ndarray | None = None
    for key in keys:
        codes, uniq = _factorized(df, key, cache)
        codes = codes.astype(np.int64)
        if combined is None:
            combined = codes
        else:
            bad = (combined < 0) | (codes < 0)
            combined, _ = pd.factorize(np.where(bad, -1, combined * (len(uniq) + 1) + codes))
            combined = np.where(bad, -1, combined).astype(np.int64)
    if combined is None:
        raise ValueError("block_codes needs at least one blocking key")
    return combined


def _expand(
    codes: np.ndarray, max_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Within-block pairs of records with equal codes; returns i, j and the oversized blocks."""
    rows = np.flatnonzero(codes >= 0)
    order = rows[np.argsort(codes[rows], kind="stable")]
    sc = codes[order]
    if len(sc) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e
    starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
    sizes = np.diff(np.r_[starts, len(sc)])
    big = sizes > max_size
    keep = (sizes >= 2) & ~big
    # per sorted position: offset in block and block size (0 for dropped blocks)
    size_at = np.repeat(np.where(keep, sizes, 0), sizes)
    off = np.arange(len(sc)) - np.repeat(starts, sizes)
    counts = np.maximum(size_at - 1 - off, 0)
    total = int(counts.sum())
    left = np.repeat(np.arange(len(sc)), counts)
    first = np.cumsum(counts) - counts
    right = left + (np.arange(total) - np.repeat(first, counts)) + 1
    a, b = order[left], order[right]
    return np.minimum(a, b), np.maximum(a, b), order[starts[big]], sizes[big]


def _expand_window(
    df: pd.DataFrame, keys: Sequence[str], window: int, cache: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted neighbourhood: sort on ``keys`` (lexicographic, first key first), pair each record
    with the next ``window - 1`` records; records with a null key are left out."""
    codes, null = [], np.zeros(len(df), dtype=bool)
    for key in keys:
        c, uniq = _factorized(df, key, cache)
        rank = np.empty(
            len(uniq), dtype=np.int64
        )  # lexicographic rank of each unique value as text
        rank[np.argsort(np.asarray(uniq, dtype=object).astype(str), kind="stable")] = np.arange(
            len(uniq)
        )
        c = np.where(c >= 0, rank[np.maximum(c, 0)] if len(uniq) else -1, -1)
        codes.append(c)
        null |= c < 0
    rows = np.flatnonzero(~null)
    order = rows[np.lexsort([c[rows] for c in reversed(codes)])] if len(rows) else rows
    left, right = [], []
    for d in range(1, window):
        left.append(order[:-d] if d < len(order) else order[:0])
        right.append(order[d:])
    a = np.concatenate(left) if left else np.zeros(0, dtype=np.int64)
    b = np.concatenate(right) if right else np.zeros(0, dtype=np.int64)
    return np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def _key_hash(df: pd.DataFrame, keys: Sequence[str], cache: dict | None = None) -> np.ndarray:
    """One uint64 hash per record of the key tuple (0 when any key is null)."""
    out = np.zeros(len(df), dtype=np.uint64)
    null = np.zeros(len(df), dtype=bool)
    for p, key in enumerate(keys):
        codes, uniq = _factorized(df, key, cache)
        if cache is not None and ("hash", key) in cache:
            h = cache[("hash", key)]
        else:
            h = pd.util.hash_array(np.asarray(uniq, dtype=object).astype(str))
            if cache is not None:
                cache[("hash", key)] = h
        null |= codes < 0
        with np.errstate(over="ignore"):
            out = out * np.uint64(1_000_003) + np.append(h, np.uint64(0))[codes] + np.uint64(p)
    return np.where(null | (out == 0), np.uint64(0), out)


def _cross_codes(
    df: pd.DataFrame, rule: BlockingRule, cache: dict | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries ``(row, code, side)``.

    Side 0 comes from ``keys``, side 1 from each ``cross_keys`` alternative.
    """
    n, alts = len(df), [rule.keys, *rule.cross_keys]
    h = np.concatenate([_key_hash(df, alt, cache) for alt in alts])
    rows = np.tile(np.arange(n, dtype=np.int64), len(alts))
    side = np.repeat(np.r_[0, np.ones(len(alts) - 1, dtype=np.int64)], n)
    keep = h != 0
    codes = pd.factorize(h[keep])[0].astype(np.int64)
    return rows[keep], codes, side[keep]


def _expand_cross(
    rows: np.ndarray, codes: np.ndarray, side: np.ndarray, max_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (side-0 entry, side-1 entry) with equal codes.

    Blocks over ``max_size`` entries are skipped (returned as rows and sizes, like :func:`_expand`).
    """
    e = np.zeros(0, dtype=np.int64)
    # one side-1 entry per (row, code): both name orders may give the same key
    n = int(rows.max()) + 1 if len(rows) else 1
    k1 = np.unique(codes[side == 1] * n + rows[side == 1])  # sorted by code, then row
    c1, r1 = k1 // n, k1 % n
    c0, r0 = codes[side == 0], rows[side == 0]
    o0 = np.argsort(c0, kind="stable")
    c0, r0 = c0[o0], r0[o0]
    u0, st0, n0 = np.unique(c0, return_index=True, return_counts=True)
    u1, st1, n1 = np.unique(c1, return_index=True, return_counts=True)
    _, a_idx, b_idx = np.intersect1d(u0, u1, assume_unique=True, return_indices=True)
    if not len(a_idx):
        return e, e, e, e
    s0, s1n, p0, p1 = n0[a_idx], n1[b_idx], st0[a_idx], st1[b_idx]
    big = (s0 + s1n) > max_size
    cnt = np.where(big, 0, s0 * s1n)
    blk = np.repeat(np.arange(len(cnt)), cnt)
    k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    a = r0[p0[blk] + k // s1n[blk]]
    b = r1[p1[blk] + k % s1n[blk]]
    ok = a != b
    a, b = a[ok], b[ok]
    return np.minimum(a, b), np.maximum(a, b), r0[p0[big]], (s0 + s1n)[big]


def _mask_key(df: pd.DataFrame, keys: Sequence[str], row: int) -> str:
    try:
        from ..masking import mask_value  # shared module (may not exist yet in a partial tree)
    except ImportError:  # pragma: no cover - fallback keeps nothing personal either

        def mask_value(field: str, value: Any) -> str:
            t = str(value)
            return (t[:1] + "*" * max(len(t) - 1, 0)) if t else t

    parts = []
    for key in keys:
        v = block_key(df.iloc[[row]], key).iloc[0]
        col, tf = _parse_key(key)
        if tf is None:
            parts.append(f"{key}={mask_value(col, v)}")
        else:  # a fragment (phone:first10): a value mask would show digits the full mask hides
            t = "" if v is None else str(v)
            parts.append(f"{key}={t[:1]}{'*' * max(len(t) - 1, 0)}")
    return "; ".join(parts)


def block_pairs(
    df: pd.DataFrame,
    rules: Sequence[BlockingRule],
    max_block_size: int = 200,
    link_type: str = "dedupe_and_link",
    source_col: str = "source",
    counts: dict[str, int] | None = None,
    cache: dict[Any, Any] | None = None,
    keep_cache: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Union of the blocking passes.

    Parameters
    ----------
    df : pandas.DataFrame
        All sources concatenated, RangeIndex.
    rules : sequence of BlockingRule
    max_block_size : int
        Default cap for rules without their own.
    link_type : {"dedupe_and_link", "link_only"}
        ``link_only`` keeps only pairs whose ``source`` differs.
    counts : dict, optional
        Filled with ``pairs_<rule>`` (new pairs each rule contributed).
    cache : dict, optional
        Factorized keys of ``df`` computed before (a planner counting passes on the same table);
        keys are shared by the passes and dropped after their last use, unless ``keep_cache``
        (a planner blocking pass after pass).

    Returns
    -------
    (pairs, report)
        ``pairs``: ``i, j, rule`` (int64, int64, rule name) sorted by ``(i, j)``;
        ``report``: oversized blocks, columns :data:`REPORT_COLUMNS`.
    """
    n = len(df)
    src = pd.factorize(df[source_col])[0] if link_type == "link_only" else None
    keys, rule_ids, report = [], [], []
    keep = keep_cache
    cache = {} if cache is None else cache  # factorized keys, shared by the passes
    last_use = {
        k: r_idx
        for r_idx, rule in enumerate(rules)
        for k in (*rule.keys, *(x for alt in rule.cross_keys for x in alt))
    }
    for r_idx, rule in enumerate(rules):
        cap = rule.max_block_size or max_block_size
        if rule.window:
            i, j = _expand_window(df, rule.keys, rule.window, cache)
            big_rows = big_sizes = np.zeros(0, dtype=np.int64)
        elif rule.cross_keys:
            i, j, big_rows, big_sizes = _expand_cross(*_cross_codes(df, rule, cache), cap)
        else:
            i, j, big_rows, big_sizes = _expand(block_codes(df, rule.keys, cache), cap)
        for k in [k for k, last in last_use.items() if last == r_idx and not keep]:
            cache.pop(k, None)  # memory: drop what no later pass reads
            cache.pop(("hash", k), None)
        if src is not None:
            cross = src[i] != src[j]
            i, j = i[cross], j[cross]
        keys.append(i * n + j)
        rule_ids.append(np.full(len(i), r_idx, dtype=np.int16))
        for row, size in zip(big_rows.tolist(), big_sizes.tolist(), strict=True):
            report.append(
                (rule.name, _mask_key(df, rule.keys, row), int(size), f"skipped (> {cap})")
            )
    allk = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    allr = np.concatenate(rule_ids) if rule_ids else np.zeros(0, dtype=np.int16)
    uk, first = np.unique(allk, return_index=True)
    names = np.array([r.name for r in rules], dtype=object)
    pairs = pd.DataFrame({"i": uk // max(n, 1), "j": uk % max(n, 1), "rule": names[allr[first]]})
    if counts is not None:
        vc = pairs["rule"].value_counts()
        for r in rules:
            counts[f"pairs_{r.name}"] = int(vc.get(r.name, 0))
    rep = (
        pd.DataFrame(report, columns=REPORT_COLUMNS)
        .sort_values(["rule", "size", "key_masked"], ascending=[True, False, True], kind="stable")
        .reset_index(drop=True)
    )
    return pairs, rep
