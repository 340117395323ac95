"""What leaves for the buyer, computed once for the steps that check it (quality) and send it
(handover): the golden records of the customers that transfer, and the plaintext tables.

Example
-------
>>> sorted(EXPORT_TABLES)
['customers', 'notification_roster', 'record_map']
"""

from __future__ import annotations

import pandas as pd

from ..codes import has_code
from .context import RunContext

__all__ = ["EXPORT_TABLES", "export_customers", "export_frames", "transfer_golden"]


def transfer_golden(ctx: RunContext) -> pd.DataFrame:
    """The golden records of the customers that transfer."""
    golden = ctx.run.read_table("golden")
    ent = ctx.run.read_table("entity_dispositions")
    keep = ent.loc[ent["disposition"] == "transferred", "entity_id"]
    return golden[golden["entity_id"].isin(keep)].reset_index(drop=True)


#: What leaves for the buyer (each encrypted): golden customers, record map, notification roster.
EXPORT_TABLES = ("customers", "record_map", "notification_roster")


def export_customers(ctx: RunContext, golden: pd.DataFrame | None = None) -> pd.DataFrame:
    """The buyer's customers table: the exported fields of the transferred customers
    (``golden``: :func:`transfer_golden`, when the caller holds it already)."""
    run = ctx.run
    golden = transfer_golden(ctx) if golden is None else golden
    fields = run.read_table("fields")
    exported = [f for f in fields.loc[fields["exported"], "field"] if f in golden.columns]
    customers = golden[["entity_id", *exported]].sort_values("entity_id").reset_index(drop=True)
    if "marketing_consent" in customers:  # a marketing opt-out (退订) travels as refused consent
        ent = run.read_table("entity_dispositions")
        optout = ent.loc[has_code(ent["flags"], "MARKETING_OPTOUT"), "entity_id"]
        hit = customers["entity_id"].isin(optout)
        if hit.any():
            consent = customers["marketing_consent"].astype("boolean")
            customers["marketing_consent"] = consent.mask(hit, False)
    # fields only consent-based purposes need travel only for customers who consented
    condition = fields["condition"] if "condition" in fields else pd.Series("", index=fields.index)
    conditioned = [
        f for f in fields.loc[condition == "marketing_consent", "field"] if f in customers
    ]
    if conditioned:
        source = customers if "marketing_consent" in customers else None
        if source is None and "marketing_consent" in golden:
            source = golden.set_index("entity_id").reindex(customers["entity_id"])
        consented = (
            source["marketing_consent"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            if source is not None
            else [False] * len(customers)
        )
        for f in conditioned:
            customers[f] = customers[f].where(pd.Series(consented, index=customers.index))
    return customers


def export_frames(ctx: RunContext) -> dict[str, pd.DataFrame]:
    """The plaintext tables for the buyer: only exported fields of transferred customers."""
    run = ctx.run
    customers = export_customers(ctx)
    rec = run.read_table("record_dispositions")
    # excluded records stay with the seller: even their ids would tell who asked for erasure
    rec = rec[rec["disposition"].isin(["transferred", "merged"])]
    record_map = rec[
        ["source", "record_id", "entity_id", "disposition", "merged_into", "reason_codes"]
    ]
    if run.exists("extras"):  # unmapped columns the params transfer (sources[].transfer_unmapped)
        record_map = record_map.merge(
            run.read_table("extras"), on=["source", "record_id"], how="left"
        )
    record_map = record_map.sort_values(["source", "record_id"]).reset_index(drop=True)
    roster = run.read_table("roster").sort_values("entity_id").reset_index(drop=True)
    tables = {"customers": customers, "record_map": record_map, "notification_roster": roster}
    return {name: tables[name] for name in EXPORT_TABLES}
