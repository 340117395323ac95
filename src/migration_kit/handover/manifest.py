"""``manifest.json`` (what was handed over) and its detached CMS signature ``manifest.json.p7s``.

The manifest lists every file of the handover folder with its size and SHA-256 (ciphertext and
plaintext for encrypted parts), row counts per table, the reconciliation
(``input = transferred + merged + excluded``), the params hash, package version, run id, creation
time, recipient/signer certificate fingerprints, the audit-log head and the exact openssl commands
to verify and decrypt. It is written as stable JSON (sorted keys, 2-space indent, UTF-8) and signed
by the seller (SHA-256, RSA, DER, detached). A ``README.txt`` with the same commands is written
next to it and listed in it.

Example
-------
>>> files = export_tables({"customers": golden}, out, material)            # doctest: +SKIP
>>> write_manifest(out, files, material, reconciliation={"input": 10, "transferred": 7, "merged": 2,
...     "excluded": 1}, params_hash=h, run_id="r1",
...     created_at="2026-01-01T00:00:00+00:00")                              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._version import __version__
from ..artifacts import ARTIFACTS
from ..errors import ScopingError
from ..runfolder import file_sha256
from .audit import audit_head
from .checksum import ALGORITHM as CHECKSUM
from .checksum import add_checksums
from .cms import sign_detached
from .export import OPENSSL_DECRYPT, ExportedFile, write_atomic
from .keys import KeyMaterial

__all__ = [
    "COMMANDS",
    "FORMAT",
    "MANIFEST",
    "README",
    "SIGNATURE",
    "check_reconciliation",
    "manifest_bytes",
    "write_manifest",
]

MANIFEST = ARTIFACTS["manifest"].filename
SIGNATURE = ARTIFACTS["manifest_signature"].filename
README = ARTIFACTS["handover_readme"].filename
FORMAT = "migration_kit.handover/1"
#: Commands written into the manifest and README (seller.pem = the seller's certificate, received
#: separately).
COMMANDS = {
    "verify_signature": (
        "openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json "
        "-CAfile seller.pem -purpose any -out /dev/null"
    ),
    "decrypt_part": OPENSSL_DECRYPT.format(
        **{"in": "<table>.partNNNN.csv.cms", "out": "<table>.partNNNN.csv"}
    ),
    "decrypt_part_encrypted_key": OPENSSL_DECRYPT.format(**{"in": "<file>.cms", "out": "<file>"})
    + " -passin env:BUYER_KEY_PASS",
    "check_ciphertext_hash": "sha256sum <file>   (compare with files[].ciphertext_sha256)",
    "check_plaintext_hash": (
        "sha256sum <table>.partNNNN.csv   (compare with files[].plaintext_sha256)"
    ),
    "without_openssl": (
        "migration-kit decrypt <file>.cms --key buyer.key --cert buyer.pem --signer-cert "
        "seller.pem --out <file>"
    ),
}
_README = """Customer data handover ({run_id})
=================================

Every *.csv.cms file is one part of a table: UTF-8 CSV with a header line, encrypted as
CMS EnvelopedData (DER, AES-256-CBC, RSA key transport) to the buyer certificate(s) listed
in manifest.json ("keys.recipients", by SHA-256 fingerprint).

1. Verify the seller's signature of the manifest (seller.pem comes to you separately):
   {verify_signature}
2. Check each file's SHA-256 against manifest.json ("files"): {check_ciphertext_hash}
3. Decrypt a part:
   {decrypt_part}
   (key protected by a passphrase: add -passin env:BUYER_KEY_PASS)
4. Check the decrypted part: {check_plaintext_hash}
5. Or, with the kit: migration-kit verify <this folder> --signer-cert seller.pem
   and: {without_openssl}

CBC encryption has no integrity protection of its own: always do steps 1 and 2.

Opening the CSV files: values are exactly as the seller's records hold them, including text
that begins with =, +, - or @ (every E.164 phone number begins with +). A spreadsheet opened
on such a file may run those cells as formulas. Load the files with a CSV library or a
database loader, or import them in the spreadsheet as text (every column "Text"); never
double-click to open. The seller's report (field reconciliation, exported_formula_like)
counts such values per field.
"""


def check_reconciliation(reconciliation: Mapping[str, Any]) -> dict[str, int]:
    """Return the counts as ints after checking ``input == transferred + merged + excluded``.

    Example
    -------
    >>> check_reconciliation({"input": 3, "transferred": 1, "merged": 1, "excluded": 1})["input"]
    3
    """
    need = ("input", "transferred", "merged", "excluded")
    missing = [k for k in need if k not in reconciliation]
    if missing:
        raise ScopingError(
            f"reconciliation lacks {', '.join(missing)}; pass input, transferred, merged and "
            "excluded counts"
        )
    counts = {}
    for k, v in reconciliation.items():
        if isinstance(v, bool) or not hasattr(v, "__index__") or int(v) < 0:
            raise ScopingError(
                f"reconciliation.{k}: received {v!r}; counts must be non-negative integers"
            )
        counts[str(k)] = int(v)
    total = counts["transferred"] + counts["merged"] + counts["excluded"]
    if counts["input"] != total:
        raise ScopingError(
            f"reconciliation does not add up: input {counts['input']} != transferred "
            f"{counts['transferred']} + merged {counts['merged']} + excluded {counts['excluded']} "
            f"= {total}; fix the scoping counts before handing over"
        )
    return counts


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """Stable serialisation of the manifest: sorted keys, 2-space indent, UTF-8, final newline."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(
        "utf-8"
    )


def _sha_file(path: Path) -> tuple[int, str]:
    return path.stat().st_size, file_sha256(path)


def write_manifest(
    handover_dir: str | os.PathLike,
    files: Sequence[ExportedFile],
    material: KeyMaterial,
    *,
    reconciliation: Mapping[str, int],
    params_hash: str,
    run_id: str,
    created_at: str | dt.datetime,
    plain_files: Sequence[str] = (),
    schemas: Mapping[str, Any] | None = None,
    audit_log: str | os.PathLike | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write README.txt, manifest.json and the seller's detached signature manifest.json.p7s.

    Parameters
    ----------
    handover_dir : path
        Folder holding the exported parts.
    files : sequence of ExportedFile
        As returned by :func:`~migration_kit.handover.export.export_tables`.
    material : KeyMaterial
        Signer key and certificate; recipient fingerprints are recorded.
    reconciliation : mapping
        ``input``, ``transferred``, ``merged``, ``excluded`` (checked to add up) and any further
        counts.
    params_hash, run_id : str
        Identify the run.
    created_at : str or datetime
        Creation time (passed in so the manifest is reproducible).
    schemas : mapping, optional
        Table -> :func:`~migration_kit.handover.export.table_schema` (types and keys for loaders).
    plain_files : sequence of str
        Names of further non-personal files already in ``handover_dir`` to list with their hash
        (e.g. a copy of ``audit_log.jsonl``).
    audit_log : path, optional
        The run's audit log: it is verified and its head (entry count, last hash) is signed.
    extra : mapping, optional
        Further non-personal metadata stored under ``"extra"``.

    Returns
    -------
    dict
        The manifest as written.

    Example
    -------
    >>> m = write_manifest(out, files, material, reconciliation=rec, params_hash=h, run_id="r1",
    ...                    created_at="2026-01-01T00:00:00+00:00")               # doctest: +SKIP
    """
    out = Path(handover_dir)
    rec = check_reconciliation(reconciliation)
    if isinstance(created_at, dt.datetime):
        created_at = created_at.isoformat()
    readme = _README.format(run_id=run_id, **COMMANDS).encode("utf-8")
    write_atomic(out / README, readme)
    entries: list[dict[str, Any]] = [{"kind": "encrypted", **f.to_dict()} for f in files]
    for name in sorted({README, *plain_files}):
        p = out / name
        if not p.is_file():
            raise FileNotFoundError(f"{p}: listed in plain_files but not in the handover folder")
        size, sha = _sha_file(p)
        entries.append({"kind": "plain", "name": name, "bytes": size, "sha256": sha})
    tables: dict[str, dict[str, Any]] = {}
    for f in files:
        t = tables.setdefault(
            f.table,
            {
                "rows": 0,
                "parts": 0,
                "columns": list(f.columns),
                **({"schema": schemas[f.table]} if schemas and f.table in schemas else {}),
            },
        )
        t["rows"] += f.rows
        t["parts"] += 1
        t["checksum"] = {
            "algorithm": CHECKSUM,
            "value": add_checksums([t.get("checksum", {}).get("value", "0" * 64), f.rows_checksum]),
        }
    keys = material.describe()
    manifest = {
        "format": FORMAT,
        "package_version": __version__,
        "run_id": run_id,
        "created_at": str(created_at),
        "params_sha256": params_hash,
        "reconciliation": rec,
        "encryption": {
            "container": "CMS EnvelopedData (RFC 5652), DER",
            "content_cipher": "AES-256-CBC",
            "key_transport": "RSA",
            "csv": "UTF-8, comma, header line in every part, \\n line ends",
        },
        "signature": {
            "file": SIGNATURE,
            "container": "CMS SignedData, detached, DER",
            "digest": "SHA-256",
        },
        "keys": {"recipients": keys["recipients"], "signer": keys["signer"]},
        "tables": tables,
        "files": entries,
        "audit": audit_head(audit_log) if audit_log is not None else None,
        "commands": COMMANDS,
        "extra": dict(extra or {}),
    }
    data = manifest_bytes(manifest)
    write_atomic(out / MANIFEST, data)
    write_atomic(
        out / SIGNATURE, sign_detached(data, material.signer_certificate, material.signer_key)
    )
    return manifest
