"""The local linkage engine: numpy / pandas in this process (registered as ``local``).

:class:`LocalEngine` implements :class:`~.engine.LinkageEngine` with the in-process functions:
:func:`.blocking.block_pairs` (index); :func:`.compare.column_data` and
:func:`.compare.compare_levels` in chunks of a million pairs (compare);
:class:`.model.FellegiSunter` with u from random pairs (train); term-frequency and
frequency-class weights (predict); :func:`.cluster.cluster_pairs` and :func:`entity_ids`
(cluster).

Example
-------
>>> import pandas as pd
>>> from migration_kit.linkage.engine import ENGINES
>>> from migration_kit.linkage.spec import LinkageSpec
>>> df = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "1"],
...                    "name_key": ["李娜", "李娜"], "phone": ["+8613900000000"] * 2})
>>> engine = ENGINES.get("local", where="engine").fn()
>>> spec = LinkageSpec.default()
>>> pairs = engine.index(df, spec)
>>> pairs.i.tolist(), pairs.j.tolist(), pairs.counts["pairs_phone"]
([0], [1], 1)
>>> engine.compare(df, spec, pairs).levels.shape == (1, len(spec.comparisons))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .blocking import block_pairs
from .cluster import cluster_pairs
from .compare import column_data, compare_levels
from .engine import (
    ENGINES,
    CandidatePairs,
    Clusters,
    ComparisonVectors,
    PositionPairs,
    Scores,
    TrainedModel,
)
from .levels import ColumnData, email_name_pairs, swapped_pairs
from .model import (
    FellegiSunter,
    exact_agreement_pairs,
    level_frequencies,
    nonmatch_u,
    tf_adjustment,
)
from .spec import LinkageSpec
from .tfclass import class_log_odds

__all__ = ["COMPARE_CHUNK", "LocalEngine", "entity_ids"]

#: Candidate pairs compared per :func:`.compare_levels` call (one progress step).
COMPARE_CHUNK = 1_000_000

_Columns = dict[str, ColumnData]


@ENGINES.register("local")
class LocalEngine:
    """Link in this process with numpy and pandas (the reference engine).

    Parameters
    ----------
    key_cache : dict, optional
        Blocking keys already factorized over the same records in the same order (the planner's,
        :attr:`.plan.LinkagePlan.key_cache`); :meth:`index` reuses them and lets each go after
        its last pass.

    Example
    -------
    >>> from migration_kit.linkage.engine import LinkageEngine
    >>> isinstance(LocalEngine(), LinkageEngine)
    True
    """

    def __init__(self, key_cache: dict[Any, Any] | None = None) -> None:
        self.key_cache = key_cache

    def index(self, df: pd.DataFrame, spec: LinkageSpec) -> CandidatePairs:
        """Union of the blocking passes (:func:`.block_pairs`)."""
        counts: dict[str, int] = {}
        cache, self.key_cache = self.key_cache, None  # used once: the records it holds
        pairs, report = block_pairs(
            df, spec.blocking, spec.max_block_size, spec.link_type, counts=counts, cache=cache
        )
        return CandidatePairs(
            pairs["i"].to_numpy(), pairs["j"].to_numpy(), pairs["rule"].to_numpy(), report, counts
        )

    def compare(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        *,
        progress: bool = False,
    ) -> ComparisonVectors:
        """Factorize the compared columns, then compare in chunks of :data:`COMPARE_CHUNK`."""
        from tqdm import tqdm

        comps, i, j = spec.comparisons, pairs.i, pairs.j
        cols = column_data(df, comps)
        parts = []
        steps = range(0, len(i), COMPARE_CHUNK)
        for s in tqdm(steps, disable=not progress, desc="compare", unit="Mpairs"):
            e = s + COMPARE_CHUNK
            parts.append(compare_levels(df, i[s:e], j[s:e], comps, cols))
        levels = np.concatenate(parts) if parts else np.zeros((0, len(comps)), np.int8)
        return ComparisonVectors(levels, cols)

    def train(
        self, df: pd.DataFrame, spec: LinkageSpec, vectors: ComparisonVectors
    ) -> TrainedModel:
        """EM on the candidates' levels from random-pair u; with ``u_source: random`` (Splink
        style) u from all non-matching pairs (:func:`_nonmatch_u`) and lambda rescaled from the
        candidates to all pairs."""
        u0 = random_pair_levels(df, spec, vectors.columns)
        return fit_model(df, spec, vectors, u0)

    def predict(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        vectors: ComparisonVectors,
        trained: TrainedModel,
    ) -> Scores:
        """Model weights plus term-frequency adjustments (:func:`_score`)."""
        src = pd.factorize(df["source"])[0] if spec.link_type == "link_only" else None
        cols = vectors.columns
        adjust, weight, prob = _score(
            spec, trained.model, vectors.levels, cols, pairs.i, pairs.j, src
        )
        return Scores(adjust, weight, prob)

    def cluster(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        scores: Scores,
        *,
        forced: PositionPairs | None = None,
        forbidden: PositionPairs | None = None,
    ) -> Clusters:
        """:func:`.cluster_pairs` over the conflict columns and rules, then :func:`entity_ids`."""
        labels = cluster_pairs(
            df,
            pairs.i,
            pairs.j,
            scores.match_probability,
            spec.upper_threshold,
            spec.conflicts,
            forced,
            forbidden,
        )
        return Clusters(labels, entity_ids(df, labels))


def random_pair_levels(
    df: pd.DataFrame, spec: LinkageSpec, cols: dict[str, ColumnData]
) -> list[np.ndarray]:
    """Level shares among the spec's random record pairs, per comparison (u's start value);
    a planner fitting several models on one table computes them once."""
    ra, rb = _random_pairs(df, spec)
    n_levels = [c.n_levels for c in spec.comparisons]
    return level_frequencies(compare_levels(df, ra, rb, spec.comparisons, cols), n_levels)


def fit_model(
    df: pd.DataFrame,
    spec: LinkageSpec,
    vectors: ComparisonVectors,
    u0: list[np.ndarray],
    patterns: tuple[np.ndarray, np.ndarray] | None = None,
) -> TrainedModel:
    """EM on ``vectors`` from ``u0`` (see :meth:`LocalEngine.train`); with ``patterns``
    (distinct level vectors and their pair counts, aggregated elsewhere) EM runs on those
    (:meth:`.FellegiSunter.fit_counts`) instead of ``vectors.levels``."""
    comps, levels, cols = spec.comparisons, vectors.levels, vectors.columns
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
    n_pairs = len(levels) if patterns is None else float(patterns[1].sum())
    if n_pairs and patterns is not None:
        model.fit_counts(*patterns, u_init=u0)
    elif n_pairs:
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
        model.lam = float(np.clip(model.lam * n_pairs / max(total, 1.0), 1e-12, 0.5))
        model.u = _nonmatch_u(df, spec, cols, u0, model)
    return TrainedModel(model, u0)


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


def _random_pairs(df: pd.DataFrame, spec: LinkageSpec) -> tuple[np.ndarray, np.ndarray]:
    """``spec.u_sample_size`` random record pairs (seeded; cross-source only for link_only)."""
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
    df: pd.DataFrame,
    spec: LinkageSpec,
    cols: _Columns,
    u0: list[np.ndarray],
    model: FellegiSunter,
) -> list[np.ndarray]:
    """u per level over all pairs, matches removed (see :func:`.model.nonmatch_u`).

    Pairs per level = random-pair level share x pairs with the comparison non-null, except the
    first level when it is ``exact``, ``email_name`` and ``swapped`` levels: counted exactly from
    value frequencies (a random sample almost never holds such a rare agreement, and the sampling
    floor would then overstate u by orders of magnitude).
    """
    src = pd.factorize(df["source"])[0] if spec.link_type == "link_only" else None
    level_pairs = []
    for c_idx, comp in enumerate(spec.comparisons):
        present = np.zeros(len(df), dtype=bool)
        for col in comp.columns:
            present |= np.greater_equal(cols[col].codes, 0)
        a = u0[c_idx] * _pairs_of(present, src)
        lv = comp.levels[0]
        if lv.test == "exact":
            a[len(comp.levels)] = exact_agreement_pairs(
                cols[lv.column or comp.columns[0]].codes, src
            )
        for n, lv in enumerate(comp.levels):
            if lv.other is None:  # the cross tests (email_name, swapped) always name `other`
                continue
            this, other = cols[lv.column or comp.columns[0]], cols[lv.other]
            code = len(comp.levels) - n
            if lv.test == "email_name":
                a[code] = email_name_pairs(this, other)
            elif lv.test == "swapped":
                a[code] = max(a[code], swapped_pairs(this, other, src))
        level_pairs.append(a)
    return nonmatch_u(level_pairs, model.match_counts)


def _score(
    spec: LinkageSpec,
    model: FellegiSunter,
    levels: np.ndarray,
    cols: _Columns,
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
    tfc = spec.tf_classes or {}
    # per part: its own pairs, and every candidate sharing the value (matches of A_r, whatever
    # their level); both fixed across the iterations
    calibrated = (
        [
            (
                c_idx,
                code,
                values,
                part,
                np.flatnonzero(at),
                np.flatnonzero((values[i] == values[j]) & (values[i] >= 0)),
            )
            for c_idx, code, values, at, part in exact_parts
        ]
        if tfc
        else []
    )
    for _ in range(tfc["iterations"] if tfc else 0):
        for c_idx, code, values, part, idx, share in calibrated:
            target = class_log_odds(
                values,
                values[i[share]],
                prob[share],
                max_count=tfc["max_count"],
                min_values=tfc["min_values"],
                source=src,
                codes_out=values[i[idx]],
            )
            ok = ~np.isnan(target)
            new = target[ok] - model.prior_weight - float(model.weights[c_idx][code])
            adjust[idx[ok]] += np.clip(new, -10.0, 10.0) - part[idx[ok]]
            part[idx[ok]] = np.clip(new, -10.0, 10.0)
        weight, prob = model.predict(levels, adjust)
    return adjust, weight, prob
