"""Step ``quality``: score before (all cleaned records) and after (golden customers to
transfer), per check, field, source and dimension; reconcile every field from source cell to the
buyer's table; enforce the gates (the declared ones and the built-in fidelity gate).

Example
-------
>>> step_quality(ctx)   # doctest: +SKIP
{'before_overall': 90.03, 'after_overall': 95.1, 'gates': 6, 'gates_failed': 0, ...}
"""

from __future__ import annotations

import math

import pandas as pd

from ..deals import deal_type
from .context import RunContext, StepResult, releases_memory
from .exports import export_customers, transfer_golden
from .progress import Progress, progress_wanted

__all__ = ["step_quality"]


@releases_memory
def step_quality(ctx: RunContext, *, enforce: bool = True) -> StepResult:
    """Score before and after; write the reports and charts; enforce the gates."""
    from ..quality.charts import plot_dimensions, plot_failures_by_source
    from ..quality.fidelity import fidelity_gate, field_reconciliation
    from ..quality.gates import GateReport, check_gates, enforce_gates
    from ..quality.per_record import per_record, top_reason_counts
    from ..quality.score import compare, evaluate_table, score

    run, spec, date = ctx.run, ctx.params.quality, ctx.reference_date
    progress = Progress("quality", enabled=progress_wanted(ctx.progress))
    std, failures = run.read_table("std"), run.read_table("failures")
    entities = run.read_table("entities")
    checked = evaluate_table(
        std, spec, reference_date=date, failures=failures, entities=entities
    )  # once for the stage score and the per-record scores
    before = score(std, spec, stage="before", reference_date=date, evaluation=checked)
    records = per_record(std, failures, spec, reference_date=date, evaluation=checked)
    run.write_table("record_quality", records)
    worst = records.groupby("source")["score"].describe()[["count", "mean", "min"]].reset_index()
    run.write_table("record_quality_by_source", worst)
    # what to fix at the source: how many records each failing check hits, per source
    top = (
        top_reason_counts(records)
        .sort_values(["source", "records", "reason"], ascending=[True, False, True])
        .groupby("source")
        .head(5)
    )
    run.write_table("record_quality_top_reasons", top.reset_index(drop=True))
    progress.done("per-record quality", len(records))
    del checked, records, top, worst  # memory: before the golden records are read
    golden = transfer_golden(ctx)
    after = score(golden, spec, stage="after", reference_date=date)
    progress.done("scores before and after", len(std) + len(golden))
    out = {
        "quality_compare": run.write_table("quality_compare", compare(before, after)),
        "quality_before_by_check": run.write_table("quality_before_by_check", before.by_check),
        "quality_after_by_check": run.write_table("quality_after_by_check", after.by_check),
        "quality_by_source": run.write_table("quality_by_source", before.by_source),
    }
    with run.writing("quality_dimensions_chart") as tmp:
        plot_dimensions(before, after, tmp)
    with run.writing("quality_failures_chart") as tmp:
        plot_failures_by_source(failures, tmp)
    recon = field_reconciliation(
        std,
        failures,
        entities,
        golden,
        run.read_table("lineage"),
        run.read_table("fields"),
        export_customers(ctx, golden),
        groups={
            member: f"{rule.strategy} (with {rule.field})"
            for rule in ctx.params.golden.rules
            for member in rule.group
        },
    )
    out["field_reconciliation"] = run.write_table("field_reconciliation", recon)
    progress.done("field reconciliation", len(recon), "fields")
    moves = deal_type(ctx.params.deal.type).transfers and len(golden) > 0
    declared = check_gates([before, after] if moves else [before], spec)
    if not moves:  # no one moves (a share sale, an asset sale without consents): no 'after'
        table = declared.rows
        na = table["stage"] == "after"
        table.loc[na, "status"] = "not_applicable"
        table.loc[na, "message"] = "no customer transfers (no 'after' scores)"
        declared = GateReport(table)
    rows = [r for r in (declared.rows, fidelity_gate(recon, spec)) if len(r)]
    report = GateReport(pd.concat(rows, ignore_index=True))
    run.write_table("quality_gates", report.rows)
    gates = {
        "gates": len(report.rows),
        "gates_failed": len(report.failed),
        "gates_overridden": len(report.overridden),
        "fields_unexplained": int((recon["unexplained"] > 0).sum()),
    }
    audit_counts = {  # the audit log takes integers (an empty stage has no score)
        f"{sc.stage}_overall_x100": round(sc.overall_score * 100)
        for sc in (before, after)
        if not math.isnan(sc.overall_score)
    } | gates
    ctx.audit(
        "quality", {"std": run.file("std"), "failures": run.file("failures")}, out, audit_counts
    )
    progress.finish(len(std))
    if enforce:
        enforce_gates(report)
    scores: StepResult = {
        f"{sc.stage}_overall": round(sc.overall_score, 2)
        for sc in (before, after)
        if not math.isnan(sc.overall_score)  # a share sale has no 'after'
    }
    return {**scores, **gates}
