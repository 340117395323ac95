"""per_record: weighted score per source record and the top reasons to fix at the source."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from migration_kit.quality import QualitySpec, per_record
from migration_kit.quality.spec import CheckSpec

SPEC = QualitySpec(checks=tuple(CheckSpec.from_dict(d, f"checks[{i}]") for i, d in enumerate([
    {"field": "phone", "check": "not_null", "dimension": "completeness", "weight": 2},
    {"field": "phone", "check": "valid", "dimension": "validity", "weight": 2},
    {"field": "email", "check": "not_null", "dimension": "completeness", "weight": 1},
    {"field": "total_spent", "check": "non_negative", "dimension": "consistency", "weight": 1},
    {"field": "last_activity_at", "check": "recent", "dimension": "timeliness", "weight": 1},
])))

# (record_id, raw__phone, phone, email, total_spent, last_activity_at, failure reason, score, top_reasons)
CASES = [
    ("1", "138", "+8613800000001", "a@x.cn", 10.0, "2023-01-01", None, 100.0, ""),
    # phone invalid (applies: not_null 2 ok, valid 2 fail, email 1, total 1, recent 1): 1 - 2/7
    ("2", "12", None, "b@x.cn", 10.0, "2023-01-01", "PHONE_INVALID", 100 * (1 - 2 / 7), "phone.valid:PHONE_INVALID"),
    # no phone at all (valid does not apply): 1 - 2/5
    ("3", None, None, "c@x.cn", 5.0, "2023-01-01", None, 60.0, "phone.not_null"),
    # everything wrong that can be: order heaviest first, then name; capped at 3
    ("4", "12", None, None, -1.0, "2010-01-01", "PHONE_INVALID", 100 * (1 - 5 / 7),
     "phone.valid:PHONE_INVALID;email.not_null;last_activity_at.recent"),
    # nothing applies except completeness: phone and email missing, no total, no date: 0
    ("5", None, None, None, None, None, None, 0.0, "phone.not_null;email.not_null"),
]


@pytest.fixture(scope="module")
def result():
    std = pd.DataFrame([c[:6] for c in CASES],
                       columns=["record_id", "raw__phone", "phone", "email", "total_spent", "last_activity_at"])
    std.insert(0, "source", "pos")
    std["last_activity_at"] = pd.to_datetime(std["last_activity_at"])
    fails = pd.DataFrame([{"stage": "clean", "source": "pos", "record_id": c[0], "field": "phone", "check": "phone",
                           "value_masked": "1*", "reason_code": c[6]} for c in CASES if c[6]])
    # shuffled input: output comes back in (source, record_id) order
    return per_record(std.iloc[::-1], fails, SPEC, reference_date=date(2024, 1, 1)).set_index("record_id")


@pytest.mark.parametrize("record_id,expected_score,expected_reasons", [(c[0], c[7], c[8]) for c in CASES])
def test_per_record_scores(result, record_id, expected_score, expected_reasons):
    row = result.loc[record_id]
    assert row["score"] == pytest.approx(expected_score, abs=1e-3)
    assert row["top_reasons"] == expected_reasons
    assert row["n_failing"] == {"1": 0, "2": 1, "3": 1, "4": 4, "5": 2}[record_id]


def test_per_record_shape_and_order(result):
    assert list(result.columns) == ["source", "score", "n_failing", "top_reasons"]
    assert list(result.index) == ["1", "2", "3", "4", "5"]
    assert result.loc["4", "n_failing"] == 4  # 4 failing, 3 listed


def test_top_limits_reasons_and_default_spec_runs():
    std = pd.DataFrame({"source": ["web"], "record_id": ["9"], "raw__phone": ["1"], "phone": [None]})
    out = per_record(std, None, QualitySpec.default(), top=1)
    assert out["top_reasons"].iloc[0].count(";") == 0 and out["top_reasons"].iloc[0] != ""
    assert 0 <= out["score"].iloc[0] < 100
