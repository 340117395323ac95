"""The injected defects of the committed rehearsal set are found, record for record, by cleaning
(validity failures) and by quality scoring (cross-field consistency)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from migration_kit.pipeline import open_run, step_clean, step_intake
from migration_kit.quality.score import score
from migration_kit.quality.spec import QualitySpec

REPO = Path(__file__).resolve().parents[1]

#: generator's defect label -> (std field, reason code in the failure table)
CLEANING_DEFECTS = [
    # a mobile's shape in a range phonenumbers calls unassigned: kept and marked, not nulled
    ("PHONE_INVALID", "phone", "PHONE_UNASSIGNED"),
    ("ID_CHECKSUM", "id_number", "ID_CHECKSUM"),
    ("BIRTH_FUTURE", "birth_date", "DATE_FUTURE"),
    ("EMAIL_SYNTAX", "email", "EMAIL_SYNTAX"),
]


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    ctx = open_run(REPO / "params" / "rehearsal.yaml", run_id="defects", runs_dir=tmp_path_factory.mktemp("runs"))
    step_intake(ctx)
    step_clean(ctx)
    truth = pd.read_csv(REPO / "synthetic_data" / "rehearsal" / "truth.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["source"] != "suppression"]
    return ctx, truth


def _labelled(truth: pd.DataFrame, label: str) -> set[tuple[str, str]]:
    hit = truth["defects"].str.split(";").apply(lambda parts: label in parts)
    return set(map(tuple, truth.loc[hit, ["source", "record_id"]].to_numpy()))


@pytest.mark.parametrize("label, field, reason", CLEANING_DEFECTS)
def test_cleaning_finds_each_injected_defect(cleaned, label, field, reason):
    ctx, truth = cleaned
    failures = ctx.run.read_parquet("failures")
    found = failures[(failures["field"] == field) & (failures["reason_code"] == reason)]
    expected = _labelled(truth, label)
    assert len(expected) > 0
    assert set(map(tuple, found[["source", "record_id"]].to_numpy())) == expected


def test_no_failure_on_records_without_injected_defects(cleaned):
    ctx, truth = cleaned
    failures = ctx.run.read_parquet("failures")
    clean_records = set(map(tuple, truth.loc[truth["defects"] == "", ["source", "record_id"]].to_numpy()))
    flagged = set(map(tuple, failures[["source", "record_id"]].to_numpy()))
    assert flagged & clean_records == set()


def test_quality_finds_activity_before_signup(cleaned):
    ctx, truth = cleaned
    std, failures = ctx.run.read_parquet("std"), ctx.run.read_parquet("failures")
    scores = score(std, QualitySpec.default(), stage="before", reference_date=ctx.reference_date, failures=failures)
    row = scores.by_check.set_index("check").loc["last_activity_at.not_before"]
    assert int(row["failing"]) == len(_labelled(truth, "ACTIVITY_BEFORE_SIGNUP")) > 0
