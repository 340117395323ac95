"""Step ``report``: the self-contained HTML handover report (aggregate and masked content only).

Example
-------
>>> step_report(ctx)   # doctest: +SKIP
{'report': '.../report.html', 'sections': 12}
"""

from __future__ import annotations

import re

from .context import RunContext, StepResult, releases_memory

__all__ = ["step_report"]


@releases_memory
def step_report(ctx: RunContext) -> StepResult:
    """Write ``report.html`` from the run folder's reports; one audit entry."""
    from ..report import build_report

    path = build_report(ctx.run.root, ctx.params)
    ctx.audit("report", {}, {"report": path}, {"bytes": path.stat().st_size})
    sections = len(re.findall(r"<h2>", path.read_text(encoding="utf-8")))
    return {"report": str(path), "sections": sections}
