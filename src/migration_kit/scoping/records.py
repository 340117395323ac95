"""Record of processing / personal-information impact-assessment summary (PIPL Art. 55-56;
GDPR Art. 30, 35).

A markdown document with aggregate numbers only: parties, legal basis, data categories exported and
dropped, customers per purpose, exclusions by reason, obligations (flags), cross-border figures.

Example
-------
>>> text = processing_record(result, golden, policy, deal)   # doctest: +SKIP
>>> text.splitlines()[0]                                     # doctest: +SKIP
'# Record of processing and impact-assessment summary'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..codes import count_codes
from ..deals import deal_type
from .disposition import ScopingResult
from .policy import PolicySpec
from .rules import RULES_BY_CODE

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = ["processing_record"]


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> list[str]:
    if not rows:
        return ["(none)"]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(str(v) for v in r) + " |" for r in rows]


def processing_record(
    result: ScopingResult,
    golden: pd.DataFrame,
    policy: PolicySpec,
    deal: Deal,
    *,
    run_id: str | None = None,
) -> str:
    """Render the processing record / impact-assessment summary as markdown (aggregates only).

    Parameters
    ----------
    result : ScopingResult
    golden : DataFrame
        Golden records (only non-null counts per field are used).
    policy : PolicySpec
    deal : params.Deal

    Returns
    -------
    str
        Markdown text.
    """
    counts = result.reconcile()
    ent = result.entity_dispositions
    moving = ent.loc[ent["disposition"] == "transferred", "entity_id"]
    g = golden[golden["entity_id"].isin(set(moving))]
    lines = ["# Record of processing and impact-assessment summary", ""]
    if run_id:
        lines += [f"Run: {run_id}", ""]
    lines += [
        "## Parties and legal basis",
        "",
        f"- Seller (controller): {deal.seller.name}, contact {deal.seller.contact}",
        f"- Recipient: {deal.recipient.name}, contact {deal.recipient.contact}, country "
        f"{getattr(deal.recipient, 'country', None) or 'n/a'}",
        f"- Deal type: {deal.type}. {deal_type(deal.type).basis_text}",
        *(
            [
                "- Basis chosen instead of separate consent: the sale of the business treated as "
                "an Art. 22 transfer (GB/T 35273-2020 s. 9.3); legal opinion "
                f"{policy.asset_sale.legal_opinion}",
            ]
            if deal_type(deal.type).needs_consent and policy.asset_sale.basis == "business_transfer"
            else []
        ),
        f"- Cross-border mechanism: {result.crossborder.get('pipl_mechanism', 'none')}"
        + (
            f", filing/approval {policy.crossborder_reference}"
            if policy.crossborder_reference
            else ""
        ),
        f"- Transfer date: {policy.transfer_date.isoformat() if policy.transfer_date else 'n/a'}",
        f"- Seller's original purposes: {', '.join(policy.original_purposes)}",
        f"- Buyer's purposes: {', '.join(policy.purposes)}",
        "",
    ]
    lines += ["## Reconciliation (records)", ""]
    lines += _table([(k, v) for k, v in counts.items()], ("count", "records"))
    n_ent = ent["disposition"].value_counts()
    lines += [
        "",
        f"Customers (golden records): {len(ent)}; transferred {int(n_ent.get('transferred', 0))}, "
        f"excluded {int(n_ent.get('excluded', 0))}.",
        "",
    ]
    lines += ["## Categories of personal information", ""]
    f = result.fields
    rows: list[tuple[Any, ...]] = [
        (
            r.field,
            "yes" if r.exported else "no",
            "yes" if r.sensitive else "no",
            int(g[r.field].notna().sum()) if r.field in g.columns else 0,
            r.reason,
        )
        for r in f.itertuples()
    ]
    lines += _table(
        rows, ("field", "exported", "sensitive", "transferred customers with a value", "reason")
    )
    lines += ["", "## Customers per buyer purpose", ""]
    rows = []
    consented = (
        g["marketing_consent"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "marketing_consent" in g.columns
        else None
    )
    for purpose, fields in policy.purposes.items():
        present = [c for c in fields if c in g.columns]
        has = g[present].notna().any(axis=1).to_numpy() if present else None
        if has is not None and purpose in policy.consent_purposes and consented is not None:
            has = has & consented  # only customers who consented are processed for it
        n = int(has.sum()) if has is not None else 0
        new = "yes (re-consent)" if purpose in policy.new_purposes() else "no"
        rows.append((purpose, n, new))
    lines += _table(rows, ("purpose", "transferred customers processed for it", "new purpose"))
    lines += ["", "## Exclusions by reason (customers; a customer may have several)", ""]
    ex = count_codes(ent.loc[ent["disposition"] == "excluded", "reason_codes"])
    rows = [
        (
            c,
            int(n),
            RULES_BY_CODE[c].article if c in RULES_BY_CODE else "",
            "yes"
            if c in RULES_BY_CODE and policy.destroy.get(c, RULES_BY_CODE[c].destroy)
            else "no",
        )
        for c, n in ex.items()
    ]
    lines += _table(rows, ("reason code", "customers", "legal reference", "destroyed"))
    lines += ["", "## Obligations attached to transferred customers", ""]
    fl = count_codes(ent["flags"])
    lines += _table(
        [
            (c, int(n), RULES_BY_CODE[c].description if c in RULES_BY_CODE else "")
            for c, n in fl.items()
        ],
        ("flag", "customers", "meaning"),
    )
    lines += ["", "## Regions of transferred customers", ""]
    reg = ent.loc[ent["disposition"] == "transferred", "region"].value_counts().sort_index()
    lines += _table([(r, int(n)) for r, n in reg.items()], ("region", "customers"))
    lines += ["", "## Cross-border transfer", ""]
    lines += _table(
        [(k, ", ".join(v) if isinstance(v, list) else v) for k, v in result.crossborder.items()],
        ("item", "value"),
    )
    n_moved = int((ent["disposition"] == "transferred").sum())
    sens = [str(r.field) for r in f.itertuples() if r.exported and r.sensitive]
    lines += [
        "",
        "## Impact assessment (PIPL Art. 55-56; GDPR Art. 35) / 个人信息保护影响评估",
        "",
        "### Purposes, lawfulness and necessity / 处理目的、合法性与必要性",
        "",
        f"- Basis: {deal_type(deal.type).basis_text}",
        f"- Purposes: {', '.join(p for p in policy.purposes if p not in policy.new_purposes())}"
        + (
            f"; new purposes held back until consent: {', '.join(policy.new_purposes())}"
            if policy.new_purposes()
            else ""
        ),
        "- Necessity: only fields a buyer purpose needs are exported (table above); excluded "
        "customers do not move.",
        "",
        "### Volumes and sensitive information / 数量与敏感个人信息",
        "",
        f"- Customers transferred: {n_moved}; sensitive fields exported: "
        f"{', '.join(sens) or 'none'} (PIPL Art. 28; specific purpose and sufficient necessity, "
        "Art. 28(2)).",
        "",
        "### Risks and safeguards / 风险与保护措施",
        "",
        "| risk | safeguard |",
        "|---|---|",
        "| disclosure in transit | CMS EnvelopedData (AES-256) to the recipient's certificate; "
        "signed manifest; the buyer verifies with openssl |",
        "| tampering | SHA-256 of every part in the signed manifest; hash-chained audit log |",
        "| over-collection | minimisation per purpose; new purposes held back |",
        "| requesters' data moving | every request matched on every identifier; the run stops "
        "while one is open |",
        "| minors | under 14 excluded or moved only with guardian consent; unknown age counted "
        "(and held for children's sources) |",
        "| data abroad | mechanism from the year's counts; stops without its filing |",
        "| copies left behind | purge destroys work files, backup and keys, then certifies |",
        "",
        "### Conclusion / 结论",
        "",
        "- Residual risk and decision: ____ (to be completed by the DPO)",
        "- Assessed by (DPO / 个人信息保护负责人): ____  Date / 日期: ____",
        "- Kept for at least three years (PIPL Art. 56).",
        "",
        "## Record of processing (GDPR Art. 30) / 处理活动记录",
        "",
        f"- Controller: {deal.seller.name} ({deal.seller.contact}); recipient: "
        f"{deal.recipient.name} ({deal.recipient.contact})",
        "- Data protection officer: ____; EU representative (GDPR Art. 27): ____",
        "- Categories of data subjects: the seller's customers (store members, web shop buyers, "
        "school and club accounts, overseas buyers)",
        "- Categories of personal data: the exported fields above",
        f"- Recipients: {deal.recipient.name}; transfers to third countries: "
        f"{result.crossborder.get('recipient_country', 'CN')} "
        f"({result.crossborder.get('pipl_mechanism', 'none')}; GDPR: "
        f"{result.crossborder.get('gdpr_basis', '-')})",
        f"- Retention: {policy.retention_years or 'no fixed'} years after the last activity; "
        "excluded records destroyed by purge (destruction schedule)",
        "- Security measures: as in the risks table above",
        "",
    ]
    return "\n".join(lines)
