"""``link(std, spec)``: index -> compare -> EM -> score -> cluster, with timings and counts.

:func:`link` is the recipe; the work of every stage is done by a
:class:`~migration_kit.linkage.engine.LinkageEngine` (``engine="local"``: numpy in this process,
:class:`~migration_kit.linkage.local.LocalEngine`).

Example
-------
>>> import pandas as pd
>>> std = pd.DataFrame({"source": ["pos", "web", "web"], "record_id": ["1", "1", "2"],
...                     "name_key": ["王鹏磊", "王鹏磊", "李娜"],
...                     "pinyin_key": ["penglei wang"] * 2 + ["li na"],
...                     "phone": ["+8613812345678", "+8613812345678", "+8613900000000"]})
>>> res = link(std, LinkageSpec.default())
>>> len(res.entities), sorted(res.timings)
(3, ['cluster', 'compare', 'em', 'index', 'score'])
>>> res.entities["entity_id"].tolist() == link(std, LinkageSpec.default(), engine="local").entities[
...     "entity_id"].tolist()
True
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import LinkageError
from .engine import (
    CandidatePairs,
    ComparisonVectors,
    LinkageEngine,
    PositionPairs,
    Scores,
    get_engine,
)
from .local import entity_ids
from .model import FellegiSunter
from .spec import LinkageSpec

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


def link(
    std: pd.DataFrame,
    spec: LinkageSpec,
    *,
    decisions: pd.DataFrame | None = None,
    progress: bool = False,
    engine: str | LinkageEngine = "local",
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
    engine : str or LinkageEngine
        Name of a registered engine (:data:`~migration_kit.linkage.engine.ENGINES`) or an engine.

    Returns
    -------
    LinkageResult
    """
    df = _linkage_input(std, spec)
    eng = get_engine(engine, where="link(engine=...)")
    timings: dict[str, float] = {}
    counts: dict[str, int | float | bool] = {"records": len(df)}
    with _timed(timings, "index", progress):
        pairs = eng.index(df, spec)
    counts.update(pairs.counts)
    counts["candidate_pairs"] = len(pairs)
    counts["blocks_skipped"] = len(pairs.report)
    with _timed(timings, "compare", progress):
        vectors = eng.compare(df, spec, pairs, progress=progress)
    with _timed(timings, "em", progress):
        trained = eng.train(df, spec, vectors)
    counts.update(trained.counts)
    with _timed(timings, "score", progress):
        scores = eng.predict(df, spec, pairs, vectors, trained)
    decision, forced, forbidden = _apply_decisions(df, pairs, decisions)
    with _timed(timings, "cluster", progress):
        clusters = eng.cluster(df, spec, pairs, scores, forced=forced, forbidden=forbidden)
        ents = pd.DataFrame(
            {"source": df["source"], "record_id": df["record_id"], "entity_id": clusters.entity_id}
        )
    out = _pairs_table(spec, pairs, vectors, scores, decision)
    counts.update(_result_counts(spec, scores, ents))
    model = trained.model
    return LinkageResult(ents, out, model.params(), pairs.report, timings, counts, model)


@contextmanager
def _timed(timings: dict[str, float], stage: str, progress: bool) -> Iterator[None]:
    t0 = time.perf_counter()
    if progress:
        from tqdm import tqdm

        tqdm.write(f"linkage: {stage} ...")
    yield
    timings[stage] = round(time.perf_counter() - t0, 3)


def _linkage_input(std: pd.DataFrame, spec: LinkageSpec) -> pd.DataFrame:
    """The columns the spec reads (no raw__* copies: memory at 1M records), RangeIndex, keys
    checked present and unique."""
    for col in ("source", "record_id"):
        if col not in std.columns:
            raise LinkageError(
                f"std lacks column {col!r}; linkage needs 'source' and 'record_id' on every row"
            )
    df = std[[c for c in spec.used_columns() if c in std.columns]].reset_index(drop=True)
    dup = df.duplicated(["source", "record_id"])
    if dup.any():
        raise LinkageError(
            f"{int(dup.sum())} rows repeat a (source, record_id) key (first at row "
            f"{int(np.flatnonzero(dup)[0]) + 1}); record ids must be unique per source"
        )
    return df


def _apply_decisions(
    df: pd.DataFrame, pairs: CandidatePairs, decisions: pd.DataFrame | None
) -> tuple[np.ndarray, PositionPairs | None, PositionPairs | None]:
    """``(decision per candidate pair, forced, forbidden)`` from the review decisions."""
    i, j = pairs.i, pairs.j
    forced = forbidden = None
    decision = np.full(len(i), None, dtype=object)
    if decisions is not None and len(decisions):
        forced, forbidden = _positions(df, decisions)
        pk = pd.Index(i * len(df) + j)
        for name, (a, b) in (("match", forced), ("non_match", forbidden)):
            loc = pk.get_indexer(np.minimum(a, b) * len(df) + np.maximum(a, b))
            decision[loc[loc >= 0]] = name
    return decision, forced, forbidden


def _positions(df: pd.DataFrame, decisions: pd.DataFrame) -> tuple[PositionPairs, PositionPairs]:
    """``(match, non_match)`` decisions as row positions of ``df``; bad decisions rejected."""
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


def _pairs_table(
    spec: LinkageSpec,
    pairs: CandidatePairs,
    vectors: ComparisonVectors,
    scores: Scores,
    decision: np.ndarray,
) -> pd.DataFrame:
    """:attr:`LinkageResult.pairs`: positions, rule, levels, scores and decisions per pair."""
    out = pd.DataFrame({"i": pairs.i, "j": pairs.j, "rule": pairs.rule})
    for c_idx, comp in enumerate(spec.comparisons):
        out[f"gamma_{comp.name}"] = vectors.levels[:, c_idx]
    out["tf_adjustment"], out["match_weight"], out["match_probability"], out["decision"] = (
        scores.tf_adjustment,
        scores.match_weight,
        scores.match_probability,
        decision,
    )
    return out


def _result_counts(spec: LinkageSpec, scores: Scores, ents: pd.DataFrame) -> dict[str, int]:
    """Edges, review pairs and entity sizes for :attr:`LinkageResult.counts`."""
    prob = scores.match_probability
    sizes = ents["entity_id"].value_counts()
    return {
        "pairs_above_upper": int((prob >= spec.upper_threshold).sum()),
        "pairs_review": int(((prob >= spec.lower_threshold) & (prob < spec.upper_threshold)).sum()),
        "entities": len(sizes),
        "multi_record_entities": int((sizes > 1).sum()),
        "largest_entity": int(sizes.max()) if len(sizes) else 0,
    }
