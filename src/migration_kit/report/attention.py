"""What a reader must not miss: big quality drops and gates that failed, were overridden or passed
only just.

A quality figure that falls by :data:`DROP_POINTS` points or more between before (the sources) and
after (the golden records) is flagged, and so is a passed gate within :data:`NEAR_GATE_POINTS`
points of its limit. The report highlights those rows in their tables and lists them at the top.

Example
-------
>>> compare = pd.DataFrame({"metric": ["completeness.city", "validity.phone"],
...                         "level": ["dimension.field"] * 2,
...                         "before": [97.3, 98.0], "after": [48.6, 99.0]})
>>> quality_drops(compare).tolist()
[True, False]
>>> drop_notes(compare)
['<code>completeness.city</code> fell by 48.7 points (97.3 before, 48.6 after)']
"""

from __future__ import annotations

import html

import pandas as pd

from ..quality.spec import FIDELITY_GATE
from .format import number

__all__ = [
    "DROP_POINTS",
    "NEAR_GATE_POINTS",
    "drop_notes",
    "gate_flags",
    "gate_notes",
    "quality_drops",
]

#: A fall of this many points (0-100 scale) or more from before to after is flagged.
DROP_POINTS = 5.0
#: A passed gate whose score is less than this many points above its limit is flagged.
NEAR_GATE_POINTS = 2.0

#: Levels of ``quality_compare`` listed at the top when they drop (check rows repeat the
#: per-field rows in other words: they are highlighted in the table only).
_LISTED_LEVELS = ("overall", "dimension", "dimension.field", "source")


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace("", None), errors="coerce")


def quality_drops(compare: pd.DataFrame, points: float = DROP_POINTS) -> pd.Series:
    """Boolean per row of ``quality_compare``: the score fell by ``points`` or more.

    Example
    -------
    >>> quality_drops(pd.DataFrame({"before": [90, ""], "after": [84.9, 50]})).tolist()
    [True, False]
    """
    fall = _num(compare["before"]) - _num(compare["after"])
    return (fall >= points).fillna(False).astype(bool)


def drop_notes(compare: pd.DataFrame, points: float = DROP_POINTS) -> list[str]:
    """One HTML sentence per flagged drop (overall, dimension, per field and per source), worst
    first.

    Example
    -------
    >>> drop_notes(pd.DataFrame({"metric": ["overall"], "level": ["overall"],
    ...                          "before": [90.0], "after": [89.0]}))
    []
    """
    flagged = compare[quality_drops(compare, points).to_numpy()]
    if "level" in flagged.columns:
        flagged = flagged[flagged["level"].isin(_LISTED_LEVELS)]
    before, after = _num(flagged["before"]), _num(flagged["after"])
    order = (after - before).sort_values(kind="stable").index
    return [
        f"<code>{html.escape(str(flagged.at[i, 'metric']))}</code> fell by "
        f"{number(before[i] - after[i], 1)} points ({number(before[i], 1)} before, "
        f"{number(after[i], 1)} after)"
        for i in order
    ]


def gate_flags(gates: pd.DataFrame, points: float = NEAR_GATE_POINTS) -> list[str]:
    """Per gate row: ``"fail"``, ``"overridden"``, ``"near"`` (passed by less than ``points``) or
    ``""``. The fidelity gate counts lost values (0 allowed): it is never "near".

    Example
    -------
    >>> g = pd.DataFrame({"gate": ["a", "b", "c", FIDELITY_GATE], "score": [90.5, 99.0, 70, 0.0],
    ...                   "threshold": [90, 95, 80, 0.0],
    ...                   "status": ["pass", "pass", "overridden", "pass"]})
    >>> gate_flags(g)
    ['near', '', 'overridden', '']
    """
    out = []
    margin = _num(gates["score"]) - _num(gates["threshold"])
    for gate, status, m in zip(gates["gate"], gates["status"], margin, strict=True):
        if status in ("fail", "overridden"):
            out.append(str(status))
        elif gate != FIDELITY_GATE and pd.notna(m) and 0 <= m < points:
            out.append("near")
        else:
            out.append("")
    return out


def gate_notes(gates: pd.DataFrame, points: float = NEAR_GATE_POINTS) -> list[str]:
    """One HTML sentence per failed, overridden or nearly failed gate.

    Example
    -------
    >>> gate_notes(pd.DataFrame({"gate": ["overall.after"], "score": [90.8], "threshold": [90],
    ...                          "status": ["pass"]}))
    ['gate <code>overall.after</code> passed by only 0.8 points (90.8, limit 90.0)']
    """
    notes = []
    for flag, (_, r) in zip(gate_flags(gates, points), gates.iterrows(), strict=True):
        gate = f"gate <code>{html.escape(str(r['gate']))}</code>"
        score, limit = number(r["score"], 1), number(r["threshold"], 1)
        if flag == "near":
            margin = number(float(r["score"]) - float(r["threshold"]), 1)
            notes.append(f"{gate} passed by only {margin} points ({score}, limit {limit})")
        elif flag == "fail":
            notes.append(f"{gate} failed: {score} against a limit of {limit}")
        elif flag == "overridden":
            who = html.escape(str(r.get("approved_by", "") or "nobody named"))
            why = html.escape(str(r.get("override_reason", "") or "no reason given"))
            notes.append(
                f"{gate} failed ({score}, limit {limit}) and was overridden by {who}: {why}"
            )
    return notes
