"""Intake and cleaning in one pass (``dedupe``) make the tables and audit entries of the two
steps one after the other, whether the sources are read and cleaned here or in a worker."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from migration_kit.errors import InputError
from migration_kit.parallel import WORKERS_ENV
from migration_kit.pipeline import DEDUPE_STEPS, dedupe, open_run, step_clean, step_intake, step_name, step_prepare

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params" / "rehearsal.yaml"
TABLES = ("raw", "std", "failures", "failure_counts", "inventory", "classification", "suppression_raw")


def _audit(ctx) -> list[dict]:
    rows = [json.loads(line) for line in ctx.run.file("audit_log").read_text(encoding="utf-8").splitlines()]
    return [{k: r[k] for k in ("step", "inputs", "outputs", "counts")} for r in rows]


@pytest.mark.parametrize("least", [10**12, 0], ids=["here", "worker"])
def test_one_pass_makes_the_two_steps_tables(tmp_path, monkeypatch, least):
    monkeypatch.setenv(WORKERS_ENV, "2")
    monkeypatch.setattr("migration_kit.pipeline.prepare.POOL_MIN_BYTES", least)
    apart = open_run(PARAMS, run_id="apart", runs_dir=tmp_path)
    step_intake(apart)
    step_clean(apart)
    together = open_run(PARAMS, run_id="together", runs_dir=tmp_path)
    counts = step_prepare(together)
    for name in TABLES:
        assert together.run.file(name).read_bytes() == apart.run.file(name).read_bytes(), name
    assert _audit(together) == _audit(apart)
    assert counts["intake_rows"] == counts["clean_rows"] == 2643


def test_a_source_that_fails_in_one_pass_names_its_file(tmp_path, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "2")
    monkeypatch.setattr("migration_kit.pipeline.prepare.POOL_MIN_BYTES", 0)
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "rehearsal.yaml").write_bytes(PARAMS.read_bytes())
    data = tmp_path / "synthetic_data" / "rehearsal"
    shutil.copytree(REPO / "synthetic_data" / "rehearsal", data)
    pos = data / "pos_members.csv"
    pos.write_bytes(pos.read_bytes().replace("会员编号".encode(), "编号".encode(), 1))  # no id column
    ctx = open_run(tmp_path / "params" / "rehearsal.yaml", run_id="r", runs_dir=tmp_path / "runs")
    with pytest.raises(InputError, match="pos_members.csv"):
        step_prepare(ctx)
    assert not ctx.run.file("raw").exists() and not ctx.run.file("std").exists()


def test_dedupe_runs_its_declared_steps(tmp_path):
    assert [step_name(s) for s in DEDUPE_STEPS] == ["prepare", "link"]
    counts = dedupe(PARAMS, tmp_path / "entities.csv", runs_dir=tmp_path / "runs", run_id="d")
    ctx = open_run(PARAMS, run_id="d", runs_dir=tmp_path / "runs")
    assert [r["step"] for r in _audit(ctx)] == ["intake", "clean", "link"]  # prepare audits both
    assert counts["records"] == 2643


def test_a_client_export_is_hashed_afresh_for_every_audit_entry(tmp_path):
    """Only run-folder files (written atomically) have their digest reused: an export edited in
    place between two intakes in one process is hashed again."""
    (tmp_path / "params").mkdir()
    params = tmp_path / "params" / "rehearsal.yaml"
    params.write_bytes(PARAMS.read_bytes())
    data = tmp_path / "synthetic_data" / "rehearsal"
    shutil.copytree(REPO / "synthetic_data" / "rehearsal", data)
    ctx = open_run(params, run_id="r", runs_dir=tmp_path / "runs")
    step_intake(ctx)
    pos = data / "pos_members.csv"
    before = pos.stat()
    with open(pos, "r+b") as fh:  # same inode, size and (forced) clock tick
        text = fh.read()
        at = max(text.rfind(d) for d in (b"1", b"2", b"3"))  # an ASCII digit of the last rows
        fh.seek(at)
        fh.write(b"4")
    os.utime(pos, ns=(before.st_atime_ns, before.st_mtime_ns))
    step_intake(ctx)
    first, second = [r["inputs"]["pos"] for r in _audit(ctx) if r["step"] == "intake"]
    assert first != second
