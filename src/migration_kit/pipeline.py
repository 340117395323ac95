"""The migration as a recipe: one function per step, each reading what the earlier steps left in
the run folder and writing its own outputs plus one audit entry.

Steps (the workbook's notebooks call these, in this order)::

    backup   -> encrypted copy of the raw exports, before anything else touches them
    intake   -> work/raw.parquet, reports/inventory.csv, reports/classification.csv
    clean    -> work/std.parquet, work/failures.parquet, reports/failure_counts.csv
    link     -> work/entities.parquet, golden, lineage, pairs; reports/review_queue.csv, charts
    scope    -> work/record_dispositions.parquet, roster; destruction_log.csv, reports/*.md
    quality  -> reports/quality_*.csv, charts; gates enforced
    handover -> handover/ (encrypted parts, manifest.json, manifest.json.p7s, audit_log.jsonl)
    report   -> report.html

The first four live here, the rest in :mod:`migration_kit.pipeline_late`.

Example
-------
>>> ctx = open_run("params/rehearsal.yaml", run_id="demo")   # doctest: +SKIP
>>> for step in STEPS: step(ctx)                              # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import gc
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import MigrationKitError
from .intake import read_suppression, run_intake
from .params import Params, load_params
from .runfolder import RunFolder, atomic_path, file_sha256, new_run_id

__all__ = [
    "STEPS",
    "RunContext",
    "dedupe",
    "key_material",
    "open_run",
    "rehearsal",
    "run_all",
    "step_backup",
    "step_clean",
    "step_intake",
    "step_link",
]


@dataclass
class RunContext:
    """A params file bound to its run folder, with the audit log every step appends to."""

    params: Params
    run: RunFolder
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    progress: bool = False

    @property
    def reference_date(self) -> dt.date:
        policy = self.params.policy
        date = getattr(policy, "transfer_date", None)
        return date if isinstance(date, dt.date) else self.now.date()

    def audit(
        self, step: str, inputs: dict[str, Path], outputs: dict[str, Path], counts: dict[str, int]
    ) -> None:
        """Append the step to the audit log: input/output hashes and integer counts (AuditLog checks them)."""
        from .handover.audit import AuditLog

        AuditLog(self.run.path("audit_log.jsonl")).append(
            step,
            {k: file_sha256(p) for k, p in inputs.items()},
            {k: file_sha256(p) for k, p in outputs.items()},
            counts,
            self.params.sha256,
        )


def open_run(
    params_file: str | Path,
    *,
    run_id: str | None = None,
    runs_dir: str | Path = "runs",
    progress: bool = False,
) -> RunContext:
    """Load and validate the params file and create (or reopen) its run folder ``runs/<client>/<run_id>/``."""
    params = load_params(params_file)
    run = RunFolder.create(Path(runs_dir), params.client, run_id or new_run_id())
    return RunContext(params=params, run=run, progress=progress)


# -- keys ----------------------------------------------------------------------------------------
def key_material(ctx: RunContext):
    """Load the params' keys, or for a rehearsal without a ``keys:`` section make throw-away keys
    under the run's ``secrets/keys`` (never committed, never exported)."""
    from .handover.keys import KeysSpec, generate_keys, load_key_material

    spec = ctx.params.keys
    if spec is None:
        folder = ctx.run.path("secrets", "keys")
        files = [folder / f"{who}.{ext}" for who in ("seller", "buyer") for ext in ("key", "pem")]
        if not all(
            f.exists() for f in files
        ):  # none yet, or an interrupted generation: start afresh
            shutil.rmtree(folder, ignore_errors=True)
            generate_keys(folder, names=("seller", "buyer"), bits=2048)
        spec = KeysSpec.from_dict(
            {
                "recipient_certificates": ["buyer.pem"],
                "signer_certificate": "seller.pem",
                "signer_key": "seller.key",
            },
            base_dir=folder,
        )
    return load_key_material(spec)


# -- steps ---------------------------------------------------------------------------------------
def releases_memory(step: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Decorate a step: when it returns, collect garbage and hand freed heap back to the OS.

    The workbook runs every step in one kernel; without this, glibc keeps each step's freed
    DataFrames and the kernel's footprint is the sum of fragments (13 GB at 1M customers).
    """

    @functools.wraps(step)
    def run(ctx: RunContext, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return step(ctx, *args, **kwargs)
        finally:
            gc.collect()
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc only; elsewhere a no-op

    return run


@releases_memory
def step_backup(ctx: RunContext) -> dict[str, Any]:
    """Encrypt every raw input (sources and suppression lists) to the seller's own certificate."""
    from .handover.backup import backup_files

    material = key_material(ctx)  # fails before any work when keys are wrong
    paths = [s.path for s in ctx.params.sources] + [s.path for s in ctx.params.suppression]
    target = ctx.run.path("backup")
    manifest = target / "backup_manifest.json"
    if manifest.exists():  # a resumed run: the backup must be of exactly these inputs
        backed = {
            f["name"]: f["sha256"]
            for f in json.loads(manifest.read_text(encoding="utf-8"))["files"]
        }
        current = {p.name: file_sha256(p) for p in paths}
        if backed != current:
            changed = sorted(
                n for n in set(backed) | set(current) if backed.get(n) != current.get(n)
            )
            raise MigrationKitError(
                f"{target}: the backup in this run folder is of other input files "
                f"({', '.join(changed)} changed since); start a new run (another --run-id)"
            )
    else:
        if target.exists() and not any(target.iterdir()):
            target.rmdir()
        backup_files(paths, target, material, created_at=ctx.now)
    ctx.audit("backup", {p.name: p for p in paths}, {}, {"files": len(paths)})
    return {"files": len(paths), "folder": str(target)}


@releases_memory
def step_intake(ctx: RunContext) -> dict[str, Any]:
    """Read, map and classify every source; read the suppression lists."""
    result = run_intake(ctx.params)
    raw_path = ctx.run.write_parquet("raw", result.raw)
    if result.extras is not None:
        ctx.run.write_parquet("extras", result.extras)
    supp = [read_suppression(s) for s in ctx.params.suppression]
    supp_df = (
        pd.concat(supp, ignore_index=True)
        if supp
        else pd.DataFrame(
            columns=["request_id", "request_type", "raw__phone", "raw__email", "raw__id_number"]
        )
    )
    ctx.run.write_parquet("suppression_raw", supp_df)
    inv = ctx.run.write_report_csv("inventory.csv", result.inventory)
    cls = ctx.run.write_report_csv("classification.csv", result.classification)
    counts = {
        "rows": len(result.raw),
        "sources": len(ctx.params.sources),
        "suppression_requests": len(supp_df),
        "flagged_columns": int((result.classification["flag"] != "").sum()),
    }
    ctx.audit(
        "intake",
        {s.name: s.path for s in ctx.params.sources},
        {"raw": raw_path, "inventory": inv, "classification": cls},
        counts,
    )
    return counts


@releases_memory
def step_clean(ctx: RunContext) -> dict[str, Any]:
    """Standardize and validate each source with its own date order and default country."""
    from .clean import failure_counts, standardize

    raw = ctx.run.read_parquet("raw")
    stds, fails = [], []
    for spec in ctx.params.sources:
        part = raw[raw["source"] == spec.name].reset_index(drop=True)
        part = part.dropna(axis=1, how="all") if len(part) else part
        std, failures = standardize(
            part,
            date_order=spec.date_order,
            default_region=spec.default_country or "CN",
            reference_date=ctx.reference_date,
        )
        stds.append(std)
        fails.append(failures)
    std = pd.concat(stds, ignore_index=True)
    failures = pd.concat(fails, ignore_index=True)
    if len(std) != len(raw):
        raise MigrationKitError(f"cleaning returned {len(std)} rows for {len(raw)} input rows")
    std_path = ctx.run.write_parquet("std", std)
    fail_path = ctx.run.write_parquet("failures", failures)
    counts_df = failure_counts(failures)
    fc = ctx.run.write_report_csv("failure_counts.csv", counts_df)
    counts = {
        "rows": len(std),
        "failures": len(failures),
        "records_with_failures": int(failures[["source", "record_id"]].drop_duplicates().shape[0])
        if len(failures)
        else 0,
    }
    ctx.audit(
        "clean",
        {"raw": ctx.run.work("raw")},
        {"std": std_path, "failures": fail_path, "failure_counts": fc},
        counts,
    )
    return counts


def _read_decisions(ctx: RunContext, std: pd.DataFrame) -> pd.DataFrame | None:
    """The analyst's review decisions: the params' ``golden.decisions`` file, else the run's own."""
    from .linkage.review import read_decisions

    path = getattr(ctx.params.golden, "decisions", None)
    if path is None:
        default = ctx.run.path("reports", "review_decisions.csv")
        path = default if default.exists() else None
    return read_decisions(Path(path), known=std) if path else None


def normalized_suppression(ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The suppression list as read at intake, and normalized for matching (None when empty)."""
    from .scoping.suppression import normalize_suppression

    raw = ctx.run.read_parquet("suppression_raw")
    if not len(raw):
        return raw, None
    return raw, normalize_suppression(
        raw,
        {"phone": "raw__phone", "email": "raw__email", "id_number": "raw__id_number"},
        "request_type",
        id_column="request_id",
    )


@releases_memory
def step_link(ctx: RunContext) -> dict[str, Any]:
    """Deduplicate: index -> compare -> EM -> cluster, then golden records and the review queue."""
    from .linkage import link
    from .linkage.golden import build_golden
    from .linkage.model import plot_match_weights, plot_weight_histogram
    from .linkage.review import apply_decisions, review_queue, write_review_queue

    std = ctx.run.read_parquet("std")
    spec = ctx.params.linkage
    decisions = _read_decisions(ctx, std)
    pair_decisions = None if decisions is None else decisions[decisions["decision"] != "split"]
    result = link(std, spec, decisions=pair_decisions, progress=ctx.progress)
    entities = result.entities if decisions is None else apply_decisions(result.entities, decisions)
    golden = build_golden(std, entities, ctx.params.golden)
    out = {
        "entities": ctx.run.write_parquet("entities", entities),
        "golden": ctx.run.write_parquet("golden", golden.golden),
        "lineage": ctx.run.write_parquet(
            "lineage", golden.lineage
        ),  # categoricals: 18M rows at 1M customers
        "pairs": ctx.run.write_parquet("pairs", result.pairs),
    }
    # review pairs touching a record with a withdrawal / erasure request come first: left unmerged,
    # the duplicate without the request would be transferred
    from .scoping.suppression import match_suppression

    flags = match_suppression(std, normalized_suppression(ctx)[1])
    requested = (flags["withdrawn"] | flags["erasure"]).to_numpy()
    queue = review_queue(
        std,
        result.pairs,
        result.params,
        spec.lower_threshold,
        spec.upper_threshold,
        requested=requested,
    )
    write_review_queue(queue, ctx.run.report("review_queue.csv"))
    ctx.run.write_report_csv("match_parameters.csv", result.params)
    ctx.run.write_report_csv("blocking_report.csv", result.blocking_report)
    with atomic_path(ctx.run.report("match_weights.png"), keep_suffix=True) as tmp:
        plot_match_weights(result.params, str(tmp))
    with atomic_path(ctx.run.report("match_weight_histogram.png"), keep_suffix=True) as tmp:
        plot_weight_histogram(result.pairs, str(tmp))
    counts = {
        "records": len(std),
        "entities": int(entities["entity_id"].nunique()),
        "pairs": len(result.pairs),
        "review_pairs": len(queue),
        "review_pairs_with_request": int((queue["request_on"] != "").sum()),
        "decisions": 0 if decisions is None else len(decisions),
    }
    ctx.run.write_json(
        "linkage_summary.json",
        {
            **counts,
            "timings": result.timings,
            "counts": {k: v for k, v in result.counts.items() if isinstance(v, (int, float, str))},
        },
    )
    ctx.audit("link", {"std": ctx.run.work("std")}, out, counts)
    return counts


def dedupe(
    params_file: str | Path,
    out: str | Path,
    *,
    runs_dir: str | Path = "runs",
    run_id: str | None = None,
) -> dict[str, Any]:
    """``migration-kit dedupe``: intake, cleaning and linkage of every input record; writes
    ``source,record_id,entity_id`` for every input row to ``out`` (no scoping exclusions)."""
    ctx = open_run(params_file, run_id=run_id, runs_dir=runs_dir, progress=True)
    step_intake(ctx)
    step_clean(ctx)
    counts = step_link(ctx)
    entities = ctx.run.read_parquet("entities")
    with atomic_path(Path(out)) as tmp:
        entities[["source", "record_id", "entity_id"]].to_csv(tmp, index=False, encoding="utf-8")
    return {**counts, "run_dir": str(ctx.run.root)}


#: The steps of a full run, in order (scope, quality and handover live in pipeline_late).
STEPS: list[Callable[[RunContext], dict[str, Any]]] = [
    step_backup,
    step_intake,
    step_clean,
    step_link,
]


def run_all(ctx: RunContext, echo: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Run every step in order; return each step's counts."""
    from . import pipeline_late

    results = {}
    for step in [*STEPS, *pipeline_late.STEPS]:
        name = step.__name__.removeprefix("step_")
        echo(f"step {name} ...")
        results[name] = step(ctx)
        echo(f"step {name}: {results[name]}")
    return results


def rehearsal(
    params_file: str | Path = "params/rehearsal.yaml",
    *,
    entities: int = 2000,
    seed: int = 7,
    runs_dir: str | Path = "runs",
    echo: Callable[[str], None] = print,
) -> Path:
    """Generate (or reuse) the rehearsal data, then run the workbook (or, outside a checkout, every
    step in this process); return the report's path."""
    params_file = Path(params_file)
    if entities < 1:
        raise MigrationKitError(
            f"--entities {entities}: expected a positive number of synthetic customers"
        )
    if not params_file.exists():
        from .synthetic import generate

        folder = Path("synthetic_data") / params_file.stem
        echo(f"generating {entities} synthetic entities (seed {seed}) into {folder}")
        generate(entities, seed, folder, params_path=params_file)
    from .workbook import NOTEBOOKS_DIR, run_workbook

    if any(
        NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")
    ):  # a repository checkout: run the workbook itself
        return run_workbook(params_file, runs_dir=runs_dir, echo=echo) / "report.html"
    ctx = open_run(params_file, runs_dir=runs_dir, progress=True)
    run_all(ctx, echo=echo)
    return ctx.run.path("report.html")
