"""Step ``scope``: every record's and customer's disposition, the notification roster, the
destruction log and the documents a DPO signs. It writes everything, then stops the run
(:class:`~migration_kit.errors.LawfulnessError`, one line) while a request cannot be shown to be
honoured: no handover is written after a failed scope.

Example
-------
>>> step_scope(ctx)   # doctest: +SKIP
{'input': 2643, 'transferred': 1810, 'merged': 557, 'excluded': 276, ...}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..deals import deal_type
from ..parallel import SideJob, side_job
from ..runfolder import RunFolder
from ..scoping.requests import REQUEST_STATUSES
from .context import RunContext, StepResult, crossborder_ledger, key_material, releases_memory
from .progress import Progress, progress_wanted
from .requests import normalized_suppression, std_for_scoping, suppression_status

if TYPE_CHECKING:  # pragma: no cover
    from ..scoping.lookup import IndexKeys

__all__ = ["step_scope"]


#: What the seller's re-consent campaign needs of each held customer.
RECONSENT_FIELDS = ("full_name", "phone", "email", "address", "country")


def _write_reconsent(ctx: RunContext, held: pd.DataFrame, golden: pd.DataFrame) -> Path:
    """The re-consent list (customers held for lack of separate consent, with their contact
    data) as CSV encrypted to the seller's own certificate(s): it never lies in plaintext."""
    from ..handover.cms import encrypt

    material = key_material(ctx)
    cols = ["entity_id", *(f for f in RECONSENT_FIELDS if f in golden.columns)]
    table = held[["entity_id", "region"]].merge(golden[cols], on="entity_id", how="left")
    data = table.sort_values("entity_id").to_csv(index=False).encode("utf-8")
    certs = material.backup_certificates or (material.signer_certificate,)
    with ctx.run.writing("reconsent_list") as tmp:
        tmp.write_bytes(encrypt(data, list(certs)))
    return ctx.run.file("reconsent_list")


def _index_keys(run: RunFolder) -> IndexKeys:
    """The lookup index's first half, as a worker makes it: std's identifiers read from the
    run folder, keyed under the run's key (:func:`~migration_kit.scoping.lookup.index_keys`)."""
    from ..scoping.disposition import SCOPING_STD_COLUMNS
    from ..scoping.lookup import index_keys
    from ..scoping.suppression import MATCH_FIELDS, record_keys

    ids = ("source", "record_id", *MATCH_FIELDS)
    std = run.read_table(
        "std", columns=[c for c in SCOPING_STD_COLUMNS if c.removeprefix("raw__") in ids]
    )
    keys = record_keys(std)
    records = std[["source", "record_id"]]
    del std  # memory: the identifiers are in their keys now (926k records: 0.4 GB less)
    return index_keys(records, run.hash_key(), keys)


def _write_index(keys: IndexKeys, run: RunFolder) -> tuple[Path, int]:
    """The lookup index's second half: the dispositions scoping wrote joined to the keys, the
    index written (``reports/lookup_index.csv``); its path and rows."""
    columns = ["source", "record_id", "disposition", "reason_codes"]
    index = keys.index(run.read_table("record_dispositions", columns=columns))
    return run.write_table("lookup_index", index), len(index)


@releases_memory
def step_scope(ctx: RunContext) -> StepResult:
    """Decide every record's and customer's disposition; roster, destruction log, records."""
    run = ctx.run
    progress = Progress("scope", enabled=progress_wanted(ctx.progress))
    # the keyed-hash lookup index needs the dispositions only at its end: a worker hashes
    # every identifier meanwhile (926k records: 2.35M keyed hashes), reading std itself
    with side_job(_index_keys, run, total=run.table_rows("std")) as lookup:
        return _scope(ctx, progress, lookup)


def _scope(ctx: RunContext, progress: Progress, lookup: SideJob[IndexKeys]) -> StepResult:
    """:func:`step_scope`'s work, ``lookup`` the lookup index begun beside it."""
    from ..scoping.annexes import confidentiality_annex, incident_plan, transfer_annex
    from ..scoping.crossborder import check_crossborder
    from ..scoping.destruction import destruction_log, destruction_schedule
    from ..scoping.disposition import decide
    from ..scoping.notices import public_notice, read_send_log
    from ..scoping.records import processing_record
    from ..scoping.requests import check_requests, read_resolutions
    from ..scoping.roster import build_roster, notice_context
    from ..scoping.suppression import record_keys, request_matches

    run, params = ctx.run, ctx.params
    # scoping decides on standardized values; requests also match the raw identifier cells
    std = std_for_scoping(ctx)
    entities, golden = run.read_table("entities"), run.read_table("golden")
    lineage = run.read_table("lineage")
    supp_raw, suppression = normalized_suppression(ctx)
    rec_keys = record_keys(std)  # every record's match keys: requests and the lookup index
    matches = request_matches(std, suppression, rec_keys)  # once: status and dispositions
    requests = suppression_status(supp_raw, suppression, std, matches=matches)  # types normalized
    progress.done("requests matched", len(requests), "requests")
    resolutions = read_resolutions(params.policy.requests, requests)
    if resolutions is not None or params.policy.requests.overrides:
        requests = suppression_status(
            supp_raw, suppression, std, params.policy.requests, resolutions, matches
        )
    result = decide(
        std,
        entities,
        golden,
        suppression,
        params.policy,
        params.deal,
        lineage=lineage,
        resolutions=resolutions,
        matches=matches,
        ledger_prior=crossborder_ledger(ctx).year_totals(
            params.policy.require_date().year, exclude_run=run.run_id
        ),
    )
    del lineage, entities, rec_keys  # memory: the rest of the step needs none of them
    dispositions = run.write_table("record_dispositions", result.record_dispositions)
    index_made = lookup.then(_write_index, run)  # the worker's second half, sent
    recon = result.reconcile()
    progress.done("dispositions", len(std))
    roster = build_roster(
        golden, result.entity_dispositions, params.policy, params.deal, result.fields
    )
    date = ctx.reference_date
    log = destruction_log(result.record_dispositions, run.hash_key(), date=date)
    schedule = destruction_schedule(
        log, seller_name=params.deal.seller.name, date=date, run_id=run.run_id
    )
    record = processing_record(result, golden, params.policy, params.deal, run_id=run.run_id)
    out = {
        "record_dispositions": dispositions,
        "entity_dispositions": run.write_table("entity_dispositions", result.entity_dispositions),
        "roster": run.write_table("roster", roster),
        "fields": run.write_table("fields", result.fields),
        "destruction_log": run.write_table("destruction_log", log),
        "destruction_schedule": run.write_text("destruction_schedule", schedule),
        "processing_record": run.write_text("processing_record", record),
        "suppression_requests": run.write_table("suppression_requests", requests),
    }
    run.write_json("crossborder", result.crossborder)
    run.write_json("reconciliation", recon)
    run.write_table("exclusions_by_reason", result.counts_by_reason("record"))
    reconsent = result.reconsent_list()
    if deal_type(params.deal.type).needs_consent:  # the held customers, encrypted to the seller
        out["reconsent_list"] = _write_reconsent(ctx, reconsent, golden)
    out["incident_plan"] = run.write_text("incident_plan", incident_plan(params.deal))
    out["transfer_annex"] = run.write_text(
        "transfer_annex", transfer_annex(result, golden, params.policy, params.deal)
    )
    out["confidentiality_annex"] = run.write_text(
        "confidentiality_annex", confidentiality_annex(params.deal)
    )
    n_records = len(std)
    del std, golden, matches  # memory
    out["lookup_index"], index_rows = index_made()
    progress.done("lookup index", index_rows)
    missing = int(roster["contact_missing"].sum()) if len(roster) else 0
    context = notice_context(params.policy, params.deal, result.fields)
    out["public_notice"] = run.write_text("public_notice", public_notice(context, missing))
    send_log = roster[["entity_id", "channel", "language", "due_by"]].assign(sent_at="", status="")
    out["notice_send_log"] = run.write_table("notice_send_log", send_log)
    sent = read_send_log(params.policy.notification.send_log, roster)
    unknown = result.extra["age_unknown_by_source"]
    out["age_unknown_by_source"] = run.write_table("age_unknown_by_source", unknown)
    run.write_table("fields_exported", result.fields)
    status = requests["status"].value_counts()
    counts = {
        **recon,
        "roster": len(roster),
        "destroyed": int(log["destroyed"].sum()) if len(log) else 0,
        "transferred_age_unknown": int(unknown["transferred_age_unknown"].sum()),
        "reconsent": len(reconsent),
        "notices_without_channel": missing,
        **{f"notices_{k}": v for k, v in sent.items()},
        **{f"requests_{k}": int(status.get(k, 0)) for k in REQUEST_STATUSES},
    }
    inputs = {name: run.file(name) for name in ("std", "entities", "golden")}
    ctx.audit("scope", inputs, out, counts)
    progress.finish(n_records)
    check_requests(requests)
    check_crossborder(result.crossborder, params.policy.crossborder_reference)
    return dict(counts)
