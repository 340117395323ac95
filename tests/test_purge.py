"""Purging a run's working files leaves a destruction record, and never twice."""
from __future__ import annotations

import json

import pytest

from migration_kit.errors import MigrationKitError
from migration_kit.handover.audit import verify_audit
from migration_kit.pipeline import open_run, step_intake
from migration_kit.purge import purge_run
from tests.conftest import base_params, write_params


def test_purge_destroys_work_files_and_records_it(tiny_sources, tmp_path):
    ctx = open_run(write_params(tiny_sources, base_params()), run_id="p", runs_dir=tmp_path / "runs")
    step_intake(ctx)
    work = sorted(p.name for p in ctx.run.path("work").iterdir())
    assert work == ["raw.parquet", "suppression_raw.parquet"]
    summary = purge_run(ctx.run.root)
    assert summary["files"] == 2 and not any(ctx.run.path("work").iterdir())
    record = json.loads(ctx.run.file("purge_record").read_text())
    assert record["status"] == "done" and [f["file"] for f in record["files_purged"]] == [f"work/{n}" for n in work]
    assert [e["step"] for e in verify_audit(ctx.run.path("audit_log.jsonl"))][-1] == "purge"
    with pytest.raises(MigrationKitError, match="already purged"):
        purge_run(ctx.run.root)


def test_purge_needs_a_run_folder(tmp_path):
    with pytest.raises(MigrationKitError, match="no work/ folder"):
        purge_run(tmp_path)
