"""Step ``clean``: standardize and validate each source with its own date order and country.

Example
-------
>>> step_clean(ctx)   # doctest: +SKIP
{'rows': 2643, 'failures': 812, 'records_with_failures': 640}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ..clean import failure_counts, standardize
from ..errors import MigrationKitError
from ..intake.spec import SourceSpec
from ..parallel import map_balanced
from .context import RunContext, StepResult, releases_memory
from .progress import Progress, progress_wanted

__all__ = ["clean", "clean_args", "clean_source", "source_parts", "step_clean"]

#: The columns ``standardize`` copies from its input, first in ``std``: a worker process does
#: not send them back (half of ``std``'s bytes); they are taken from the input here.
_KEYS = ("source", "record_id", "row_number")


def clean_source(
    part: pd.DataFrame,
    date_order: str,
    default_region: str,
    reference_date: dt.date,
    *,
    copied: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standardize one source's raw rows: ``(std, failures)`` (see
    :func:`migration_kit.clean.standardize`). With ``copied=False`` ``std`` lacks the columns
    copied from ``part`` (``source, record_id, row_number`` and the ``raw__`` cells), which
    :func:`_with_copied` puts back: a worker process returns only what it made.

    Example
    -------
    >>> raw = pd.DataFrame({"source": ["s"], "record_id": ["1"], "row_number": [1],
    ...                     "raw__gender": ["男"]})
    >>> std, failures = clean_source(raw, "YMD", "CN", dt.date(2026, 1, 1))
    >>> std["gender"].tolist(), len(failures)
    (['M'], 0)
    """
    part = part.dropna(axis=1, how="all") if len(part) else part
    std, failures = standardize(
        part, date_order=date_order, default_region=default_region, reference_date=reference_date
    )
    if not copied:
        std = std.drop(columns=_copied_columns(part, std))
    return std, failures


def _copied_columns(part: pd.DataFrame, std: pd.DataFrame) -> list[str]:
    """The leading columns of ``std`` that are ``part``'s own (keys, then ``raw__`` cells)."""
    head = [str(c) for c in std.columns[: len(_KEYS)]]
    raw_cells = [c for c in std.columns[len(_KEYS) :] if str(c).startswith("raw__")]
    return head + [str(c) for c in raw_cells if c in part.columns]


def _with_copied(part: pd.DataFrame, made: pd.DataFrame) -> pd.DataFrame:
    """``std`` of ``part`` from what a worker made: the copied columns in front again."""
    part = part.dropna(axis=1, how="all") if len(part) else part
    copied = [*_KEYS, *[c for c in part.columns if str(c).startswith("raw__")]]
    head = part[copied].reset_index(drop=True).copy()
    return pd.concat([head, made.reset_index(drop=True)], axis=1)


def _clean_remote(
    part: pd.DataFrame, date_order: str, default_region: str, reference_date: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`clean_source` in a worker: without the copied columns (see :func:`_with_copied`)."""
    return clean_source(part, date_order, default_region, reference_date, copied=False)


@releases_memory
def step_clean(ctx: RunContext) -> StepResult:
    """Standardize and validate each source with its own date order and default country; the
    sources are shared between this process and a worker process when large
    (:func:`~migration_kit.parallel.map_balanced`)."""
    raw = ctx.run.read_table("raw")
    progress = Progress("clean", enabled=progress_wanted(ctx.progress))
    specs = list(ctx.params.sources)
    parts = source_parts(raw, specs)
    jobs = [(part, *clean_args(ctx, spec)) for spec, part in zip(specs, parts, strict=True)]
    sizes = [len(part) for part in parts]
    results = map_balanced(
        _clean_remote,
        jobs,
        sizes=sizes,
        on_done=lambda i, _res: progress.done(specs[i].name, sizes[i]),
    )
    del jobs
    return clean(ctx, raw, parts, results, progress)


def source_parts(raw: pd.DataFrame, specs: Sequence[SourceSpec]) -> list[pd.DataFrame]:
    """Each source's rows of the raw table, numbered from 0: what a source's cleaning reads."""
    return [raw[raw["source"] == spec.name].reset_index(drop=True) for spec in specs]


def clean_args(ctx: RunContext, spec: SourceSpec) -> tuple[str, str, dt.date]:
    """The source's date order and default country, and the run's reference date."""
    return spec.date_order, spec.default_country or "CN", ctx.reference_date


def clean(
    ctx: RunContext,
    raw: pd.DataFrame,
    parts: list[pd.DataFrame],
    results: list[tuple[pd.DataFrame, pd.DataFrame]],
    progress: Progress,
) -> StepResult:
    """The clean step's tables from each source's part (:func:`source_parts`) and what
    :func:`_clean_remote` made of it: ``std`` and the failures written and audited. ``parts``
    and ``results`` are emptied once used (memory: the caller's lists would keep them)."""
    stds = [_with_copied(part, std) for part, (std, _) in zip(parts, results, strict=True)]
    fails = [failures for _, failures in results]
    parts.clear()
    results.clear()
    std = pd.concat(stds, ignore_index=True)
    failures = pd.concat(fails, ignore_index=True)
    del stds, fails
    if len(std) != len(raw):
        raise MigrationKitError(f"cleaning returned {len(std)} rows for {len(raw)} input rows")
    std_path = ctx.run.write_table("std", std)
    fail_path = ctx.run.write_table("failures", failures)
    fc = ctx.run.write_table("failure_counts", failure_counts(failures))
    with_failures = (
        failures[["source", "record_id"]].drop_duplicates().shape[0] if len(failures) else 0
    )
    counts = {
        "rows": len(std),
        "failures": len(failures),
        "records_with_failures": int(with_failures),
    }
    ctx.audit(
        "clean",
        {"raw": ctx.run.file("raw")},
        {"std": std_path, "failures": fail_path, "failure_counts": fc},
        counts,
    )
    progress.finish(len(std))
    return dict(counts)
