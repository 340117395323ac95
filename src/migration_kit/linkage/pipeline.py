"""``link(std, spec)``: index -> compare -> EM -> score -> cluster, with timings and counts.

Example
-------
>>> import pandas as pd
>>> std = pd.DataFrame({"source": ["pos", "web", "web"], "record_id": ["1", "1", "2"],
...                     "name_key": ["王鹏磊", "王鹏磊", "李娜"], "pinyin_key": ["penglei wang"] * 2 + ["li na"],
...                     "phone": ["+8613812345678", "+8613812345678", "+8613900000000"]})
>>> res = link(std, LinkageSpec.default())
>>> len(res.entities), sorted(res.timings)
(3, ['cluster', 'compare', 'em', 'index', 'score'])
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import LinkageError
from .blocking import block_pairs
from .cluster import cluster_pairs
from .compare import column_data, compare_levels
from .levels import email_name_pairs, swapped_pairs
from .model import (
    FellegiSunter,
    exact_agreement_pairs,
    level_frequencies,
    nonmatch_u,
    tf_adjustment,
)
from .spec import LinkageSpec
from .tfclass import class_log_odds

__all__ = ["DECISION_COLUMNS", "LinkageResult", "entity_ids", "link"]

DECISION_COLUMNS = ["source_a", "record_id_a", "source_b", "record_id_b", "decision"]


@dataclass
class LinkageResult:
    """Everything stage 3 core produces.

    Attributes
    ----------
    entities : DataFrame
        ``source, record_id, entity_id`` for every input row, in input order.
    pairs : DataFrame
        ``i, j`` (row positions in ``std``), ``rule``, ``gamma_<comparison>`` levels,
        ``tf_adjustment``, ``match_weight``, ``match_probability``, ``decision``.
    params : DataFrame
        ``comparison, level, level_code, m, u, weight``.
    blocking_report : DataFrame
        Skipped oversized blocks ``rule, key_masked, size, action``.
    timings : dict
        Seconds per stage: index, compare, em, score, cluster.
    counts : dict
        Records, pairs per rule, edges, review pairs, entities, EM iterations...
    model : FellegiSunter
    """

    entities: pd.DataFrame
    pairs: pd.DataFrame
    params: pd.DataFrame
    blocking_report: pd.DataFrame
    timings: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    model: FellegiSunter | None = None


@contextmanager
def _timed(timings: dict, stage: str, progress: bool):
    t0 = time.perf_counter()
    if progress:
        from tqdm import tqdm

        tqdm.write(f"linkage: {stage} ...")
    yield
    timings[stage] = round(time.perf_counter() - t0, 3)


def entity_ids(std: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """``E`` + 7-digit rank of each cluster's smallest ``(source, record_id)``.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["b", "a", "a"], "record_id": ["1", "2", "1"]})
    >>> entity_ids(std, np.array([0, 0, 2])).tolist()
    ['E0000002', 'E0000002', 'E0000001']
    """
    order = np.lexsort(
        (std["record_id"].astype(str).to_numpy(), std["source"].astype(str).to_numpy())
    )
    rank = np.empty(len(std), dtype=np.int64)
    rank[order] = np.arange(len(std))
    cmin = pd.Series(rank).groupby(labels).transform("min").to_numpy()
    dense = pd.Series(cmin).rank(method="dense").astype(np.int64).to_numpy()
    return pd.Series(
        np.char.add("E", np.char.zfill(dense.astype(str), 7)), index=std.index, dtype=object
    )


def _positions(df: pd.DataFrame, decisions: pd.DataFrame) -> tuple[dict, dict]:
    missing = [c for c in DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise LinkageError(f"review decisions lack columns {missing}; expected {DECISION_COLUMNS}")
    bad = sorted(set(decisions["decision"].astype(str)) - {"match", "non_match"})
    if bad:
        raise LinkageError(f"review decisions hold {bad}; allowed decisions: 'match', 'non_match'")
    key = pd.MultiIndex.from_arrays([df["source"].astype(str), df["record_id"].astype(str)])
    pos = pd.Series(np.arange(len(df)), index=key)
    out = {}
    for side in ("a", "b"):
        k = pd.MultiIndex.from_arrays(
            [decisions[f"source_{side}"].astype(str), decisions[f"record_id_{side}"].astype(str)]
        )
        p = pos.reindex(k).to_numpy()
        if np.isnan(p).any():
            n_bad = int(np.isnan(p).sum())
            raise LinkageError(
                f"{n_bad} review decision(s) name a (source, record_id) not in the input "
                f"(first at decision row {int(np.flatnonzero(np.isnan(p))[0]) + 1}); "
                "re-export the review queue from this run"
            )
        out[side] = p.astype(np.int64)
    dec = decisions["decision"].astype(str).to_numpy()
    res = {d: (out["a"][dec == d], out["b"][dec == d]) for d in ("match", "non_match")}
    return res["match"], res["non_match"]


def _random_pairs(df: pd.DataFrame, spec: LinkageSpec) -> tuple[np.ndarray, np.ndarray]:
    n = len(df)
    rng = np.random.default_rng(spec.seed)
    size = int(min(spec.u_sample_size, n * (n - 1) // 2))
    a, b = rng.integers(0, n, size), rng.integers(0, n, size)
    keep = a != b
    if spec.link_type == "link_only":
        src = pd.factorize(df["source"])[0]
        keep &= src[a] != src[b]
    return a[keep], b[keep]


def _pairs_of(present: np.ndarray, src: np.ndarray | None) -> float:
    """Record pairs among the ``present`` records (cross-source only with ``src``)."""
    n = float(present.sum())
    if src is None:
        return n * (n - 1) / 2
    c = np.bincount(src[present]).astype(float)
    return (n * n - (c * c).sum()) / 2


def _nonmatch_u(
    df: pd.DataFrame, spec: LinkageSpec, cols: dict, u0: list[np.ndarray], model: FellegiSunter
) -> list[np.ndarray]:
    """u per level over all pairs, matches removed (see :func:`.model.nonmatch_u`).

    Pairs per level = random-pair level share x pairs with the comparison non-null, except the
    first level when it is ``exact``, ``email_name`` and ``swapped`` levels: counted exactly from value
    frequencies (a random sample almost never holds such a rare agreement, and the sampling
    floor would then overstate u by orders of magnitude).
    """
    src = pd.factorize(df["source"])[0] if spec.link_type == "link_only" else None
    level_pairs = []
    for c_idx, comp in enumerate(spec.comparisons):
        present = np.zeros(len(df), dtype=bool)
        for col in comp.columns:
            present |= cols[col].codes >= 0
        a = u0[c_idx] * _pairs_of(present, src)
        lv = comp.levels[0]
        if lv.test == "exact":
            a[len(comp.levels)] = exact_agreement_pairs(
                cols[lv.column or comp.columns[0]].codes, src
            )
        for n, lv in enumerate(comp.levels):
            if lv.test == "email_name":
                a[len(comp.levels) - n] = email_name_pairs(
                    cols[lv.column or comp.columns[0]], cols[lv.other]
                )
            elif lv.test == "swapped":
                code = len(comp.levels) - n
                a[code] = max(
                    a[code], swapped_pairs(cols[lv.column or comp.columns[0]], cols[lv.other], src)
                )
        level_pairs.append(a)
    return nonmatch_u(level_pairs, model.match_counts)


def _score(
    spec: LinkageSpec,
    model: FellegiSunter,
    levels: np.ndarray,
    cols: dict,
    i: np.ndarray,
    j: np.ndarray,
    src: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(tf_adjustment, match_weight, match_probability)`` per pair.

    Exact levels on a ``tf_adjust`` column weigh by the shared value's frequency (Good-Turing),
    then, with ``tf_classes``, by the share of matches in its frequency class (:mod:`.tfclass`,
    re-estimated ``iterations`` times); ``email_name`` levels whose ``other`` column is in
    ``tf_adjust`` weigh by the frequency of the name the email spells (the rarer of the two
    records' names: a family-name-only contact cannot be the spelled one).
    """
    adjust = np.zeros(len(i))
    exact_parts = []
    for c_idx, comp in enumerate(spec.comparisons):
        for n, lv in enumerate(comp.levels):
            col = lv.column or comp.columns[0]
            at = levels[:, c_idx] == len(comp.levels) - n
            if lv.test == "exact" and col in spec.tf_adjust:
                part = tf_adjustment(
                    cols[col].codes[i].astype(np.int64),
                    cols[col].codes.astype(np.int64),
                    at,
                    smooth=spec.tf_smoothing,
                )
                exact_parts.append(
                    (c_idx, len(comp.levels) - n, cols[col].codes.astype(np.int64), at, part)
                )
                adjust += part
            elif lv.test == "email_name" and lv.other in spec.tf_adjust:
                codes = cols[lv.other].codes.astype(np.int64)
                adjust += np.maximum(
                    tf_adjustment(codes[i], codes, at, smooth=spec.tf_smoothing),
                    tf_adjustment(codes[j], codes, at, smooth=spec.tf_smoothing),
                )
    weight, prob = model.predict(levels, adjust)
    tfc = spec.tf_classes
    for _ in range(tfc["iterations"] if tfc else 0):
        for c_idx, code, values, at, part in exact_parts:
            idx = np.flatnonzero(at)
            target = class_log_odds(
                values,
                values[i[idx]],
                prob[idx],
                max_count=tfc["max_count"],
                min_values=tfc["min_values"],
                source=src,
            )
            ok = ~np.isnan(target)
            new = target[ok] - model.prior_weight - float(model.weights[c_idx][code])
            adjust[idx[ok]] += np.clip(new, -10.0, 10.0) - part[idx[ok]]
            part[idx[ok]] = np.clip(new, -10.0, 10.0)
        weight, prob = model.predict(levels, adjust)
    return adjust, weight, prob


def link(
    std: pd.DataFrame,
    spec: LinkageSpec,
    *,
    decisions: pd.DataFrame | None = None,
    progress: bool = False,
) -> LinkageResult:
    """Link the standardized records of all sources into entities.

    Parameters
    ----------
    std : pandas.DataFrame
        Standardized table (all sources); needs ``source`` and ``record_id``. Only the columns
        of :meth:`LinkageSpec.used_columns` are read (load just those to save memory).
    spec : LinkageSpec
    decisions : pandas.DataFrame, optional
        Review decisions (:data:`DECISION_COLUMNS`); ``match`` forces an edge, ``non_match`` keeps
        the two records in different entities.
    progress : bool
        Print stage progress (tqdm).

    Returns
    -------
    LinkageResult
    """
    for col in ("source", "record_id"):
        if col not in std.columns:
            raise LinkageError(
                f"std lacks column {col!r}; linkage needs 'source' and 'record_id' on every row"
            )
    # only the columns the spec reads (no raw__* copies): memory at 1M records
    df = std[[c for c in spec.used_columns() if c in std.columns]].reset_index(drop=True)
    dup = df.duplicated(["source", "record_id"])
    if dup.any():
        raise LinkageError(
            f"{int(dup.sum())} rows repeat a (source, record_id) key (first at row "
            f"{int(np.flatnonzero(dup)[0]) + 1}); record ids must be unique per source"
        )
    timings: dict[str, float] = {}
    counts: dict[str, int | float | bool] = {"records": len(df)}
    comps = spec.comparisons
    with _timed(timings, "index", progress):
        pairs, report = block_pairs(
            df, spec.blocking, spec.max_block_size, spec.link_type, counts=counts
        )
        i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    counts["candidate_pairs"] = len(pairs)
    counts["blocks_skipped"] = len(report)
    with _timed(timings, "compare", progress):
        cols = column_data(df, comps)
        chunk = 1_000_000
        parts = []
        from tqdm import tqdm

        for s in tqdm(range(0, len(i), chunk), disable=not progress, desc="compare", unit="Mpairs"):
            parts.append(compare_levels(df, i[s : s + chunk], j[s : s + chunk], comps, cols))
        levels = np.concatenate(parts) if parts else np.zeros((0, len(comps)), np.int8)
    n_levels = [c.n_levels for c in comps]
    neutral = [[len(c.levels) - n for n, lv in enumerate(c.levels) if lv.neutral] for c in comps]
    model = FellegiSunter(
        n_levels,
        spec.em_max_iter,
        names=[(c.name, c.level_names) for c in comps],
        m_floor=spec.m_floor,
        pseudo_count=spec.pseudo_count,
        neutral=neutral,
    )
    with _timed(timings, "em", progress):
        ra, rb = _random_pairs(df, spec)
        u0 = level_frequencies(compare_levels(df, ra, rb, comps, cols), n_levels)
        if len(levels):
            model.fit(levels, u_init=u0)
        else:
            model.m, model.lam = [np.full(k, 1.0 / k) for k in n_levels], 0.5
        if spec.u_source == "random":
            # Splink-style: u from random pairs; lambda rescaled from candidates to all pairs.
            # Blocking keys are compared fields, so P(match | levels) holds for candidates too.
            total = len(df) * (len(df) - 1) / 2
            if spec.link_type == "link_only":
                sz = df["source"].value_counts().to_numpy()
                total = (sz.sum() ** 2 - (sz**2).sum()) / 2
            model.lam = float(np.clip(model.lam * len(levels) / max(total, 1.0), 1e-12, 0.5))
            model.u = _nonmatch_u(df, spec, cols, u0, model)
    counts["em_iterations"], counts["em_converged"], counts["lambda"] = (
        model.n_iter,
        model.converged,
        model.lam,
    )
    with _timed(timings, "score", progress):
        src = pd.factorize(df["source"])[0] if spec.link_type == "link_only" else None
        adjust, weight, prob = _score(spec, model, levels, cols, i, j, src)
    forced = forbidden = None
    decision = np.full(len(i), None, dtype=object)
    if decisions is not None and len(decisions):
        forced, forbidden = _positions(df, decisions)
        pk = pd.Index(i * len(df) + j)
        for name, (a, b) in (("match", forced), ("non_match", forbidden)):
            loc = pk.get_indexer(np.minimum(a, b) * len(df) + np.maximum(a, b))
            decision[loc[loc >= 0]] = name
    with _timed(timings, "cluster", progress):
        conflicts = (*spec.conflict_columns, *spec.conflict_rules)
        labels = cluster_pairs(df, i, j, prob, spec.upper_threshold, conflicts, forced, forbidden)
        ents = pd.DataFrame(
            {
                "source": df["source"],
                "record_id": df["record_id"],
                "entity_id": entity_ids(df, labels),
            }
        )
    out = pd.DataFrame({"i": i, "j": j, "rule": pairs["rule"].to_numpy()})
    for c_idx, comp in enumerate(comps):
        out[f"gamma_{comp.name}"] = levels[:, c_idx]
    out["tf_adjustment"], out["match_weight"], out["match_probability"], out["decision"] = (
        adjust,
        weight,
        prob,
        decision,
    )
    counts["pairs_above_upper"] = int((prob >= spec.upper_threshold).sum())
    counts["pairs_review"] = int(
        ((prob >= spec.lower_threshold) & (prob < spec.upper_threshold)).sum()
    )
    sizes = ents["entity_id"].value_counts()
    counts["entities"] = len(sizes)
    counts["multi_record_entities"] = int((sizes > 1).sum())
    counts["largest_entity"] = int(sizes.max()) if len(sizes) else 0
    return LinkageResult(ents, out, model.params(), report, timings, counts, model)
