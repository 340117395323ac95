"""Quality gates: stop a bad handover unless an approved override is on record.

:func:`check_gates` evaluates each gate of the spec against the scores of the stages it applies to
(a gate suffixed ``.before``/``.after`` applies to that stage; an unsuffixed gate to every stage
passed in). :func:`enforce_gates` raises :class:`~migration_kit.errors.QualityGateError` for
failing gates without an override, and logs the overridden ones (gate, score, threshold, reason,
approver). A gate whose score is not available (no applicable rows, stage not supplied, unknown
source) fails.

Example
-------
>>> import pandas as pd
>>> from migration_kit.quality.spec import QualitySpec
>>> from migration_kit.quality.score import score
>>> spec = QualitySpec.from_dict({"gates": [{"metric": "completeness.phone", "min": 90}]})
>>> s = score(pd.DataFrame({"entity_id": ["E1"], "phone": ["+8613800000001"]}), spec, stage="after",
...           reference_date=None)
>>> enforce_gates(check_gates(s, spec)).passed
True
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import pandas as pd

from ..errors import QualityGateError
from ..schema import GATE_COLUMNS
from .score import QualityScores
from .spec import STAGES, QualitySpec

__all__ = ["LOGGER", "GateReport", "check_gates", "enforce_gates"]

LOGGER = logging.getLogger("migration_kit.quality")

_COLUMNS = list(GATE_COLUMNS)


@dataclass(frozen=True)
class GateReport:
    """One row per (gate, stage) evaluated: ``gate, stage, metric, score, threshold, status``
    (pass | fail | overridden), ``override_reason, approved_by, message``.
    """

    rows: pd.DataFrame

    @property
    def failed(self) -> pd.DataFrame:
        return self.rows[self.rows["status"] == "fail"]

    @property
    def overridden(self) -> pd.DataFrame:
        return self.rows[self.rows["status"] == "overridden"]

    @property
    def passed(self) -> bool:
        """True when no gate failed without an override."""
        return self.failed.empty


def _fmt(v: float | None) -> str:
    return "n/a" if v is None or math.isnan(v) else f"{v:.2f}"


def check_gates(scores: QualityScores | Sequence[QualityScores], spec: QualitySpec) -> GateReport:
    """Evaluate the gates of ``spec`` on one or more stages' scores (never raises on a failed gate).

    Example
    -------
    >>> import pandas as pd
    >>> from migration_kit.quality.score import score
    >>> spec = QualitySpec.from_dict({"gates": [{"metric": "overall", "min": 99}]})
    >>> s = score(pd.DataFrame({"entity_id": ["E1"], "phone": [None]}), spec, stage="after",
    ...           reference_date=None)
    >>> check_gates(s, spec).rows["status"].tolist()
    ['fail']
    """
    items = [scores] if isinstance(scores, QualityScores) else list(scores)
    by_stage = {s.stage: s for s in items}
    rows = []
    for gate in spec.gates:
        stages = [gate.stage] if gate.stage else [s for s in STAGES if s in by_stage] or ["after"]
        for stage in stages:
            sc = by_stage.get(stage)
            value = float("nan")
            if sc is None:
                why = f"no {stage!r} scores were passed to check_gates; pass them"
            else:
                metrics = sc.metrics()
                value = metrics.get(gate.base_metric, float("nan"))
                if gate.base_metric not in metrics:
                    known = sorted(k for k in metrics if k.startswith("source."))
                    why = (
                        f"metric {gate.base_metric!r} not in the scores "
                        f"(known sources: {', '.join(known)})"
                    )
                else:
                    why = "no applicable rows" if math.isnan(value) else ""
            ok = not math.isnan(value) and value >= gate.min
            ov = spec.override_for(gate.metric)
            status = "pass" if ok else ("overridden" if ov else "fail")
            msg = (
                ""
                if ok
                else (
                    f"gate {gate.metric}: score {_fmt(value)} < threshold {gate.min:.2f}; "
                    + (f"{why} ({stage} scores); " if why else "")
                    + f"fix the failing checks at the source ({stage} scores: see by_check and "
                    f"per_record top_reasons) or add an override under quality.overrides with "
                    f"gate: {gate.metric!r}, reason and approved_by"
                )
            )
            rows.append(
                {
                    "gate": gate.metric,
                    "stage": stage,
                    "metric": gate.base_metric,
                    "score": value,
                    "threshold": gate.min,
                    "status": status,
                    "override_reason": ov.reason if (ov and not ok) else "",
                    "approved_by": ov.approved_by if (ov and not ok) else "",
                    "message": msg,
                }
            )
    return GateReport(pd.DataFrame(rows, columns=_COLUMNS))


def enforce_gates(report: GateReport, logger: logging.Logger | None = None) -> GateReport:
    """Raise QualityGateError listing every failed gate; log each overridden gate.
    Returns ``report``.

    Example
    -------
    >>> import pandas as pd
    >>> rep = GateReport(pd.DataFrame([{"gate": "overall", "stage": "after", "metric": "overall",
    ...     "score": 70.0, "threshold": 80.0, "status": "fail", "override_reason": "",
    ...     "approved_by": "",
    ...     "message": "gate overall: score 70.00 < threshold 80.00; fix ..."}]))
    >>> enforce_gates(rep)
    Traceback (most recent call last):
    ...
    migration_kit.errors.QualityGateError: gate overall: score 70.00 < threshold 80.00; fix ...
    """
    log = logger or LOGGER
    for r in report.overridden.itertuples(index=False):
        log.warning(
            "quality gate %s overridden (stage %s): score %s < threshold %.2f; reason: %s; "
            "approved by: %s",
            r.gate,
            r.stage,
            # itertuples() fields are typed as any scalar; the score column holds floats (NaN: n/a)
            _fmt(cast("float | None", r.score)),
            r.threshold,
            r.override_reason,
            r.approved_by,
        )
    if not report.passed:
        raise QualityGateError("\n".join(report.failed["message"]))
    return report
