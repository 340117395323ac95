"""Step ``handover``: the buyer's tables encrypted to the buyer, the manifest written and signed,
a copy of the audit log beside them.

Example
-------
>>> step_handover(ctx)   # doctest: +SKIP
{'files': 3, 'rows_customers': 1810, 'rows_record_map': 2367, 'rows_notification_roster': 1810}
"""

from __future__ import annotations

import shutil

import pandas as pd

from ..deals import deal_type
from ..errors import QualityGateError
from ..runfolder import atomic_write_bytes
from .context import RunContext, StepResult, crossborder_ledger, key_material, releases_memory
from .exports import export_frames
from .progress import Progress, progress_wanted

__all__ = ["step_handover"]


@releases_memory
def step_handover(ctx: RunContext) -> StepResult:
    """Encrypt the export to the buyer, write and sign the manifest, ship the audit log."""
    from ..handover.export import export_tables, table_schema
    from ..handover.manifest import write_manifest
    from ..scoping.crossborder import check_crossborder
    from ..scoping.requests import check_requests

    run = ctx.run
    check_requests(run.read_table("suppression_requests"))  # never ship past an open request
    check_crossborder(run.read_json("crossborder"), ctx.params.policy.crossborder_reference)
    if not run.exists("quality_gates"):  # no gate checked, no fidelity shown: no export
        raise QualityGateError(
            "export stopped: the quality step has not run for this run (no quality_gates.csv); "
            "run it first (notebook 05 or migration-kit run)"
        )
    gates = pd.read_csv(run.file("quality_gates"))
    failed = gates[gates["status"] == "fail"]
    if len(failed):
        raise QualityGateError(f"export stopped: {failed['message'].iloc[0]}")
    folder = run.path("handover")
    recon = run.read_json("reconciliation")
    moving = recon.get("transferred", 0)
    if not deal_type(ctx.params.deal.type).transfers or not moving:  # nothing leaves the seller
        if folder.exists():
            shutil.rmtree(folder)
        ctx.audit("handover", {}, {}, {"files": 0})
        return {"files": 0}
    material = key_material(ctx)
    if folder.exists():
        shutil.rmtree(folder)  # a rerun replaces the whole export, never mixes parts
    progress = Progress("handover", enabled=progress_wanted(ctx.progress))
    tables = export_frames(ctx)
    progress.done("export tables", sum(len(t) for t in tables.values()))
    files = export_tables(tables, folder, material)
    progress.done("encrypted parts", len(files), "files")
    rows = {f"rows_{k}": len(v) for k, v in tables.items()}
    ctx.audit(
        "handover",
        {"golden": run.file("golden"), "record_dispositions": run.file("record_dispositions")},
        {f.name: folder / f.name for f in files},
        {"files": len(files), **rows},
    )
    atomic_write_bytes(run.file("handover_audit_log"), run.file("audit_log").read_bytes())
    manifest = write_manifest(
        folder,
        files,
        material,
        reconciliation=recon,
        params_hash=ctx.params.sha256,
        run_id=run.run_id,
        created_at=ctx.now,
        plain_files=[run.file("handover_audit_log").name],
        schemas={name: table_schema(name, df) for name, df in tables.items()},
        audit_log=run.file("audit_log"),
        extra={"client": ctx.params.client, "recipient": ctx.params.deal.recipient.name},
    )
    cross = run.read_json("crossborder")
    if cross.get("cross_border") and cross.get("individuals_leaving_cn"):  # this year's ledger
        crossborder_ledger(ctx).record(
            run_id=run.run_id,
            year=ctx.params.policy.require_date().year,
            recipient_country=str(cross.get("recipient_country")),
            individuals=int(cross["individuals_leaving_cn"]),
            sensitive_individuals=int(cross.get("sensitive_individuals_leaving_cn", 0)),
            mechanism=str(cross.get("pipl_mechanism")),
            reference=ctx.params.policy.crossborder_reference,
            time=str(ctx.now),
        )
    run.write_json(
        "manifest_summary",
        {"files": len(manifest.get("files", [])), "run_id": run.run_id, "reconciliation": recon},
    )
    progress.finish()
    return {"files": len(files), **rows}
