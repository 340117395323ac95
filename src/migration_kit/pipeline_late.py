"""The later steps of the recipe: scoping, quality, handover (continues :mod:`migration_kit.pipeline`).

Example
-------
>>> from migration_kit.pipeline import open_run         # doctest: +SKIP
>>> ctx = open_run("params/rehearsal.yaml", run_id="r")   # doctest: +SKIP
>>> step_scope(ctx); step_quality(ctx); step_handover(ctx)  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import pandas as pd

from .errors import QualityGateError
from .pipeline import RunContext, key_material, normalized_suppression, releases_memory
from .runfolder import atomic_path, atomic_write_text

__all__ = [
    "EXPORT_TABLES",
    "STEPS",
    "step_handover",
    "step_quality",
    "step_report",
    "step_scope",
    "suppression_status",
]

#: What leaves for the buyer (each encrypted): golden customers, record map, notification roster.
EXPORT_TABLES = ("customers", "record_map", "notification_roster")


@releases_memory
def step_scope(ctx: RunContext) -> dict[str, Any]:
    """Decide every record's and customer's disposition; roster, destruction log, processing record."""
    from .scoping.destruction import destruction_certificate, destruction_log
    from .scoping.disposition import decide
    from .scoping.records import processing_record
    from .scoping.roster import build_roster

    run, params = ctx.run, ctx.params
    std = run.read_parquet(
        "std", skip_prefix="raw__"
    )  # scoping decides on standardized values only
    entities, golden, lineage = (
        run.read_parquet("entities"),
        run.read_parquet("golden"),
        run.read_parquet("lineage"),
    )
    supp_raw, suppression = normalized_suppression(ctx)
    requests = suppression_status(supp_raw, suppression, std)
    result = decide(std, entities, golden, suppression, params.policy, params.deal, lineage=lineage)
    recon = result.reconcile()
    roster = build_roster(golden, result.entity_dispositions, params.policy, params.deal)
    date = ctx.reference_date
    log = destruction_log(result.record_dispositions, run.hash_key(), date=date)
    backups = [
        f"{run.run_id}/backup (CMS-encrypted raw exports, seller's key)",
        "seller's source systems (deletion requested)",
    ]
    cert = destruction_certificate(
        log, backups=backups, seller_name=params.deal.seller.name, date=date, run_id=run.run_id
    )
    out = {
        "record_dispositions": run.write_parquet("record_dispositions", result.record_dispositions),
        "entity_dispositions": run.write_parquet("entity_dispositions", result.entity_dispositions),
        "roster": run.write_parquet("roster", roster),
        "fields": run.write_parquet("fields", result.fields),
    }
    out["destruction_log"] = run.write_report_csv("destruction_log.csv", log)
    out["destruction_certificate"] = atomic_write_text(
        run.report("destruction_certificate.md"), cert
    )
    out["processing_record"] = atomic_write_text(
        run.report("processing_record.md"),
        processing_record(result, golden, params.policy, params.deal, run_id=run.run_id),
    )
    run.write_json("crossborder.json", result.crossborder)
    run.write_json("reconciliation.json", recon)
    run.write_report_csv("exclusions_by_reason.csv", result.counts_by_reason("record"))
    out["suppression_requests"] = run.write_report_csv("suppression_requests.csv", requests)
    run.write_report_csv("fields_exported.csv", result.fields)
    status = requests["status"].value_counts()
    counts = {
        **recon,
        "roster": len(roster),
        "destroyed": int(log["destroyed"].sum()) if len(log) else 0,
        **{f"requests_{k}": int(status.get(k, 0)) for k in ("matched", "unmatched", "unusable")},
    }
    ctx.audit(
        "scope",
        {"std": run.work("std"), "entities": run.work("entities"), "golden": run.work("golden")},
        out,
        counts,
    )
    return counts


def suppression_status(
    raw: pd.DataFrame, normalized: pd.DataFrame | None, std: pd.DataFrame
) -> pd.DataFrame:
    """Every withdrawal / erasure request accounted for: ``request_id, request_type, status`` with status
    ``matched`` (an identifier is on some record), ``unmatched`` (valid identifiers, no record has them)
    or ``unusable`` (no identifier survived normalization: a person must resolve it by hand).

    Example
    -------
    >>> raw = pd.DataFrame({"request_id": ["R1", "R2"], "request_type": ["erasure", "erasure"]})
    >>> norm = pd.DataFrame({"request_id": ["R1"], "request_type": ["erasure"], "phone": ["+8613812345678"],
    ...                      "email": [None], "id_number": [None]})
    >>> std = pd.DataFrame({"phone": ["+8613812345678"], "email": [None], "id_number": [None]})
    >>> suppression_status(raw, norm, std)["status"].tolist()
    ['matched', 'unusable']
    """
    out = raw[["request_id", "request_type"]].drop_duplicates("request_id").reset_index(drop=True)
    matched: set[str] = set()
    usable: set[str] = set()
    if normalized is not None and len(normalized):
        usable = set(normalized["request_id"])
        for field in ("phone", "email", "id_number"):
            known = set(std[field].dropna()) if field in std else set()
            hit = normalized[field].isin(known) & normalized[field].notna()
            matched |= set(normalized.loc[hit, "request_id"])
    out["status"] = [
        "matched" if r in matched else "unmatched" if r in usable else "unusable"
        for r in out["request_id"]
    ]
    return out


def _transfer_golden(ctx: RunContext) -> pd.DataFrame:
    golden = ctx.run.read_parquet("golden")
    ent = ctx.run.read_parquet("entity_dispositions")
    keep = ent.loc[ent["disposition"] == "transferred", "entity_id"]
    return golden[golden["entity_id"].isin(keep)].reset_index(drop=True)


@releases_memory
def step_quality(ctx: RunContext, *, enforce: bool = True) -> dict[str, Any]:
    """Score before (all cleaned records) and after (golden customers to transfer); enforce the gates."""
    from .quality.charts import plot_dimensions, plot_failures_by_source
    from .quality.gates import check_gates, enforce_gates
    from .quality.per_record import per_record
    from .quality.score import compare, score

    run, spec = ctx.run, ctx.params.quality
    std, failures, entities = (
        run.read_parquet("std"),
        run.read_parquet("failures"),
        run.read_parquet("entities"),
    )
    after_table = _transfer_golden(ctx)
    before = score(
        std,
        spec,
        stage="before",
        reference_date=ctx.reference_date,
        failures=failures,
        entities=entities,
    )
    after = score(after_table, spec, stage="after", reference_date=ctx.reference_date)
    side = compare(before, after)
    out = {
        "quality_compare": run.write_report_csv("quality_compare.csv", side),
        "quality_before_by_check": run.write_report_csv(
            "quality_before_by_check.csv", before.by_check
        ),
        "quality_after_by_check": run.write_report_csv(
            "quality_after_by_check.csv", after.by_check
        ),
        "quality_by_source": run.write_report_csv("quality_by_source.csv", before.by_source),
    }
    records = per_record(std, failures, spec, reference_date=ctx.reference_date, entities=entities)
    run.write_parquet("record_quality", records)
    worst = records.groupby("source")["score"].describe()[["count", "mean", "min"]].reset_index()
    run.write_report_csv("record_quality_by_source.csv", worst)
    # what to fix at the source: how many records each failing check hits, per source (aggregate)
    reasons = records.assign(reason=records["top_reasons"].str.split(";")).explode("reason")
    reasons = reasons[reasons["reason"].fillna("") != ""]
    top = (
        reasons.groupby(["source", "reason"])
        .size()
        .rename("records")
        .reset_index()
        .sort_values(["source", "records", "reason"], ascending=[True, False, True])
        .groupby("source")
        .head(5)
    )
    run.write_report_csv("record_quality_top_reasons.csv", top.reset_index(drop=True))
    with atomic_path(run.report("quality_dimensions.png"), keep_suffix=True) as tmp:
        plot_dimensions(before, after, tmp)
    with atomic_path(run.report("quality_failures_by_source.png"), keep_suffix=True) as tmp:
        plot_failures_by_source(failures, tmp)
    report = check_gates([before, after], spec)
    run.write_report_csv("quality_gates.csv", report.rows)
    gates = {
        "gates": len(report.rows),
        "gates_failed": len(report.failed),
        "gates_overridden": len(report.overridden),
    }
    ctx.audit(
        "quality",
        {"std": run.work("std"), "failures": run.work("failures")},
        out,
        {
            "before_overall_x100": round(
                before.overall_score * 100
            ),  # the audit log takes integers
            "after_overall_x100": round(after.overall_score * 100),
            **gates,
        },
    )
    if enforce:
        enforce_gates(report)
    return {
        "before_overall": round(before.overall_score, 2),
        "after_overall": round(after.overall_score, 2),
        **gates,
    }


def export_frames(ctx: RunContext) -> dict[str, pd.DataFrame]:
    """The plaintext tables for the buyer: only exported fields of transferred customers."""
    run = ctx.run
    golden = _transfer_golden(ctx)
    fields = run.read_parquet("fields")
    exported = [f for f in fields.loc[fields["exported"], "field"] if f in golden.columns]
    customers = golden[["entity_id", *exported]].sort_values("entity_id").reset_index(drop=True)
    rec = run.read_parquet("record_dispositions")
    # excluded records stay with the seller: even their ids would tell the buyer who asked for erasure
    rec = rec[rec["disposition"].isin(["transferred", "merged"])]
    record_map = rec[
        ["source", "record_id", "entity_id", "disposition", "merged_into", "reason_codes"]
    ]
    extras = run.work("extras")
    if (
        extras.exists()
    ):  # unmapped columns the params chose to transfer (sources[].transfer_unmapped)
        record_map = record_map.merge(
            pd.read_parquet(extras), on=["source", "record_id"], how="left"
        )
    record_map = record_map.sort_values(["source", "record_id"]).reset_index(drop=True)
    roster = run.read_parquet("roster").sort_values("entity_id").reset_index(drop=True)
    return {"customers": customers, "record_map": record_map, "notification_roster": roster}


@releases_memory
def step_handover(ctx: RunContext) -> dict[str, Any]:
    """Encrypt the export to the buyer, write and sign the manifest, ship a copy of the audit log."""
    from .handover.export import export_tables
    from .handover.manifest import write_manifest

    run = ctx.run
    gates = run.report("quality_gates.csv")
    if gates.exists():
        rows = pd.read_csv(gates)
        failed = rows[rows["status"] == "fail"]
        if len(failed):
            raise QualityGateError(f"export stopped: {failed['message'].iloc[0]}")
    material = key_material(ctx)
    folder = run.path("handover")
    if folder.exists():
        shutil.rmtree(folder)  # a rerun replaces the whole export, never mixes parts
    tables = export_frames(ctx)
    files = export_tables(tables, folder, material)
    recon = run.read_json("reconciliation.json")
    ctx.audit(
        "handover",
        {"golden": run.work("golden"), "record_dispositions": run.work("record_dispositions")},
        {f.name: folder / f.name for f in files},
        {"files": len(files), **{f"rows_{k}": len(v) for k, v in tables.items()}},
    )
    shutil.copyfile(run.path("audit_log.jsonl"), folder / "audit_log.jsonl")
    manifest = write_manifest(
        folder,
        files,
        material,
        reconciliation=recon,
        params_hash=ctx.params.sha256,
        run_id=run.run_id,
        created_at=ctx.now,
        plain_files=["audit_log.jsonl"],
        audit_log=run.path("audit_log.jsonl"),
        extra={"client": ctx.params.client, "recipient": ctx.params.deal.recipient.name},
    )
    run.write_json(
        "manifest_summary.json",
        {"files": len(manifest.get("files", [])), "run_id": run.run_id, "reconciliation": recon},
    )
    return {"files": len(files), **{f"rows_{k}": len(v) for k, v in tables.items()}}


@releases_memory
def step_report(ctx: RunContext) -> dict[str, Any]:
    """Write the self-contained HTML handover report (aggregate and masked content only)."""
    from .report import build_report

    path = build_report(ctx.run.root, ctx.params)
    ctx.audit("report", {}, {"report": path}, {"bytes": path.stat().st_size})
    return {"report": str(path)}


STEPS: list[Callable[[RunContext], dict[str, Any]]] = [
    step_scope,
    step_quality,
    step_handover,
    step_report,
]
