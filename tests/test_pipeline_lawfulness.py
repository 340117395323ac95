"""End to end on variants of the rehearsal set: the run stops before the handover when it cannot
show the transfer is lawful, and completes once the missing piece is on record."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from migration_kit.errors import LawfulnessError
from migration_kit.pipeline import open_run, run_all
from migration_kit.quality.spec import FIDELITY_GATE

REPO = Path(__file__).resolve().parents[1]


def _variant(tmp_path: Path, *, deal: dict | None = None, policy: dict | None = None,
             suppression: pd.DataFrame | None = None) -> Path:
    data = yaml.safe_load((REPO / "params" / "rehearsal.yaml").read_text(encoding="utf-8"))
    for entry in data["sources"] + data.get("suppression", []):
        entry["path"] = str((REPO / "params" / entry["path"]).resolve())
    for key, value in (deal or {}).items():
        if isinstance(value, dict):
            data["deal"][key].update(value)
        else:
            data["deal"][key] = value
    data["policy"].update(policy or {})
    if suppression is not None:
        path = tmp_path / "suppression.csv"
        suppression.to_csv(path, index=False, encoding="utf-8")
        data["suppression"][0]["path"] = str(path)
    out = tmp_path / "variant.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def _handover_files(ctx) -> list[str]:
    folder = ctx.run.path("handover")
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_share_sale_moves_nothing_and_completes(tmp_path):
    ctx = open_run(_variant(tmp_path, deal={"type": "share_sale"}), run_id="s", runs_dir=tmp_path / "r")
    results = run_all(ctx, echo=lambda s: None)
    assert results["scope"]["transferred"] == 0 and results["handover"] == {"files": 0}
    assert _handover_files(ctx) == []
    gates = pd.read_csv(ctx.run.file("quality_gates"))
    declared = gates[(gates["stage"] == "after") & (gates["gate"] != FIDELITY_GATE)]
    assert len(declared) and set(declared["status"]) == {"not_applicable"}
    assert ctx.run.file("report").exists()


@pytest.mark.parametrize("reference, stops", [(None, True), ("粤网信备 2026-0173", False)])
def test_recipient_abroad_needs_the_mechanism_reference(tmp_path, reference, stops):
    policy = {"crossborder_reference": reference} if reference else {}
    params = _variant(tmp_path, deal={"recipient": {"country": "SG"}}, policy=policy)
    ctx = open_run(params, run_id="x", runs_dir=tmp_path / "r")
    if stops:
        with pytest.raises(LawfulnessError, match=r"^handover stopped \(PIPL Art\. 38\(1\)3; .*for SG under "
                           r"'standard_contract'.*policy\.crossborder_reference"):
            run_all(ctx, echo=lambda s: None)
        assert _handover_files(ctx) == []
    else:
        run_all(ctx, echo=lambda s: None)
        assert ctx.run.read_json("crossborder")["pipl_reference"] == reference
        assert any(n.startswith("customers.part") for n in _handover_files(ctx))


def test_a_list_of_unusable_requests_stops_the_run(tmp_path):
    supp = pd.read_csv(REPO / "synthetic_data" / "rehearsal" / "suppression.csv", dtype=str, keep_default_na=False)
    for col in ("手机号码", "电子邮箱", "身份证号"):
        supp[col] = ""
    ctx = open_run(_variant(tmp_path, suppression=supp), run_id="u", runs_dir=tmp_path / "r")
    with pytest.raises(LawfulnessError, match=rf"{len(supp)} requests cannot be shown to be honoured \(\d+ carry no "
                       r"usable phone, e-mail or ID number"):
        run_all(ctx, echo=lambda s: None)
    assert _handover_files(ctx) == []


@pytest.mark.parametrize("with_register", [False, True])
def test_asset_sale_moves_only_the_consented_and_lists_the_rest_for_the_seller(tmp_path, with_register):
    policy = {}
    if with_register:
        reg = tmp_path / "consents.csv"
        reg.write_text("source,record_id,consented_at,channel\npos,M10000001,2026-11-02,sms\n"
                       "web,WU3000001,2026-11-03,app\n", encoding="utf-8")
        policy = {"asset_sale": {"consent_register": str(reg)}}
    ctx = open_run(_variant(tmp_path, deal={"type": "asset_sale"}, policy=policy), run_id="a",
                   runs_dir=tmp_path / "r")
    results = run_all(ctx, echo=lambda s: None)
    ent = ctx.run.read_table("entity_dispositions")
    moved = ent[ent["disposition"] == "transferred"]
    assert set(moved["reason_codes"]) <= {"TRANSFER_PIPL_ART23_CONSENT"}
    assert len(moved) == results["scope"]["transferred"] <= (2 if with_register else 0)
    held = int((ent["reason_codes"] == "HELD_NO_CONSENT").sum())
    assert results["scope"]["reconsent"] == held > 1000
    assert not ent.loc[ent["reason_codes"] == "HELD_NO_CONSENT", "destroy"].any()  # held, not destroyed
    listed = ctx.run.file("reconsent_list")
    assert listed.exists() and b"full_name" not in listed.read_bytes()  # encrypted to the seller


def test_the_year_counts_every_run_of_the_seller(tmp_path):
    params = _variant(tmp_path, deal={"recipient": {"country": "SG"}},
                      policy={"crossborder_reference": "SC-FILING-1"})
    first = open_run(params, run_id="first", runs_dir=tmp_path / "r")
    run_all(first, echo=lambda s: None)
    sent = first.run.read_json("crossborder")["individuals_leaving_cn"]
    second = open_run(params, run_id="second", runs_dir=tmp_path / "r")
    run_all(second, echo=lambda s: None)
    cross = second.run.read_json("crossborder")
    assert cross["prior_individuals_from_ledger"] == sent > 0
    assert cross["individuals_leaving_cn_ytd"] == cross["individuals_leaving_cn"] + sent
    again = open_run(params, run_id="first", runs_dir=tmp_path / "r")  # a rerun does not count itself
    from migration_kit.pipeline import step_backup, step_clean, step_intake, step_link, step_scope
    for step in (step_backup, step_intake, step_clean, step_link, step_scope):
        step(again)
    assert again.run.read_json("crossborder")["prior_individuals_from_ledger"] == cross["individuals_leaving_cn"]
