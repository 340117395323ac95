"""Key spec parsing, rehearsal key generation and key-material validation.

Also provides :func:`keyset` (keys made once per test session, 2048-bit) to the other
``test_handover_*`` files.
"""
from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from migration_kit.errors import KeyMaterialError, ParamsError
from migration_kit.handover.keys import KeysSpec, generate_keys, load_key_material

UTC = dt.timezone.utc


@functools.lru_cache(maxsize=1)
def keyset() -> Path:
    """Folder with seller/buyer/other key pairs plus broken material; made once per session."""
    root = Path(tempfile.mkdtemp(prefix="mk_keys_"))
    atexit.register(shutil.rmtree, root, True)
    generate_keys(root, names=("seller", "buyer", "other"), bits=2048)
    generate_keys(root, names=("expired",), bits=2048, days=30, valid_from=dt.datetime.now(UTC) - dt.timedelta(days=60))
    generate_keys(root, names=("future",), bits=2048, valid_from=dt.datetime.now(UTC) + dt.timedelta(days=10))
    generate_keys(root, names=("locked",), bits=2048, passphrase="correct horse")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    now = dt.datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .sign(key, hashes.SHA256()))
    (root / "ec.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "ec.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    (root / "garbage.pem").write_text("not a certificate\n")
    return root


def spec(**over) -> KeysSpec:
    data = {"recipient_certificates": ["buyer.pem"], "signer_certificate": "seller.pem", "signer_key": "seller.key"}
    data.update(over)
    return KeysSpec.from_dict({k: v for k, v in data.items() if v is not None}, base_dir=keyset())


def test_good_material_loads_and_hides_the_key():
    material = load_key_material(spec())
    assert len(material.recipients) == 1
    assert material.backup_certificates == (material.signer_certificate,)
    text = repr(material)
    assert "hidden" in text and "PRIVATE" not in text and "RSAPrivateKey" not in text
    assert str(material.signer_key.private_numbers().d) not in text
    described = str(material.describe())
    assert "seller" not in described and "buyer" not in described  # fingerprints only, no subjects


def test_generated_private_keys_are_0600():
    for name in ("seller", "buyer", "locked"):
        assert stat.S_IMODE((keyset() / f"{name}.key").stat().st_mode) == 0o600


def test_generate_refuses_to_overwrite_and_small_keys(tmp_path):
    with pytest.raises(KeyMaterialError, match="already exists"):
        generate_keys(keyset(), names=("seller",), bits=2048)
    with pytest.raises(KeyMaterialError, match="at least 2048"):
        generate_keys(tmp_path, bits=1024)


@pytest.mark.parametrize("data, where, match", [
    ({"recipient_certificates": ["b.pem"], "signer_certificate": "s.pem", "signer_key": "s.key", "signer_pass": "x"},
     "keys.signer_pass", "unknown key 'signer_pass'.*known keys: backup_certificates"),
    ({"recipient_certificates": ["b.pem"], "signer_certificate": "s.pem"}, "keys.signer_key", "required key is missing"),
    ({"recipient_certificates": [], "signer_certificate": "s.pem", "signer_key": "s.key"},
     "keys.recipient_certificates", "empty list"),
    ({"recipient_certificates": [3], "signer_certificate": "s.pem", "signer_key": "s.key"},
     "keys.recipient_certificates[0]", "expected str"),
    ({"recipient_certificates": ["b.pem"], "signer_certificate": "s.pem", "signer_key": "s.key",
      "signer_key_passphrase_env": "my secret pass!"}, "keys.signer_key_passphrase_env", "NAME of an environment"),
])
def test_spec_rejects_bad_sections(data, where, match):
    with pytest.raises(ParamsError, match=match) as info:
        KeysSpec.from_dict(data, base_dir="/p")
    assert info.value.where == where


def test_spec_resolves_paths_against_params_folder():
    s = KeysSpec.from_dict({"recipient_certificates": "b.pem", "signer_certificate": "/abs/s.pem",
                            "signer_key": "k/s.key", "backup_certificates": ["own.pem"]}, base_dir="/p")
    assert s.recipient_certificates == (Path("/p/b.pem"),)
    assert s.signer_certificate == Path("/abs/s.pem") and s.signer_key == Path("/p/k/s.key")
    assert s.backup_certificates == (Path("/p/own.pem"),)
    assert KeysSpec.default(base_dir="/r").signer_key == Path("/r/keys/seller.key")


@pytest.mark.parametrize("over, env, match", [
    ({"recipient_certificates": ["nope.pem"]}, {}, r"nope\.pem: recipient certificate file not found"),
    ({"recipient_certificates": ["expired.pem"]}, {}, r"expired\.pem: recipient certificate sha256:\w+ expired on"),
    ({"signer_certificate": "future.pem", "signer_key": "future.key"}, {}, r"future\.pem: .* is not valid before"),
    ({"recipient_certificates": ["ec.pem"]}, {}, r"ec\.pem: recipient certificate holds an EC key, not RSA"),
    ({"signer_key": "ec.key"}, {}, r"ec\.key: signer key holds an EC key, not RSA"),
    ({"signer_key": "buyer.key"}, {}, r"buyer\.key: the signer key does not belong to signer certificate"),
    ({"recipient_certificates": ["garbage.pem"]}, {}, r"garbage\.pem: recipient certificate is not a PEM X\.509"),
    ({"signer_certificate": "locked.pem", "signer_key": "locked.key", "signer_key_passphrase_env": "MK_TEST_PASS"},
     {}, r"locked\.key: the passphrase environment variable 'MK_TEST_PASS' is not set"),
    ({"signer_certificate": "locked.pem", "signer_key": "locked.key"}, {}, r"locked\.key: .* it is encrypted"),
    ({"signer_certificate": "locked.pem", "signer_key": "locked.key", "signer_key_passphrase_env": "MK_TEST_PASS"},
     {"MK_TEST_PASS": "wrong"}, r"locked\.key: .*wrong passphrase"),
])
def test_bad_key_material_stops_before_work(over, env, match, monkeypatch):
    monkeypatch.delenv("MK_TEST_PASS", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(KeyMaterialError, match=match) as info:
        load_key_material(spec(**over))
    assert "correct horse" not in str(info.value) and "wrong" not in str(info.value).replace("wrong passphrase", "")


def test_encrypted_signer_key_loads_with_env(monkeypatch):
    monkeypatch.setenv("MK_TEST_PASS", "correct horse")
    material = load_key_material(spec(signer_certificate="locked.pem", signer_key="locked.key",
                                      signer_key_passphrase_env="MK_TEST_PASS"))
    assert material.signer_key.key_size == 2048
