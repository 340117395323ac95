"""End to end on the committed rehearsal set: every step, reconciliation, privacy, handover checks."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from migration_kit.handover.verify import verify_handover
from migration_kit.pipeline import open_run, run_all
from tests.conftest import plaintext_hits

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params" / "rehearsal.yaml"


def _truth() -> pd.DataFrame:
    truth = pd.read_csv(REPO / "synthetic_data" / "rehearsal" / "truth.csv", dtype=str, keep_default_na=False)
    return truth[truth["source"] != "suppression"]


def test_every_record_is_accounted_for(rehearsal_run):
    ctx, results = rehearsal_run
    rec = ctx.run.read_parquet("record_dispositions")
    n_input = len(_truth())
    assert len(rec) == n_input == results["intake"]["rows"]
    counts = rec["disposition"].value_counts().to_dict()
    assert counts.get("transferred", 0) + counts.get("merged", 0) + counts.get("excluded", 0) == n_input
    assert (rec.loc[rec["disposition"] == "excluded", "reason_codes"].str.len() > 0).all()


def test_no_suppressed_customer_is_transferred(rehearsal_run):
    ctx, _ = rehearsal_run
    truth = _truth()
    flagged = truth[(truth["withdrawn"].str.lower() == "true") | (truth["erasure"].str.lower() == "true")]
    rec = ctx.run.read_parquet("record_dispositions").merge(flagged[["source", "record_id"]])
    assert len(rec) == len(flagged) > 0
    assert set(rec["disposition"]) == {"excluded"}


def test_minors_with_a_known_birth_date_are_not_transferred(rehearsal_run):
    """A minor is detectable when some record of the customer states a birth date or an ID number;
    a web-shop-only child with neither cannot be told from an adult (counted, not asserted)."""
    ctx, _ = rehearsal_run
    truth = _truth()
    minors = truth[truth["minor"].str.lower() == "true"][["source", "record_id"]]
    std = ctx.run.read_parquet("std").merge(ctx.run.read_parquet("entities"), on=["source", "record_id"])
    evidence = std[std["birth_date"].notna() | std["id_number"].notna()]["entity_id"].unique()
    rec = ctx.run.read_parquet("record_dispositions").merge(minors, on=["source", "record_id"])
    detectable = rec[rec["entity_id"].isin(evidence)]
    assert len(rec) == len(minors) and len(detectable) > 0.5 * len(minors)
    assert set(detectable["disposition"]) == {"excluded"}
    assert detectable["reason_codes"].str.contains("MINOR_UNDER_14").all()


def test_no_personal_data_in_plaintext_artifacts(rehearsal_run):
    ctx, _ = rehearsal_run
    assert plaintext_hits(ctx.run.root) == {}


def test_handover_verifies_and_opens_with_openssl(rehearsal_run, tmp_path):
    ctx, _ = rehearsal_run
    keys = ctx.run.path("secrets", "keys")
    report = verify_handover(ctx.run.path("handover"), keys / "seller.pem", recipient_key=keys / "buyer.key",
                             recipient_cert=keys / "buyer.pem")
    assert report.ok, report.problems
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    part = next(ctx.run.path("handover").glob("customers.part*.csv.cms"))
    out = tmp_path / "customers.csv"
    subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(part), "-recip",
                    str(keys / "buyer.pem"), "-inkey", str(keys / "buyer.key"), "-out", str(out)], check=True)
    customers = pd.read_csv(out, dtype=str)
    assert len(customers) == ctx.run.read_json("reconciliation")["transferred"]


def test_report_is_self_contained(rehearsal_run):
    ctx, _ = rehearsal_run
    html = ctx.run.path("report.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and "http://" not in html.replace("http://www.w3.org", "")
    for section in ("Source inventory", "Field classification", "Deduplication", "Exclusions by reason",
                    "Data quality", "Cross-border", "Reconciliation", "Handover manifest", "Sign-off checklist"):
        assert section in html
    assert html.count("data:image/png;base64,") >= 3


def test_audit_chain_covers_every_step(rehearsal_run):
    from migration_kit.handover.audit import verify_audit

    ctx, _ = rehearsal_run
    steps = [e["step"] for e in verify_audit(ctx.run.path("audit_log.jsonl"))]
    assert steps == ["backup", "intake", "clean", "link", "scope", "quality", "handover", "report"]


def test_report_renders_in_headless_chromium(rehearsal_run, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium not installed")
    ctx, _ = rehearsal_run
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           ctx.run.path("report.html").as_uri()], capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert "<h1>Customer data handover report</h1>" in dom
    assert dom.count("<h2>") >= 10 and dom.count("<img") >= 3


def test_quality_improves_where_cleaning_and_linkage_should(rehearsal_run):
    ctx, _ = rehearsal_run
    side = pd.read_csv(ctx.run.file("quality_compare")).set_index("metric")
    for metric in ("overall", "uniqueness", "uniqueness.phone", "uniqueness.email", "uniqueness.entity_id",
                   "timeliness", "validity"):
        assert side.loc[metric, "after"] > side.loc[metric, "before"], metric
    assert side.loc["uniqueness.entity_id", "after"] == 100.0


def test_every_suppression_request_is_accounted_for(rehearsal_run):
    ctx, _ = rehearsal_run
    requests = pd.read_csv(ctx.run.file("suppression_requests"), dtype=str)
    raw = ctx.run.read_parquet("suppression_raw")
    assert sorted(requests["request_id"]) == sorted(raw["request_id"])
    assert set(requests["status"]) <= {"matched", "unmatched", "unusable"}
    assert (requests["status"] == "matched").sum() == len(requests)  # the generator's requests all match


def test_unusable_suppression_request_is_reported_not_dropped():
    from migration_kit.pipeline import suppression_status

    raw = pd.DataFrame({"request_id": ["R1", "R2", "R3"], "request_type": ["erasure"] * 3})
    norm = pd.DataFrame({"request_id": ["R1", "R2"], "request_type": ["erasure"] * 2,
                         "phone": ["+8613812345678", "+8613900000000"], "email": [None, None], "id_number": [None, None]})
    std = pd.DataFrame({"phone": ["+8613812345678"], "email": [None], "id_number": [None]})
    assert suppression_status(raw, norm, std)["status"].tolist() == ["matched", "unmatched", "unusable"]


def test_unmapped_columns_travel_only_when_the_params_say_so(tiny_sources, tmp_path):
    from migration_kit.errors import ParamsError
    from migration_kit.intake import run_intake
    from migration_kit.params import load_params
    from migration_kit.pipeline import export_frames
    from migration_kit.pipeline import step_clean, step_intake, step_link
    from migration_kit.pipeline import step_scope
    from tests.conftest import base_params, write_params

    (tiny_sources / "pos.csv").write_bytes(
        "会员编号,姓名,手机号码,出生日期,会员等级,备注\nM1,王伟,13812345678,1990-03-05,金卡,VIP\n"
        "M2,李娜,13912345678,1985-12-12,银卡,\n".encode("utf-8-sig"))
    data = {**base_params(), "policy": {"transfer_date": "2026-12-01"}}
    ctx = open_run(write_params(tiny_sources, data), run_id="u", runs_dir=tmp_path)
    assert run_intake(ctx.params).extras is None
    data["sources"][0]["transfer_unmapped"] = ["会员等级"]
    ctx = open_run(write_params(tiny_sources, data), run_id="t", runs_dir=tmp_path)
    for step in (step_intake, step_clean, step_link, step_scope):
        step(ctx)
    record_map = export_frames(ctx)["record_map"]
    assert "pos.会员等级" in record_map.columns and "pos.备注" not in record_map.columns
    assert record_map.set_index("record_id").loc["M1", "pos.会员等级"] == "金卡"
    data["sources"][0]["transfer_unmapped"] = ["等级"]
    with pytest.raises(ParamsError, match="'等级' is not an unmapped column of pos.csv; unmapped columns: 会员等级, 备注"):
        run_intake(load_params(write_params(tiny_sources, data)))


def test_report_facts_count_every_cleaning_failure(rehearsal_run):
    from migration_kit.report import collect_facts

    ctx, _ = rehearsal_run
    facts = collect_facts(ctx.run)
    assert facts["failures"] == len(ctx.run.read_parquet("failures")) > 0
    assert facts["suppressed"] > 0 and facts["audit_entries"] >= 8


def test_releases_memory_keeps_the_steps_result_and_errors():
    from migration_kit.errors import ScopingError
    from migration_kit.pipeline import releases_memory

    @releases_memory
    def ok(ctx, *, n=1):
        """A step."""
        return {"n": n}

    @releases_memory
    def fails(ctx):
        raise ScopingError("input 3 != transferred 1 + merged 1 + excluded 0")

    assert ok(None, n=2) == {"n": 2} and ok.__doc__ == "A step." and ok.__name__ == "ok"
    with pytest.raises(ScopingError, match="input 3"):
        fails(None)


def test_exported_money_is_the_exact_sum_of_the_source_texts(rehearsal_run):
    """Every transferred customer's total_spent in the buyer's CSV is the decimal text of exactly
    the sum of what its records' source cells say (no float anywhere on the way)."""
    import io
    from decimal import Decimal

    from migration_kit.handover.cms import decrypt
    from migration_kit.handover.keys import load_certificate, load_private_key

    ctx, _ = rehearsal_run
    keys = ctx.run.path("secrets", "keys")
    cert, key = load_certificate(keys / "buyer.pem"), load_private_key(keys / "buyer.key")
    parts = sorted(ctx.run.path("handover").glob("customers.part*.csv.cms"))
    customers = pd.concat([pd.read_csv(io.BytesIO(decrypt(p.read_bytes(), cert, key)), dtype=str,
                                       keep_default_na=False) for p in parts], ignore_index=True)
    assert not (ctx.run.read_parquet("failures")["field"] == "total_spent").any()  # all valid
    raw = ctx.run.read_parquet("raw")[["source", "record_id", "raw__total_spent"]]
    rec = raw.merge(ctx.run.read_parquet("entities"), on=["source", "record_id"])
    rec = rec[rec["raw__total_spent"].fillna("").str.strip() != ""]
    expected = rec.groupby("entity_id")["raw__total_spent"].agg(lambda s: sum(map(Decimal, s)))
    shown = customers.set_index("entity_id")["total_spent"]
    assert len(shown) == ctx.run.read_json("reconciliation")["transferred"] > 1000
    assert shown.str.fullmatch(r"\d+\.\d{2}").all()  # decimal text: never 1e+16, never ...0299999
    assert (shown.map(Decimal) == expected.reindex(shown.index)).all()


def test_run_folder_is_private_to_its_owner(rehearsal_run):
    ctx, _ = rehearsal_run
    for folder in [ctx.run.root, *(p for p in ctx.run.root.rglob("*") if p.is_dir())]:
        assert folder.stat().st_mode & 0o077 == 0, folder
    for f in (p for p in ctx.run.root.rglob("*") if p.is_file() and p.suffix != ".pem"):
        assert f.stat().st_mode & 0o077 == 0, f  # (certificates are public; their folder is not)


@pytest.mark.parametrize("run_id", ["../../escape", "a/b", "..", ".hidden"])
def test_run_ids_cannot_climb_out_of_the_runs_folder(tmp_path, run_id):
    from migration_kit.errors import MigrationKitError

    with pytest.raises(MigrationKitError, match="run id"):
        open_run(PARAMS, run_id=run_id, runs_dir=tmp_path / "runs")
    assert not (tmp_path / "escape").exists()
