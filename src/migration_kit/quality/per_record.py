"""Per-record quality score and top reasons, so the analyst sees what to fix at the source.

A record's score is ``100 * (1 - sum(weight * failing) / sum(weight * applicable))`` over the
checks of the spec (100 when no check applies). ``top_reasons`` lists up to ``top`` failing checks,
heaviest first (ties by check name), each as ``check`` or ``check:REASON_CODE`` when the cleaning
failure table gave a reason; ';'-joined. No values are shown, only check names and reason codes.

Example
-------
>>> import pandas as pd
>>> from migration_kit.quality.spec import QualitySpec
>>> std = pd.DataFrame({"source": ["pos"], "record_id": ["1"], "raw__phone": ["123"],
...                     "phone": [None]})
>>> fails = pd.DataFrame([{"stage": "clean", "source": "pos", "record_id": "1", "field": "phone",
...                        "check": "phone", "value_masked": "1**",
...                        "reason_code": "PHONE_INVALID"}])
>>> top = per_record(std, fails, QualitySpec.default())["top_reasons"]
>>> "phone.valid:PHONE_INVALID" in top.iloc[0]
True
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..codes import split_codes
from .score import Evaluation, evaluate_table
from .spec import QualitySpec

__all__ = ["per_record", "top_reason_counts"]


def per_record(
    std: pd.DataFrame,
    failures: pd.DataFrame | None,
    spec: QualitySpec,
    *,
    reference_date: date | None = None,
    entities: pd.DataFrame | None = None,
    top: int = 3,
    evaluation: Evaluation | None = None,
) -> pd.DataFrame:
    """Score each record of ``std``.

    Parameters
    ----------
    std : DataFrame
        Standardized records (``source, record_id``, ``raw__*`` and std columns).
    failures : DataFrame or None
        The cleaning failure table.
    spec : QualitySpec
    reference_date : date, optional
        For timeliness checks; without it they do not apply.
    entities : DataFrame, optional
        For the entity-uniqueness check (a record merged into an earlier one is flagged).
    top : int
        How many reasons to list.
    evaluation : Evaluation, optional
        The checks already run on ``std`` (the stage score's, :func:`.score.evaluate_table`).

    Returns
    -------
    DataFrame
        ``source, record_id, score, n_failing, top_reasons`` in ``(source, record_id)`` order.
    """
    if evaluation is None:
        evaluation = evaluate_table(
            std, spec, reference_date=reference_date, failures=failures, entities=entities
        )
    ctx, app, fail = evaluation.ctx, evaluation.applicable, evaluation.failing
    reasons = evaluation.reasons
    w = np.array([c.weight for c in spec.checks], dtype=float)
    denom = app.astype(float) @ w
    num = fail.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        rec_score = np.where(
            denom > 0, 100.0 * (1.0 - num / np.where(denom > 0, denom, 1.0)), 100.0
        )
    n_fail = fail.sum(axis=1)
    # heaviest first, then by name: a stable, documented order
    order = sorted(
        range(len(spec.checks)), key=lambda j: (-spec.checks[j].weight, spec.checks[j].name)
    )
    text = np.full(ctx.n, "", dtype=object)
    count = np.zeros(ctx.n, dtype=np.int64)
    for j in order:
        take = fail[:, j] & (count < top)
        if not take.any():
            continue
        name = spec.checks[j].name
        idx = np.flatnonzero(take)
        label = np.full(len(idx), name, dtype=object)
        reason_j = reasons[j]
        if reason_j is not None:
            r = np.asarray(reason_j[idx], dtype=object)
            has = r != ""
            label[has] = name + ":" + r[has]
        sep = np.where(count[idx] > 0, ";", "").astype(object)
        text[idx] = text[idx] + sep + label
        count[idx] += 1
    t = ctx.table
    out = pd.DataFrame(
        {
            "source": t["source"].astype(str).to_numpy(),
            "record_id": t["record_id"].astype(str).to_numpy(),
            "score": np.round(rec_score, 4),
            "n_failing": n_fail.astype(np.int64),
            "top_reasons": text,
        }
    )
    return out.iloc[ctx.order].reset_index(drop=True)


def top_reason_counts(records: pd.DataFrame) -> pd.DataFrame:
    """``source, reason, records``: how many records of each source have each failing check
    among their top reasons (``;``-joined, as :func:`per_record` writes them), counted per
    distinct text.

    Example
    -------
    >>> records = pd.DataFrame({"source": ["pos", "pos", "web"],
    ...                         "top_reasons": ["phone_valid;email_valid", "phone_valid", ""]})
    >>> top_reason_counts(records).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'source': 'pos', 'reason': 'email_valid', 'records': 1},
     {'source': 'pos', 'reason': 'phone_valid', 'records': 2}]
    """
    per = records.groupby(["source", "top_reasons"], sort=False, observed=True).size()
    sources, texts = per.index.get_level_values(0), per.index.get_level_values(1)
    keys = zip(sources, texts, per.to_numpy(), strict=True)
    rows = [(source, code, int(n)) for source, text, n in keys for code in split_codes(text)]
    table = pd.DataFrame(rows, columns=["source", "reason", "records"])
    by = table.groupby(["source", "reason"], sort=True)["records"].sum()
    return by.astype("int64").reset_index()
