"""A failed quality gate stops the export with the documented message; a logged override lets it pass."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from migration_kit.errors import MigrationKitError, QualityGateError
from migration_kit.pipeline import open_run, step_clean, step_intake, step_link
from migration_kit.pipeline import step_handover, step_quality, step_scope

REPO = Path(__file__).resolve().parents[1]


def _params_with(tmp_path: Path, quality: dict) -> Path:
    data = yaml.safe_load((REPO / "params" / "rehearsal.yaml").read_text(encoding="utf-8"))
    base = REPO / "params"
    for entry in data["sources"] + data.get("suppression", []):
        entry["path"] = str((base / entry["path"]).resolve())
    data["quality"] = quality
    path = tmp_path / "gated.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gates")
    gate = {"gates": [{"metric": "overall", "min": 99.9}]}
    ctx = open_run(_params_with(tmp, gate), run_id="g", runs_dir=tmp / "runs")
    for step in (step_intake, step_clean, step_link, step_scope):
        step(ctx)
    return ctx, tmp


def test_failed_gate_stops_quality_and_export(linked):
    ctx, _ = linked
    with pytest.raises(QualityGateError, match=r"gate overall: score \d+\.\d\d < threshold 99\.90; .*quality\.overrides"):
        step_quality(ctx)
    with pytest.raises(QualityGateError, match=r"^export stopped: gate overall"):
        step_handover(ctx)
    assert not any(ctx.run.path("handover").glob("*.cms"))


def test_logged_override_lets_the_export_go(linked, tmp_path):
    ctx, tmp = linked
    override = {"gates": [{"metric": "overall", "min": 99.9}],
                "overrides": [{"gate": "overall", "reason": "rehearsal data is dirty on purpose", "approved_by": "DPO"}]}
    # changed params make a new run (the old run id is bound to its params)
    with pytest.raises(MigrationKitError, match="started with other params"):
        open_run(_params_with(tmp_path, override), run_id="g", runs_dir=tmp / "runs")
    ctx2 = open_run(_params_with(tmp_path, override), run_id="g2", runs_dir=tmp / "runs")
    for step in (step_intake, step_clean, step_link, step_scope):
        step(ctx2)
    counts = step_quality(ctx2)  # one row per stage (before and after), both overridden and logged
    assert counts["gates_overridden"] == 2 and counts["gates_failed"] == 0
    step_handover(ctx2)
    assert any(ctx2.run.path("handover").glob("customers.part*.csv.cms"))


def test_no_export_before_the_quality_step(tmp_path):
    ctx = open_run(_params_with(tmp_path, {}), run_id="nq", runs_dir=tmp_path / "runs")
    for step in (step_intake, step_clean, step_link, step_scope):
        step(ctx)
    with pytest.raises(QualityGateError, match="the quality step has not run"):
        step_handover(ctx)
    assert not any(ctx.run.path("handover").glob("*.cms"))
