"""Score a table with the declared checks and roll the scores up (stage 5 of docs/architecture.md).

Each check scores ``100 * (1 - failing / applicable)`` (NaN when nothing applies; NaN scores are
left out of the roll-ups). Roll-ups per field, source, dimension and overall are weighted means of
the check scores with the check weights, shown in a ``weight`` column of every table.

``before`` scores the standardized records of every source (with the failure table, and the
entities for the entity-uniqueness check); ``after`` scores the golden records to be transferred.

Example
-------
>>> import pandas as pd
>>> from migration_kit.quality.spec import QualitySpec
>>> std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "1"],
...                     "phone": ["+8613800000001", "+8613800000001"]})
>>> s = score(std, QualitySpec.default(), stage="before", reference_date=None)
>>> float(s.by_check.set_index("check").loc["phone.unique", "score"])
50.0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .._spec import check_choice
from .checks import DIMENSIONS, REGISTRY, CheckContext
from .spec import QualitySpec

__all__ = ["Evaluation", "QualityScores", "compare", "evaluate", "evaluate_table", "score"]


@dataclass(frozen=True)
class QualityScores:
    """Scores of one stage: tables ``by_check``, ``by_field``, ``by_source``, ``by_dimension``,
    ``overall`` and ``by_source_check`` (source x check counts, for charts and drill-down).
    """

    stage: str
    by_check: pd.DataFrame
    by_field: pd.DataFrame
    by_source: pd.DataFrame
    by_dimension: pd.DataFrame
    overall: pd.DataFrame
    by_source_check: pd.DataFrame

    @property
    def overall_score(self) -> float:
        return float(self.overall["score"].iloc[0])

    def metrics(self) -> dict[str, float]:
        """Every metric name -> score (see :mod:`migration_kit.quality.spec` for the naming)."""
        out: dict[str, float] = {"overall": self.overall_score}
        out.update(
            zip(
                self.by_dimension["dimension"],
                self.by_dimension["score"].astype(float),
                strict=True,
            )
        )
        bc = self.by_check
        for (dim, fld), g in bc.groupby(["dimension", "field"], sort=True):
            out[f"{dim}.{fld}"] = _wmean(g["score"].to_numpy(float), g["weight"].to_numpy(float))
        out.update(zip(bc["check"], bc["score"].astype(float), strict=True))
        out.update(
            (f"source.{s}", float(v))
            for s, v in zip(self.by_source["source"], self.by_source["score"], strict=True)
        )
        return out


def _wmean(scores: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(scores)
    w = weights[ok].sum()
    return float((scores[ok] * weights[ok]).sum() / w) if w > 0 else float("nan")


def _pct(failing: np.ndarray, applicable: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(applicable > 0, 100.0 * (1.0 - failing / np.maximum(applicable, 1)), np.nan)


def evaluate(
    ctx: CheckContext, spec: QualitySpec
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray | None]]:
    """Run every check of ``spec``: returns (applicable, failing) bool matrices n_rows x n_checks
    and reasons."""
    n, k = ctx.n, len(spec.checks)
    app = np.zeros((n, k), dtype=bool)
    fail = np.zeros((n, k), dtype=bool)
    reasons: list[np.ndarray | None] = []
    for j, c in enumerate(spec.checks):
        res = REGISTRY[c.check].fn(ctx, c.field, dict(c.params))
        app[:, j] = res.applicable
        fail[:, j] = res.failing & res.applicable
        reasons.append(res.reasons)
    return app, fail, reasons


@dataclass(frozen=True)
class Evaluation:
    """Every check of a spec run once over one table: the context, ``applicable`` and
    ``failing`` (rows x checks) and each check's reasons. The stage scores and the per-record
    scores of ``std`` share one (the checks cost seconds at a million records)."""

    ctx: CheckContext
    applicable: np.ndarray
    failing: np.ndarray
    reasons: list[np.ndarray | None]


def evaluate_table(
    table: pd.DataFrame,
    spec: QualitySpec,
    *,
    reference_date: date | None,
    failures: pd.DataFrame | None = None,
    entities: pd.DataFrame | None = None,
) -> Evaluation:
    """:func:`evaluate` on ``table`` (see :func:`score` for the arguments).

    Example
    -------
    >>> g = pd.DataFrame({"entity_id": ["E1", "E2"], "phone": ["+8613800000001", None]})
    >>> ev = evaluate_table(g, QualitySpec.default(), reference_date=None)
    >>> ev.applicable.shape == ev.failing.shape == (2, len(QualitySpec.default().checks))
    True
    """
    ctx = CheckContext.build(
        table,
        failures=failures,
        entities=entities,
        reference_date=reference_date,
        timeliness_years=spec.timeliness_years,
    )
    return Evaluation(ctx, *evaluate(ctx, spec))


def _rollup(group: str, keys: list[Any], counts: pd.DataFrame) -> pd.DataFrame:
    """Weighted mean of check scores within each value of ``group`` (``counts`` has check
    scores)."""
    codes = pd.Index(keys).get_indexer(counts[group])
    sc = counts["score"].to_numpy(float)
    ok = ~np.isnan(sc)
    w = counts["weight"].to_numpy(float) * ok
    k = len(keys)

    def tot(v: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=v, minlength=k)[:k] if len(codes) else np.zeros(k)

    wsum = tot(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        score_ = np.where(
            wsum > 0, tot(np.where(ok, sc, 0.0) * w) / np.where(wsum > 0, wsum, 1.0), np.nan
        )
    return pd.DataFrame(
        {
            group: keys,
            "n_checks": tot(ok.astype(float)).astype(np.int64),
            "weight": wsum,
            "applicable": tot(counts["applicable"].to_numpy(float)).astype(np.int64),
            "failing": tot(counts["failing"].to_numpy(float)).astype(np.int64),
            "score": score_,
        },
        columns=[group, "n_checks", "weight", "applicable", "failing", "score"],
    )


def score(
    table: pd.DataFrame,
    spec: QualitySpec,
    *,
    stage: str,
    reference_date: date | None,
    failures: pd.DataFrame | None = None,
    entities: pd.DataFrame | None = None,
    evaluation: Evaluation | None = None,
) -> QualityScores:
    """Score ``table`` (``std`` before linkage, ``golden`` after) with the checks of ``spec``.

    Parameters
    ----------
    table : DataFrame
        ``std`` (keys ``source, record_id``, ``raw__*`` columns) or ``golden`` (``entity_id``,
        ``sources``).
    spec : QualitySpec
    stage : {'before', 'after'}
    reference_date : date or None
        For timeliness; None leaves timeliness checks without applicable rows.
    failures : DataFrame, optional
        The cleaning failure table; validity needs it ``before`` (without it a raw value nulled in
        std counts as invalid).
    entities : DataFrame, optional
        ``source, record_id, entity_id``; feeds the entity-uniqueness check ``before``.
    evaluation : Evaluation, optional
        The checks already run on ``table`` (:func:`evaluate_table` with the same arguments).

    Returns
    -------
    QualityScores

    Example
    -------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"entity_id": ["E1", "E2"], "phone": ["+8613800000001", None]})
    >>> s = score(g, QualitySpec.default(), stage="after", reference_date=None)
    >>> s.metrics()["completeness.phone"]
    50.0
    """
    check_choice(stage, ("before", "after"), "quality.score.stage")
    if evaluation is None:
        evaluation = evaluate_table(
            table, spec, reference_date=reference_date, failures=failures, entities=entities
        )
    ctx, app, fail = evaluation.ctx, evaluation.applicable, evaluation.failing
    meta = pd.DataFrame(
        {
            "check": [c.name for c in spec.checks],
            "field": [c.field for c in spec.checks],
            "dimension": [c.dimension for c in spec.checks],
            "weight": [c.weight for c in spec.checks],
        }
    )
    a_tot, f_tot = app.sum(axis=0), fail.sum(axis=0)
    by_check = meta.assign(
        applicable=a_tot.astype(np.int64), failing=f_tot.astype(np.int64), score=_pct(f_tot, a_tot)
    )
    # source x check counts with bincount (no per-row Python)
    scodes, suniq = pd.factorize(pd.Series(ctx.source, dtype=object), sort=True)
    ns = len(suniq)
    a_sc = (
        np.stack(
            [np.bincount(scodes, weights=app[:, j], minlength=ns) for j in range(app.shape[1])],
            axis=1,
        )
        if ns and app.shape[1]
        else np.zeros((ns, app.shape[1]))
    )
    f_sc = (
        np.stack(
            [np.bincount(scodes, weights=fail[:, j], minlength=ns) for j in range(fail.shape[1])],
            axis=1,
        )
        if ns and fail.shape[1]
        else np.zeros((ns, fail.shape[1]))
    )
    by_source_check = pd.DataFrame(
        {
            "source": np.repeat(np.asarray(suniq, dtype=object), len(meta)),
            "check": np.tile(meta["check"].to_numpy(), ns),
            "field": np.tile(meta["field"].to_numpy(), ns),
            "dimension": np.tile(meta["dimension"].to_numpy(), ns),
            "weight": np.tile(meta["weight"].to_numpy(), ns),
            "applicable": a_sc.reshape(-1).astype(np.int64),
            "failing": f_sc.reshape(-1).astype(np.int64),
        }
    )
    by_source_check["score"] = _pct(
        by_source_check["failing"].to_numpy(float), by_source_check["applicable"].to_numpy(float)
    )
    by_source = _rollup("source", list(suniq), by_source_check)
    by_source.insert(
        1, "n_records", np.bincount(scodes, minlength=ns).astype(np.int64) if ns else []
    )
    by_field = _rollup("field", sorted(meta["field"].unique()), by_check)
    dims = [d for d in DIMENSIONS if d in set(meta["dimension"])]
    by_dimension = _rollup("dimension", dims, by_check)
    used = by_check[by_check["score"].notna()]
    overall = pd.DataFrame(
        [
            {
                "stage": stage,
                "n_records": int(ctx.n),
                "n_checks": len(used),
                "weight": float(used["weight"].sum()),
                "score": _wmean(
                    by_check["score"].to_numpy(float), by_check["weight"].to_numpy(float)
                ),
            }
        ]
    )
    return QualityScores(
        stage, by_check, by_field, by_source, by_dimension, overall, by_source_check
    )


def compare(before: QualityScores, after: QualityScores) -> pd.DataFrame:
    """Side by side: ``metric, level, before, after, delta`` (delta = after - before), stable order.

    Example
    -------
    >>> import pandas as pd
    >>> sp = QualitySpec.default()
    >>> b = score(pd.DataFrame({"entity_id": ["E1"], "phone": [None]}), sp, stage="before",
    ...           reference_date=None)
    >>> a = score(pd.DataFrame({"entity_id": ["E1"], "phone": ["+8613800000001"]}), sp,
    ...           stage="after", reference_date=None)
    >>> float(compare(b, a).set_index("metric").loc["completeness.phone", "delta"])
    100.0
    """
    mb, ma = before.metrics(), after.metrics()
    names = list(dict.fromkeys([*mb, *ma]))

    def level(m: str) -> str:
        if m == "overall":
            return "overall"
        if m in DIMENSIONS:
            return "dimension"
        if m.startswith("source."):
            return "source"
        return "dimension.field" if m.split(".", 1)[0] in DIMENSIONS else "check"

    rank = {"overall": 0, "dimension": 1, "dimension.field": 2, "check": 3, "source": 4}
    df = pd.DataFrame(
        {
            "metric": names,
            "level": [level(m) for m in names],
            "before": [mb.get(m, np.nan) for m in names],
            "after": [ma.get(m, np.nan) for m in names],
        }
    )
    df["delta"] = df["after"] - df["before"]
    df["_r"] = df["level"].map(rank)
    return df.sort_values(["_r", "metric"], kind="stable").drop(columns="_r").reset_index(drop=True)
