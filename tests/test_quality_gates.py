"""Gates: a failing gate stops the handover with the documented message; an override passes and is logged."""
from __future__ import annotations

import logging

import pandas as pd
import pytest

from migration_kit.errors import QualityGateError
from migration_kit.quality import QualitySpec, check_gates, enforce_gates, score

# before: 4 raw phones, 2 invalid (validity.phone = 50); after: 2 golden records, one without phone.
STD = pd.DataFrame({"source": ["pos", "pos", "web", "web"], "record_id": ["1", "2", "3", "4"],
                    "raw__phone": ["138", "x", "y", "139"],
                    "phone": ["+8613800000001", None, None, "+8613900000004"]})
FAILS = pd.DataFrame([{"stage": "clean", "source": s, "record_id": r, "field": "phone", "check": "phone",
                       "value_masked": "*", "reason_code": "PHONE_INVALID"} for s, r in (("pos", "2"), ("web", "3"))])
GOLDEN = pd.DataFrame({"entity_id": ["E1", "E2"], "phone": ["+8613800000001", None], "sources": ["pos", "web"]})


def _scores(spec):
    return [score(STD, spec, stage="before", reference_date=None, failures=FAILS),
            score(GOLDEN, spec, stage="after", reference_date=None)]


def test_failing_gate_raises_documented_message():
    spec = QualitySpec.from_dict({"gates": [{"metric": "validity.phone", "min": 95}]})
    report = check_gates(_scores(spec), spec)
    assert report.rows[["stage", "status"]].values.tolist() == [["before", "fail"], ["after", "pass"]]
    with pytest.raises(QualityGateError, match=r"^gate validity\.phone: score 50\.00 < threshold 95\.00; fix the "
                       r"failing checks at the source \(before scores: .* add an override under quality\.overrides "
                       r"with gate: 'validity\.phone', reason and approved_by$"):
        enforce_gates(report)


def test_override_passes_and_is_reported(caplog):
    spec = QualitySpec.from_dict({
        "gates": [{"metric": "validity.phone", "min": 95}],
        "overrides": [{"gate": "validity.phone", "reason": "POS phones typed by cashiers; fixed in golden",
                       "approved_by": "DPO Zhang"}]})
    with caplog.at_level(logging.WARNING, logger="migration_kit.quality"):
        report = enforce_gates(check_gates(_scores(spec), spec))
    assert report.passed
    row = report.overridden.iloc[0]
    assert (row["gate"], row["stage"], row["score"], row["threshold"]) == ("validity.phone", "before", 50.0, 95.0)
    assert row["approved_by"] == "DPO Zhang" and row["override_reason"].startswith("POS phones")
    assert "quality gate validity.phone overridden (stage before): score 50.00 < threshold 95.00" in caplog.text
    assert "approved by: DPO Zhang" in caplog.text


# (gates, expected (gate, stage, status) rows)
CASES = [
    ([{"metric": "validity.phone.after", "min": 95}], [("validity.phone.after", "after", "pass")]),
    ([{"metric": "completeness.phone.after", "min": 60}], [("completeness.phone.after", "after", "fail")]),
    ([{"metric": "completeness.phone", "min": 60}],
     [("completeness.phone", "before", "pass"), ("completeness.phone", "after", "fail")]),
    ([{"metric": "uniqueness.after", "min": 99.9}], [("uniqueness.after", "after", "pass")]),
    ([{"metric": "source.pos.before", "min": 10}], [("source.pos.before", "before", "pass")]),
    ([{"metric": "source.shop", "min": 10}], [("source.shop", "before", "fail"), ("source.shop", "after", "fail")]),
    ([{"metric": "accuracy", "min": 10}], [("accuracy", "before", "fail"), ("accuracy", "after", "fail")]),
    ([{"metric": "overall", "min": 0}], [("overall", "before", "pass"), ("overall", "after", "pass")]),
]


@pytest.mark.parametrize("gates,expected", CASES)
def test_gate_evaluation_table(gates, expected):
    spec = QualitySpec.from_dict({"gates": gates})
    rows = check_gates(_scores(spec), spec).rows
    assert [tuple(r) for r in rows[["gate", "stage", "status"]].itertuples(index=False)] == expected


MESSAGES = [
    ({"metric": "source.shop", "min": 10}, r"score n/a < threshold 10\.00; metric 'source\.shop' not in the scores "
                                           r"\(known sources: source\.pos, source\.web\) \(before scores\); fix"),
    ({"metric": "accuracy", "min": 10}, r"gate accuracy: score n/a < threshold 10\.00; no applicable rows \(before"),
]


@pytest.mark.parametrize("gate,match", MESSAGES)
def test_unavailable_scores_fail_with_reason(gate, match):
    spec = QualitySpec.from_dict({"gates": [gate]})
    with pytest.raises(QualityGateError, match=match):
        enforce_gates(check_gates(_scores(spec), spec))


def test_missing_stage_fails():
    spec = QualitySpec.from_dict({"gates": [{"metric": "overall.after", "min": 1}]})
    before_only = _scores(spec)[0]
    with pytest.raises(QualityGateError, match=r"no 'after' scores were passed to check_gates"):
        enforce_gates(check_gates(before_only, spec))


def test_no_gates_passes():
    spec = QualitySpec.default()
    report = enforce_gates(check_gates(_scores(spec), spec))
    assert report.passed and report.rows.empty
