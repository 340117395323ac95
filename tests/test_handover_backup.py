"""Encrypted backup of raw inputs and byte-identical restore."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from migration_kit.errors import InputError, IntegrityError, KeyMaterialError
from migration_kit.handover.backup import backup_files, restore
from tests.test_handover_export import material
from tests.test_handover_keys import keyset

FILES = [
    ("pos.csv", "会员编号,姓名,手机号码\nM1,王小明,+8613912345678\r\n".encode("utf-8-sig")),
    ("web.csv", "用户ID,收货人\nW1,張偉\n".encode("gbk")),
    ("empty.csv", b""),
    ("big.bin", bytes(range(256)) * 20),  # 5120 bytes -> 5 chunks of 1024 (+ none extra)
    ("exact.bin", b"x" * 2048),  # exactly two chunks
]
KEY, CERT = "seller.key", "seller.pem"


@pytest.fixture
def backed_up(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name, data in FILES:
        (src / name).write_bytes(data)
    manifest = backup_files([src / n for n, _ in FILES], tmp_path / "backup", material(), chunk_bytes=1024,
                            created_at="2026-01-01T00:00:00+00:00")
    return tmp_path, manifest


def test_restore_is_byte_identical(backed_up):
    tmp_path, manifest = backed_up
    assert [len(f["chunks"]) for f in manifest["files"]] == [1, 1, 1, 5, 2]
    restored = restore(tmp_path / "backup", keyset() / KEY, keyset() / CERT, tmp_path / "out")
    assert [p.name for p in restored] == [n for n, _ in FILES]
    for name, data in FILES:
        assert (tmp_path / "out" / name).read_bytes() == data
    for f, (_, data) in zip(manifest["files"], FILES):
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["bytes"] == len(data)


def test_backup_holds_no_plaintext(backed_up):
    tmp_path, _ = backed_up
    for p in (tmp_path / "backup").iterdir():
        blob = p.read_bytes()
        for secret in ("王小明", "+8613912345678"):
            assert secret.encode() not in blob, p.name


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl binary not installed")
def test_openssl_restores_a_chunked_file(backed_up):
    tmp_path, manifest = backed_up
    entry = next(f for f in manifest["files"] if f["name"] == "big.bin")
    out = b""
    for c in entry["chunks"]:
        res = subprocess.run(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in",
                              str(tmp_path / "backup" / c["name"]), "-recip", str(keyset() / CERT),
                              "-inkey", str(keyset() / KEY)], capture_output=True)
        assert res.returncode == 0, res.stderr
        out += res.stdout
    assert out == FILES[3][1]


def _flip(path):
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0xFF
    path.write_bytes(bytes(blob))


def _edit_manifest(path):
    m = json.loads(path.read_text(encoding="utf-8"))
    m["files"][0]["bytes"] += 1
    path.write_text(json.dumps(m), encoding="utf-8")


@pytest.mark.parametrize("target, mutate, error, match", [
    ("big.bin.bak0003.cms", _flip, IntegrityError, r"big\.bin\.bak0003\.cms: ciphertext SHA-256 differs"),
    ("big.bin.bak0002.cms", lambda p: p.unlink(), IntegrityError, r"big\.bin\.bak0002\.cms: backup chunk .* missing"),
    ("backup_manifest.json", _edit_manifest, IntegrityError, r"backup_manifest\.json: signature check failed"),
    ("backup_manifest.json.p7s", lambda p: p.unlink(), IntegrityError, r"signature of the backup manifest is missing"),
])
def test_restore_refuses_a_damaged_backup(backed_up, target, mutate, error, match):
    tmp_path, _ = backed_up
    mutate(tmp_path / "backup" / target)
    with pytest.raises(error, match=match):
        restore(tmp_path / "backup", keyset() / KEY, keyset() / CERT, tmp_path / "out")
    # all or nothing: files before the damaged one (pos.csv, web.csv) are not restored either
    out = tmp_path / "out"
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []


def test_restore_refuses_to_overwrite_before_writing_anything(backed_up):
    tmp_path, _ = backed_up
    out = tmp_path / "out"
    out.mkdir()
    (out / "exact.bin").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match=r"exact\.bin: already exists"):
        restore(tmp_path / "backup", keyset() / KEY, keyset() / CERT, out)
    assert sorted(p.name for p in out.iterdir()) == ["exact.bin"] and (out / "exact.bin").read_bytes() == b"mine"
    restore(tmp_path / "backup", keyset() / KEY, keyset() / CERT, out, overwrite=True)
    assert (out / "exact.bin").read_bytes() == b"x" * 2048


@pytest.mark.parametrize("key, cert, error, match", [
    ("buyer.key", "buyer.pem", IntegrityError, r"cannot decrypt with certificate sha256:"),
    ("buyer.key", "seller.pem", KeyMaterialError, r"private key does not belong to certificate"),
])
def test_restore_with_the_wrong_key_fails(backed_up, key, cert, error, match):
    tmp_path, _ = backed_up
    with pytest.raises(error, match=match):
        restore(tmp_path / "backup", keyset() / key, keyset() / cert, tmp_path / "out")


def test_backup_input_errors(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "x.csv").write_text("1")
    with pytest.raises(IntegrityError, match="x.csv occur more than once"):
        backup_files([tmp_path / "a/x.csv", tmp_path / "b/x.csv"], tmp_path / "bk", material())
    with pytest.raises(InputError, match="input file to back up not found"):
        backup_files([tmp_path / "nope.csv"], tmp_path / "bk", material())
    backup_files([tmp_path / "a/x.csv"], tmp_path / "bk", material())
    with pytest.raises(IntegrityError, match="already holds a backup"):
        backup_files([tmp_path / "a/x.csv"], tmp_path / "bk", material())
    restore(tmp_path / "bk", keyset() / KEY, keyset() / CERT, tmp_path / "a", overwrite=True)
    with pytest.raises(FileExistsError, match="already exists"):
        restore(tmp_path / "bk", keyset() / KEY, keyset() / CERT, tmp_path / "a")
