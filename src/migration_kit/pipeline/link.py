"""Step ``link``: deduplicate (index -> compare -> EM -> cluster), then golden records and the
clerical review queue.

Example
-------
>>> step_link(ctx)   # doctest: +SKIP
{'records': 2643, 'entities': 2007, 'pairs': 5012, 'review_pairs': 12, ...}
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from .context import RunContext, StepResult, releases_memory
from .requests import normalized_suppression

if TYPE_CHECKING:  # pragma: no cover
    from ..linkage.engine import LinkageEngine
    from ..linkage.spec import LinkageSpec

__all__ = ["read_decisions", "resolve_linkage", "step_link"]


def read_decisions(ctx: RunContext, std: pd.DataFrame) -> pd.DataFrame | None:
    """The analyst's review decisions: the params' ``golden.decisions`` file, else the run's own."""
    from ..linkage.review import read_decisions as read

    given = ctx.params.golden.decisions
    path = Path(given) if given is not None else ctx.run.file("review_decisions")
    return read(path, known=std) if path.exists() or given is not None else None


def resolve_linkage(
    ctx: RunContext, std: pd.DataFrame
) -> tuple[LinkageSpec, dict[str, Any], LinkageEngine]:
    """The linkage spec of this run: the params' frozen section, or the planner's choice from
    ``std``. Writes ``reports/linkage_plan.yaml`` (the section in use, each choice with its
    reason) and, when planned, the pass, comparison and profile tables; returns the spec, the
    blocking-recall estimate and the engine to link with (holding the keys the planner
    factorized)."""
    from ..linkage.local import LocalEngine
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
        return section.frozen, frozen, LocalEngine()
    started = time.perf_counter()
    plan = plan_linkage(std, section)
    seconds = round(time.perf_counter() - started, 3)
    run.write_text("linkage_plan", plan.to_yaml())
    run.write_table("linkage_passes", plan.passes)
    run.write_table("linkage_comparisons", plan.comparisons)
    run.write_table("linkage_profile", plan.profile.round(4).reset_index())
    engine = LocalEngine(key_cache=plan.key_cache)
    return plan.spec, {**plan.recall, "planning_seconds": seconds}, engine


@releases_memory
def step_link(ctx: RunContext) -> StepResult:
    """Deduplicate: index -> compare -> EM -> cluster, then golden records and the review queue."""
    from ..linkage import link
    from ..linkage.golden import build_golden
    from ..linkage.model import plot_match_weights, plot_weight_histogram
    from ..linkage.review import apply_decisions, review_queue, write_review_queue
    from ..scoping.suppression import match_suppression

    run = ctx.run
    std = run.read_table("std")
    spec, recall, engine = resolve_linkage(ctx, std)
    decisions = read_decisions(ctx, std)
    pair_decisions = None if decisions is None else decisions[decisions["decision"] != "split"]
    result = link(std, spec, decisions=pair_decisions, progress=ctx.progress, engine=engine)
    entities = result.entities if decisions is None else apply_decisions(result.entities, decisions)
    golden = build_golden(std, entities, ctx.params.golden)
    out = {
        "entities": run.write_table("entities", entities),
        "golden": run.write_table("golden", golden.golden),
        "lineage": run.write_table("lineage", golden.lineage),  # categoricals: 18M rows at 1M
        "pairs": run.write_table("pairs", result.pairs),
    }
    # review pairs touching a record with a withdrawal / erasure request come first: left
    # unmerged, the duplicate without the request would be transferred
    flags = match_suppression(std, normalized_suppression(ctx)[1])
    requested = (flags["withdrawn"] | flags["erasure"]).to_numpy()
    queue = review_queue(
        std,
        result.pairs,
        result.params,
        spec.lower_threshold,
        spec.upper_threshold,
        requested=requested,
    )
    write_review_queue(queue, run.file("review_queue"))
    run.write_table("match_parameters", result.params)
    run.write_table("blocking_report", result.blocking_report)
    with run.writing("match_weights_chart") as tmp:
        plot_match_weights(result.params, str(tmp))
    with run.writing("match_weight_histogram") as tmp:
        plot_weight_histogram(result.pairs, str(tmp))
    counts = {
        "records": len(std),
        "entities": int(entities["entity_id"].nunique()),
        "pairs": len(result.pairs),
        "review_pairs": len(queue),
        "review_pairs_with_request": int((queue["request_on"] != "").sum()),
        "decisions": 0 if decisions is None else len(decisions),
    }
    figures = {k: v for k, v in result.counts.items() if isinstance(v, int | float | str)}
    summary = {**counts, "timings": result.timings, "counts": figures, "blocking_recall": recall}
    run.write_json("linkage_summary", summary)
    out["linkage_plan"] = run.file("linkage_plan")
    ctx.audit("link", {"std": run.file("std")}, out, counts)
    return dict(counts)
