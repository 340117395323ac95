"""Stage 6, secure handover: encrypted export, signed manifest, encrypted backup, audit log.

Standards only: CMS (RFC 5652) EnvelopedData with AES-256-CBC to RSA certificates, detached CMS
SignedData with SHA-256, SHA-256 hash chains. Every output opens with the ``openssl`` binary.

Example
-------
>>> material = load_key_material(
...     KeysSpec.from_dict(params["keys"], base_dir=folder))                # doctest: +SKIP
>>> backup_files(input_paths, run / "backup", material)                     # doctest: +SKIP
>>> files = export_tables({"customers": golden}, run / "handover", material)  # doctest: +SKIP
>>> write_manifest(run / "handover", files, material, reconciliation=rec, params_hash=h,
...                run_id=run_id, created_at=now,
...                audit_log=run / "audit_log.jsonl")                       # doctest: +SKIP
>>> verify_handover(run / "handover", material.signer_certificate).ok       # doctest: +SKIP
True
"""

from __future__ import annotations

from .audit import AuditLog, audit_head, verify_audit
from .backup import backup_files, restore
from .cms import decrypt, encrypt, sign_detached, verify_detached
from .export import ExportedFile, export_tables
from .keys import KeyMaterial, KeysSpec, generate_keys, load_key_material
from .manifest import write_manifest
from .verify import VerifyReport, decrypt_file, decrypt_table, verify_handover

__all__ = [
    "AuditLog",
    "ExportedFile",
    "KeyMaterial",
    "KeysSpec",
    "VerifyReport",
    "audit_head",
    "backup_files",
    "decrypt",
    "decrypt_file",
    "decrypt_table",
    "encrypt",
    "export_tables",
    "generate_keys",
    "load_key_material",
    "restore",
    "sign_detached",
    "verify_audit",
    "verify_detached",
    "verify_handover",
    "write_manifest",
]
