"""Encrypted export + signed manifest, checked with the real openssl binary."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from migration_kit.errors import IntegrityError, ParamsError, ScopingError
from migration_kit.handover import (AuditLog, KeysSpec, export_tables, load_key_material, verify_handover,
                                    write_manifest)
from migration_kit.handover.cms import decrypt
from migration_kit.handover.keys import load_certificate, load_private_key
from tests.test_handover_keys import keyset

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl binary not installed")
CREATED = "2026-01-02T03:04:05+00:00"
REC = {"input": 10, "transferred": 6, "merged": 3, "excluded": 1}
SECRETS = ["王小明", "欧阳娜娜", "+8613912345678", "zoe.muller@example.de", "11010519491231002X", "朝阳区建国路88号"]


def customers(n: int = 50) -> pd.DataFrame:
    """Small table with CJK, accents, commas, quotes and a newline inside a value."""
    base = pd.DataFrame({
        "entity_id": [f"E{i:06d}" for i in range(n)],
        "full_name": (SECRETS[:2] + ["Zoë Müller", 'Li "Lee", Jr.'] * n)[:n],
        "phone": (["+8613912345678", None] * n)[:n],
        "email": ["zoe.muller@example.de"] * n,
        "id_number": ["11010519491231002X"] * n,
        "address": ["北京市朝阳区建国路88号\n2单元"] * n,
        "total_spent": [12.5 * i for i in range(n)],
    })
    return base


def material(*recipients: str):
    spec = KeysSpec.from_dict({"recipient_certificates": list(recipients or ["buyer.pem"]),
                               "signer_certificate": "seller.pem", "signer_key": "seller.key"}, base_dir=keyset())
    return load_key_material(spec)


def build_handover(tmp_path: Path, *, part_rows: int = 20, with_audit: bool = True, **tables) -> tuple[Path, list]:
    """Export ``tables`` (default: customers + an empty table) into tmp_path/run/handover and sign."""
    tables = tables or {"customers": customers(), "suppressed": customers(0)}
    out = tmp_path / "run" / "handover"
    files = export_tables(tables, out, material(), part_rows=part_rows)
    audit = tmp_path / "run" / "audit_log.jsonl"
    if with_audit:
        log = AuditLog(audit)
        log.append("intake", {"pos.csv": "1" * 64}, {"raw.parquet": "2" * 64}, {"rows": 10}, "f" * 64,
                   user="analyst", time=CREATED)
        log.append("handover", {"golden.parquet": "3" * 64}, {f.name: f.ciphertext_sha256 for f in files},
                   {"rows": 50}, "f" * 64, user="analyst", time=CREATED)
    write_manifest(out, files, material(), reconciliation=REC, params_hash="f" * 64, run_id="r1",
                   created_at=CREATED, audit_log=audit if with_audit else None)
    return out, files


def openssl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([OPENSSL, *args], capture_output=True, cwd=cwd)


@needs_openssl
def test_openssl_decrypts_every_part_to_the_manifest_plaintext(tmp_path):
    out, files = build_handover(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    enc = [f for f in manifest["files"] if f["kind"] == "encrypted"]
    assert [f["name"] for f in enc] == [f.name for f in files]
    assert [(f["table"], f["part"], f["rows"]) for f in enc] == [
        ("customers", 1, 20), ("customers", 2, 20), ("customers", 3, 10), ("suppressed", 1, 0)]
    frames = []
    for f in enc:
        res = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(out / f["name"]),
                      "-recip", str(keyset() / "buyer.pem"), "-inkey", str(keyset() / "buyer.key"))
        assert res.returncode == 0, res.stderr
        assert hashlib.sha256(res.stdout).hexdigest() == f["plaintext_sha256"]
        assert len(res.stdout) == f["plaintext_bytes"]
        if f["table"] == "customers":
            frames.append(pd.read_csv(io.BytesIO(res.stdout), dtype={"phone": str}, keep_default_na=False))
    back = pd.concat(frames, ignore_index=True)
    expected = customers().fillna("")
    assert back["full_name"].tolist() == expected["full_name"].tolist()
    assert back["address"].tolist() == expected["address"].tolist()
    assert back["phone"].tolist() == expected["phone"].tolist()
    assert manifest["tables"]["customers"]["rows"] == 50 and manifest["reconciliation"] == REC
    assert manifest["created_at"] == CREATED and manifest["audit"]["entries"] == 2


@needs_openssl
@pytest.mark.parametrize("extra", [["-CAfile", "seller.pem", "-purpose", "any"], ["-noverify"]])
def test_openssl_verifies_the_manifest_signature_and_rejects_an_edit(tmp_path, extra):
    out, _ = build_handover(tmp_path)
    shutil.copy(keyset() / "seller.pem", tmp_path / "seller.pem")
    extra = [str(tmp_path / a) if a.endswith(".pem") else a for a in extra]
    args = ["cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.p7s", "-content", "manifest.json",
            "-out", "/dev/null", *extra]
    ok = openssl(*args, cwd=out)
    assert ok.returncode == 0 and b"Verification successful" in ok.stderr
    text = (out / "manifest.json").read_text(encoding="utf-8").replace('"transferred": 6', '"transferred": 7')
    (out / "manifest.json").write_text(text, encoding="utf-8")
    bad = openssl(*args, cwd=out)
    assert bad.returncode != 0 and b"Verification failure" in bad.stderr


@needs_openssl
def test_wrong_recipient_key_fails_loudly(tmp_path):
    out, files = build_handover(tmp_path)
    part = out / files[0].name
    res = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", str(part),
                  "-recip", str(keyset() / "other.pem"), "-inkey", str(keyset() / "other.key"))
    assert res.returncode != 0
    with pytest.raises(IntegrityError, match=r"customers\.part0001\.csv\.cms: cannot decrypt with certificate sha256:"):
        decrypt(part.read_bytes(), load_certificate(keyset() / "other.pem"),
                load_private_key(keyset() / "other.key"), name=part.name)


def test_every_recipient_can_decrypt(tmp_path):
    files = export_tables({"t": customers(4)}, tmp_path / "h", material("buyer.pem", "other.pem"))
    blob = (tmp_path / "h" / files[0].name).read_bytes()
    for who in ("buyer", "other"):
        plain = decrypt(blob, load_certificate(keyset() / f"{who}.pem"), load_private_key(keyset() / f"{who}.key"))
        assert hashlib.sha256(plain).hexdigest() == files[0].plaintext_sha256


@pytest.mark.parametrize("n, part_rows, part_bytes, expected_rows", [
    (0, 10, 1 << 20, [0]),
    (25, 10, 1 << 20, [10, 10, 5]),
    (25, 100, 1 << 20, [25]),
    (30, 100, 1500, None),  # byte bound: several parts, each under ~1500 bytes + one block
])
def test_parts_respect_row_and_byte_bounds(tmp_path, n, part_rows, part_bytes, expected_rows):
    files = export_tables({"t": customers(n)}, tmp_path / "h", material(), part_rows=part_rows,
                          part_bytes=max(part_bytes, 1024), block_rows=5)
    rows = [f.rows for f in files]
    assert sum(rows) == n
    if expected_rows is not None:
        assert rows == expected_rows
    else:
        assert len(files) > 1 and all(f.plaintext_bytes <= 1500 + 1024 for f in files)
    assert [f.part for f in files] == list(range(1, len(files) + 1))


def test_no_plaintext_and_no_temp_file_left_in_the_run_folder(tmp_path):
    out, _ = build_handover(tmp_path)
    blobs = {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()}
    assert (out / "README.txt") in blobs and (out / "manifest.json") in blobs
    assert not [p for p in blobs if ".partial-" in p.name]
    for path, blob in blobs.items():
        for secret in SECRETS:
            assert secret.encode("utf-8") not in blob, f"{secret!r} in plaintext in {path.name}"


@pytest.mark.parametrize("tables, error, match", [
    ({"../evil": customers(1)}, ParamsError, "table name '../evil' is not allowed"),
    ({"ok": [1, 2]}, ParamsError, "received list; expected a pandas DataFrame"),
])
def test_export_rejects_bad_tables(tmp_path, tables, error, match):
    with pytest.raises(error, match=match):
        export_tables(tables, tmp_path / "h", material())


def test_export_refuses_a_folder_with_an_earlier_export(tmp_path):
    export_tables({"t": customers(2)}, tmp_path / "h", material())
    with pytest.raises(IntegrityError, match=r"already holds t\.part0001\.csv\.cms.*new, empty folder"):
        export_tables({"t": customers(2)}, tmp_path / "h", material())


@pytest.mark.parametrize("rec, match", [
    ({"input": 10, "transferred": 6, "merged": 3, "excluded": 2}, r"input 10 != transferred 6 \+ merged 3 \+ excluded 2 = 11"),
    ({"input": 10, "transferred": 10}, "lacks merged, excluded"),
    ({"input": 1, "transferred": 1, "merged": 0, "excluded": -0.5}, r"excluded: received -0\.5"),
])
def test_manifest_refuses_counts_that_do_not_reconcile(tmp_path, rec, match):
    files = export_tables({"t": customers(2)}, tmp_path / "h", material())
    with pytest.raises(ScopingError, match=match):
        write_manifest(tmp_path / "h", files, material(), reconciliation=rec, params_hash="f" * 64, run_id="r",
                       created_at=CREATED)
    assert not (tmp_path / "h" / "manifest.json").exists()


def test_clean_handover_verifies(tmp_path):
    out, files = build_handover(tmp_path)
    report = verify_handover(out, keyset() / "seller.pem", recipient_key=keyset() / "buyer.key",
                             recipient_cert=keyset() / "buyer.pem")
    assert report.ok, report.problems
    assert report.pinned and report.files_checked == len(files) + 1  # + README.txt


@pytest.mark.parametrize("values, expected", [
    (["王", 'Li "Lee", Jr.', None], ['"王"', '"Li ""Lee"", Jr."', ""]),
    (pd.to_datetime(["2020-01-02", None]), ['"2020-01-02"', ""]),
    (pd.to_datetime(["2020-01-02 03:04:05", "2020-01-03 00:00:00"]), ['"2020-01-02T03:04:05"', '"2020-01-03T00:00:00"']),
    # fractions of a second are dropped as strftime drops them: floored, also before 1970
    (pd.to_datetime(["1969-12-31 23:59:59.5", "2020-01-02 03:04:05.7"]),
     ['"1969-12-31T23:59:59"', '"2020-01-02T03:04:05"']),
    (pd.to_datetime(["1931-07-08", None, "2262-04-11"]), ['"1931-07-08"', "", '"2262-04-11"']),
    (pd.array([1, None], dtype="Int64"), ["1", ""]),
    ([1.5, None], ["1.5", ""]),
    ([1, "a", None], ['"1"', '"a"', ""]),
])
def test_csv_format_of_each_kind_of_column(tmp_path, values, expected):
    files = export_tables({"t": pd.DataFrame({"c": values})}, tmp_path / "h", material())
    plain = decrypt((tmp_path / "h" / files[0].name).read_bytes(), load_certificate(keyset() / "buyer.pem"),
                    load_private_key(keyset() / "buyer.key"))
    assert plain.decode("utf-8") == "\n".join(['"c"', *expected]) + "\n"


def test_parts_sealed_in_a_worker_are_the_parts_made_here(tmp_path, monkeypatch):
    from migration_kit import parallel

    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    made = {}
    for name, least in (("here", 10**9), ("worker", 0)):
        monkeypatch.setattr(parallel, "POOL_MIN_ROWS", least)
        files = export_tables({"customers": customers(), "suppressed": customers(0)},
                              tmp_path / name, material(), part_rows=7)
        keep = ("name", "rows", "plaintext_bytes", "plaintext_sha256", "rows_checksum")
        made[name] = [{k: f.to_dict()[k] for k in keep} for f in files]
        cert, key = load_certificate(keyset() / "buyer.pem"), load_private_key(keyset() / "buyer.key")
        for f in files:  # each written part decrypts to the plaintext its entry names
            plain = decrypt((tmp_path / name / f.name).read_bytes(), cert, key)
            assert hashlib.sha256(plain).hexdigest() == f.plaintext_sha256
    assert made["here"] == made["worker"] and len(made["here"]) == 9
