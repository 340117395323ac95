"""Hash-chained JSON-lines files: the audit log of a run, the cross-border ledger of a seller.

Each line is one entry in canonical JSON (sorted keys, no whitespace) holding ``seq`` (1-based),
``prev_hash`` (SHA-256 of the previous line, :data:`GENESIS` for the first) and ``entry_hash``
(SHA-256 of the entry without it). :func:`verify_chain` re-checks every link, so an edited,
removed, inserted or moved line is found and named; :func:`append_entry` refuses to extend a
broken chain and fsyncs what it writes.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.jsonl"
>>> fields = ("seq", "n", "prev_hash", "entry_hash")
>>> append_entry(path, {"n": 3}, fields, "ledger")["seq"]
1
>>> [e["n"] for e in verify_chain(path, fields, "ledger")]
[3]
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import IntegrityError

__all__ = ["GENESIS", "append_entry", "canonical_json", "read_lines", "sha256_text", "verify_chain"]

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys, no whitespace, non-ASCII kept: one stable text per value."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    """SHA-256 hex digest of ``text`` in UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_lines(path: Path) -> list[str]:
    """The lines of a chain file (none when it does not exist yet)."""
    if not path.exists():
        return []
    return path.read_text(encoding="utf-8").splitlines()


def verify_lines(
    lines: Sequence[str], path: Path, fields: Sequence[str], kind: str
) -> list[dict[str, Any]]:
    """Check every link of ``lines`` (read from ``path``); the entries, or IntegrityError naming
    the first bad line."""
    entries, prev = [], GENESIS
    for i, line in enumerate(lines, start=1):
        where = f"{path}: line {i}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            raise IntegrityError(
                f"{where}: not valid JSON; the {kind} was edited by hand or truncated"
            ) from None
        if not isinstance(entry, dict) or sorted(entry) != sorted(fields):
            raise IntegrityError(
                f"{where}: entry fields differ from the {kind} format; the line was edited"
            )
        if canonical_json(entry) != line:
            raise IntegrityError(f"{where}: the line is not in canonical form; it was edited")
        if entry["prev_hash"] != prev:
            raise IntegrityError(
                f"{where}: prev_hash does not match the previous line; an entry before it "
                "was removed, inserted, edited or moved"
            )
        body = {k: v for k, v in entry.items() if k != "entry_hash"}
        if sha256_text(canonical_json(body)) != entry["entry_hash"]:
            raise IntegrityError(
                f"{where}: entry_hash does not match the entry's content; the entry was edited"
            )
        if entry["seq"] != i:
            raise IntegrityError(
                f"{where}: seq is {entry['seq']}, expected {i}; entries were removed or moved"
            )
        prev = sha256_text(line)
        entries.append(entry)
    return entries


def verify_chain(path: str | os.PathLike, fields: Sequence[str], kind: str) -> list[dict[str, Any]]:
    """Read and check the whole chain at ``path``; its entries (none when it does not exist)."""
    p = Path(path)
    return verify_lines(read_lines(p), p, fields, kind)


def append_entry(
    path: str | os.PathLike, body: Mapping[str, Any], fields: Sequence[str], kind: str
) -> dict[str, Any]:
    """Verify the chain, then append ``body`` as its next entry (``seq``, ``prev_hash`` and
    ``entry_hash`` added); the file is created private to its owner. Returns the entry."""
    p = Path(path)
    lines = read_lines(p)
    verify_lines(lines, p, fields, kind)
    entry: dict[str, Any] = {
        "seq": len(lines) + 1,
        **body,
        "prev_hash": sha256_text(lines[-1]) if lines else GENESIS,
    }
    entry["entry_hash"] = sha256_text(canonical_json(entry))
    if sorted(entry) != sorted(fields):
        raise ValueError(f"{kind} entry fields {sorted(entry)} differ from {sorted(fields)}")
    p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(canonical_json(entry) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return entry
