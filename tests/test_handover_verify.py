"""Tampering with a handover folder is always reported, naming what does not match."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from migration_kit.errors import IntegrityError
from migration_kit.handover import decrypt_file, verify_handover
from migration_kit.handover.cms import sign_detached, verify_detached
from migration_kit.handover.keys import load_certificate, load_private_key
from tests.test_handover_export import build_handover
from tests.test_handover_keys import keyset

PART = "customers.part0002.csv.cms"


def flip_byte(out: Path) -> None:
    p = out / PART
    blob = bytearray(p.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    p.write_bytes(bytes(blob))


def truncate(out: Path) -> None:
    p = out / PART
    p.write_bytes(p.read_bytes()[:-16])


def edit_manifest(out: Path) -> None:
    p = out / "manifest.json"
    p.write_text(p.read_text(encoding="utf-8").replace('"excluded": 1', '"excluded": 0'), encoding="utf-8")


def resign_with_other_key(out: Path) -> None:
    edit_manifest(out)
    data = (out / "manifest.json").read_bytes()
    sig = sign_detached(data, load_certificate(keyset() / "other.pem"), load_private_key(keyset() / "other.key"))
    (out / "manifest.json.p7s").write_bytes(sig)


def drop_audit_line(out: Path, index: int) -> None:
    p = out.parent / "audit_log.jsonl"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[index]
    p.write_text("".join(lines), encoding="utf-8")


def swap_audit_lines(out: Path) -> None:
    p = out.parent / "audit_log.jsonl"
    a, b = p.read_text(encoding="utf-8").splitlines(keepends=True)
    p.write_text(b + a, encoding="utf-8")


def edit_audit_count(out: Path) -> None:
    p = out.parent / "audit_log.jsonl"
    p.write_text(p.read_text(encoding="utf-8").replace('"rows":10', '"rows":11'), encoding="utf-8")


TAMPERS = [
    ("flipped ciphertext byte", flip_byte, rf"{PART}: SHA-256 \w+\.\.\. differs from the manifest"),
    ("truncated part", truncate, rf"{PART}: size \d+ bytes, manifest says \d+"),
    ("removed part", lambda o: (o / PART).unlink(), rf"{PART}: listed in the manifest but missing"),
    ("extra file", lambda o: (o / "customers.part0009.csv.cms").write_bytes(b"x"),
     r"customers\.part0009\.csv\.cms: present but not listed"),
    ("leftover temp file", lambda o: (o / f".{PART}.partial-123").write_bytes(b"x"), r"unfinished temporary file"),
    ("edited manifest", edit_manifest, r"manifest\.json: signature check failed: the content does not match the signed digest"),
    ("re-signed by someone else", resign_with_other_key, r"signed by certificate serial \w+, not by the expected certificate"),
    ("missing signature", lambda o: (o / "manifest.json.p7s").unlink(), r"manifest\.json\.p7s: signature missing"),
    ("garbage signature", lambda o: (o / "manifest.json.p7s").write_bytes(b"0\x03\x02\x01\x05"),
     r"signature check failed: not a DER CMS SignedData"),
    ("removed first audit line", lambda o: drop_audit_line(o, 0), r"audit_log\.jsonl: line 1: prev_hash does not match"),
    ("removed last audit line", lambda o: drop_audit_line(o, 1), r"has 1 entries but the signed manifest recorded 2"),
    ("reordered audit lines", swap_audit_lines, r"audit_log\.jsonl: line 1: prev_hash does not match"),
    ("edited audit entry", edit_audit_count, r"audit_log\.jsonl: line 1: entry_hash does not match"),
]


@pytest.mark.parametrize("label, tamper, expected", TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tampering_is_reported(tmp_path, label, tamper, expected):
    out, _ = build_handover(tmp_path)
    assert verify_handover(out, keyset() / "seller.pem").ok
    tamper(out)
    report = verify_handover(out, keyset() / "seller.pem")
    assert not report.ok, f"{label} passed silently"
    assert any(re.search(expected, p) for p in report.problems), report.problems


def test_plaintext_check_catches_a_swapped_part_with_a_forged_manifest(tmp_path):
    """Part 1's ciphertext under part 2's name, manifest hashes forged: signature and plaintext both fail."""
    out, files = build_handover(tmp_path)
    blob = (out / files[0].name).read_bytes()
    (out / PART).write_bytes(blob)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(f for f in manifest["files"] if f["name"] == PART)
    entry["ciphertext_sha256"], entry["ciphertext_bytes"] = hashlib.sha256(blob).hexdigest(), len(blob)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = verify_handover(out, keyset() / "seller.pem", recipient_key=keyset() / "buyer.key",
                             recipient_cert=keyset() / "buyer.pem")
    assert any("signature check failed" in p for p in report.problems)
    assert f"{PART}: decrypted content differs from the manifest's plaintext_sha256" in report.problems


def test_unpinned_signature_fails(tmp_path):
    out, _ = build_handover(tmp_path)
    report = verify_handover(out)
    assert not report.ok and not report.pinned
    assert any("pin the seller: pass --signer-cert seller.pem" in p for p in report.problems)


def test_an_attackers_resigned_manifest_fails(tmp_path):
    import json

    from migration_kit.handover.cms import sign_detached
    from migration_kit.handover.keys import generate_keys, load_certificate, load_private_key

    out, _ = build_handover(tmp_path)
    m = json.loads((out / "manifest.json").read_text())
    m["run_id"] = "edited"
    data = json.dumps(m).encode()
    (out / "manifest.json").write_bytes(data)
    generate_keys(tmp_path / "evil", names=("evil",), bits=2048)
    sig = sign_detached(data, load_certificate(tmp_path / "evil" / "evil.pem"),
                        load_private_key(tmp_path / "evil" / "evil.key"))
    (out / "manifest.json.p7s").write_bytes(sig)
    assert not verify_handover(out).ok  # unpinned: fails
    assert not verify_handover(out, keyset() / "seller.pem").ok  # pinned: not the seller


MANIFEST_CASES = [  # edit of the manifest, problem
    (lambda m: m.pop("files"), "no 'files' list"),
    (lambda m: m["files"][0].pop("ciphertext_sha256"), "files[0].ciphertext_sha256: missing"),
    (lambda m: m["files"][0].update(name="../../etc/passwd"), "is not a plain file name"),
    (lambda m: m["files"][0].update(ciphertext_bytes="12"), "ciphertext_bytes: missing or not a int"),
    (lambda m: m["files"].append(dict(m["files"][0])), "listed twice"),
    (lambda m: m["files"][0].update(plaintext_sha256="xyz"), "not a SHA-256 hex digest"),
]


@pytest.mark.parametrize("edit,problem", MANIFEST_CASES)
def test_hand_made_manifests_give_one_line_problems(tmp_path, edit, problem):
    import json

    out, _ = build_handover(tmp_path)
    m = json.loads((out / "manifest.json").read_text())
    edit(m)
    (out / "manifest.json").write_text(json.dumps(m))
    report = verify_handover(out, keyset() / "seller.pem")
    assert not report.ok and any(problem in p for p in report.problems)


def test_missing_manifest_is_a_problem(tmp_path):
    out, _ = build_handover(tmp_path)
    (out / "manifest.json").unlink()
    assert verify_handover(out).problems == [f"{out / 'manifest.json'}: manifest missing; nothing can be verified"]


def test_decrypt_file_checks_hashes_from_the_manifest(tmp_path):
    out, files = build_handover(tmp_path)
    seller = keyset() / "seller.pem"
    plain = decrypt_file(out / files[0].name, keyset() / "buyer.key", keyset() / "buyer.pem", signer_cert=seller)
    assert plain.startswith(b"\"entity_id\",\"full_name\",")
    with pytest.raises(IntegrityError, match=r"needs the seller's certificate"):
        decrypt_file(out / PART, keyset() / "buyer.key", keyset() / "buyer.pem")
    flip_byte(out)
    with pytest.raises(IntegrityError, match=rf"{PART}: SHA-256 differs from manifest\.json"):
        decrypt_file(out / PART, keyset() / "buyer.key", keyset() / "buyer.pem", signer_cert=seller)


@pytest.mark.parametrize("data, match", [
    (b"{}", "the content does not match the signed digest"),
    (b"", "the content does not match the signed digest"),
])
def test_verify_detached_rejects_other_content(data, match):
    cert, key = load_certificate(keyset() / "seller.pem"), load_private_key(keyset() / "seller.key")
    sig = sign_detached(b'{"a": 1}\n', cert, key)
    assert verify_detached(b'{"a": 1}\n', sig, cert).pinned
    with pytest.raises(IntegrityError, match=match):
        verify_detached(data, sig, cert)
    with pytest.raises(IntegrityError, match="not by the expected certificate"):
        verify_detached(b'{"a": 1}\n', sig, load_certificate(keyset() / "buyer.pem"))
