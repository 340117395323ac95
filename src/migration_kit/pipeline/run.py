"""The whole recipe: :data:`STEPS` in order, :func:`run_all`, and ``migration-kit dedupe``.

Example
-------
>>> [step_name(s) for s in STEPS]
['backup', 'intake', 'clean', 'link', 'scope', 'quality', 'handover', 'report']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..runfolder import atomic_path
from ..schema import ENTITY_COLUMNS
from .backup import step_backup
from .clean import step_clean
from .context import RunContext, Step, StepResult, open_run
from .handover import step_handover
from .intake import step_intake
from .link import resolve_linkage, step_link
from .prepare import step_prepare
from .quality import step_quality
from .report import step_report
from .scope import step_scope

__all__ = ["DEDUPE_STEPS", "STEPS", "dedupe", "run_all", "step_name"]

#: Every step of a run, in order; each reads what the earlier ones left in the run folder.
STEPS: tuple[Step, ...] = (
    step_backup,
    step_intake,
    step_clean,
    step_link,
    step_scope,
    step_quality,
    step_handover,
    step_report,
)


#: What ``migration-kit dedupe`` runs: intake and cleaning in one pass, then linkage.
DEDUPE_STEPS: tuple[Step, ...] = (step_prepare, step_link)


def step_name(step: Step) -> str:
    """``step_link`` -> ``link`` (the name in the audit log and in ``steps.json``)."""
    return step.__name__.removeprefix("step_")


def run_all(ctx: RunContext, echo: Callable[[str], None] = print) -> dict[str, StepResult]:
    """Run every step in order in this process; return each step's counts."""
    results: dict[str, StepResult] = {}
    for step in STEPS:
        name = step_name(step)
        echo(f"step {name} ...")
        results[name] = step(ctx)
        echo(f"step {name}: {results[name]}")
    return results


def dedupe(
    params_file: str | Path,
    out: str | Path,
    *,
    runs_dir: str | Path = "runs",
    run_id: str | None = None,
    plan_only: bool = False,
    engine: str | None = None,
) -> StepResult:
    """``migration-kit dedupe``: intake, cleaning and linkage of every input record; writes
    ``source,record_id,entity_id`` for every input row to ``out`` (no scoping exclusions).

    With ``plan_only`` the linkage is planned (or the frozen section read) and nothing linked:
    the result's ``plan`` is ``reports/linkage_plan.yaml``'s text. ``engine`` (``local`` |
    ``spark``) overrides the params' ``linkage.engine``."""
    ctx = open_run(params_file, run_id=run_id, runs_dir=runs_dir, progress=True)
    if engine is not None:
        section = replace(ctx.params.linkage, engine=engine)
        ctx = replace(ctx, params=replace(ctx.params, linkage=section))
    *before, linking = DEDUPE_STEPS  # intake and cleaning in one pass, then linkage
    for step in before:
        step(ctx)
    if plan_only:
        resolve_linkage(ctx, ctx.run.read_table("std"))
        text = ctx.run.file("linkage_plan").read_text(encoding="utf-8")
        return {"plan": text, "run_dir": str(ctx.run.root)}
    counts = linking(ctx)
    entities = ctx.run.read_table("entities")
    with atomic_path(Path(out)) as tmp:
        entities[list(ENTITY_COLUMNS)].to_csv(tmp, index=False, encoding="utf-8")
    return {**counts, "run_dir": str(ctx.run.root)}
