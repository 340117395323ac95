"""The client's decisions file: where it is, saving one decision at a time (atomic, keyed by records)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from migration_kit.errors import InputError
from migration_kit.linkage.review import pair_id, read_decisions
from migration_kit.linkage.review_store import (
    DECISIONS_COLUMNS,
    client_decisions_file,
    decided,
    save_decision,
)

P1 = {"source_a": "pos", "record_id_a": "1", "source_b": "web", "record_id_b": "7"}
P1_SWAPPED = {"source_a": "web", "record_id_a": "7", "source_b": "pos", "record_id_b": "1"}
P2 = {"source_a": "pos", "record_id_a": "2", "source_b": "pos", "record_id_b": "3"}
NOW = dt.datetime(2026, 12, 2, 10, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("given, expected", [
    (None, "p/reviews/acme.csv"),
    ("/elsewhere/decided.csv", "/elsewhere/decided.csv"),
])
def test_client_file_is_beside_the_params_unless_named(given, expected):
    assert client_decisions_file("p", "acme", given).as_posix() == expected


# saves in order (pair, decision) -> pair_id -> decision in the file afterwards
SAVES = [
    ([(P1, "match")], {pair_id(**P1): "match"}),
    ([(P1, "match"), (P2, "non_match")], {pair_id(**P1): "match", pair_id(**P2): "non_match"}),
    ([(P1, "match"), (P1_SWAPPED, "non_match")], {pair_id(**P1): "non_match"}),  # either order, one pair
    ([(P1, "match"), (P1, "")], {}),                                               # cleared
    ([(P2, "")], {}),                                                              # nothing to clear
]


@pytest.mark.parametrize("saves, expected", SAVES)
def test_each_save_updates_the_file(tmp_path, saves, expected):
    path = tmp_path / "reviews" / "acme.csv"
    for pair, decision in saves:
        save_decision(path, pair, decision, run_id="r1", now=NOW)
    assert decided(path) == expected
    assert sorted(p.name for p in path.parent.iterdir()) == (["acme.csv"] if path.exists() else [])  # no temp


def test_saved_file_is_a_valid_decisions_file_with_run_and_time(tmp_path):
    path = save_decision(tmp_path / "d.csv", P1, "match", run_id="r1", now=NOW)
    save_decision(path, P2, "non_match", run_id="r2", now=NOW)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(df.columns) == DECISIONS_COLUMNS
    assert df[["decided_on_run", "decided_at"]].values.tolist() == [["r1", "2026-12-02T10:00:00+00:00"],
                                                                    ["r2", "2026-12-02T10:00:00+00:00"]]
    assert read_decisions(path)[["record_id_a", "decision"]].values.tolist() == [["1", "match"], ["2", "non_match"]]


def test_saving_into_a_filled_queue_keeps_its_rows_and_columns(tmp_path):
    # the review queue CSV with its decision column filled by hand is a decisions file too
    queue = pd.DataFrame([{"pair_id": "", **P1, "name_a": "王*", "decision": "non_match"},
                          {"pair_id": "", **P2, "name_a": "李*", "decision": ""}])
    path = tmp_path / "queue.csv"
    queue.to_csv(path, index=False)
    save_decision(path, P1_SWAPPED, "match", now=NOW)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(df.columns[:7]) == ["pair_id", "source_a", "record_id_a", "source_b", "record_id_b", "name_a",
                                    "decision"]
    assert df[["name_a", "decision"]].values.tolist() == [["王*", "match"], ["李*", ""]]


def test_a_formula_like_key_is_escaped_on_disk_and_read_back(tmp_path):
    pair = {**P1, "record_id_b": "=1+1"}
    path = save_decision(tmp_path / "d.csv", pair, "match", now=NOW)
    assert "'=1+1" in path.read_text(encoding="utf-8")
    assert decided(path) == {pair_id(**pair): "match"}


def test_a_file_without_the_key_columns_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"d\.csv, column 'source_a': missing column; a decisions file needs"):
        save_decision(path, P1, "match")


def test_only_app_decisions_are_saved(tmp_path):
    with pytest.raises(ValueError, match=r"decision 'split'"):
        save_decision(tmp_path / "d.csv", P1, "split")
