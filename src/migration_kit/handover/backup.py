"""Encrypted backup of the seller's raw input files (made before any processing) and its restore.

Each input file is read in chunks of ``chunk_bytes`` (memory stays bounded) and every chunk is
written as ``<file name>.bakNNNN.cms``: DER CMS EnvelopedData, AES-256-CBC, to the backup
certificates (the seller's own; default the signer certificate). ``backup_manifest.json`` lists
each original's size and SHA-256 and each chunk's plaintext/ciphertext hash; it is signed
(``backup_manifest.json.p7s``). :func:`restore` checks every hash and gives back byte-identical
files. Without the kit::

    for f in members.csv.bak*.cms; do openssl cms -decrypt -binary -inform DER -in "$f" \\
        -recip seller.pem -inkey seller.key; done > members.csv

Example
-------
>>> backup_files(["in/members.csv"], "runs/x/backup", material)            # doctest: +SKIP
>>> restore("runs/x/backup", "keys/seller.key", "keys/seller.pem", "restored")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ..artifacts import ARTIFACTS
from ..errors import InputError, IntegrityError, KeyMaterialError
from .cms import decrypt, encrypt, sign_detached, verify_detached
from .export import write_atomic
from .keys import KeyMaterial, fingerprint, load_certificate, load_private_key

__all__ = ["BACKUP_MANIFEST", "BACKUP_SIGNATURE", "backup_files", "restore"]

BACKUP_MANIFEST = ARTIFACTS["backup_manifest"].filename
BACKUP_SIGNATURE = ARTIFACTS["backup_signature"].filename
_FORMAT = "migration_kit.backup/1"


def backup_files(
    paths: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    material: KeyMaterial,
    *,
    chunk_bytes: int = 32 * 2**20,
    created_at: str | dt.datetime | None = None,
) -> dict[str, Any]:
    """Encrypt each input file to the backup certificates; write and sign the backup manifest.

    Parameters
    ----------
    paths : sequence of path
        The raw seller exports; file names must be distinct (they are restored by name).
    out_dir : path
        Backup folder (created; must not already hold a backup).
    material : KeyMaterial
        ``backup_certificates`` encrypt, ``signer_*`` sign the backup manifest.
    chunk_bytes : int
        Plaintext bytes per encrypted chunk.
    created_at : str or datetime, optional
        Recorded time (default now, UTC).

    Returns
    -------
    dict
        The backup manifest.

    Example
    -------
    >>> m = backup_files(["pos.csv", "web.csv"], "backup", material)         # doctest: +SKIP
    >>> [f["name"] for f in m["files"]]                                      # doctest: +SKIP
    ['pos.csv', 'web.csv']
    """
    out = Path(out_dir)
    srcs = [Path(p) for p in paths]
    names = [p.name for p in srcs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise IntegrityError(
            f"input file names {', '.join(dup)} occur more than once; files are restored by name, "
            "so rename or back them up into separate folders"
        )
    for p in srcs:
        if not p.is_file():
            raise InputError(
                str(p), "input file to back up not found; check the source path in the params file"
            )
    if (out / BACKUP_MANIFEST).exists():
        raise IntegrityError(f"{out}: already holds a backup; back up into a new folder")
    if chunk_bytes < 1024:
        raise ValueError(f"chunk_bytes={chunk_bytes} is too small; use at least 1024")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    certs = material.backup_certificates or (material.signer_certificate,)
    files: list[dict[str, Any]] = []
    for src in srcs:
        chunks: list[dict[str, Any]] = []
        whole, size = hashlib.sha256(), 0
        with open(src, "rb") as fh:
            while True:
                plain = fh.read(chunk_bytes)
                if not plain and chunks:
                    break
                whole.update(plain)
                size += len(plain)
                cipher = encrypt(plain, certs)
                name = f"{src.name}.bak{len(chunks) + 1:04d}.cms"
                write_atomic(out / name, cipher)
                chunks.append(
                    {
                        "name": name,
                        "plaintext_bytes": len(plain),
                        "plaintext_sha256": hashlib.sha256(plain).hexdigest(),
                        "ciphertext_bytes": len(cipher),
                        "ciphertext_sha256": hashlib.sha256(cipher).hexdigest(),
                    }
                )
                if len(plain) < chunk_bytes:
                    break
        files.append(
            {"name": src.name, "bytes": size, "sha256": whole.hexdigest(), "chunks": chunks}
        )
    if isinstance(created_at, dt.datetime):
        created_at = created_at.isoformat()
    manifest = {
        "format": _FORMAT,
        "created_at": str(created_at or dt.datetime.now(dt.UTC).isoformat()),
        "backup_certificates": [fingerprint(c) for c in certs],
        "files": files,
        "restore": (
            "migration-kit restore <backup dir> --key seller.key --cert seller.pem --out <dir>"
        ),
    }
    data = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(
        "utf-8"
    )
    write_atomic(out / BACKUP_MANIFEST, data)
    write_atomic(
        out / BACKUP_SIGNATURE,
        sign_detached(data, material.signer_certificate, material.signer_key),
    )
    return manifest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def restore(
    backup_dir: str | os.PathLike,
    key: str | os.PathLike | rsa.RSAPrivateKey,
    cert: str | os.PathLike | x509.Certificate,
    out_dir: str | os.PathLike,
    *,
    passphrase_env: str | None = None,
    signer_cert: x509.Certificate | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Check and decrypt a backup into ``out_dir``; return the restored paths.

    The restored files are byte-identical to the originals.

    Parameters
    ----------
    backup_dir : path
        Folder written by :func:`backup_files`.
    key, cert : path or loaded object
        A backup certificate and its private key (PEM paths or loaded objects).
    out_dir : path
        Where the originals are written (created).
    passphrase_env : str, optional
        Environment variable holding the key's passphrase.
    signer_cert : x509.Certificate, optional
        Pin the backup manifest's signer; default: the certificate embedded in the signature.
    overwrite : bool
        Replace existing files of the same name.

    Raises
    ------
    IntegrityError
        Signature, chunk or whole-file hash mismatch (names the file); nothing partial is left.

    Example
    -------
    >>> restore("backup", "keys/seller.key", "keys/seller.pem", "restored")  # doctest: +SKIP
    """
    bdir, out = Path(backup_dir), Path(out_dir)
    if not isinstance(cert, x509.Certificate):
        cert = load_certificate(cert, what="backup certificate", now=dt.datetime.now(dt.UTC))
    if not isinstance(key, rsa.RSAPrivateKey):
        key = load_private_key(key, passphrase_env=passphrase_env)
    pub = cert.public_key()
    if (
        not isinstance(pub, rsa.RSAPublicKey)
        or key.public_key().public_numbers() != pub.public_numbers()
    ):
        raise KeyMaterialError(
            f"the private key does not belong to certificate {fingerprint(cert)}"
        )
    mpath = bdir / BACKUP_MANIFEST
    if not mpath.is_file():
        raise IntegrityError(f"{mpath}: backup manifest not found; is {bdir} a backup folder?")
    data = mpath.read_bytes()
    sig = bdir / BACKUP_SIGNATURE
    if not sig.is_file():
        raise IntegrityError(f"{sig}: signature of the backup manifest is missing")
    verify_detached(data, sig.read_bytes(), signer_cert, name=BACKUP_MANIFEST)
    manifest = json.loads(data)
    targets = [out / Path(f["name"]).name for f in manifest["files"]]
    clash = [t for t in targets if t.exists()]
    if clash and not overwrite:
        raise FileExistsError(
            f"{clash[0]}: already exists; restore into an empty folder or pass overwrite"
        )
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    # every file is decrypted and checked in a staging folder first: a damaged chunk in the last
    # file leaves nothing restored, not the first files alone
    staging = Path(tempfile.mkdtemp(prefix=".restore-partial-", dir=out))
    try:
        staged = [_restore_one(f, bdir, staging, cert, key) for f in manifest["files"]]
        for src, target in zip(staged, targets, strict=True):
            os.replace(src, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return targets


def _restore_one(
    f: dict, bdir: Path, staging: Path, cert: x509.Certificate, key: rsa.RSAPrivateKey
) -> Path:
    """Decrypt one backed-up file into ``staging``, checking every chunk and the whole file."""
    target = staging / Path(f["name"]).name
    whole, size = hashlib.sha256(), 0
    with open(target, "wb") as fh:
        for c in f["chunks"]:
            cpath = bdir / c["name"]
            if not cpath.is_file():
                raise IntegrityError(f"{cpath}: backup chunk listed in the manifest is missing")
            blob = cpath.read_bytes()
            if _sha(blob) != c["ciphertext_sha256"]:
                raise IntegrityError(
                    f"{cpath}: ciphertext SHA-256 differs from the backup manifest; "
                    "the chunk was changed or damaged"
                )
            plain = decrypt(blob, cert, key, name=str(cpath))
            if _sha(plain) != c["plaintext_sha256"]:
                raise IntegrityError(
                    f"{cpath}: decrypted content SHA-256 differs from the backup manifest"
                )
            fh.write(plain)
            whole.update(plain)
            size += len(plain)
        fh.flush()
        os.fsync(fh.fileno())
    if whole.hexdigest() != f["sha256"] or size != f["bytes"]:
        raise IntegrityError(
            f"{Path(f['name']).name}: restored file differs from the original (size/SHA-256)"
        )
    return target
