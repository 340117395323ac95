"""Intake and cleaning in one pass, as ``migration-kit dedupe`` runs them: each source read,
mapped and cleaned by one job, so a source crosses no pipe twice and the raw table is not read
back from disk; the same tables and audit entries as :func:`~.intake.step_intake` then
:func:`~.clean.step_clean` (926k records: 21 s -> 15 s on two cores).

The workbook keeps the two steps apart (notebooks 01 and 02: the analyst looks at intake's
classification before cleaning runs).

Example
-------
>>> step_prepare(ctx)   # doctest: +SKIP
{'intake_rows': 2643, 'intake_sources': 4, ..., 'clean_failures': 812, ...}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ..intake import SourceRead, raw_columns, raw_fields
from ..intake.spec import SourceSpec
from ..parallel import map_balanced
from .clean import clean, clean_args, clean_source, source_parts
from .context import RunContext, StepResult, releases_memory
from .intake import POOL_MIN_BYTES, intake, read_source_lean, source_bytes
from .progress import Progress, progress_wanted

__all__ = ["read_and_clean", "step_prepare"]

#: What a source's cleaning makes (``std`` without the copied columns, and its failures).
Cleaned = tuple[pd.DataFrame, pd.DataFrame]


def read_and_clean(
    spec: SourceSpec,
    sensitive: tuple[str, ...],
    date_order: str,
    default_region: str,
    reference_date: dt.date,
) -> tuple[SourceRead, Cleaned]:
    """One source read (:func:`~.intake.read_source_lean`) and cleaned as the clean step
    cleans its rows of the raw table: the same columns in the same order (keys, the source's
    ``raw__`` fields in canonical order, intake's flags; empty ones left out by the cleaning).

    Example
    -------
    >>> read, (made, failures) = read_and_clean(spec, (), "YMD", "CN", dt.date(2026, 1, 1))
    ...                                                                   # doctest: +SKIP
    """
    read = read_source_lean(spec, sensitive)
    raw = read[0]
    part = raw.reindex(columns=raw_columns(raw_fields(raw.columns))).reset_index(drop=True)
    return read, clean_source(part, date_order, default_region, reference_date, copied=False)


@releases_memory
def step_prepare(ctx: RunContext) -> StepResult:
    """Intake then cleaning, each source read and cleaned by one job (this process and a
    worker share the sources: :func:`~migration_kit.parallel.map_balanced`); the counts of
    both steps, prefixed ``intake_`` and ``clean_``."""
    specs = list(ctx.params.sources)
    progress = Progress("intake", enabled=progress_wanted(ctx.progress))
    cleaned: list[Cleaned] = []

    def read_sources(given: Sequence[SourceSpec], sensitive: tuple[str, ...]) -> list[SourceRead]:
        jobs = [(spec, sensitive, *clean_args(ctx, spec)) for spec in given]
        both = map_balanced(
            read_and_clean,
            jobs,
            sizes=source_bytes(given),
            min_total=POOL_MIN_BYTES,
            on_done=lambda i, res: progress.done(
                f"{given[i].name} read and cleaned", len(res[0][0])
            ),
        )
        cleaned.extend(made for _, made in both)
        return [read for read, _ in both]

    took, raw = intake(ctx, read_sources, progress)
    parts = source_parts(raw, specs)
    made = clean(ctx, raw, parts, cleaned, Progress("clean", enabled=progress_wanted(ctx.progress)))
    return {
        **{f"intake_{k}": v for k, v in took.items()},
        **{f"clean_{k}": v for k, v in made.items()},
    }
