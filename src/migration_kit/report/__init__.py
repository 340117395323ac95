"""The handover report: one self-contained HTML file (no CDN, charts inlined as data URIs).

It reads only aggregate or masked outputs of the run folder (``reports/``,
``handover/manifest.json``, the audit log), never the work files with personal data. It opens with
a one-screen summary for the data protection officer (:mod:`.summary`) that lists what needs
attention (:mod:`.attention`); numbers are rounded and hashes wrapped (:mod:`.format`); the
exclusions table counts every excluded record once, so it adds up to the headline
(:mod:`.exclusions`).

Example
-------
>>> build_report(Path("runs/rehearsal/r1"))   # doctest: +SKIP
PosixPath('runs/rehearsal/r1/report.html')
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..artifacts import ARTIFACTS
from ..runfolder import RunFolder, atomic_write_text
from .attention import (
    DROP_POINTS,
    NEAR_GATE_POINTS,
    drop_notes,
    gate_flags,
    gate_notes,
    quality_drops,
)
from .checklist import CHECKLIST, answer
from .exclusions import exclusion_breakdown, is_exclusion_code, transfer_breakdown
from .format import html_table, inline, number
from .summary import SummaryFacts, dpo_summary

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Params

__all__ = ["CHECKLIST", "build_report", "collect_facts", "excluded_by_reason"]

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",
sans-serif;margin:1em auto;max-width:1120px;padding:0 1.2em;color:#222;line-height:1.4}
h1{border-bottom:3px solid #245;padding-bottom:.2em;margin:.2em 0;font-size:1.8em}
h2{color:#245;margin-top:2em;border-bottom:1px solid #ccd}
h3{color:#245;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.88em;max-width:100%}
td,th{border:1px solid #ccd;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
tr.flag td{background:#fde8e8}tr.flag td:first-child{border-left:4px solid #c22}
tr.near td{background:#fff4d6}tr.near td:first-child{border-left:4px solid #d90}
tr.fail td,tr.overridden td{background:#fde8e8}
tr.total td{font-weight:bold;border-top:2px solid #889}
caption{text-align:left;font-size:.95em;color:#555;padding:.2em 0}
.ok{color:#161}.bad{color:#a11;font-weight:bold}.warn{color:#a60;font-weight:bold}
.fig{max-width:100%;height:auto;border:1px solid #ddd;display:block;margin:.5em 0 1em}
code{background:#f2f3f5;padding:0 .2em;border-radius:3px;font-size:.92em}
code.hash{display:inline-block;width:32ch;word-break:break-all;background:none;padding:0;
font-size:.9em;line-height:1.3}
table.kv{max-width:900px}table.kv th{white-space:nowrap}
.meta{color:#555;margin:.2em 0 1em}
.summary h2{margin-top:.5em}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:.7em}
.card{background:#f4f7fb;border-radius:6px;padding:.45em .75em;font-size:.86em}
.card h3{margin:.1em 0 .3em;font-size:1em}
.card p{margin:.3em 0}.card ul{margin:.2em 0;padding-left:1.1em}.card li{margin:.15em 0}
.card .big{font-size:1.05em;font-weight:600}.card .note{color:#666;font-size:.9em}
.card table.mini{margin:0;font-size:1em;width:100%}.card table.mini td{border:0;padding:.05em .2em}
.card table.mini tr.total td{border-top:1px solid #99a}
.card table.gates{font-size:.92em}.card td code{overflow-wrap:anywhere}
.card table.mini th{background:none;border:0;padding:.05em .2em;color:#555;font-weight:normal}
.card tr.near td{background:#fff0c2}.card tr.fail td,.card tr.overridden td{background:#fbd9d9}
.card.signoff{background:#fff7e0}
.attention{border:2px solid #c22;background:#fff5f5;border-radius:6px;padding:.3em .9em;
margin:.6em 0}
.attention h3{color:#a11;margin:.3em 0}.attention ul{margin:.2em 0 .4em}
.allclear{border:1px solid #6a6;background:#f3fbf3;border-radius:6px;padding:.5em .9em;
margin:.6em 0}
.more{color:#666;font-size:.85em;margin-top:-.6em}
details{margin:.4em 0 1em}summary{cursor:pointer;color:#245}
.sign td{height:3em;min-width:14em}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media print{.cards{grid-template-columns:repeat(2,minmax(0,1fr))}details{display:block}}
"""


def _img(path: Path, alt: str) -> str:
    if not path.exists():
        return f"<p><i>{html.escape(alt)}: chart not produced</i></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img class="fig" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _csv(run: RunFolder, name: str) -> pd.DataFrame | None:
    return run.read_table(name) if run.exists(name) else None


def _json(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _name(artifact: str) -> str:
    return ARTIFACTS[artifact].filename


def _drop_empty(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """Leave out columns that are blank in every row (override columns when nothing was
    overridden)."""
    if df is None:
        return None
    blank = [c for c in df.columns if df[c].astype(str).str.strip().isin(["", "nan", "None"]).all()]
    return df.drop(columns=blank)


def _key_values(pairs: Sequence[tuple[str, object]]) -> str:
    """A two-column table of labelled figures (for one-row summaries that would run wide)."""
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(_value(v))}</td></tr>" for k, v in pairs
    )
    return f"<table class='kv'>{rows}</table>"


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None:
        return "—"
    if isinstance(v, list | tuple):
        return ", ".join(map(str, v)) or "—"
    return number(v) if isinstance(v, int | float) else str(v)


def _int(value: object) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def excluded_by_reason(run: RunFolder) -> pd.DataFrame:
    """The run's excluded records by reason, each record once (sums to ``reconciliation``'s
    ``excluded``): :func:`~migration_kit.report.exclusions.exclusion_breakdown` of the destruction
    log, or of ``exclusions_by_reason`` without transfer and merge codes when the log is missing.

    Example
    -------
    >>> t = excluded_by_reason(RunFolder(Path("runs/rehearsal/r1")))  # doctest: +SKIP
    >>> int(t["records"].sum()) == run.read_json("reconciliation")["excluded"]  # doctest: +SKIP
    True
    """
    log = _csv(run, "destruction_log")
    if log is not None:
        return exclusion_breakdown(log)
    by = _csv(run, "exclusions_by_reason")
    if by is None:
        return exclusion_breakdown(pd.DataFrame({"reason_codes": []}))
    by = by[by["reason_code"].astype(str).map(is_exclusion_code)]
    return exclusion_breakdown(
        pd.DataFrame(
            {
                "reason_codes": [
                    str(c)
                    for c, n in zip(by["reason_code"], by["count"], strict=True)
                    for _ in range(int(n))
                ]
            }
        )
    )


def collect_facts(run: RunFolder) -> dict[str, object]:
    """The run's headline numbers (all aggregate), for the report and its checklist.

    Counts stay numbers (``failures``, ``suppressed``, ``audit_entries`` ...); the longer pieces
    of evidence are sentences with their figures already grouped (``roster``, ``destroyed``).

    Example
    -------
    >>> facts = collect_facts(RunFolder(Path("runs/rehearsal/r1")))   # doctest: +SKIP
    >>> facts["reconciled"]                                           # doctest: +SKIP
    'input 2,643 = transferred 1,746 + merged 548 + excluded 349'
    """
    recon = _json(run.file("reconciliation"))
    link = _json(run.file("linkage_summary"))
    cross = _json(run.file("crossborder"))
    manifest = _json(run.file("manifest"))
    cls = _csv(run, "classification")
    fails = _csv(run, "failure_counts")
    log = _csv(run, "destruction_log")
    excl = _csv(run, "exclusions_by_reason")
    fields = _csv(run, "fields_exported")
    requests = _csv(run, "suppression_requests")
    gates = _csv(run, "quality_gates")
    audit = run.file("audit_log")
    qual = _csv(run, "quality_compare")
    supp = 0
    if excl is not None and len(excl):
        supp = int(
            excl.loc[
                excl["reason_code"].isin(["ERASURE_REQUEST", "WITHDRAWN_CONSENT"]), "count"
            ].sum()
        )
    overall = {"before": "", "after": ""}
    if qual is not None and "metric" in qual.columns:
        row = qual[qual["metric"] == "overall"]
        for stage in overall:
            v = pd.to_numeric(row[stage], errors="coerce")
            overall[stage] = "" if row.empty or v.isna().all() else number(float(v.iloc[0]), 1)
    scope: Mapping[str, object] = {}
    if audit.exists():  # the scope step's own counts, as the audit chain holds them
        for line in audit.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("step") == "scope":
                scope = entry.get("counts", {})
    to_destroy = 0 if log is None else int(log["destroyed"].astype(str).eq("True").sum())
    certified = run.exists("destruction_certificate")
    recon_file = _csv(run, "field_reconciliation")
    unexplained = "" if recon_file is None else int(recon_file["unexplained"].sum())
    exported = (
        []
        if fields is None
        else fields.loc[fields["exported"].astype(str) == "True", "field"].astype(str).tolist()
    )
    excluding = (
        0
        if requests is None
        else int(requests["request_type"].isin(["withdrawn_consent", "erasure"]).sum())
    )
    cross_text = (
        f"PIPL mechanism {cross.get('pipl_mechanism', 'n/a')} ({cross.get('pipl_article', '')})"
        + (f", reference {cross['pipl_reference']}" if cross.get("pipl_reference") else "")
        + (
            f"; {number(cross['eea_individuals'])} EEA residents, notice due by "
            f"{cross.get('gdpr_notice_due_by', '?')}"
            if cross.get("eea_individuals")
            else ""
        )
        if cross
        else ""
    )
    params_sha = str(manifest.get("params_sha256", ""))
    backup = _json(run.file("backup_manifest")).get("files")
    return {
        "classified_columns": 0 if cls is None else len(cls),
        "backup_files": len(backup) if isinstance(backup, list) else 0,
        "failures": 0 if fails is None else int(fails["n"].sum()),
        "exported_fields": ", ".join(exported),
        "exported_count": len(exported),
        "dropped_count": 0 if fields is None else len(fields) - len(exported),
        "destroyed": f"{number(to_destroy)} records scheduled for destruction "
        f"({_name('destruction_schedule')}); "
        + (
            f"destroyed and certified by purge ({_name('destruction_certificate')}, signed)"
            if certified
            else "not destroyed yet: `migration-kit purge` destroys, then certifies"
        ),
        "crossborder_mechanism": cross.get("pipl_mechanism", cross.get("mechanism", "")),
        "crossborder": cross_text,
        "suppressed": supp,
        "requests": excluding,
        "audit_entries": len(audit.read_text().splitlines()) if audit.exists() else 0,
        "roster": (
            f"{number(recon.get('transferred', 0))} customers on the notification roster, "
            f"{number(scope.get('notices_without_channel', '?'))} without any channel "
            f"({_name('public_notice')}); "
            + (
                f"send log: {number(scope['notices_sent'])} sent, "
                f"{number(scope['notices_failed'])} failed, "
                f"{number(scope['notices_pending'])} pending"
                if "notices_sent" in scope
                else f"no send log read back yet ({_name('notice_send_log')})"
            )
        ),
        "incident_plan": f"{_name('incident_plan')} (roles, steps, PIPL Art. 57 / GDPR Art. "
        "33-34 notices)",
        "annexes": f"{_name('transfer_annex')}, {_name('confidentiality_annex')}",
        "long_term_value": (
            f"overall quality {overall['after'] or 'n/a'} after; field reconciliation: "
            f"{number(unexplained) if unexplained != '' else 'n/a'} unexplained losses; lineage "
            "per golden value"
        ),
        "reconciled": (
            f"input {number(recon.get('input'))} = transferred {number(recon.get('transferred'))}"
            f" + merged {number(recon.get('merged'))} + excluded {number(recon.get('excluded'))}"
        )
        if recon
        else "",
        "params_sha256": f"{params_sha[:16]}…" if params_sha else "",
        "review_pairs": link.get("review_pairs", ""),
        "decisions": link.get("decisions_applied", link.get("decisions", "")),
        "gates": "" if gates is None else len(gates),
        "gates_passed": "" if gates is None else int((gates["status"] == "pass").sum()),
        "quality_before": overall["before"],
        "quality_after": overall["after"],
        "entities": link.get("entities", ""),
        "records": link.get("records", ""),
    }


def _deal_section(params: Params) -> str:
    d = params.deal
    parties = pd.DataFrame(
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
    return (
        "<h2>1. Deal and parties</h2>"
        + html_table(parties)
        + f"<p>Deal type: <b>{html.escape(d.type)}</b>; params SHA-256 "
        f"<code>{html.escape(params.sha256[:16])}…</code></p>"
    )


def _dedup_section(run: RunFolder) -> str:
    link = _json(run.file("linkage_summary"))
    recall = link.get("blocking_recall")
    recall_text = recall.get("text", "") if isinstance(recall, dict) else ""
    pairs = [
        ("records compared", link.get("records")),
        ("customers found (golden records)", link.get("entities")),
        ("candidate pairs scored", link.get("pairs")),
        (
            "pairs left for clerical review",
            f"{number(link.get('review_pairs'))} ({number(link.get('review_pairs_with_request'))} "
            "touching a withdrawal or erasure request)",
        ),
        ("review decisions on file", link.get("decisions")),
        ("review decisions applied", link.get("decisions_applied")),
        ("decisions naming a record not in this run", link.get("decisions_record_missing")),
        ("decisions on a pair this run did not score", link.get("decisions_pair_not_scored")),
    ]
    band = link.get("review_band")
    if isinstance(band, dict) and {"lower", "upper"} <= set(band):
        pairs.insert(
            3,
            (
                "thresholds (match probability)",
                f"joined at {float(band['upper']):g} or more; clerical review from "
                f"{float(band['lower']):g}",
            ),
        )
    if recall_text:
        pairs.append(("blocking recall (estimate)", recall_text))
    return (
        "<h2>5. Deduplication</h2>"
        + _key_values([(k, v) for k, v in pairs if v is not None])
        + "<p>The histogram marks the two thresholds: pairs at or above the upper one are joined "
        "as one customer, pairs between the two go to clerical review, pairs below stay apart."
        "</p>"
        + _img(run.file("match_weight_histogram"), "match weight distribution with thresholds")
        + _img(run.file("match_weights_chart"), "match weights per comparison level")
    )


def _exclusions_section(run: RunFolder, excluded: pd.DataFrame, deal: str | None) -> str:
    recon = _json(run.file("reconciliation"))
    total = int(excluded["records"].sum())
    headline = _int(recon.get("excluded", total))
    table = excluded.copy()
    table.loc[len(table)] = {
        "reason_code": "all excluded",
        "meaning": "",
        "law": "",
        "records": total,
        "records_with_reason": "",
        "kept": int(excluded["kept"].sum()),
    }
    classes = [""] * (len(table) - 1) + ["total"]
    check = (
        f"<p class='ok'>✓ The rows add up to the headline: {number(total)} excluded.</p>"
        if total == headline
        else f"<p class='bad'>✗ The rows make {number(total)}, the headline says "
        f"{number(headline)} excluded.</p>"
    )
    by = _csv(run, "exclusions_by_reason")
    moved = None if by is None else transfer_breakdown(by, deal)
    req = _csv(run, "suppression_requests")
    req_counts = (
        None
        if req is None
        else req.assign(records=pd.to_numeric(req["records"], errors="coerce").fillna(0))
        .groupby(["request_type", "status"])
        .agg(requests=("request_id", "size"), records=("records", "sum"))
        .reset_index()
    )
    return (
        "<h2>6. Exclusions by reason</h2>"
        + "<p>Each excluded record is counted once, under its first reason in this order; "
        "<i>records with reason</i> counts every record that carries the reason, also as a "
        "second one. <i>Kept</i>: of these, held by the seller rather than destroyed.</p>"
        + html_table(
            table,
            row_classes=classes,
            labels={"reason_code": "reason", "records": "records (each once)"},
        )
        + check
        + "<h3>Transferred and merged records, by legal basis</h3>"
        + html_table(moved, labels={"reason_code": "code"})
        + "<h3>Withdrawal and erasure requests (unusable ones need a person)</h3>"
        + html_table(req_counts, labels={"request_type": "request"})
        + "<h3>Customers of unknown age (no birth date, no ID number), per source</h3>"
        + "<p>Their minority cannot be checked (PIPL Art. 28, 31); customers with a record in a "
        "source listed in <code>policy.children_sources</code> are held for a guardian check.</p>"
        + html_table(_csv(run, "age_unknown_by_source"))
        + "<h3>Fields exported and dropped (minimisation)</h3>"
        + html_table(_drop_empty(_fields(run)))
    )


def _fields(run: RunFolder) -> pd.DataFrame | None:
    """``fields_exported`` with its ``;``-joined purposes as a list a person reads."""
    df = _csv(run, "fields_exported")
    if df is not None and "purposes" in df.columns:
        df = df.assign(purposes=df["purposes"].astype(str).str.replace(";", ", "))
    return df


_QUALITY_MAIN_LEVELS = ("overall", "dimension")


def _quality_section(run: RunFolder, gates: pd.DataFrame | None, flags: Sequence[str]) -> str:
    compare = _csv(run, "quality_compare")
    parts = ["<h2>7. Data quality before and after</h2>"]
    if compare is None:
        parts.append("<p><i>no quality comparison in this run</i></p>")
    else:
        drops = quality_drops(compare).to_numpy()
        classes = ["flag" if d else "" for d in drops]
        main = compare["level"].isin(_QUALITY_MAIN_LEVELS).to_numpy() | drops
        decimals = {"before": 1, "after": 1, "delta": 1}
        main_classes = [c for c, m in zip(classes, main, strict=True) if m]
        parts.append(
            "<p>Scores from 0 to 100 (share of values passing the checks), before (the sources) "
            f"and after (the golden records). Rows in red fell by {number(DROP_POINTS)} points or "
            "more.</p>"
            + html_table(
                compare[main], row_classes=main_classes, signed_columns=["delta"], decimals=decimals
            )
            + f"<details><summary>All {number(len(compare))} quality figures (per field, check "
            "and source)</summary>"
            + html_table(
                compare,
                max_rows=len(compare),
                row_classes=classes,
                signed_columns=["delta"],
                decimals=decimals,
            )
            + "</details>"
        )
    parts.append(_img(run.file("quality_dimensions_chart"), "quality by dimension before/after"))
    parts.append(_img(run.file("quality_failures_chart"), "failing checks by source"))
    parts.append("<h3>Gates</h3>")
    if gates is None:
        parts.append("<p class='bad'>no gates checked</p>")
    else:
        table = gates.copy()
        margin = pd.to_numeric(table["score"], errors="coerce") - pd.to_numeric(
            table["threshold"], errors="coerce"
        )
        table.insert(list(table.columns).index("threshold") + 1, "margin", margin)
        parts.append(
            "<p>A gate stops the handover when its score falls below its limit (the fidelity gate: "
            "when any value is lost without a named rule). Rows in amber passed by less than "
            f"{number(NEAR_GATE_POINTS)} points.</p>"
            + html_table(
                _drop_empty(table),
                row_classes=list(flags),
                labels={"threshold": "limit"},
                signed_columns=["margin"],
                decimals={"score": 1, "threshold": 1, "margin": 1},
            )
        )
    parts.append(
        "<h3>Field reconciliation: every value from the source cell to the buyer's table</h3>"
        "<p>Values dropped are dropped by a named rule (a failure-table reason, survivorship "
        "keeping a place whole, minimisation); <code>unexplained</code> must be 0 (gate "
        "<code>fidelity.unexplained_losses</code>).</p>"
        + html_table(_recon(run))
        + "<h3>What to fix at the source (records per failing check)</h3>"
        + html_table(_csv(run, "record_quality_top_reasons"))
    )
    return "".join(parts)


def _recon(run: RunFolder) -> pd.DataFrame | None:
    from ..quality.fidelity import FIELD_RECONCILIATION_SHOWN

    df = _csv(run, "field_reconciliation")
    return None if df is None else df[[c for c in FIELD_RECONCILIATION_SHOWN if c in df.columns]]


_CROSS_LABELS = {
    "recipient_country": "recipient country",
    "cross_border": "personal information leaves China",
    "pipl_mechanism": "PIPL mechanism",
    "pipl_article": "PIPL article",
    "pipl_reference": "filing or approval reference",
    "individuals_leaving_cn": "individuals leaving China (this transfer)",
    "individuals_leaving_cn_ytd": "individuals leaving China (this year)",
    "sensitive_individuals_leaving_cn": "of them with sensitive data (this transfer)",
    "sensitive_individuals_leaving_cn_ytd": "of them with sensitive data (this year)",
    "prior_individuals_from_ledger": "earlier transfers this year (ledger)",
    "prior_individuals_from_params": "earlier transfers this year (params)",
    "critical_infrastructure": "critical information infrastructure operator",
    "important_data": "important data exported",
    "sensitive_fields_exported": "sensitive fields exported",
    "eea_individuals": "EEA residents",
    "gdpr_basis": "GDPR transfer mechanism",
    "gdpr_notice": "GDPR notice duty",
    "gdpr_notice_due_by": "GDPR notice due by",
}


def _cross_section(run: RunFolder) -> str:
    cross = _json(run.file("crossborder"))
    known = [(label, cross[k]) for k, label in _CROSS_LABELS.items() if k in cross]
    other = [
        (k.replace("_", " "), v)
        for k, v in sorted(cross.items())
        if k not in _CROSS_LABELS and not isinstance(v, dict)
    ]
    return "<h2>8. Cross-border transfer</h2>" + (
        _key_values(known + other) if cross else "<p><i>none</i></p>"
    )


def _manifest_section(run: RunFolder) -> str:
    manifest = _json(run.file("manifest"))
    raw = manifest.get("files", [])
    files = pd.DataFrame(raw if isinstance(raw, list) else [])
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
    return (
        "<h2>10. Handover manifest</h2>"
        + html_table(
            files[keep] if keep else files,
            labels={
                "plaintext_sha256": "SHA-256 of the CSV",
                "ciphertext_sha256": "SHA-256 of the encrypted file",
                "ciphertext_bytes": "bytes (encrypted)",
            },
        )
        + "<p>Verify: <code>migration-kit verify handover/ --signer-cert seller.pem</code> or "
        "<code>openssl cms -verify -binary -inform DER -in manifest.json.p7s "
        "-content manifest.json -CAfile seller.pem -purpose any</code></p>"
    )


def _checklist_section(facts: Mapping[str, object]) -> str:
    rows = answer(facts)
    table = pd.DataFrame(
        {
            "section": [r["section"] for r in rows],
            "title": [html.escape(r["title"]) for r in rows],
            "what was done": [inline(r["answer"]) for r in rows],
            "evidence from this run": [inline(r["evidence"]) for r in rows],
        }
    )
    return "<h2>11. Sign-off checklist (source brief, section by section)</h2>" + html_table(
        table, raw_html_columns=["title", "what was done", "evidence from this run"]
    )


def build_report(run_dir: Path, params: Params | None = None) -> Path:
    """Write ``report.html`` into the run folder and return its path.

    Parameters
    ----------
    run_dir : Path
        The run folder (its ``reports/``, handover manifest and audit log are read).
    params : Params, optional
        The run's params (the deal, the policy); without them the deal section is left out.

    Example
    -------
    >>> params = load_params(Path("params/rehearsal.yaml"))         # doctest: +SKIP
    >>> build_report(Path("runs/rehearsal/r1"), params)             # doctest: +SKIP
    PosixPath('runs/rehearsal/r1/report.html')
    """
    run = RunFolder(Path(run_dir))
    facts = collect_facts(run)
    recon = {k: _int(v) for k, v in _json(run.file("reconciliation")).items()}
    link = _json(run.file("linkage_summary"))
    excluded = excluded_by_reason(run)
    gates = _csv(run, "quality_gates")
    flags = gate_flags(gates) if gates is not None else []
    compare = _csv(run, "quality_compare")
    notes = (drop_notes(compare) if compare is not None else []) + (
        gate_notes(gates) if gates is not None else []
    )
    summary = SummaryFacts(
        recon=recon,
        deal=None if params is None else params.deal,
        excluded=excluded,
        requests=_csv(run, "suppression_requests"),
        fields=_csv(run, "fields_exported"),
        age_unknown=_csv(run, "age_unknown_by_source"),
        cross=_json(run.file("crossborder")),
        gates=gates,
        gate_flags=flags,
        attention=notes,
        review_pairs=_int(link.get("review_pairs", 0)),
        decisions=_int(link.get("decisions_applied", link.get("decisions", 0))),
        destroyed=run.exists("destruction_certificate"),
        children_sources=() if params is None else params.policy.children_sources,
        customers=_int(link.get("entities", 0)),
    )
    parts: list[str] = [
        "<h1>Customer data handover report</h1>"
        f"<p class='meta'>Run <code>{html.escape(run.run_id)}</code> of client "
        f"<code>{html.escape(run.client)}</code></p>",
        dpo_summary(summary),
    ]
    if params is not None:
        parts.append(_deal_section(params))
    parts.append("<h2>2. Source inventory</h2>" + html_table(_csv(run, "inventory")))
    cls = _csv(run, "classification")
    if cls is not None:
        cls = cls[
            [
                c
                for c in (
                    "source",
                    "column",
                    "canonical_field",
                    "category",
                    "sensitivity",
                    "detected_kind",
                    "fill_rate",
                    "travels",
                    "flag",
                )
                if c in cls.columns
            ]
        ]
    parts.append(
        "<h2>3. Field classification</h2>"
        + html_table(_drop_empty(cls), max_rows=200, percent_columns=["fill_rate"])
    )
    parts.append(
        "<h2>4. Cleaning and validation failures</h2>"
        + html_table(_csv(run, "failure_counts"), labels={"n": "values"})
    )
    parts.append(_dedup_section(run))
    parts.append(_exclusions_section(run, excluded, None if params is None else params.deal.type))
    parts.append(_quality_section(run, gates, flags))
    parts.append(_cross_section(run))
    status = (
        "ok"
        if recon
        and recon.get("input")
        == recon.get("transferred", 0) + recon.get("merged", 0) + recon.get("excluded", 0)
        else "bad"
    )
    parts.append(
        f"<h2>9. Reconciliation</h2><p class='{status}'>{html.escape(str(facts['reconciled']))}</p>"
    )
    parts.append(_manifest_section(run))
    parts.append(_checklist_section(facts))
    parts.append(
        "<h2>12. Signatures</h2><table class='sign'><tr><th></th><th>Seller</th><th>Buyer</th></tr>"
        "<tr><td>Name / role</td><td></td><td></td></tr>"
        "<tr><td>Signature, date</td><td></td><td></td></tr>"
        "</table>"
    )
    doc = (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Handover report {html.escape(run.run_id)}</title><style>{_CSS}</style></head>"
        "<body>" + "\n".join(parts) + "</body></html>"
    )
    return atomic_write_text(run.file("report"), doc)
