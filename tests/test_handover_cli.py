"""The handover click commands: keys, verify, decrypt (--join), restore."""
from __future__ import annotations

import io
import stat

import pandas as pd
import pytest
from click.testing import CliRunner

from migration_kit.handover.backup import backup_files
from migration_kit.handover.cli import decrypt_command, keys_command, restore_command, verify_command
from tests.test_handover_export import build_handover, customers, material
from tests.test_handover_keys import keyset

SELLER = str(keyset() / "seller.pem")
BUYER = ["--key", str(keyset() / "buyer.key"), "--cert", str(keyset() / "buyer.pem"), "--signer-cert", SELLER]


def test_keys_command_writes_private_keys_0600(tmp_path):
    res = CliRunner().invoke(keys_command, ["--out", str(tmp_path / "k"), "--bits", "2048", "--name", "seller"])
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE((tmp_path / "k" / "seller.key").stat().st_mode) == 0o600
    assert (tmp_path / "k" / "seller.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in res.output


@pytest.mark.parametrize("tamper, code, expected", [
    (None, 0, "OK: signature"),
    (lambda o: (o / "customers.part0001.csv.cms").unlink(), 1, "PROBLEM: customers.part0001.csv.cms: listed in the manifest but missing"),
    (lambda o: (o / "stray.txt").write_text("x"), 1, "PROBLEM: stray.txt: present but not listed"),
])
def test_verify_command_exit_codes(tmp_path, tamper, code, expected):
    out, _ = build_handover(tmp_path)
    if tamper:
        tamper(out)
    res = CliRunner().invoke(verify_command, [str(out), "--signer-cert", SELLER, *BUYER])
    assert res.exit_code == code, res.output
    assert expected in res.output
    assert len([ln for ln in res.output.splitlines() if ln.startswith("PROBLEM")]) == (0 if code == 0 else 1)


def test_decrypt_command_one_part_and_joined_table(tmp_path):
    out, files = build_handover(tmp_path)
    runner = CliRunner()
    res = runner.invoke(decrypt_command, [str(out / files[1].name), *BUYER, "--out", str(tmp_path / "p2.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "p2.csv")) == files[1].rows
    res = runner.invoke(decrypt_command, [str(out / files[0].name), *BUYER, "--out", str(tmp_path / "all.csv"), "--join"])
    assert res.exit_code == 0, res.output
    back = pd.read_csv(io.BytesIO((tmp_path / "all.csv").read_bytes()))
    assert back["entity_id"].tolist() == customers()["entity_id"].tolist()
    res = runner.invoke(decrypt_command, [str(out / files[0].name), *BUYER, "--out", str(tmp_path / "all.csv")])
    assert res.exit_code != 0 and "already exists" in res.output


def test_restore_command(tmp_path):
    (tmp_path / "m.csv").write_bytes("id,name\n1,王小明\n".encode())
    backup_files([tmp_path / "m.csv"], tmp_path / "bk", material())
    res = CliRunner().invoke(restore_command, [str(tmp_path / "bk"), "--key", str(keyset() / "seller.key"),
                                               "--cert", SELLER, "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "m.csv").read_bytes() == (tmp_path / "m.csv").read_bytes()


KEYS_BAD_CASES = [  # arguments, environment, message
    (["--name", "../../evil"], {}, "key name '../../evil'"),
    (["--days", "-10"], {}, "must be valid for 1 day or more"),
    (["--days", "0"], {}, "must be valid for 1 day or more"),
    (["--passphrase-env", "EMPTY_PASS"], {"EMPTY_PASS": ""}, "not set or empty"),
]


@pytest.mark.parametrize("args,env,match", KEYS_BAD_CASES)
def test_keys_command_refuses_what_would_fail_open(tmp_path, args, env, match):
    res = CliRunner().invoke(keys_command, ["--out", str(tmp_path / "k"), "--bits", "2048", *args], env=env)
    assert res.exit_code != 0 and match in res.output + str(res.exception)
    assert "Traceback" not in res.output
    assert not any((tmp_path / "k").glob("*.key")) if (tmp_path / "k").exists() else True
    assert not (tmp_path.parent / "evil.key").exists()


def test_decrypt_refuses_a_corrupted_part_and_writes_nothing(tmp_path):
    out, files = build_handover(tmp_path)
    p = out / files[0].name
    blob = bytearray(p.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    p.write_bytes(bytes(blob))
    res = CliRunner().invoke(decrypt_command, [str(p), *BUYER, "--out", str(tmp_path / "x.csv")])
    assert res.exit_code != 0 and "SHA-256 differs" in str(res.exception) + res.output
    assert not (tmp_path / "x.csv").exists() and not list(tmp_path.glob(".x.csv*"))
