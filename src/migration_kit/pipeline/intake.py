"""Step ``intake``: read, map and classify every source; read the suppression lists.

Example
-------
>>> step_intake(ctx)   # doctest: +SKIP
{'rows': 2643, 'sources': 4, 'suppression_requests': 60, 'flagged_columns': 1}
"""

from __future__ import annotations

import pandas as pd

from ..intake import read_suppression, run_intake
from ..schema import SUPPRESSION_RAW_COLUMNS
from .context import RunContext, StepResult, releases_memory

__all__ = ["step_intake"]


@releases_memory
def step_intake(ctx: RunContext) -> StepResult:
    """Read, map and classify every source; read the suppression lists."""
    result = run_intake(ctx.params)
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
    return dict(counts)
