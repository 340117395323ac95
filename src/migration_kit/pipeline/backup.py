"""Step ``backup``: an encrypted copy of every raw export, before anything else reads them.

Example
-------
>>> step_backup(ctx)   # doctest: +SKIP
{'files': 5, 'folder': '.../backup'}
"""

from __future__ import annotations

import json

from ..errors import MigrationKitError
from ..runfolder import file_sha256
from .context import RunContext, StepResult, key_material, releases_memory

__all__ = ["step_backup"]


@releases_memory
def step_backup(ctx: RunContext) -> StepResult:
    """Encrypt every raw input (sources and suppression lists) to the seller's own certificate."""
    from ..handover.backup import backup_files

    material = key_material(ctx)  # fails before any work when keys are wrong
    paths = [s.path for s in ctx.params.sources] + [s.path for s in ctx.params.suppression]
    target = ctx.run.path("backup")
    manifest = ctx.run.file("backup_manifest")
    if manifest.exists():  # a resumed run: the backup must be of exactly these inputs
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        backed = {f["name"]: f["sha256"] for f in files}
        current = {p.name: file_sha256(p) for p in paths}
        if backed != current:
            changed = sorted(
                n for n in set(backed) | set(current) if backed.get(n) != current.get(n)
            )
            raise MigrationKitError(
                f"{target}: the backup in this run folder is of other input files "
                f"({', '.join(changed)} changed since); start a new run (another --run-id)"
            )
    else:
        if target.exists() and not any(target.iterdir()):
            target.rmdir()
        backup_files(paths, target, material, created_at=ctx.now)
    ctx.audit("backup", {p.name: p for p in paths}, {}, {"files": len(paths)})
    return {"files": len(paths), "folder": str(target)}
