"""Step ``intake``: read, map and classify every source; read the suppression lists.

Example
-------
>>> step_intake(ctx)   # doctest: +SKIP
{'rows': 2643, 'sources': 4, 'suppression_requests': 60, 'flagged_columns': 1}
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd

from ..intake import ReadSources, SourceRead, read_source, read_suppression, run_intake
from ..intake.spec import SourceSpec
from ..parallel import map_balanced
from ..schema import SUPPRESSION_RAW_COLUMNS
from .context import RunContext, StepResult, releases_memory
from .progress import Progress, progress_wanted

__all__ = ["intake", "read_source_lean", "source_bytes", "step_intake"]

#: Below this many bytes of exports in all, the sources are read in this process.
POOL_MIN_BYTES = 20_000_000


def read_source_lean(spec: SourceSpec, sensitive_fields: tuple[str, ...]) -> SourceRead:
    """:func:`~migration_kit.intake.read_source` for a worker process: of the unmapped columns
    only those that travel (``transfer_unmapped``) come back, unless one is missing (then all,
    for intake's error message).

    Example
    -------
    >>> read_source_lean(spec, ("id_number",))[0].columns[:2].tolist()   # doctest: +SKIP
    ['source', 'record_id']
    """
    raw, unmapped, info, classes = read_source(spec, sensitive_fields)
    if all(c in unmapped.columns for c in spec.transfer_unmapped):
        unmapped = unmapped[list(spec.transfer_unmapped)]
    return raw, unmapped, info, classes


def _read_sources(
    specs: Sequence[SourceSpec], sensitive: tuple[str, ...], progress: Progress
) -> list[SourceRead]:
    """Every source read, shared between this process and a worker when the exports are large."""
    return map_balanced(
        read_source_lean,
        [(spec, sensitive) for spec in specs],
        sizes=source_bytes(specs),
        min_total=POOL_MIN_BYTES,
        on_done=lambda i, res: progress.done(specs[i].name, len(res[0])),
    )


def source_bytes(specs: Sequence[SourceSpec]) -> list[int]:
    """Each source file's size (0 when missing: its read fails with a clear error)."""
    return [spec.path.stat().st_size if spec.path.is_file() else 0 for spec in specs]


@releases_memory
def step_intake(ctx: RunContext) -> StepResult:
    """Read, map and classify every source; read the suppression lists."""
    progress = Progress("intake", enabled=progress_wanted(ctx.progress))
    return intake(ctx, functools.partial(_read_sources, progress=progress), progress)[0]


def intake(
    ctx: RunContext, read_sources: ReadSources, progress: Progress
) -> tuple[StepResult, pd.DataFrame]:
    """The intake step's work, ``read_sources`` reading the sources (see
    :func:`~migration_kit.intake.run_intake`): its tables written and audited; returns its
    counts and the raw table."""
    result = run_intake(ctx.params, read_sources)
    raw_path = ctx.run.write_table("raw", result.raw)
    if result.extras is not None:
        ctx.run.write_table("extras", result.extras)
    supp = [read_suppression(s) for s in ctx.params.suppression]
    supp_df = (
        pd.concat(supp, ignore_index=True)
        if supp
        else pd.DataFrame(columns=SUPPRESSION_RAW_COLUMNS)
    )
    ctx.run.write_table("suppression_raw", supp_df)
    inv = ctx.run.write_table("inventory", result.inventory)
    cls = ctx.run.write_table("classification", result.classification)
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
    progress.finish(len(result.raw))
    return dict(counts), result.raw
