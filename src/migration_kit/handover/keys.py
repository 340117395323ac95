"""Key material for the handover: the ``keys:`` params section, rehearsal key generation, loading.

Everything is checked by :func:`load_key_material` *before* any work starts: a missing file, an
expired or not-yet-valid certificate, a non-RSA key, a key that does not belong to its certificate
or a missing passphrase variable stops the run with a
:class:`~migration_kit.errors.KeyMaterialError` that names the file, what is wrong and how to fix
it. Private keys never appear in a repr, log or
output; certificates are shown by SHA-256 fingerprint (their subject may name a person).

Example
-------
>>> paths = generate_keys("/tmp/k", bits=2048)                              # doctest: +SKIP
>>> spec = KeysSpec.from_dict({"recipient_certificates": ["buyer.pem"],
...     "signer_certificate": "seller.pem", "signer_key": "seller.key"},
...     base_dir="/tmp/k")                                                   # doctest: +SKIP
>>> material = load_key_material(spec)                                      # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .._spec import check_keys, check_type, require
from ..errors import KeyMaterialError

__all__ = [
    "MIN_RSA_BITS",
    "NO_KEYS_SECTION",
    "KeyMaterial",
    "KeysSpec",
    "fingerprint",
    "generate_keys",
    "key_matches",
    "load_certificate",
    "load_key_material",
    "load_private_key",
    "rehearsal_keys",
]

#: Smallest RSA modulus accepted for recipients and signer.
MIN_RSA_BITS = 2048


def fingerprint(cert: x509.Certificate) -> str:
    """``sha256:`` + first 16 hex digits of the certificate's SHA-256 fingerprint."""
    return "sha256:" + cert.fingerprint(hashes.SHA256()).hex()[:16]


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def generate_keys(
    out_dir: str | os.PathLike,
    *,
    names: Iterable[str] = ("seller", "buyer"),
    days: int = 365,
    bits: int = 3072,
    passphrase: str | None = None,
    valid_from: dt.datetime | None = None,
    overwrite: bool = False,
) -> dict[str, tuple[Path, Path]]:
    """Make self-signed RSA key pairs and X.509 certificates for rehearsals.

    Parameters
    ----------
    out_dir : path
        Folder to write ``<name>.key`` (PKCS#8 PEM, mode 0600) and ``<name>.pem`` (certificate).
    names : iterable of str
        One key pair per name; the name is the certificate's common name.
    days : int
        Validity from ``valid_from`` (default: now minus five minutes).
    bits : int
        RSA modulus size (>= 2048).
    passphrase : str, optional
        Encrypt the private keys with it (best available PKCS#8 encryption).
    overwrite : bool
        Refuse to replace existing files unless True.

    Returns
    -------
    dict
        ``name -> (key_path, cert_path)``.

    Example
    -------
    >>> generate_keys("/tmp/keys", names=["seller", "buyer"], bits=2048)   # doctest: +SKIP
    """
    if bits < MIN_RSA_BITS:
        raise KeyMaterialError(
            f"bits={bits} is too small; use at least {MIN_RSA_BITS} (3072 recommended)"
        )
    if not isinstance(days, int) or days <= 0:
        raise KeyMaterialError(f"days={days!r}: a certificate must be valid for 1 day or more")
    if passphrase is not None and not passphrase:
        raise KeyMaterialError(
            "the passphrase is empty: the keys would be written unencrypted; set a passphrase "
            "or leave --passphrase-env out on purpose"
        )
    names = list(names)
    for name in names:
        if not _KEY_NAME.fullmatch(str(name)):
            raise KeyMaterialError(
                f"key name {name!r}: use 1-64 letters, digits, '_' or '-' (it names the files "
                "<name>.key and <name>.pem inside the output folder)"
            )
    out = Path(out_dir)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    start = valid_from or (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    enc = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    result = {}
    for name in names:
        key_path, cert_path = out / f"{name}.key", out / f"{name}.pem"
        for p in (key_path, cert_path):
            if p.exists() and not overwrite:
                raise KeyMaterialError(
                    f"{p}: already exists; choose another --out folder or pass overwrite"
                )
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "migration_kit rehearsal"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        _write_private(
            key_path,
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc),
        )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        result[name] = (key_path, cert_path)
    return result


@dataclass(frozen=True)
class KeysSpec:
    """The ``keys:`` section of the params file (paths resolved against the params file's folder).

    Parameters
    ----------
    recipient_certificates : list of str
        The buyer's certificate(s) (PEM) every part is encrypted to.
    signer_certificate : str
        The seller's certificate (PEM), pinned by the buyer to verify the signature.
    signer_key : str
        The seller's private key (PEM); never copied into the run folder or a log.
    signer_key_passphrase_env : str, optional
        Environment variable holding the signer key's passphrase.
    backup_certificates : list of str, optional
        Certificates the raw exports' backup is encrypted to (default the signer's).

    Example
    -------
    >>> KeysSpec.from_dict({"recipient_certificates": ["b.pem"], "signer_certificate": "s.pem",
    ...                     "signer_key": "s.key"}, base_dir="/p").signer_key
    PosixPath('/p/s.key')
    """

    recipient_certificates: tuple[Path, ...]
    signer_certificate: Path
    signer_key: Path
    signer_key_passphrase_env: str | None = None
    backup_certificates: tuple[Path, ...] = ()

    FIELDS = (
        "recipient_certificates",
        "signer_certificate",
        "signer_key",
        "signer_key_passphrase_env",
        "backup_certificates",
    )

    @classmethod
    def default(cls, base_dir: str | os.PathLike | None = None) -> KeysSpec:
        """Rehearsal layout made by ``migration-kit keys --out keys``.

        The files are buyer.pem, seller.pem and seller.key.
        """
        return cls.from_dict(
            {
                "recipient_certificates": ["keys/buyer.pem"],
                "signer_certificate": "keys/seller.pem",
                "signer_key": "keys/seller.key",
            },
            base_dir=base_dir,
        )

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], where: str = "keys", base_dir: str | os.PathLike | None = None
    ) -> KeysSpec:
        """Build and validate from the params dict.

        Unknown keys are rejected, listing the known ones.
        """
        check_keys(
            data,
            cls.FIELDS,
            where,
            required=("recipient_certificates", "signer_certificate", "signer_key"),
        )
        base = Path(base_dir) if base_dir is not None else Path.cwd()

        def path(value: Any, at: str) -> Path:
            check_type(value, str, at)
            require(bool(value.strip()), at, "received an empty path; give the PEM file path")
            p = Path(value).expanduser()
            return p if p.is_absolute() else base / p

        def paths(key: str) -> tuple[Path, ...]:
            value = data.get(key) or []
            if isinstance(value, str):
                value = [value]
            check_type(value, list, f"{where}.{key}")
            return tuple(path(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))

        recipients = paths("recipient_certificates")
        require(
            bool(recipients),
            f"{where}.recipient_certificates",
            "received an empty list; list the buyer's certificate(s) (PEM) the export is "
            "encrypted to",
        )
        env = data.get("signer_key_passphrase_env")
        if env is not None:
            check_type(env, str, f"{where}.signer_key_passphrase_env")
            require(
                env.replace("_", "").isalnum(),
                f"{where}.signer_key_passphrase_env",
                f"received {env!r}; give the NAME of an environment variable (letters, digits, _), "
                "never the passphrase itself",
            )
        return cls(
            recipients,
            path(data["signer_certificate"], f"{where}.signer_certificate"),
            path(data["signer_key"], f"{where}.signer_key"),
            env,
            paths("backup_certificates"),
        )


@dataclass(frozen=True)
class KeyMaterial:
    """Loaded and validated certificates and the signer's private key (never shown in repr)."""

    recipients: tuple[x509.Certificate, ...]
    signer_certificate: x509.Certificate
    signer_key: rsa.RSAPrivateKey = field(repr=False)
    backup_certificates: tuple[x509.Certificate, ...] = ()

    def __repr__(self) -> str:
        return (
            f"KeyMaterial(recipients={[fingerprint(c) for c in self.recipients]}, "
            f"signer={fingerprint(self.signer_certificate)}, "
            f"backup={[fingerprint(c) for c in self.backup_certificates]}, signer_key=<hidden>)"
        )

    def describe(self) -> dict[str, Any]:
        """Fingerprints, serials and validity (no subjects, no keys) for manifests and reports."""

        def one(c: x509.Certificate) -> dict[str, Any]:
            return {
                "fingerprint": fingerprint(c),
                "serial": format(c.serial_number, "x"),
                "not_after": c.not_valid_after_utc.isoformat(),
            }

        return {
            "recipients": [one(c) for c in self.recipients],
            "signer": one(self.signer_certificate),
            "backup": [one(c) for c in self.backup_certificates],
        }


def _read(path: Path, what: str, fix: str) -> bytes:
    if not path.is_file():
        raise KeyMaterialError(f"{path}: {what} file not found; {fix}")
    return path.read_bytes()


def _check_rsa(pub: object, path: Path, what: str) -> None:
    if not isinstance(pub, rsa.RSAPublicKey):
        kind = (
            type(pub).__name__.lstrip("_").replace("PublicKey", "").replace("EllipticCurve", "EC")
            or "non-RSA"
        )
        raise KeyMaterialError(
            f"{path}: {what} holds an {kind} key, not RSA; CMS "
            "encryption here supports RSA recipients only: issue an RSA certificate "
            f"(>= {MIN_RSA_BITS} bits, e.g. `migration-kit keys`)"
        )
    if pub.key_size < MIN_RSA_BITS:
        raise KeyMaterialError(
            f"{path}: {what} has a {pub.key_size}-bit RSA key; at least {MIN_RSA_BITS} is required"
        )


def load_certificate(
    path: str | os.PathLike, *, what: str = "certificate", now: dt.datetime | None = None
) -> x509.Certificate:
    """Load a PEM certificate and check it is RSA and valid at ``now`` (default: current time).

    Example
    -------
    >>> cert = load_certificate("keys/buyer.pem")                           # doctest: +SKIP
    """
    p = Path(path)
    data = _read(
        p, what, "check the path in the keys: section (relative paths start at the params file)"
    )
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise KeyMaterialError(
            f"{p}: {what} is not a PEM X.509 certificate (expected '-----BEGIN CERTIFICATE-----'); "
            "convert DER with `openssl x509 -inform DER -in F -out F.pem`"
        ) from None
    _check_rsa(cert.public_key(), p, what)
    now = now or dt.datetime.now(dt.UTC)
    if now < cert.not_valid_before_utc:
        raise KeyMaterialError(
            f"{p}: {what} {fingerprint(cert)} is not valid before "
            f"{cert.not_valid_before_utc.isoformat()}; check the machine clock or use a current "
            "certificate"
        )
    if now > cert.not_valid_after_utc:
        raise KeyMaterialError(
            f"{p}: {what} {fingerprint(cert)} expired on {cert.not_valid_after_utc.isoformat()}; "
            "ask its owner for a renewed certificate"
        )
    return cert


def load_private_key(
    path: str | os.PathLike, *, passphrase_env: str | None = None, what: str = "private key"
) -> rsa.RSAPrivateKey:
    """Load a PEM RSA private key.

    Its passphrase (if any) is read from the environment variable named by ``passphrase_env``.

    Example
    -------
    >>> key = load_private_key("keys/seller.key",
    ...                        passphrase_env="SELLER_KEY_PASS")           # doctest: +SKIP
    """
    p = Path(path)
    data = _read(p, what, "check the path (relative paths start at the params file)")
    password = None
    if passphrase_env:
        if passphrase_env not in os.environ:
            raise KeyMaterialError(
                f"{p}: the passphrase environment variable {passphrase_env!r} is not set; "
                f"export {passphrase_env}=... in the shell that runs the kit"
            )
        password = os.environ[passphrase_env].encode()
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError:
        hint = (
            (
                "it is encrypted: name the environment variable holding its passphrase "
                "(keys.signer_key_passphrase_env / --passphrase-env)"
            )
            if password is None
            else "it is not encrypted: remove the passphrase setting"
        )
        raise KeyMaterialError(f"{p}: cannot load {what}: {hint}") from None
    except ValueError:
        raise KeyMaterialError(
            f"{p}: cannot load {what}: not a PEM private key or wrong passphrase"
            + (f" (from ${passphrase_env})" if passphrase_env else "")
        ) from None
    _check_rsa(key.public_key(), p, what)
    # _check_rsa raised unless the public half is RSA, so the private key is RSA too
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


#: Why a params file without ``keys:`` is refused, and what to write instead.
NO_KEYS_SECTION = (
    "the params file has no keys: section; a real run names recipient_certificates (the "
    "buyer's), signer_certificate and signer_key (the seller's), see the README; a rehearsal on "
    "synthetic data says keys: {rehearsal: true}"
)


def key_matches(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bool:
    """True when ``key`` is the private half of ``cert``'s (RSA) public key.

    Example
    -------
    >>> key_matches(load_private_key("buyer.key"), load_certificate("buyer.pem"))  # doctest: +SKIP
    True
    """
    pub = cert.public_key()
    return (
        isinstance(pub, rsa.RSAPublicKey)
        and key.public_key().public_numbers() == pub.public_numbers()
    )


def rehearsal_keys(folder: str | os.PathLike) -> KeysSpec:
    """The spec of a rehearsal's throw-away keys in ``folder`` (``seller.*``, ``buyer.*``: the
    buyer receives, the seller signs).

    Example
    -------
    >>> rehearsal_keys("/run/secrets/keys").signer_key
    PosixPath('/run/secrets/keys/seller.key')
    """
    return KeysSpec.from_dict(
        {
            "recipient_certificates": ["buyer.pem"],
            "signer_certificate": "seller.pem",
            "signer_key": "seller.key",
        },
        base_dir=folder,
    )


def load_key_material(spec: KeysSpec, *, now: dt.datetime | None = None) -> KeyMaterial:
    """Load and validate all key material of ``spec``; raise KeyMaterialError on the first problem.

    Example
    -------
    >>> material = load_key_material(spec)                                  # doctest: +SKIP
    >>> material.describe()["signer"]["fingerprint"]                         # doctest: +SKIP
    'sha256:...'
    """
    recipients = tuple(
        load_certificate(p, what="recipient certificate", now=now)
        for p in spec.recipient_certificates
    )
    signer_cert = load_certificate(spec.signer_certificate, what="signer certificate", now=now)
    key = load_private_key(
        spec.signer_key, passphrase_env=spec.signer_key_passphrase_env, what="signer key"
    )
    if not key_matches(key, signer_cert):
        raise KeyMaterialError(
            f"{spec.signer_key}: the signer key does not belong to signer certificate "
            f"{spec.signer_certificate} ({fingerprint(signer_cert)}); pair the key with its own "
            "certificate"
        )
    backup = tuple(
        load_certificate(p, what="backup certificate", now=now) for p in spec.backup_certificates
    )
    return KeyMaterial(recipients, signer_cert, key, backup or (signer_cert,))
