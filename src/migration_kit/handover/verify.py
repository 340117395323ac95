"""Buyer-side checks of a handover folder, and decryption without openssl.

:func:`verify_handover` checks the manifest signature, every listed file's size and SHA-256, files
present but not listed (including unfinished temporary files) or listed but missing, the audit
chain (``audit_log.jsonl`` in the folder or next to it) against the audit head signed in the
manifest and, given a recipient key, the plaintext hash of every part. Every problem is one line
naming the file and what does not match; nothing passes silently.

Example
-------
>>> report = verify_handover("runs/x/handover", signer_cert="keys/seller.pem")  # doctest: +SKIP
>>> report.ok, report.problems                                              # doctest: +SKIP
(True, [])
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ..artifacts import ARTIFACTS
from ..errors import IntegrityError
from ..runfolder import file_sha256
from .audit import verify_audit
from .cms import decrypt, verify_detached
from .keys import load_certificate, load_private_key
from .manifest import MANIFEST, SIGNATURE

__all__ = ["AUDIT_LOG", "VerifyReport", "decrypt_file", "decrypt_table", "verify_handover"]

AUDIT_LOG = ARTIFACTS["handover_audit_log"].filename


@dataclass
class VerifyReport:
    """Outcome of :func:`verify_handover`: ``problems`` (one line each), ``notes`` and counts."""

    handover_dir: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0
    signer: str | None = None
    pinned: bool = False

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def _sha_file(path: Path) -> tuple[int, str]:
    return path.stat().st_size, file_sha256(path)


@overload
def _as_cert(cert: None) -> None: ...
@overload
def _as_cert(cert: str | os.PathLike | x509.Certificate) -> x509.Certificate: ...
def _as_cert(cert: str | os.PathLike | x509.Certificate | None) -> x509.Certificate | None:
    if cert is None or isinstance(cert, x509.Certificate):
        return cert
    return load_certificate(cert, what="certificate")


def _as_key(
    key: str | os.PathLike | rsa.RSAPrivateKey, passphrase_env: str | None
) -> rsa.RSAPrivateKey:
    return (
        key
        if isinstance(key, rsa.RSAPrivateKey)
        else load_private_key(key, passphrase_env=passphrase_env)
    )


def _check_audit(root: Path, manifest: dict[str, Any], report: VerifyReport) -> None:
    candidates = [root / AUDIT_LOG, root.parent / AUDIT_LOG]
    path = next((p for p in candidates if p.is_file()), None)
    head = manifest.get("audit")
    if path is None:
        if head:
            report.notes.append(
                f"{AUDIT_LOG}: not found in or next to the handover folder; audit chain not checked"
            )
        return
    try:
        entries = verify_audit(path)
    except IntegrityError as exc:
        report.problems.append(str(exc))
        return
    if head:
        n = head["entries"]
        if len(entries) < n:
            report.problems.append(
                f"{path}: has {len(entries)} entries but the signed manifest recorded {n}; "
                "entries were removed from the end"
            )
        elif n and entries[n - 1]["entry_hash"] != head["last_entry_hash"]:
            report.problems.append(
                f"{path}: line {n} differs from the entry signed in the manifest"
            )


_HEX64 = re.compile(r"[0-9a-f]{64}")
_ENTRY_FIELDS = {
    "encrypted": (("name", str), ("ciphertext_bytes", int), ("ciphertext_sha256", str),
                  ("plaintext_sha256", str)),
    "plain": (("name", str), ("bytes", int), ("sha256", str)),
}  # fmt: skip


def manifest_problem(manifest: Any) -> str | None:
    """What makes ``manifest`` not a handover manifest (None when its shape is right): every
    file entry needs a safe name, a kind, sizes and SHA-256 hex digests.

    Example
    -------
    >>> manifest_problem({"files": [{"name": "../x", "kind": "plain", "bytes": 1, "sha256": "a"}]})
    "files[0].name: '../x' is not a plain file name"
    """
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return "no 'files' list; not a handover manifest"
    seen = set()
    for i, entry in enumerate(manifest["files"]):
        where = f"files[{i}]"
        if not isinstance(entry, dict):
            return f"{where}: not an object"
        kind = "encrypted" if entry.get("kind") == "encrypted" else "plain"
        for key, typ in _ENTRY_FIELDS[kind]:
            value = entry.get(key)
            if not isinstance(value, typ) or isinstance(value, bool):
                return f"{where}.{key}: missing or not a {typ.__name__}"
        name = entry["name"]
        if "/" in name or "\\" in name or name in ("", ".", "..") or name.startswith("."):
            return f"{where}.name: {name!r} is not a plain file name"
        if name in seen:
            return f"{where}.name: {name!r} listed twice"
        seen.add(name)
        for key in ("ciphertext_sha256", "plaintext_sha256", "sha256"):
            if key in entry and not _HEX64.fullmatch(str(entry[key])):
                return f"{where}.{key}: not a SHA-256 hex digest"
    return None


def verify_handover(
    handover_dir: str | os.PathLike,
    signer_cert: str | os.PathLike | x509.Certificate | None = None,
    *,
    recipient_key: str | os.PathLike | rsa.RSAPrivateKey | None = None,
    recipient_cert: str | os.PathLike | x509.Certificate | None = None,
    passphrase_env: str | None = None,
) -> VerifyReport:
    """Check a handover folder; never raises for a mismatch, returns every problem found.

    Parameters
    ----------
    handover_dir : path
        Folder with manifest.json, manifest.json.p7s and the files.
    signer_cert : path or Certificate
        The seller's certificate (received separately). Without it nothing shows who signed: an
        attacker can edit the manifest and re-sign it with their own key, so the report fails
        with a problem saying how to pin the signer.
    recipient_key, recipient_cert : optional
        A buyer key pair: every part is then also decrypted and its plaintext hash checked.
    passphrase_env : str, optional
        Environment variable holding ``recipient_key``'s passphrase.

    Example
    -------
    >>> verify_handover("handover", "seller.pem").ok                        # doctest: +SKIP
    True
    """
    root = Path(handover_dir)
    report = VerifyReport(str(root))
    mpath, spath = root / MANIFEST, root / SIGNATURE
    if not mpath.is_file():
        report.problems.append(f"{mpath}: manifest missing; nothing can be verified")
        return report
    data = mpath.read_bytes()
    if not spath.is_file():
        report.problems.append(f"{spath}: signature missing; the manifest cannot be trusted")
    else:
        try:
            info = verify_detached(data, spath.read_bytes(), _as_cert(signer_cert), name=MANIFEST)
            report.signer, report.pinned = info.signer_fingerprint, info.pinned
            if not info.pinned:
                report.problems.append(
                    f"{spath.name}: valid only for the certificate it carries itself "
                    f"({info.signer_fingerprint}), which anyone can make; pin the seller: pass "
                    "--signer-cert seller.pem (received from the seller separately)"
                )
        except IntegrityError as exc:
            report.problems.append(str(exc))
    try:
        manifest = json.loads(data)
    except ValueError:
        report.problems.append(f"{mpath}: not JSON; not a handover manifest")
        return report
    why = manifest_problem(manifest)
    if why:
        report.problems.append(f"{mpath}: {why}")
        return report
    listed = {f["name"]: f for f in manifest["files"]}
    key = _as_key(recipient_key, passphrase_env) if recipient_key is not None else None
    cert = _as_cert(recipient_cert)
    for name, entry in sorted(listed.items()):
        path = root / name
        if not path.is_file():
            report.problems.append(f"{name}: listed in the manifest but missing")
            continue
        size_key, hash_key = (
            ("ciphertext_bytes", "ciphertext_sha256")
            if entry.get("kind") == "encrypted"
            else ("bytes", "sha256")
        )
        size, sha = _sha_file(path)
        if size != entry[size_key]:
            report.problems.append(f"{name}: size {size} bytes, manifest says {entry[size_key]}")
        elif sha != entry[hash_key]:
            report.problems.append(
                f"{name}: SHA-256 {sha[:16]}... differs from the manifest's "
                f"{entry[hash_key][:16]}..."
            )
        elif key is not None and cert is not None and entry.get("kind") == "encrypted":
            try:
                plain = decrypt(path.read_bytes(), cert, key, name=name)
                if hashlib.sha256(plain).hexdigest() != entry["plaintext_sha256"]:
                    report.problems.append(
                        f"{name}: decrypted content differs from the manifest's plaintext_sha256"
                    )
            except IntegrityError as exc:
                report.problems.append(str(exc))
        report.files_checked += 1
    for p in sorted(root.iterdir()):
        if p.name in (MANIFEST, SIGNATURE) or p.name in listed:
            continue
        what = (
            "unfinished temporary file"
            if ".partial-" in p.name
            else "present but not listed in the manifest"
        )
        report.problems.append(f"{p.name}: {what}")
    _check_audit(root, manifest, report)
    return report


def decrypt_file(
    path: str | os.PathLike,
    key_pem: str | os.PathLike | rsa.RSAPrivateKey,
    cert_pem: str | os.PathLike | x509.Certificate,
    *,
    signer_cert: str | os.PathLike | x509.Certificate | None = None,
    passphrase_env: str | None = None,
) -> bytes:
    """Decrypt one CMS part of a handover, only after checking it against the signed manifest.

    The manifest.json beside it must carry the seller's signature (``signer_cert``, pinned), must
    list the part, and the part's ciphertext SHA-256 must match before anything is decrypted
    (CBC has no integrity of its own); the plaintext's SHA-256 is checked after. Any mismatch is
    an :class:`~migration_kit.errors.IntegrityError` and no plaintext is returned.

    Example
    -------
    >>> csv_bytes = decrypt_file("customers.part0001.csv.cms", "buyer.key", "buyer.pem",
    ...                          signer_cert="seller.pem")                 # doctest: +SKIP
    """
    p = Path(path)
    if not p.is_file():
        raise IntegrityError(f"{p}: file not found")
    blob = p.read_bytes()
    entry = _verified_entry(p, signer_cert)
    if hashlib.sha256(blob).hexdigest() != entry.get("ciphertext_sha256"):
        raise IntegrityError(
            f"{p.name}: SHA-256 differs from manifest.json; the file was changed or damaged"
        )
    plain = decrypt(blob, _as_cert(cert_pem), _as_key(key_pem, passphrase_env), name=p.name)
    if hashlib.sha256(plain).hexdigest() != entry.get("plaintext_sha256"):
        raise IntegrityError(
            f"{p.name}: decrypted content differs from manifest.json plaintext_sha256"
        )
    return plain


def _verified_entry(
    p: Path, signer_cert: str | os.PathLike | x509.Certificate | None
) -> dict[str, Any]:
    """The part's entry of the manifest beside it, once the manifest's signature is verified
    against the pinned seller certificate."""
    if signer_cert is None:
        raise IntegrityError(
            f"{p.name}: decrypting needs the seller's certificate to verify manifest.json first "
            "(--signer-cert seller.pem); a part is never decrypted unchecked"
        )
    mpath, spath = p.parent / MANIFEST, p.parent / SIGNATURE
    if not mpath.is_file() or not spath.is_file():
        raise IntegrityError(
            f"{p.parent}: {MANIFEST} and {SIGNATURE} must lie beside the part; decrypt parts "
            "inside the handover folder as received"
        )
    data = mpath.read_bytes()
    verify_detached(data, spath.read_bytes(), _as_cert(signer_cert), name=MANIFEST)
    try:
        manifest = json.loads(data)
    except ValueError:
        raise IntegrityError(f"{mpath}: not JSON; not a handover manifest") from None
    why = manifest_problem(manifest)
    if why:
        raise IntegrityError(f"{mpath}: {why}")
    entry = next((f for f in manifest["files"] if f["name"] == p.name), None)
    if entry is None or entry.get("kind") != "encrypted":
        raise IntegrityError(f"{p.name}: not listed as an encrypted part in {MANIFEST}")
    return dict(entry)


def _manifest_entry(p: Path) -> dict[str, Any] | None:
    mpath = p.parent / MANIFEST
    if not mpath.is_file():
        return None
    try:
        files = json.loads(mpath.read_bytes())["files"]
    except (ValueError, KeyError, TypeError):
        return None
    return next((f for f in files if f.get("name") == p.name), None)


def decrypt_table(
    part_path: str | os.PathLike,
    key_pem: str | os.PathLike | rsa.RSAPrivateKey,
    cert_pem: str | os.PathLike | x509.Certificate,
    *,
    signer_cert: str | os.PathLike | x509.Certificate | None = None,
    passphrase_env: str | None = None,
) -> Iterator[bytes]:
    """Yield the decrypted CSV of a whole table, part by part (header only once).

    ``part_path`` may be any of the table's parts; the others are found through manifest.json.

    Example
    -------
    >>> with open("customers.csv", "wb") as fh:                             # doctest: +SKIP
    ...     for chunk in decrypt_table("handover/customers.part0001.csv.cms",
    ...                                "buyer.key", "buyer.pem", signer_cert="seller.pem"):
    ...         fh.write(chunk)
    """
    p = Path(part_path)
    entry = _manifest_entry(p)
    if entry is None or "table" not in entry:
        raise IntegrityError(
            f"{p}: not listed as a table part in {p.parent / MANIFEST}; --join needs the manifest"
        )
    files = json.loads((p.parent / MANIFEST).read_bytes())["files"]
    parts = sorted((f for f in files if f.get("table") == entry["table"]), key=lambda f: f["part"])
    key, cert = _as_key(key_pem, passphrase_env), _as_cert(cert_pem)
    for i, f in enumerate(parts):
        plain = decrypt_file(p.parent / f["name"], key, cert, signer_cert=signer_cert)
        if i:
            plain = plain.split(b"\n", 1)[1] if b"\n" in plain else b""
        yield plain
