"""Purge destroys every copy of personal data the run folder holds, then writes and signs the
certificate; never twice, never through a link."""
from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

from migration_kit.errors import MigrationKitError
from migration_kit.handover.audit import verify_audit
from migration_kit.pipeline import open_run, run_all, step_backup, step_intake
from migration_kit.purge import purge_run
from tests.conftest import base_params, write_params


def test_purge_destroys_work_files_and_records_it(tiny_sources, tmp_path):
    ctx = open_run(write_params(tiny_sources, base_params()), run_id="p", runs_dir=tmp_path / "runs")
    step_backup(ctx)
    step_intake(ctx)
    work = sorted(p.name for p in ctx.run.path("work").iterdir())
    assert work == ["raw.parquet", "suppression_raw.parquet"]
    summary = purge_run(ctx.run.root)
    assert not any(ctx.run.path("work").iterdir()) and summary["backup"] == "destroyed"
    record = json.loads(ctx.run.file("purge_record").read_text())
    purged = [f["file"] for f in record["files_purged"]]
    assert record["status"] == "done" and {f"work/{n}" for n in work} <= set(purged)
    assert not [p for p in ctx.run.path("backup").rglob("*") if p.is_file()]
    assert not ctx.run.path("secrets", "keys").exists() or not any(ctx.run.path("secrets", "keys").iterdir())
    entries = verify_audit(ctx.run.path("audit_log.jsonl"))
    assert entries[-1]["step"] == "purge" and entries[-1]["params_hash"] == entries[0]["params_hash"] != "0" * 64
    assert set(entries[-1]["outputs"]) == {"destruction_certificate", "destruction_certificate_signature"}
    with pytest.raises(MigrationKitError, match="already purged"):
        purge_run(ctx.run.root)


@pytest.fixture(scope="module")
def rehearsal_purged(tmp_path_factory):
    """The rehearsal run, handed over, then purged keeping the backup until a date."""
    from pathlib import Path

    tmp = tmp_path_factory.mktemp("purge")
    ctx = open_run(Path(__file__).resolve().parents[1] / "params" / "rehearsal.yaml", run_id="p",
                   runs_dir=tmp / "runs")
    run_all(ctx, echo=lambda s: None)
    assert not ctx.run.file("destruction_certificate").exists()  # no certificate before purge
    seller_pem = (ctx.run.path("secrets", "keys") / "seller.pem").read_bytes()
    (tmp / "seller.pem").write_bytes(seller_pem)
    summary = purge_run(ctx.run.root, backup="retain", retain_until=dt.date(2027, 6, 30))
    return ctx, summary, tmp / "seller.pem"


def test_certificate_after_purge_is_signed_and_names_what_is_retained(rehearsal_purged):
    ctx, summary, seller_pem = rehearsal_purged
    cert = ctx.run.file("destruction_certificate")
    text = cert.read_text(encoding="utf-8")
    assert "retained until 2027-06-30" in text and "| ERASURE_REQUEST |" in text
    assert "the run folder holds no key that decrypts it" in text
    assert not (ctx.run.path("secrets", "keys") / "seller.key").exists()
    sig = ctx.run.file("destruction_certificate_signature")
    ok = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(sig),
                         "-content", str(cert), "-CAfile", str(seller_pem), "-purpose", "any",
                         "-out", "/dev/null"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert summary["backup"] == "retained until 2027-06-30"


def test_purge_refuses_links_and_folders_that_are_not_runs(tiny_sources, tmp_path):
    with pytest.raises(MigrationKitError, match="no work/ folder or audit log"):
        purge_run(tmp_path)
    ctx = open_run(write_params(tiny_sources, base_params()), run_id="l", runs_dir=tmp_path / "runs")
    step_backup(ctx)
    step_intake(ctx)
    (ctx.run.path("work") / "elsewhere").symlink_to(tmp_path)
    with pytest.raises(MigrationKitError, match="a link inside the run folder; purge never follows links"):
        purge_run(ctx.run.root)
    assert (ctx.run.path("work") / "raw.parquet").exists()  # nothing destroyed


@pytest.mark.parametrize("backup,until,match", [("keep", None, "backup: received 'keep'"),
                                                ("retain", None, "needs retain_until")])
def test_purge_options_are_checked(tiny_sources, tmp_path, backup, until, match):
    ctx = open_run(write_params(tiny_sources, base_params()), run_id="o", runs_dir=tmp_path / "runs")
    step_intake(ctx)
    with pytest.raises(MigrationKitError, match=match):
        purge_run(ctx.run.root, backup=backup, retain_until=until)


def test_lookup_still_answers_after_purge(rehearsal_purged):
    from migration_kit.scoping.lookup import lookup

    ctx, _, _ = rehearsal_purged
    assert not ctx.run.file("std").exists()
    out = lookup(ctx.run.root, phone="+4915109463546")  # R000001 withdrew consent
    assert len(out) >= 1 and out["status"].str.startswith("erased on ").all()
    assert set(out["reason_codes"]) <= {"WITHDRAWN_CONSENT", "WITHDRAWN_CONSENT;ERASURE_REQUEST"} or \
        all("WITHDRAWN_CONSENT" in r for r in out["reason_codes"])
    assert "4915109463546" not in out.to_csv(index=False)
    assert lookup(ctx.run.root, phone="13999999999").empty


def test_certificate_counts_each_reason_as_the_destruction_log_does(rehearsal_purged):
    """Per reason code: records destroyed and retained, counted row by row from the log."""
    import pandas as pd

    ctx = rehearsal_purged[0]
    log = pd.read_csv(ctx.run.file("destruction_log"))
    done = log["destroyed"].astype(str).str.lower().isin(["true", "1"])
    expected: dict[str, list[int]] = {}
    for codes, d in zip(log["reason_codes"], done, strict=True):
        for code in str(codes).split(";"):
            expected.setdefault(code, [0, 0])[0 if d else 1] += 1
    text = ctx.run.file("destruction_certificate").read_text(encoding="utf-8")
    assert expected
    for code, (destroyed, retained) in expected.items():
        assert f"| {code} | {destroyed} | {retained} |" in text
