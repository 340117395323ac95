"""Step ``clean``: standardize and validate each source with its own date order and country.

Example
-------
>>> step_clean(ctx)   # doctest: +SKIP
{'rows': 2643, 'failures': 812, 'records_with_failures': 640}
"""

from __future__ import annotations

import pandas as pd

from ..clean import failure_counts, standardize
from ..errors import MigrationKitError
from .context import RunContext, StepResult, releases_memory

__all__ = ["step_clean"]


@releases_memory
def step_clean(ctx: RunContext) -> StepResult:
    """Standardize and validate each source with its own date order and default country."""
    raw = ctx.run.read_table("raw")
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
    return dict(counts)
