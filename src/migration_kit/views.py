"""What the notebooks show: aggregate or masked tables only, built from the run folder.

Notebooks hold no logic; every table they display comes from here, so the rule "no personal data
in notebook outputs" is kept in one place. Paths are shown relative to the run folder.

Example
-------
>>> views.report_csv(ctx, "inventory")   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .artifacts import ARTIFACTS
from .errors import MigrationKitError
from .params import Params

if TYPE_CHECKING:  # pragma: no cover
    from ipywidgets import Widget

    from .linkage.review_widget import QueueSummary
    from .pipeline import RunContext

__all__ = [
    "failure_sample",
    "flat_json",
    "json_table",
    "linkage_passes",
    "linkage_recall",
    "manifest_table",
    "report_csv",
    "request_summary",
    "review_form",
    "roster_summary",
    "sources_table",
    "truth_summary",
    "verify",
]


def _shown(name: str) -> str:
    """Refuse to display an artifact that is not declared masked or aggregate."""
    privacy = ARTIFACTS[name].privacy
    if privacy not in ("masked", "aggregate"):
        raise MigrationKitError(
            f"{ARTIFACTS[name].path} holds {privacy} data; views show only "
            "masked or aggregate artifacts"
        )
    return name


def sources_table(params: Params) -> pd.DataFrame:
    """One row per source: name, file, format, encoding, date order, mapped fields."""
    return pd.DataFrame(
        [
            {
                "source": s.name,
                "file": s.path.name,
                "format": s.format,
                "encoding": s.encoding or "detect",
                "date_order": s.date_order,
                "id_column": s.id_column,
                "mapped_fields": len(s.columns),
            }
            for s in params.sources
        ]
    )


def truth_summary(params: Params) -> pd.DataFrame:
    """Expected figures of a rehearsal set from its ``truth.csv`` (counts only); empty for real
    clients."""
    folders = {s.path.parent for s in params.sources}
    truth_files = [f / "truth.csv" for f in sorted(folders) if (f / "truth.csv").exists()]
    if not truth_files:
        return pd.DataFrame({"note": ["no truth.csv: not a rehearsal set"]})
    truth = _truth_columns(
        truth_files[0], ("entity_id", "withdrawn", "erasure", "minor", "inactive", "region")
    )
    rows = [
        {"figure": "records", "value": len(truth)},
        {"figure": "entities", "value": truth["entity_id"].nunique()},
    ]
    ents = truth.drop_duplicates("entity_id")
    for flag in ("withdrawn", "erasure", "minor", "inactive"):
        if flag in ents.columns:
            rows.append(
                {
                    "figure": f"entities {flag}",
                    "value": int(ents[flag].str.lower().isin(["true", "1"]).sum()),
                }
            )
    if "region" in ents.columns:
        for region, n in ents["region"].value_counts().sort_index().items():
            rows.append({"figure": f"entities region {region}", "value": int(n)})
    return pd.DataFrame(rows)


def _truth_columns(path: Path, wanted: Sequence[str]) -> pd.DataFrame:
    """The named columns (those the file has) of a truth CSV, as text (Arrow's reader: a
    1M-record file in a fraction of a second)."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        names = next(csv.reader(fh), [])
    keep = [c for c in names if c in wanted]
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            include_columns=keep,
            column_types=dict.fromkeys(keep, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.to_pandas()


def json_table(ctx: RunContext, name: str, key: str, columns: Sequence[str]) -> pd.DataFrame:
    """A list inside a JSON artifact of the run as a table of the named columns."""
    df = pd.DataFrame(ctx.run.read_json(_shown(name)).get(key, []))
    return df[[c for c in columns if c in df.columns]]


def report_csv(
    ctx: RunContext, name: str, columns: Sequence[str] | None = None, head: int | None = None
) -> pd.DataFrame:
    """A report CSV of the run (reports are aggregate or masked by construction)."""
    csv = ctx.run.file(_shown(name)).suffix == ".csv"  # a long CSV (review queue): its head only
    df = ctx.run.read_table(name, nrows=head if csv and head else None)
    df = df.round(3)  # scores and rates: three decimals are plenty, and stable across machines
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    return df.head(head) if head else df


def field_reconciliation(ctx: RunContext) -> pd.DataFrame:
    """Every field from source cell to the buyer's table (the main columns; the CSV has all)."""
    from .quality.fidelity import FIELD_RECONCILIATION_SHOWN

    return report_csv(ctx, "field_reconciliation", FIELD_RECONCILIATION_SHOWN)


def linkage_passes(ctx: RunContext) -> pd.DataFrame:
    """The blocking passes in use, in the order the planner chose them, with their figures
    (empty for a frozen section: its passes are in ``reports/linkage_plan.yaml``)."""
    if not ctx.run.exists("linkage_passes"):
        return pd.DataFrame({"note": ["linkage section frozen in the params file"]})
    df = ctx.run.read_table(_shown("linkage_passes"))
    used = df[df["status"].isin(["strict", "added"])]
    return used[["name", "pairs", "pairs_per_record", "status", "expected_matches"]].reset_index(
        drop=True
    )


def linkage_recall(ctx: RunContext) -> pd.DataFrame:
    """The planner's blocking-recall estimate and its other notes, one row each."""
    recall = ctx.run.read_json(_shown("linkage_summary")).get("blocking_recall", {})
    keys = [k for k in ("text", "link_type", "conflicts") if recall.get(k)]
    return pd.DataFrame({"figure": keys, "value": [recall[k] for k in keys]})


def failure_sample(ctx: RunContext, per_reason: int = 1) -> pd.DataFrame:
    """The first failure(s) of each reason code, with the masked value only."""
    fails = ctx.run.read_table("failures")
    if fails.empty:
        return fails
    fails = fails.sort_values(["reason_code", "source", "record_id"], kind="mergesort")
    return (
        fails.groupby("reason_code", sort=True)
        .head(per_reason)[["source", "field", "check", "value_masked", "reason_code"]]
        .reset_index(drop=True)
    )


def review_form(ctx: RunContext, *, live: bool | None = None) -> Widget | QueueSummary:
    """The review app over the run's masked queue, saving each decision into the client's
    decisions file (``ctx.decisions``); every later run of the client applies them.

    In a live notebook frontend (JupyterLab) it is the app
    (:class:`~migration_kit.linkage.review_widget.ReviewApp`); executed unattended (papermill,
    nbval), with ``live=False`` or without ipywidgets it is a plain, deterministic summary of the
    queue instead ("1,533 pairs to review ..."), so executed notebooks hold no widget.
    """
    import os

    from .linkage.review_widget import ReviewApp, live_frontend, queue_summary

    queue = ctx.run.file("review_queue")
    summary = ctx.run.read_json(_shown("linkage_summary"))
    band = summary.get("review_band") or {}
    stale = int(summary.get("decisions_record_missing", 0)) + int(
        summary.get("decisions_pair_not_scored", 0)
    )
    import importlib.util

    widgets = importlib.util.find_spec("ipywidgets") is not None  # the lab extra installs it
    if widgets and (live if live is not None else live_frontend()):
        lower, upper = band.get("lower"), band.get("upper")
        return ReviewApp(
            queue,
            ctx.decisions,
            run_id=ctx.run.run_id,
            band=None if lower is None or upper is None else (float(lower), float(upper)),
            stale=stale,
        ).widget
    # where the analyst's decisions go in JupyterLab: the client's file (relative: deterministic)
    from .linkage.review_store import client_decisions_file

    golden = ctx.params.golden
    client_file = client_decisions_file(ctx.params.base_dir, ctx.params.client, golden.decisions)
    shown = os.path.relpath(client_file.resolve(), Path.cwd().resolve())
    result: QueueSummary = queue_summary(queue, ctx.decisions, saved_to=shown, stale=stale)
    return result


def flat_json(ctx: RunContext, name: str) -> pd.DataFrame:
    """A report JSON as a two-column table (nested values flattened with dots)."""
    data = ctx.run.read_json(_shown(name))
    return pd.json_normalize(data, sep=".").T.reset_index().set_axis(["figure", "value"], axis=1)


def request_summary(ctx: RunContext) -> pd.DataFrame:
    """Withdrawal / erasure requests by type and status (matched, unmatched, unusable)."""
    req = pd.read_csv(ctx.run.file("suppression_requests"), dtype=str)
    return req.groupby(["request_type", "status"]).size().rename("requests").reset_index()


def roster_summary(ctx: RunContext) -> pd.DataFrame:
    """Notification roster counts by channel and language (no contact values)."""
    roster = ctx.run.read_table("roster", columns=("channel", "language"))
    cols = list(roster.columns)
    return roster.groupby(cols, dropna=False).size().rename("customers").reset_index()


def manifest_table(ctx: RunContext) -> pd.DataFrame:
    """The handover files with sizes, rows and hash prefixes."""
    manifest = ctx.run.read_json("manifest")
    df = pd.DataFrame(manifest.get("files", []))
    # ciphertext hashes and sizes change with every encryption (random content keys, certificate
    # serials): not shown, so reruns compare equal
    keep = [
        c
        for c in ("name", "table", "part", "rows", "plaintext_bytes", "plaintext_sha256")
        if c in df.columns
    ]
    df = df[keep].copy()
    if "plaintext_sha256" in df:
        df["plaintext_sha256"] = df["plaintext_sha256"].astype(str).str[:16] + "…"
    return df


def verify(ctx: RunContext) -> pd.DataFrame:
    """Verify the handover folder (signature, hashes, audit chain); one row per problem, or 'ok'."""
    from .handover.verify import verify_handover

    keys = ctx.params.keys  # the pinned seller certificate: the params', else the rehearsal's
    signer = keys.signer_certificate if keys else ctx.run.path("secrets", "keys", "seller.pem")
    report = verify_handover(ctx.run.path("handover"), signer if signer.exists() else None)
    problems = list(getattr(report, "problems", []))
    if not problems:
        return pd.DataFrame({"check": ["signature, file hashes, audit chain"], "result": ["ok"]})
    return pd.DataFrame({"problem": [str(p) for p in problems]})
