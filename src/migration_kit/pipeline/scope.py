"""Step ``scope``: every record's and customer's disposition, the notification roster, the
destruction log and the documents a DPO signs.

Example
-------
>>> step_scope(ctx)   # doctest: +SKIP
{'input': 2643, 'transferred': 1810, 'merged': 557, 'excluded': 276, ...}
"""

from __future__ import annotations

from .context import RunContext, StepResult, releases_memory
from .requests import normalized_suppression, suppression_status

__all__ = ["step_scope"]


@releases_memory
def step_scope(ctx: RunContext) -> StepResult:
    """Decide every record's and customer's disposition; roster, destruction log, records."""
    from ..scoping.destruction import destruction_certificate, destruction_log
    from ..scoping.disposition import decide
    from ..scoping.records import processing_record
    from ..scoping.roster import build_roster

    run, params = ctx.run, ctx.params
    std = run.read_table("std", skip_prefix="raw__")  # scoping decides on standardized values only
    entities, golden = run.read_table("entities"), run.read_table("golden")
    lineage = run.read_table("lineage")
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
    record = processing_record(result, golden, params.policy, params.deal, run_id=run.run_id)
    out = {
        "record_dispositions": run.write_table("record_dispositions", result.record_dispositions),
        "entity_dispositions": run.write_table("entity_dispositions", result.entity_dispositions),
        "roster": run.write_table("roster", roster),
        "fields": run.write_table("fields", result.fields),
        "destruction_log": run.write_table("destruction_log", log),
        "destruction_certificate": run.write_text("destruction_certificate", cert),
        "processing_record": run.write_text("processing_record", record),
        "suppression_requests": run.write_table("suppression_requests", requests),
    }
    run.write_json("crossborder", result.crossborder)
    run.write_json("reconciliation", recon)
    run.write_table("exclusions_by_reason", result.counts_by_reason("record"))
    run.write_table("fields_exported", result.fields)
    status = requests["status"].value_counts()
    counts = {
        **recon,
        "roster": len(roster),
        "destroyed": int(log["destroyed"].sum()) if len(log) else 0,
        **{f"requests_{k}": int(status.get(k, 0)) for k in ("matched", "unmatched", "unusable")},
    }
    inputs = {name: run.file(name) for name in ("std", "entities", "golden")}
    ctx.audit("scope", inputs, out, counts)
    return dict(counts)
