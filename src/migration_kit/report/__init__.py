"""The handover report: one self-contained HTML file (no CDN, charts inlined as data URIs).

It reads only aggregate or masked outputs of the run folder (``reports/``,
``handover/manifest.json``, the audit log), never the work files with personal data.

Example
-------
>>> build_report(Path("runs/rehearsal/r1"))   # doctest: +SKIP
PosixPath('runs/rehearsal/r1/report.html')
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..params import Params
from ..runfolder import RunFolder, atomic_write_text
from .checklist import CHECKLIST, answer

__all__ = ["CHECKLIST", "build_report", "collect_facts"]

_CSS = (
    "\n"
    'body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;'
    "margin:2em auto;max-width:1100px;color:#222}\n"
    "h1{border-bottom:3px solid #245;padding-bottom:.3em}h2{color:#245;margin-top:2em;"
    "border-bottom:1px solid #ccd}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}"
    "td,th{border:1px solid #ccd;padding:.25em .6em;text-align:left}\n"
    "th{background:#eef2f7}.ok{color:#161}.bad{color:#a11;font-weight:bold}"
    ".fig{max-width:100%;border:1px solid #ddd}\n"
    ".kpi{display:inline-block;margin:.3em 1em .3em 0;padding:.5em 1em;background:#f4f7fb;"
    "border-radius:6px}\n"
    ".kpi b{display:block;font-size:1.4em}.sign td{height:3em;min-width:14em}"
    "code{background:#f4f4f4;padding:0 .2em}\n"
)


def _table(df: pd.DataFrame | None, max_rows: int = 60) -> str:
    if df is None or df.empty:
        return "<p><i>none</i></p>"
    return df.head(max_rows).to_html(index=False, border=0, escape=True, na_rep="")


def _img(path: Path, alt: str) -> str:
    if not path.exists():
        return f"<p><i>{html.escape(alt)}: chart not produced</i></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img class="fig" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _csv(run: RunFolder, name: str) -> pd.DataFrame | None:
    return run.read_table(name) if run.exists(name) else None


def _recon(run: RunFolder) -> pd.DataFrame | None:
    from ..quality.fidelity import FIELD_RECONCILIATION_SHOWN

    df = _csv(run, "field_reconciliation")
    return None if df is None else df[[c for c in FIELD_RECONCILIATION_SHOWN if c in df.columns]]


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def collect_facts(run: RunFolder) -> dict[str, Any]:
    """The run's headline numbers (all aggregate), for the report and its checklist."""
    recon = _json(run.file("reconciliation"))
    link = _json(run.file("linkage_summary"))
    cross = _json(run.file("crossborder"))
    cls = _csv(run, "classification")
    fails = _csv(run, "failure_counts")
    log = _csv(run, "destruction_log")
    excl = _csv(run, "exclusions_by_reason")
    fields = _csv(run, "fields_exported")
    audit = run.file("audit_log")
    qual = _csv(run, "quality_compare")
    supp = 0
    if excl is not None and len(excl):
        supp = int(
            excl.loc[
                excl["reason_code"].isin(["ERASURE_REQUEST", "WITHDRAWN_CONSENT"]), "count"
            ].sum()
        )
    overall_after = ""
    if qual is not None and "metric" in qual.columns:
        row = qual[qual["metric"] == "overall"]
        after = pd.to_numeric(row["after"], errors="coerce")
        overall_after = "" if row.empty or after.isna().all() else f"{float(after.iloc[0]):.1f}"
    scope: dict[str, Any] = {}
    if audit.exists():  # the scope step's own counts, as the audit chain holds them
        for line in audit.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("step") == "scope":
                scope = entry.get("counts", {})
    to_destroy = 0 if log is None else int(log["destroyed"].astype(str).eq("True").sum())
    certified = run.exists("destruction_certificate")
    recon_file = _csv(run, "field_reconciliation")
    unexplained = "" if recon_file is None else int(recon_file["unexplained"].sum())
    return {
        "classified_columns": 0 if cls is None else len(cls),
        "backup_files": len(_json(run.file("backup_manifest")).get("files", [])),
        "failures": 0 if fails is None else int(fails["n"].sum()),
        "exported_fields": ""
        if fields is None
        else ", ".join(fields.loc[fields["exported"].astype(str) == "True", "field"]),
        "destroyed": f"{to_destroy} records scheduled (destruction_schedule.md); "
        + (
            "destroyed and certified by purge (destruction_certificate.md, signed)"
            if certified
            else "not destroyed yet: `migration-kit purge` destroys, then certifies"
        ),
        "crossborder_mechanism": cross.get("pipl_mechanism", cross.get("mechanism", "")),
        "suppressed": supp,
        "audit_entries": len(audit.read_text().splitlines()) if audit.exists() else 0,
        "roster": (
            f"{recon.get('transferred', 0)} customers on the notification roster, "
            f"{scope.get('notices_without_channel', '?')} without any channel (public_notice.md); "
            + (
                f"send log: {scope['notices_sent']} sent, {scope['notices_failed']} failed, "
                f"{scope['notices_pending']} pending"
                if "notices_sent" in scope
                else "no send log read back yet (notice_send_log.csv)"
            )
        ),
        "incident_plan": "incident_plan.md (roles, steps, PIPL Art. 57 / GDPR Art. 33-34 notices)",
        "annexes": "transfer_annex.md, confidentiality_annex.md",
        "long_term_value": (
            f"quality after {overall_after}; field reconciliation: {unexplained} unexplained "
            "losses; lineage per golden value"
        ),
        "reconciled": (
            f"input {recon.get('input')} = transferred {recon.get('transferred')} + merged "
            f"{recon.get('merged')} + excluded {recon.get('excluded')}"
        )
        if recon
        else "",
        "review_pairs": link.get("review_pairs", ""),
        "quality_after": overall_after,
        "entities": link.get("entities", ""),
        "records": link.get("records", ""),
    }


def build_report(run_dir: Path, params: Params | None = None) -> Path:
    """Write ``report.html`` into the run folder and return its path."""
    run = RunFolder(Path(run_dir))
    facts = collect_facts(run)
    recon = _json(run.file("reconciliation"))
    cross = _json(run.file("crossborder"))
    manifest = _json(run.file("manifest"))
    parts: list[str] = [
        f"<h1>Customer data handover report</h1><p>Run <code>{html.escape(run.run_id)}</code> "
        f"of client <code>{html.escape(run.client)}</code></p>"
    ]
    if params is not None:
        d = params.deal
        parts.append(
            "<h2>1. Deal and parties</h2>"
            + _table(
                pd.DataFrame(
                    [
                        {
                            "role": "seller",
                            "name": d.seller.name,
                            "contact": d.seller.contact,
                            "country": d.seller.country or "",
                        },
                        {
                            "role": "recipient",
                            "name": d.recipient.name,
                            "contact": d.recipient.contact,
                            "country": d.recipient.country,
                        },
                    ]
                )
            )
            + f"<p>Deal type: <b>{html.escape(d.type)}</b>; "
            f"params SHA-256 <code>{params.sha256[:16]}…</code></p>"
        )
    kpis = [
        ("input records", recon.get("input", "")),
        ("transferred", recon.get("transferred", "")),
        ("merged", recon.get("merged", "")),
        ("excluded", recon.get("excluded", "")),
        ("golden customers", facts["entities"]),
    ]
    parts.append(
        "<div>" + "".join(f'<span class="kpi"><b>{v}</b>{k}</span>' for k, v in kpis) + "</div>"
    )
    parts.append("<h2>2. Source inventory</h2>" + _table(_csv(run, "inventory")))
    cls = _csv(run, "classification")
    if cls is not None:
        cls = cls[
            [
                "source",
                "column",
                "canonical_field",
                "category",
                "sensitivity",
                "detected_kind",
                "fill_rate",
                "travels",
                "flag",
            ]
        ]
    parts.append("<h2>3. Field classification</h2>" + _table(cls, 200))
    parts.append(
        "<h2>4. Cleaning and validation failures</h2>" + _table(_csv(run, "failure_counts"))
    )
    link = _json(run.file("linkage_summary"))
    parts.append(
        "<h2>5. Deduplication</h2>"
        + _table(pd.DataFrame([{k: v for k, v in link.items() if not isinstance(v, dict)}]))
        + _img(run.file("match_weights_chart"), "match weights per comparison level")
        + _img(run.file("match_weight_histogram"), "match weight distribution")
    )
    req = _csv(run, "suppression_requests")
    req_counts = (
        None
        if req is None
        else req.groupby(["request_type", "status"]).size().rename("requests").reset_index()
    )
    parts.append(
        "<h2>6. Exclusions by reason</h2>"
        + _table(_csv(run, "exclusions_by_reason"))
        + "<h3>Withdrawal and erasure requests (unusable ones need a person)</h3>"
        + _table(req_counts)
        + "<h3>Customers of unknown age (no birth date, no ID number), per source</h3>"
        + "<p>Their minority cannot be checked (PIPL Art. 28, 31); customers with a record in a "
        "source listed in <code>policy.children_sources</code> are held for a guardian check.</p>"
        + _table(_csv(run, "age_unknown_by_source"))
        + "<h3>Fields exported and dropped (minimisation)</h3>"
        + _table(_csv(run, "fields_exported"))
    )
    parts.append(
        "<h2>7. Data quality before and after</h2>"
        + _table(_csv(run, "quality_compare"), 80)
        + _img(run.file("quality_dimensions_chart"), "quality by dimension before/after")
        + _img(run.file("quality_failures_chart"), "failing checks by source")
        + "<h3>Gates</h3>"
        + _table(_csv(run, "quality_gates"))
        + "<h3>Field reconciliation: every value from the source cell to the buyer's table</h3>"
        + "<p>Values dropped are dropped by a named rule (a failure-table reason, survivorship "
        "keeping a place whole, minimisation); <code>unexplained</code> must be 0 (gate "
        "<code>fidelity.unexplained_losses</code>).</p>"
        + _table(_recon(run))
        + "<h3>What to fix at the source (records per failing check)</h3>"
        + _table(_csv(run, "record_quality_top_reasons"))
    )
    flat_cross = {k: v for k, v in cross.items() if not isinstance(v, (dict, list))}
    parts.append(
        "<h2>8. Cross-border transfer</h2>"
        + _table(pd.DataFrame([flat_cross]) if flat_cross else None)
    )
    status = (
        "ok"
        if recon
        and recon.get("input")
        == recon.get("transferred", 0) + recon.get("merged", 0) + recon.get("excluded", 0)
        else "bad"
    )
    parts.append(
        f"<h2>9. Reconciliation</h2><p class='{status}'>{html.escape(facts['reconciled'])}</p>"
    )
    files = pd.DataFrame(manifest.get("files", []))
    keep = [
        c
        for c in (
            "name",
            "table",
            "part",
            "rows",
            "plaintext_sha256",
            "ciphertext_sha256",
            "ciphertext_bytes",
        )
        if c in files.columns
    ]
    parts.append(
        "<h2>10. Handover manifest</h2>"
        + _table(files[keep] if keep else files)
        + "<p>Verify: <code>migration-kit verify handover/ --signer-cert seller.pem</code> or "
        "<code>openssl cms -verify -binary -inform DER -in manifest.json.p7s "
        "-content manifest.json -CAfile seller.pem -purpose any</code></p>"
    )
    parts.append(
        "<h2>11. Sign-off checklist (source brief, section by section)</h2>"
        + _table(pd.DataFrame(answer(facts)), 30)
    )
    parts.append(
        "<h2>12. Signatures</h2><table class='sign'><tr><th></th><th>Seller</th><th>Buyer</th></tr>"
        "<tr><td>Name / role</td><td></td><td></td></tr>"
        "<tr><td>Signature, date</td><td></td><td></td></tr>"
        "</table>"
    )
    doc = (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>Handover report "
        f"{html.escape(run.run_id)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
    return atomic_write_text(run.file("report"), doc)
