"""A run's context: the validated params bound to its run folder, the audit log every step
appends to, the key material, and how a step hands its memory back.

Example
-------
>>> ctx = open_run("params/rehearsal.yaml", run_id="demo")   # doctest: +SKIP
>>> ctx.run.file("std")                                       # doctest: +SKIP
PosixPath('.../runs/rehearsal/demo/work/std.parquet')
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from ..parallel import release_heap
from ..params import Params, load_params
from ..runfolder import RunFolder, file_sha256, new_run_id

if TYPE_CHECKING:  # pragma: no cover
    from ..handover.keys import KeyMaterial
    from ..scoping.ledger import CrossborderLedger

__all__ = [
    "WORKBOOK_RUN_ID",
    "RunContext",
    "Step",
    "StepResult",
    "crossborder_ledger",
    "key_material",
    "open_run",
    "releases_memory",
]

#: What a step returns: counts and a few figures, for the notebook and the audit log.
StepResult = dict[str, int | float | str]
#: A step of the recipe.
Step = Callable[["RunContext"], StepResult]

P = ParamSpec("P")
#: The run id of the workbook's own rehearsal run, whose outputs are committed and checked by nbval.
WORKBOOK_RUN_ID = "notebook"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class RunContext:
    """A params file bound to its run folder, with the audit log every step appends to."""

    params: Params
    run: RunFolder
    now: dt.datetime = field(default_factory=_now)
    progress: bool = False
    #: Where review decisions are read and saved (default: the client's file, see open_run).
    decisions_file: Path | None = None

    @property
    def decisions(self) -> Path:
        """The review decisions file this run applies and the review app saves into."""
        if self.decisions_file is not None:
            return self.decisions_file
        from ..linkage.review_store import client_decisions_file

        golden = self.params.golden
        return client_decisions_file(self.params.base_dir, self.params.client, golden.decisions)

    @property
    def reference_date(self) -> dt.date:
        """The transfer date (ages, retention and deadlines count from it), else today."""
        date = self.params.policy.transfer_date
        return date if isinstance(date, dt.date) else self.now.date()

    def audit(
        self,
        step: str,
        inputs: Mapping[str, Path],
        outputs: Mapping[str, Path],
        counts: Mapping[str, int],
    ) -> None:
        """Append the step to the audit log: input/output hashes and integer counts (AuditLog
        checks them)."""
        from ..handover.audit import AuditLog

        def digest(path: Path) -> str:
            # a run-folder file is written atomically (a new version, a new inode): its digest
            # is reused by the next steps; a client's export, which someone may edit in place,
            # is hashed afresh every time
            inside = Path(path).resolve().is_relative_to(self.run.root.resolve())
            return file_sha256(path, remember=inside)

        AuditLog(self.run.file("audit_log")).append(
            step,
            {k: digest(p) for k, p in inputs.items()},
            {k: digest(p) for k, p in outputs.items()},
            dict(counts),
            self.params.sha256,
        )


def open_run(
    params_file: str | Path,
    *,
    run_id: str | None = None,
    runs_dir: str | Path = "runs",
    progress: bool = False,
    decisions_file: str | Path | None = None,
) -> RunContext:
    """Load and validate the params file and create (or reopen) its run folder
    ``runs/<client>/<run_id>/``. A run id is bound to the params it was started with: reopening
    it with other params is refused (its outputs would mix two configurations).

    Review decisions (``decisions_file``, default) are the client's: ``golden.decisions``, else
    ``reviews/<client>.csv`` beside the params file, so every run applies them whatever its run
    id. One exception keeps ``make test`` independent of them: the workbook's own run
    (:data:`WORKBOOK_RUN_ID`) executed unattended (papermill, nbval) reads only its run folder's
    ``reports/review_decisions.csv``; the same notebooks in JupyterLab use the client's file."""
    params = load_params(params_file)
    run = RunFolder.create(Path(runs_dir), params.client, run_id or new_run_id())
    log = run.file("audit_log")
    if log.exists():
        from ..handover.audit import verify_audit

        entries = verify_audit(log)
        started = entries[0]["params_hash"] if entries else params.sha256
        if started != params.sha256:
            from ..errors import MigrationKitError

            raise MigrationKitError(
                f"{run.root}: this run was started with other params (sha256 {started[:12]}..., "
                f"now {params.sha256[:12]}...); start a new run (another --run-id) after changing "
                "the params"
            )
    if decisions_file is None and run.run_id == WORKBOOK_RUN_ID:
        from ..linkage.review_widget import live_frontend

        if not live_frontend():
            decisions_file = run.file("review_decisions")
    return RunContext(
        params=params,
        run=run,
        progress=progress,
        decisions_file=None if decisions_file is None else Path(decisions_file),
    )


def key_material(ctx: RunContext) -> KeyMaterial:
    """Load the params' keys, or, when the params say ``keys: {rehearsal: true}``, make throw-away
    keys under the run's ``secrets/keys`` (never committed, never exported). Without a ``keys:``
    section the run stops before any work: a real client never gets throw-away keys."""
    from ..handover.keys import NO_KEYS_SECTION, generate_keys, load_key_material, rehearsal_keys

    spec = ctx.params.keys
    if spec is None and not ctx.params.rehearsal_keys:
        from ..errors import KeyMaterialError

        raise KeyMaterialError(NO_KEYS_SECTION)
    if spec is None:
        folder = ctx.run.path("secrets", "keys")
        files = [folder / f"{who}.{ext}" for who in ("seller", "buyer") for ext in ("key", "pem")]
        if not all(f.exists() for f in files):  # none yet, or an interrupted generation: afresh
            shutil.rmtree(folder, ignore_errors=True)
            generate_keys(folder, names=("seller", "buyer"), bits=2048)
        spec = rehearsal_keys(folder)
    return load_key_material(spec)


def crossborder_ledger(ctx: RunContext) -> CrossborderLedger:
    """The seller's cross-border ledger: in its workspace (``runs/<client>/``), beside the run
    folders, so every run of the seller counts the same calendar year."""
    from ..scoping.ledger import LEDGER_FILE, CrossborderLedger

    return CrossborderLedger(ctx.run.root.parent / LEDGER_FILE)


def releases_memory(
    step: Callable[Concatenate[RunContext, P], StepResult],
) -> Callable[Concatenate[RunContext, P], StepResult]:
    """Decorate a step: when it returns, collect garbage and hand freed heap back to the OS.

    The workbook runs every step in one kernel; without this, glibc keeps each step's freed
    DataFrames and the kernel's footprint is the sum of fragments (13 GB at 1M customers).
    """

    @functools.wraps(step)
    def run(ctx: RunContext, *args: P.args, **kwargs: P.kwargs) -> StepResult:
        try:
            return step(ctx, *args, **kwargs)
        finally:
            release_heap()

    return run
