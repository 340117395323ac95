"""Purge a run: destroy every copy of personal data the run folder holds, then certify it.

Scoping only schedules destruction (``reports/destruction_schedule.md``). ``purge`` does it, in
this order, and refuses a folder that is not a run folder or that holds a link anywhere (it never
follows one):

1. ``reports/purge_record.json`` is written ``in progress`` with every file to go (name, size,
   SHA-256) before the first one goes;
2. the working files (``work/``: every plaintext copy) and any stray temporary file are
   overwritten with zeros and deleted;
3. the backup of the raw exports (``backup/``: it holds the excluded customers too) is destroyed
   the same way, unless ``backup="retain"`` keeps it until ``retain_until`` (the certificate then
   names it, its date and why);
4. the certificate of destruction is written (what was destroyed, what is retained and until
   when, why, by whom, when) and signed with the seller's key (detached CMS, ``.p7s``);
5. the rehearsal keys (``secrets/keys``) are destroyed: nothing left in the run folder can
   decrypt a retained backup;
6. the record is completed and the step ``purge`` is chained into the audit log (with the run's
   own params hash) with the certificate and its signature as outputs.

Retained on purpose: the encrypted handover (the buyer's copy, transferred customers only), the
aggregate or masked reports, the audit log, and ``secrets/run_hash_key``, the key of the
destruction log's hashes, so that an access request can still be answered "erased" without the
data.

Example
-------
>>> purge_run(Path("runs/rehearsal/r1"))   # doctest: +SKIP
{'files': 19, 'bytes': 1834211, 'backup': 'destroyed'}
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path
from typing import Any

from .codes import count_codes
from .errors import KeyMaterialError, MigrationKitError
from .runfolder import RunFolder, atomic_write_text, file_sha256

__all__ = ["BACKUP_CHOICES", "purge_run"]

#: What purge does with the backup of the raw exports.
BACKUP_CHOICES = ("destroy", "retain")
_METHOD = "overwrite with zeros, then delete"


def _overwrite_and_unlink(path: Path) -> None:
    """Overwrite with zeros, then delete (best effort on journaling / copy-on-write filesystems)."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def _files(folder: Path) -> list[Path]:
    """Every file below ``folder``; a link anywhere is refused, never followed."""
    if not folder.exists():
        return []
    out = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in [*dirs, *names]:
            p = Path(root) / name
            if p.is_symlink():
                raise MigrationKitError(
                    f"{p}: a link inside the run folder; purge never follows links: remove it "
                    "and check what it pointed to"
                )
        out += [Path(root) / n for n in names]
    return sorted(out)


def _signing_material(run: RunFolder, params_file: Path | None) -> Any:
    """The seller's signing key: from the params' ``keys:`` section, else the run's rehearsal
    keys."""
    from .handover.keys import load_key_material, rehearsal_keys
    from .params import load_params

    if params_file is not None:
        params = load_params(params_file)
        if params.keys is not None:
            return load_key_material(params.keys)
    folder = run.path("secrets", "keys")
    if all((folder / f).exists() for f in ("seller.key", "seller.pem", "buyer.pem")):
        return load_key_material(rehearsal_keys(folder))
    raise KeyMaterialError(
        f"{run.root}: the certificate of destruction is signed with the seller's key; give "
        "--params with the keys: section (no rehearsal keys in this run folder)"
    )


def _certificate(
    run: RunFolder,
    *,
    now: dt.datetime,
    user: str,
    destroyed: dict[str, list[dict[str, Any]]],
    backup: str,
    retain_until: dt.date | None,
) -> str:
    """The certificate's text: written after the destruction it describes."""
    import pandas as pd

    log = (
        pd.read_csv(run.file("destruction_log"))
        if run.exists("destruction_log")
        else pd.DataFrame(columns=["reason_codes", "destroyed"])
    )
    done = log["destroyed"].astype(str).str.lower().isin(["true", "1"])
    lines = [
        "# Certificate of destruction",
        "",
        f"Run: {run.run_id}  ",
        f"Destroyed on: {now.isoformat()} by {user}  ",
        f"Method: {_METHOD} (files); records are identified below only by keyed hashes",
        "",
        "## Destroyed",
        "",
    ]
    for folder, files in destroyed.items():
        size = sum(f["bytes"] for f in files)
        lines.append(
            f"- {folder}: {len(files)} files, {size} bytes (names and SHA-256 in the purge record)"
        )
    lines += [
        "",
        f"Excluded records scheduled for destruction: {int(done.sum())} (every copy in this run "
        "folder destroyed above; per-record keyed hashes in destruction_log.csv).",
        "",
        "| reason code | records destroyed | records retained |",
        "|---|---|---|",
    ]
    records = count_codes(log["reason_codes"])
    by_code = count_codes(log["reason_codes"], weights=done).reindex(records.index)
    for code, n, d in zip(records.index, records.to_numpy(), by_code.to_numpy(), strict=True):
        lines.append(f"| {code} | {int(d)} | {int(n - d)} |")
    lines += ["", "## Retained", ""]
    if backup == "retain":
        until = retain_until.isoformat() if retain_until else "?"
        lines.append(
            f"- backup/ (the raw exports, CMS-encrypted to the seller; it holds the excluded "
            f"customers' records): retained until {until} at the seller's instruction, then to "
            "be destroyed; the run folder holds no key that decrypts it"
        )
    lines += [
        f"- {int((~done).sum())} excluded records held by the seller (not destroyed: held for "
        "re-consent, a guardian check, a share sale or by policy.destroy), in the seller's own "
        "systems only",
        "- handover/: the buyer's encrypted copy (transferred customers only)",
        "- reports/, the audit log: aggregate or masked, no personal data",
        "- secrets/run_hash_key: the key of the destruction log's hashes, to answer access "
        'requests ("erased on DATE") without the data',
        "",
        "## Outside this run folder",
        "",
        "- The seller's source systems: deletion of the records above requested from the "
        "seller; not done by the kit.",
        "",
        "This certificate is signed by the seller (destruction_certificate.md.p7s, detached CMS) "
        "and its hash is chained into the run's audit log (step purge).",
        "",
    ]
    return "\n".join(lines)


def purge_run(
    run_dir: Path,
    *,
    params_file: Path | None = None,
    backup: str = "destroy",
    retain_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Destroy every plaintext and backup copy of personal data in ``run_dir``, then certify.

    Parameters
    ----------
    run_dir : Path
        A run folder (``runs/<client>/<run_id>``).
    params_file : Path, optional
        The run's params file: its ``keys:`` sign the certificate and its hash goes into the
        audit entry (default: the rehearsal keys of the run folder, the run's own params hash).
    backup : {'destroy', 'retain'}
        What happens to ``backup/``; ``retain`` needs ``retain_until``.
    retain_until : date, optional
        Until when a retained backup is kept.
    now : datetime, optional
        The time recorded (default now, UTC).

    Returns
    -------
    dict
        ``files``, ``bytes`` destroyed, and what happened to the ``backup``.
    """
    from .handover.audit import AuditLog, verify_audit
    from .handover.cms import sign_detached

    if backup not in BACKUP_CHOICES:
        raise MigrationKitError(
            f"backup: received {backup!r}; allowed: {', '.join(BACKUP_CHOICES)}"
        )
    if backup == "retain" and retain_until is None:
        raise MigrationKitError("backup retain needs retain_until: the date it is destroyed")
    root = Path(run_dir)
    if root.is_symlink():
        raise MigrationKitError(f"{root}: a link; purge never follows links: give the folder")
    run = RunFolder(root.resolve())
    work = run.path("work")
    if not work.is_dir() or not run.file("audit_log").exists():
        raise MigrationKitError(
            f"{run.root}: no work/ folder or audit log; is this a run folder "
            "(runs/<client>/<run_id>)?"
        )
    record_file = run.file("purge_record")
    if (
        record_file.exists()
        and json.loads(record_file.read_text(encoding="utf-8")).get("status") == "done"
    ):
        raise MigrationKitError(
            f"{run.root}: already purged (see {record_file}); nothing is purged twice"
        )
    entries = verify_audit(run.file("audit_log"))  # a broken chain is not extended
    params_hash = entries[-1]["params_hash"] if entries else "0" * 64
    if params_file is not None:
        params_hash = file_sha256(Path(params_file))
    material = _signing_material(run, params_file)  # fails before anything is destroyed
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        user = getpass.getuser()
    except Exception:  # pragma: no cover - no login name on some containers
        user = "unknown"
    stray = [p for p in _files(run.root) if p.name.endswith((".tmp", ".partial"))]
    groups = {"work/": _files(work), "temporary files": stray, "stale/": _files(run.path("stale"))}
    if backup == "destroy":
        groups["backup/"] = _files(run.path("backup"))
    keys = _files(run.path("secrets", "keys"))
    groups["secrets/keys (rehearsal keys)"] = keys
    listed: dict[str, list[dict[str, Any]]] = {
        g: [
            {
                "file": p.relative_to(run.root).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": file_sha256(p),
            }
            for p in files
        ]
        for g, files in groups.items()
        if files
    }
    summary: dict[str, Any] = {
        "files": sum(len(v) for v in listed.values()),
        "bytes": sum(f["bytes"] for v in listed.values() for f in v),
        "backup": "destroyed" if backup == "destroy" else f"retained until {retain_until}",
    }

    def write(status: str) -> None:
        """The record exists before the first file goes, and is completed after."""
        atomic_write_text(
            record_file,
            json.dumps(
                {
                    "status": status,
                    "purged_at": now.isoformat(),
                    "method": _METHOD,
                    **summary,
                    "files_purged": [f for v in listed.values() for f in v],
                },
                ensure_ascii=False,
                indent=2,
            ),
        )

    write("in progress")
    for group, files in groups.items():
        if group.startswith("secrets/"):
            continue  # the keys go last: they sign the certificate first
        for p in files:
            _overwrite_and_unlink(p)
    text = _certificate(
        run, now=now, user=user, destroyed=listed, backup=backup, retain_until=retain_until
    )
    data = text.encode("utf-8")
    signature = sign_detached(data, material.signer_certificate, material.signer_key)
    for p in keys:
        _overwrite_and_unlink(p)
    with run.writing("destruction_certificate") as tmp:
        tmp.write_bytes(data)
    with run.writing("destruction_certificate_signature") as tmp:
        tmp.write_bytes(signature)
    write("done")
    hashes = {str(f["file"]): str(f["sha256"]) for v in listed.values() for f in v}
    outputs = {
        name: file_sha256(run.file(name))
        for name in ("destruction_certificate", "destruction_certificate_signature")
    }
    counts = {"files": int(summary["files"]), "bytes": int(summary["bytes"])}
    AuditLog(run.file("audit_log")).append("purge", hashes, outputs, counts, params_hash, time=now)
    return summary
