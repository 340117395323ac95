"""Stage 5: data quality scores before and after linkage, and gates that stop a bad handover.

Example
-------
>>> import pandas as pd
>>> from migration_kit.quality import QualitySpec, score
>>> s = score(pd.DataFrame({"entity_id": ["E1"], "phone": ["+8613800000001"]}),
...           QualitySpec.default(), stage="after", reference_date=None)
>>> s.metrics()["uniqueness.phone"]
100.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .checks import DIMENSIONS, REGISTRY, CheckContext, CheckResult, register_check
from .gates import GateReport, check_gates, enforce_gates
from .per_record import per_record
from .score import QualityScores, compare, score
from .spec import CheckSpec, GateSpec, OverrideSpec, QualitySpec

if TYPE_CHECKING:  # for type checkers only: at run time __getattr__ loads them on first use
    from .charts import plot_dimensions, plot_failures_by_source

__all__ = [
    "DIMENSIONS",
    "REGISTRY",
    "CheckContext",
    "CheckResult",
    "CheckSpec",
    "GateReport",
    "GateSpec",
    "OverrideSpec",
    "QualityScores",
    "QualitySpec",
    "check_gates",
    "compare",
    "enforce_gates",
    "per_record",
    "plot_dimensions",
    "plot_failures_by_source",
    "register_check",
    "score",
]


def __getattr__(name: str) -> object:  # charts import matplotlib: load them only when asked
    if name in ("plot_dimensions", "plot_failures_by_source"):
        from . import charts

        return getattr(charts, name)
    raise AttributeError(name)
