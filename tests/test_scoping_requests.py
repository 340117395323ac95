"""Requests fail closed: an unmatched or unusable request stops the run before the handover until
it is matched by hand or overridden with a reason and an approver."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from migration_kit.errors import LawfulnessError, ParamsError
from migration_kit.pipeline import open_run, run_all, step_handover
from migration_kit.scoping.requests import RequestsSpec, check_requests, read_resolutions, request_status

REPO = Path(__file__).resolve().parents[1]

STATUS = pd.DataFrame({"request_id": ["R1", "R2", "R3"], "request_type": ["erasure"] * 3,
                       "status": ["matched", "unmatched", "unusable"], "records": [2, 0, 0]})

SPEC_CASES = [  # policy.requests, error message
    ({"overrides": [{"request_ids": [], "reason": "x", "approved_by": "y"}]}, r"request_ids: received an empty list"),
    ({"overrides": [{"request_ids": ["R2"], "reason": " ", "approved_by": "DPO"}]}, r"reason: received an empty value"),
    ({"overrides": [{"request_ids": ["R2"], "reason": "gone"}]}, r"approved_by"),
    ({"resolutions": "nowhere.csv"}, r"resolutions: file not found: .*nowhere\.csv"),
    ({"resolve": "x.csv"}, r"unknown key 'resolve'"),
]


@pytest.mark.parametrize("data, match", SPEC_CASES)
def test_spec_rejects(data, match, tmp_path):
    with pytest.raises(ParamsError, match=match):
        RequestsSpec.from_dict(data, "policy.requests", tmp_path)


STATUS_CASES = [  # overrides, hand matches, final statuses
    ([], [], ["matched", "unmatched", "unusable"]),
    ([{"request_ids": ["R2", "R3"], "reason": "not our customers", "approved_by": "DPO Zhang"}], [],
     ["matched", "overridden", "overridden"]),
    ([], ["R2"], ["matched", "matched_by_hand", "unusable"]),
    ([{"request_ids": ["R1"], "reason": "x", "approved_by": "y"}], [], ["matched", "unmatched", "unusable"]),
]


@pytest.mark.parametrize("overrides, by_hand, statuses", STATUS_CASES)
def test_status_after_resolutions_and_overrides(overrides, by_hand, statuses, tmp_path):
    spec = RequestsSpec.from_dict({"overrides": overrides}, "policy.requests", tmp_path)
    res = pd.DataFrame({"request_id": by_hand, "request_type": "erasure", "source": "pos", "record_id": "1"})
    out = request_status(STATUS, spec, res if by_hand else None)
    assert out["status"].tolist() == statuses
    over = out[out["status"] == "overridden"]
    assert (over["approved_by"] == "DPO Zhang").all() and (over["override_reason"] != "").all()


def test_open_requests_stop_in_one_line():
    with pytest.raises(LawfulnessError) as err:
        check_requests(STATUS)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("handover stopped (PIPL Art. 47; GDPR Art. 17): 2 requests cannot be shown to be "
                          "honoured (1 match no record; 1 carry no usable phone, e-mail or ID number; first: R2, R3)")
    assert "policy.requests.resolutions" in msg and "policy.requests.overrides" in msg
    check_requests(STATUS[STATUS["status"] == "matched"])  # nothing open: no error


RESOLUTION_CASES = [  # CSV text, error
    ("request_id,source\nR2,pos\n", r"missing column\(s\) record_id"),
    ("request_id,source,record_id\nR99,pos,1\n", r"request_id 'R99' .* is not on the suppression list"),
]


@pytest.mark.parametrize("text, match", RESOLUTION_CASES)
def test_resolutions_file_is_checked(text, match, tmp_path):
    (tmp_path / "res.csv").write_text(text, encoding="utf-8")
    spec = RequestsSpec.from_dict({"resolutions": "res.csv"}, "policy.requests", tmp_path)
    with pytest.raises(LawfulnessError, match=match):
        read_resolutions(spec, STATUS)


# ---- end to end: the rehearsal set with two requests nobody can match ------------------------


def _variant(tmp_path: Path, requests: dict | None) -> Path:
    data = yaml.safe_load((REPO / "params" / "rehearsal.yaml").read_text(encoding="utf-8"))
    base = REPO / "params"
    for entry in data["sources"] + data.get("suppression", []):
        entry["path"] = str((base / entry["path"]).resolve())
    supp = pd.read_csv(data["suppression"][0]["path"], dtype=str, keep_default_na=False)
    extra = pd.DataFrame([["R900001", "删除", "+8613999999999", "", "", "2026-06-01"],
                          ["R900002", "删除", "", "", "", "2026-06-02"]], columns=supp.columns)
    path = tmp_path / "suppression.csv"
    pd.concat([supp, extra]).to_csv(path, index=False, encoding="utf-8")
    data["suppression"][0]["path"] = str(path)
    if requests is not None:
        data["policy"]["requests"] = requests
    out = tmp_path / "variant.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def test_unresolved_requests_stop_before_any_handover_file(tmp_path):
    ctx = open_run(_variant(tmp_path, None), run_id="open", runs_dir=tmp_path / "runs")
    with pytest.raises(LawfulnessError, match=r"2 requests cannot be shown to be honoured \(1 match no "
                       r"record; 1 carry no usable .* first: R900001, R900002\)"):
        run_all(ctx, echo=lambda s: None)
    assert not ctx.run.path("handover").exists() or not any(ctx.run.path("handover").iterdir())
    with pytest.raises(LawfulnessError):  # the handover refuses on its own too
        step_handover(ctx)
    requests = pd.read_csv(ctx.run.file("suppression_requests"), dtype=str)
    assert requests.set_index("request_id").loc[["R900001", "R900002"], "status"].tolist() == [
        "unmatched", "unusable"]


def test_marketing_optout_transfers_the_customer_with_consent_refused(tmp_path):
    data = yaml.safe_load((REPO / "params" / "rehearsal.yaml").read_text(encoding="utf-8"))
    for entry in data["sources"] + data.get("suppression", []):
        entry["path"] = str((REPO / "params" / entry["path"]).resolve())
    supp = pd.read_csv(data["suppression"][0]["path"], dtype=str, keep_default_na=False).iloc[:0]
    supp = pd.concat([supp, pd.DataFrame([["R1", "退订", "18822624813", "", "", "2026-06-01"]],
                                         columns=supp.columns)])
    (tmp_path / "s.csv").write_text(supp.to_csv(index=False), encoding="utf-8")
    data["suppression"][0]["path"] = str(tmp_path / "s.csv")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ctx = open_run(tmp_path / "p.yaml", run_id="o", runs_dir=tmp_path / "runs")
    run_all(ctx, echo=lambda s: None)
    rec = ctx.run.read_table("record_dispositions").set_index(["source", "record_id"])
    entity = rec.loc[("pos", "M10000001"), "entity_id"]
    ent = ctx.run.read_table("entity_dispositions").set_index("entity_id").loc[entity]
    assert ent["disposition"] == "transferred" and "MARKETING_OPTOUT" in ent["flags"]
    from migration_kit.pipeline import export_frames

    customers = export_frames(ctx)["customers"].set_index("entity_id")
    assert customers.loc[entity, "marketing_consent"] == False  # noqa: E712 (a pandas boolean)


def test_resolved_and_overridden_requests_let_the_run_finish(tmp_path):
    (tmp_path / "resolved.csv").write_text("request_id,source,record_id\nR900001,pos,M10000001\n", encoding="utf-8")
    requests = {"resolutions": str(tmp_path / "resolved.csv"),
                "overrides": [{"request_ids": ["R900002"], "reason": "request gave no contact data; "
                               "requester confirmed by letter to hold no account", "approved_by": "DPO Zhang"}]}
    ctx = open_run(_variant(tmp_path, requests), run_id="ok", runs_dir=tmp_path / "runs")
    results = run_all(ctx, echo=lambda s: None)
    assert results["scope"]["requests_matched_by_hand"] == 1 and results["scope"]["requests_overridden"] == 1
    rec = ctx.run.read_table("record_dispositions").set_index(["source", "record_id"])
    assert rec.loc[("pos", "M10000001"), "disposition"] == "excluded"
    assert "ERASURE_REQUEST" in rec.loc[("pos", "M10000001"), "reason_codes"]
    assert any(ctx.run.path("handover").glob("customers.part*.csv.cms"))
