"""A reopened run folder refuses inputs that differ from its backup; keys are regenerated whole."""
from __future__ import annotations

import pytest

from migration_kit.errors import MigrationKitError
from migration_kit.pipeline import key_material, open_run, step_backup
from tests.conftest import base_params, write_params


def test_backup_of_other_inputs_is_refused(tiny_sources, tmp_path):
    params = write_params(tiny_sources, base_params())
    ctx = open_run(params, run_id="r", runs_dir=tmp_path / "runs")
    step_backup(ctx)
    step_backup(ctx)  # same inputs: the existing backup is kept
    (tiny_sources / "web.csv").write_bytes("用户ID,收货人,联系电话,收货地址\nW2,李四,13912345678,上海\n".encode("gbk"))
    with pytest.raises(MigrationKitError, match=r"backup in this run folder is of other input files \(web.csv changed"):
        step_backup(open_run(params, run_id="r", runs_dir=tmp_path / "runs"))


def test_interrupted_key_generation_is_redone(tiny_sources, tmp_path):
    ctx = open_run(write_params(tiny_sources, base_params()), run_id="k", runs_dir=tmp_path / "runs")
    key_material(ctx)
    (ctx.run.path("secrets", "keys", "buyer.pem")).unlink()
    material = key_material(ctx)
    assert ctx.run.path("secrets", "keys", "buyer.pem").exists() and material.recipients
