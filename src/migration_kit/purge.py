"""Purge a run's working files (the only files with plaintext personal data), with a destruction
record.

What goes: ``work/`` (parquet intermediates). What stays: reports (aggregate or masked), the
encrypted handover and backup, the audit log, and ``reports/purge_record.json`` listing every
purged file by name, size and SHA-256, appended to the audit log as step ``purge``.

Example
-------
>>> purge_run(Path("runs/rehearsal/r1"))   # doctest: +SKIP
{'files': 14, 'bytes': 1834211}
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from .errors import MigrationKitError
from .runfolder import RunFolder, atomic_write_text, file_sha256

__all__ = ["purge_run"]


def _overwrite_and_unlink(path: Path) -> None:
    """Overwrite with zeros, then delete (best effort on journaling / copy-on-write filesystems)."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def purge_run(
    run_dir: Path, *, params_hash: str = "0" * 64, now: dt.datetime | None = None
) -> dict[str, int]:
    """Destroy ``work/`` of a run folder and record what was destroyed."""
    from .handover.audit import AuditLog

    run = RunFolder(Path(run_dir).resolve())
    work = run.path("work")
    if not work.is_dir():
        raise MigrationKitError(
            f"{run.root}: no work/ folder; is this a run folder (runs/<client>/<run_id>)?"
        )
    record_file = run.file("purge_record")
    if (
        record_file.exists()
        and json.loads(record_file.read_text(encoding="utf-8")).get("status") == "done"
    ):
        raise MigrationKitError(
            f"{run.root}: already purged (see {record_file}); nothing is purged twice"
        )
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    files = sorted(p for p in work.rglob("*") if p.is_file())
    hashes = {p.relative_to(run.root).as_posix(): file_sha256(p) for p in files}
    sizes = [p.stat().st_size for p in files]
    record = [
        {"file": rel, "bytes": size, "sha256": digest}
        for (rel, digest), size in zip(hashes.items(), sizes, strict=True)
    ]
    summary = {"files": len(record), "bytes": sum(sizes)}

    def write(status: str) -> None:
        """The record exists before the first file goes, and is completed after."""
        atomic_write_text(
            record_file,
            json.dumps(
                {
                    "status": status,
                    "purged_at": now.isoformat(),
                    "method": "overwrite with zeros, then delete",
                    **summary,
                    "files_purged": record,
                },
                ensure_ascii=False,
                indent=2,
            ),
        )

    write("in progress")
    for p in files:
        _overwrite_and_unlink(p)
    write("done")
    AuditLog(run.file("audit_log")).append("purge", hashes, {}, summary, params_hash, time=now)
    return summary
