"""The run-folder artifact registry: every file declared once, tables checked when written."""

from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.artifacts import ARTIFACTS, PRIVACY, Artifact, artifact_for
from migration_kit.errors import MigrationKitError
from migration_kit.runfolder import RunFolder


@pytest.mark.parametrize(
    ("relpath", "name"),
    [
        ("work/std.parquet", "std"),
        ("reports/review_queue.csv", "review_queue"),
        ("handover/customers.part0001.csv.cms", "handover_part"),
        ("handover/manifest.json", "manifest"),
        ("handover/audit_log.jsonl", "handover_audit_log"),
        ("audit_log.jsonl", "audit_log"),
        ("backup/pos.csv.bak0001.cms", "backup_part"),
        ("secrets/keys/seller.key", "rehearsal_keys"),
        ("notebooks/03_deduplication_review.ipynb", "executed_notebook"),
        ("reports/unknown.csv", None),
    ],
)
def test_artifact_for_a_path(relpath, name):
    art = artifact_for(relpath)
    assert (art.name if art else None) == name


def test_personal_data_lives_in_work_and_only_there():
    for art in ARTIFACTS.values():
        assert (art.folder == "work") == (art.privacy == "personal"), art.name
        assert art.privacy in PRIVACY


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"privacy": "public"}, "privacy"),
        ({"path": "elsewhere/x.csv"}, "folder"),
        ({"path": "reports/x.parquet", "privacy": "personal"}, "work/"),
    ],
)
def test_an_artifact_checks_itself(kwargs, match):
    base = {"name": "x", "path": "reports/x.csv", "step": "scope", "privacy": "aggregate"}
    with pytest.raises(ValueError, match=match):
        Artifact(**{**base, **kwargs})


def test_unknown_name_lists_the_nearest():
    with pytest.raises(KeyError, match="did you mean 'entities'"):
        ARTIFACTS["entites"]


@pytest.mark.parametrize(
    ("columns", "ok"),
    [
        (["source", "record_id", "entity_id"], True),
        (["source", "entity_id", "record_id"], False),  # exact: order too
        (["source", "record_id"], False),
        (["source", "record_id", "entity_id", "extra"], False),
    ],
)
def test_write_table_checks_declared_columns(tmp_path, columns, ok):
    run = RunFolder.create(tmp_path, "c", "r")
    df = pd.DataFrame({c: ["1"] for c in columns})
    if ok:
        assert run.write_table("entities", df) == run.file("entities")
        assert run.read_table("entities").columns.tolist() == columns
    else:
        with pytest.raises(MigrationKitError, match="do not match the declared"):
            run.write_table("entities", df)
        assert not run.exists("entities")  # nothing half-written


def test_at_least_columns_allow_more(tmp_path):
    run = RunFolder.create(tmp_path, "c", "r")
    df = pd.DataFrame({"entity_id": ["E1"], "full_name": ["x"]})
    run.write_table("golden", df)
    with pytest.raises(MigrationKitError, match="missing"):
        run.write_table("golden", df.drop(columns="entity_id"))


def test_work_shortcuts_refuse_reports(tmp_path):
    run = RunFolder.create(tmp_path, "c", "r")
    with pytest.raises(KeyError, match="not a work table"):
        run.write_parquet("inventory", pd.DataFrame({"a": [1]}))
    with pytest.raises(KeyError, match="family of files"):
        run.file("handover_part")


@pytest.mark.parametrize("name", ["std", "entities", "hash_key", "manifest_signature"])
def test_views_show_only_masked_or_aggregate_artifacts(tmp_path, name):
    from types import SimpleNamespace

    from migration_kit import views

    ctx = SimpleNamespace(run=RunFolder.create(tmp_path, "c", "r"))
    with pytest.raises(MigrationKitError, match="views show only masked or aggregate"):
        views.report_csv(ctx, name)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+86 138", "-1+1", "@SUM(A1)"])
def test_report_csvs_escape_formula_like_cells_and_read_back_exact(tmp_path, value):
    run = RunFolder.create(tmp_path, "c", "r")
    df = pd.DataFrame({"metric": [value, "plain"], "score": [-0.5, 1.0]})
    path = run.write_table("quality_compare", df)
    cells = pd.read_csv(path, keep_default_na=False)
    assert cells["metric"].tolist() == [f"'{value}", "plain"]  # a spreadsheet shows text
    assert cells["score"].tolist() == [-0.5, 1.0]  # numbers stay numbers
    back = run.read_table("quality_compare")
    assert back["metric"].tolist() == [value, "plain"]
