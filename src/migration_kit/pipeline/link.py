"""Step ``link``: deduplicate (index -> compare -> EM -> cluster), then golden records and the
clerical review queue.

Example
-------
>>> step_link(ctx)   # doctest: +SKIP
{'records': 2643, 'entities': 2007, 'pairs': 5012, 'review_pairs': 12, ...}
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from ..parallel import SideJob, side_job
from ..schema import SUPPRESSION_FIELDS
from .context import RunContext, StepResult, releases_memory
from .progress import Progress, progress_wanted
from .requests import normalized_suppression, std_for_requests

if TYPE_CHECKING:  # pragma: no cover
    from ..linkage.engine import LinkageEngine
    from ..linkage.spec import LinkageSpec

__all__ = ["read_decisions", "resolve_linkage", "step_link"]


def read_decisions(ctx: RunContext, std: pd.DataFrame) -> pd.DataFrame | None:
    """The analyst's review decisions from ``ctx.decisions`` (the client's file: the params'
    ``golden.decisions``, else ``reviews/<client>.csv`` beside the params file), checked for
    contradictions; None when there is no file yet. A file ``golden.decisions`` names must exist.

    Decisions naming records not in ``std`` are kept here (:func:`step_link` reports them)."""
    from ..linkage.review import check_decisions
    from ..linkage.review import read_decisions as read

    path = ctx.decisions
    if not path.exists() and (
        ctx.decisions_file is not None or ctx.params.golden.decisions is None
    ):
        return None
    decisions = read(path)
    check_decisions(decisions, path)
    return decisions


def resolve_linkage(
    ctx: RunContext, std: pd.DataFrame
) -> tuple[LinkageSpec, dict[str, Any], LinkageEngine]:
    """The linkage spec of this run: the params' frozen section, or the planner's choice from
    ``std``. Writes ``reports/linkage_plan.yaml`` (the section in use, each choice with its
    reason) and, when planned, the pass, comparison and profile tables; returns the spec, the
    blocking-recall estimate and the engine to link with (``linkage.engine``; the local one
    holding the keys the planner factorized)."""
    from ..linkage.plan import plan_linkage

    run, section = ctx.run, ctx.params.linkage
    if section.frozen is not None:
        head = "# linkage section frozen in the params file (used as written)\n"
        body = yaml.safe_dump(
            {"linkage": dict(section.given)}, allow_unicode=True, sort_keys=False, width=100
        )
        run.write_text("linkage_plan", head + body)
        for name in ("linkage_passes", "linkage_comparisons", "linkage_profile"):
            run.file(name).unlink(missing_ok=True)  # a planned run's tables would mislead
        frozen = {"estimate": None, "text": "frozen section: not estimated"}
        return section.frozen, frozen, _engine(ctx, None)
    started = time.perf_counter()
    plan = plan_linkage(std, section)
    seconds = round(time.perf_counter() - started, 3)
    run.write_text("linkage_plan", plan.to_yaml())
    run.write_table("linkage_passes", plan.passes)
    run.write_table("linkage_comparisons", plan.comparisons)
    run.write_table("linkage_profile", plan.profile.round(4).reset_index())
    engine = _engine(ctx, plan.key_cache)
    return plan.spec, {**plan.recall, "planning_seconds": seconds}, engine


def _engine(ctx: RunContext, key_cache: dict[Any, Any] | None) -> LinkageEngine:
    """The params' engine (``linkage.engine``): local (reusing the planner's keys) or Spark
    (``linkage.spark``: master and settings)."""
    section = ctx.params.linkage
    if section.engine == "spark":
        from ..linkage.spark import SparkEngine

        return SparkEngine(section.spark.master, section.spark.conf, progress=ctx.progress)
    from ..linkage.local import LocalEngine

    return LocalEngine(key_cache=key_cache)


def _review_imports() -> None:
    """The review half's first part: its modules imported while the planner runs."""
    from ..linkage import model, review  # noqa: F401
    from ..scoping import suppression  # noqa: F401


def _review(_: None, ctx: RunContext, lower: float, upper: float) -> tuple[int, int]:
    """The clerical review queue and the model's charts, from the pairs and match parameters
    this step wrote: the records of review-band pairs read from std, their requests matched,
    the queue and charts written. Returns the queue's pairs and those with a request.

    Pairs touching a record with a withdrawal or erasure request come first: left unmerged,
    the duplicate without the request would be transferred."""
    from ..linkage.model import plot_match_weights, plot_weight_histogram
    from ..linkage.review import REVIEW_FIELDS, review_queue, write_review_queue
    from ..scoping.suppression import match_suppression

    run = ctx.run
    params = run.read_table("match_parameters")
    scores = run.read_table("pairs", columns=["match_probability", "match_weight"])
    with run.writing("match_weights_chart") as tmp:
        plot_match_weights(params, str(tmp))
    with run.writing("match_weight_histogram") as tmp:
        plot_weight_histogram(scores, str(tmp), lower=lower, upper=upper)
    prob = scores["match_probability"].to_numpy(dtype=float)
    band = run.read_table("pairs", rows=np.flatnonzero((prob >= lower) & (prob < upper)))
    del scores, prob
    # only the records of review-band pairs are read (a request matches record by record on
    # its keys: the same flags as over all records, at a fraction of the cost)
    i, j = band["i"].to_numpy(dtype=np.int64), band["j"].to_numpy(dtype=np.int64)
    rows = np.unique(np.concatenate([i, j]))
    fields = ("source", "record_id", *REVIEW_FIELDS.values(), *SUPPRESSION_FIELDS)
    keep = [*fields, *(f"raw__{f}" for f in SUPPRESSION_FIELDS)]
    std = run.read_table("std", columns=list(dict.fromkeys(keep)), rows=rows)
    band["i"], band["j"] = np.searchsorted(rows, i), np.searchsorted(rows, j)
    flags = match_suppression(std, normalized_suppression(ctx)[1])
    requested = (flags["withdrawn"] | flags["erasure"]).to_numpy()
    queue = review_queue(std, band, params, lower, upper, requested=requested)
    write_review_queue(queue, run.file("review_queue"))
    return len(queue), int((queue["request_on"] != "").sum())


@releases_memory
def step_link(ctx: RunContext) -> StepResult:
    """Deduplicate: index -> compare -> EM -> cluster, then golden records and the review queue."""
    # the review queue and the charts need only what linkage writes: a worker makes them while
    # this process builds the golden records (926k records: 2.5 s beside 4 s)
    with side_job(_review_imports, total=ctx.run.table_rows("std")) as reviewing:
        return _link(ctx, reviewing)


def _link(ctx: RunContext, reviewing: SideJob[None]) -> StepResult:
    """:func:`step_link`'s work, ``reviewing`` the review half begun beside it."""
    from ..linkage import link
    from ..linkage.golden import build_golden
    from ..linkage.review import STALE_COLUMNS, apply_decisions, partition_decisions

    run = ctx.run
    progress = Progress("link", enabled=progress_wanted(ctx.progress))
    std = std_for_requests(ctx)  # linkage and golden records read the cleaned values
    spec, recall, engine = resolve_linkage(ctx, std)
    progress.done("linkage plan", len(std))
    read = read_decisions(ctx, std)
    # decisions are keyed by record identity: those naming a record this run does not have are
    # set aside and reported, the rest apply whatever run they were made on
    decisions, missing = (None, None) if read is None else partition_decisions(read, std)
    pair_decisions = None if decisions is None else decisions[decisions["decision"] != "split"]
    result = link(std, spec, decisions=pair_decisions, progress=progress.enabled, engine=engine)
    progress.done("index, compare, EM, cluster", len(result.pairs), "pairs")
    pairs_path = run.write_table("pairs", result.pairs)
    run.write_table("match_parameters", result.params)
    reviewed = reviewing.then(_review, ctx, spec.lower_threshold, spec.upper_threshold)
    entities = result.entities if decisions is None else apply_decisions(result.entities, decisions)
    stale = pd.DataFrame(columns=list(STALE_COLUMNS))
    if decisions is not None and missing is not None:
        unscored = partition_decisions(decisions, std, result.pairs)[1]
        found = [t for t in (missing, unscored) if len(t)]
        if found:
            stale = pd.concat(found, ignore_index=True).sort_values("row", kind="stable")
    run.write_table("review_decisions_stale", stale)
    golden = build_golden(std, entities, ctx.params.golden)
    progress.done("golden records", len(golden.golden))
    out = {
        "entities": run.write_table("entities", entities),
        "golden": run.write_table("golden", golden.golden),
        "lineage": run.write_table("lineage", golden.lineage),  # categoricals: 18M rows at 1M
        "pairs": pairs_path,
    }
    progress.done("tables written")
    run.write_table("blocking_report", result.blocking_report)
    queued, queued_with_request = reviewed()
    progress.done("requests matched, review queue", queued, "pairs")
    counts = {
        "records": len(std),
        "entities": int(entities["entity_id"].nunique()),
        "pairs": len(result.pairs),
        "review_pairs": queued,
        "review_pairs_with_request": queued_with_request,
        "decisions": 0 if read is None else len(read),
        "decisions_applied": 0 if decisions is None else len(decisions),
        "decisions_record_missing": int((stale["status"] == "record_missing").sum()),
        "decisions_pair_not_scored": int((stale["status"] == "pair_not_scored").sum()),
    }
    figures = {k: v for k, v in result.counts.items() if isinstance(v, int | float | str)}
    summary = {**counts, "timings": result.timings, "counts": figures, "blocking_recall": recall}
    summary["review_band"] = {"lower": spec.lower_threshold, "upper": spec.upper_threshold}
    run.write_json("linkage_summary", summary)
    out["linkage_plan"] = run.file("linkage_plan")
    inputs = {"std": run.file("std")}
    if read is not None:
        inputs["review_decisions"] = ctx.decisions  # the decisions applied, hashed in the chain
    out["review_decisions_stale"] = run.file("review_decisions_stale")
    ctx.audit("link", inputs, out, counts)
    progress.finish(len(std))
    return dict(counts)
