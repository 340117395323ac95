"""Hash-chained, append-only audit log (``audit_log.jsonl``): one JSON line per pipeline step.

Each line is canonical JSON (sorted keys, no spaces, UTF-8) of an entry::

    {"seq": 3, "time": "...", "step": "scoping", "user": "...", "params_hash": "...",
     "inputs": {"std.parquet": "<sha256>"}, "outputs": {...}, "counts": {"excluded": 12},
     "prev_hash": "<sha256 of the previous line>",
     "entry_hash": "<sha256 of this entry without entry_hash>"}

The first entry's ``prev_hash`` is 64 zeros. :func:`verify_audit` recomputes the chain and names
the first line that was edited, removed, inserted or moved. Truncation of the *last* lines cannot
be seen from the log alone: the signed manifest records the number of entries and the last
``entry_hash`` (see :func:`audit_head`). Entries hold only step and file names, SHA-256 hashes and
counts: values are validated so no personal data can be written by mistake.

Example
-------
>>> log = AuditLog("runs/x/audit_log.jsonl")                                 # doctest: +SKIP
>>> log.append("intake", inputs={"pos.csv": h}, outputs={"raw.parquet": h2},
...            counts={"rows": 1200}, params_hash=p)                         # doctest: +SKIP
>>> verify_audit("runs/x/audit_log.jsonl")                                   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import IntegrityError, ParamsError

__all__ = ["GENESIS", "AuditLog", "audit_head", "canonical_json", "verify_audit"]

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[\w.\-/ :]{1,200}$")
_FIELDS = (
    "seq",
    "time",
    "step",
    "user",
    "params_hash",
    "inputs",
    "outputs",
    "counts",
    "prev_hash",
    "entry_hash",
)


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys, no whitespace, non-ASCII kept: one stable text per value."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ParamsError(
            where,
            f"received {value!r}; use a step/file name of 1-200 letters, digits, '_-./: ' "
            "(audit entries hold names, hashes and counts only)",
        )
    return value


def _check_hashes(d: Mapping[str, Any], where: str) -> dict[str, str]:
    if not isinstance(d, Mapping):
        raise ParamsError(
            where, f"received {type(d).__name__}; expected a mapping name -> sha256 hex"
        )
    for k, v in d.items():
        _check_name(k, f"{where} key")
        if not isinstance(v, str) or not _HEX64.match(v):
            raise ParamsError(
                f"{where}.{k}",
                "received a value that is not a lowercase SHA-256 hex digest; "
                "log the file's hash, never its content",
            )
    return dict(d)


def _check_counts(d: Mapping[str, Any], where: str) -> dict[str, int]:
    if not isinstance(d, Mapping):
        raise ParamsError(
            where, f"received {type(d).__name__}; expected a mapping name -> integer count"
        )
    out = {}
    for k, v in d.items():
        _check_name(k, f"{where} key")
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise ParamsError(
                f"{where}.{k}", f"received a {type(v).__name__}; counts must be integers"
            )
        out[k] = int(v)
    return out


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return text.splitlines()


class AuditLog:
    """Append-only writer of ``audit_log.jsonl``.

    Parameters
    ----------
    path : path
        The log file; created on first append.

    Example
    -------
    >>> AuditLog(tmp / "audit_log.jsonl").append("intake", {}, {}, {"rows": 3}, "ab" * 32,
    ...     user="analyst", time="2026-01-01T00:00:00+00:00")["seq"]        # doctest: +SKIP
    1
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def append(
        self,
        step: str,
        inputs: Mapping[str, str],
        outputs: Mapping[str, str],
        counts: Mapping[str, int],
        params_hash: str,
        user: str | None = None,
        time: str | dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Verify the existing chain, then append one entry and return it.

        Raises
        ------
        IntegrityError
            If the existing log is already broken (never extend a broken chain).
        ParamsError
            If a value is not a name, a SHA-256 hex digest or an integer count.
        """
        _check_name(step, "audit.step")
        if not isinstance(params_hash, str) or not _HEX64.match(params_hash):
            raise ParamsError(
                "audit.params_hash", "received a value that is not a lowercase SHA-256 hex digest"
            )
        if time is None:
            time = dt.datetime.now(dt.UTC)
        if isinstance(time, dt.datetime):
            time = time.isoformat()
        if user is None:
            try:
                user = getpass.getuser()
            except Exception:  # pragma: no cover - no login name on some containers
                user = "unknown"
        lines = _read_lines(self.path)
        _verify_lines(lines, self.path)
        entry: dict[str, Any] = {
            "seq": len(lines) + 1,
            "time": str(time),
            "step": step,
            "user": _check_name(user, "audit.user"),
            "params_hash": params_hash,
            "inputs": _check_hashes(inputs, "audit.inputs"),
            "outputs": _check_hashes(outputs, "audit.outputs"),
            "counts": _check_counts(counts, "audit.counts"),
            "prev_hash": _sha(lines[-1]) if lines else GENESIS,
        }
        entry["entry_hash"] = _sha(canonical_json(entry))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(canonical_json(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return entry


def _verify_lines(lines: list[str], path: Path) -> list[dict[str, Any]]:
    entries, prev = [], GENESIS
    for i, line in enumerate(lines, start=1):
        where = f"{path}: line {i}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            raise IntegrityError(
                f"{where}: not valid JSON; the log was edited by hand or truncated"
            ) from None
        if not isinstance(entry, dict) or sorted(entry) != sorted(_FIELDS):
            raise IntegrityError(
                f"{where}: entry fields differ from the audit format; the line was edited"
            )
        if canonical_json(entry) != line:
            raise IntegrityError(f"{where}: the line is not in canonical form; it was edited")
        if entry["prev_hash"] != prev:
            raise IntegrityError(
                f"{where}: prev_hash does not match the previous line; an entry before it "
                "was removed, inserted, edited or moved"
            )
        body = {k: v for k, v in entry.items() if k != "entry_hash"}
        if _sha(canonical_json(body)) != entry["entry_hash"]:
            raise IntegrityError(
                f"{where}: entry_hash does not match the entry's content; the entry was edited"
            )
        if entry["seq"] != i:
            raise IntegrityError(
                f"{where}: seq is {entry['seq']}, expected {i}; entries were removed or moved"
            )
        prev = _sha(line)
        entries.append(entry)
    return entries


def verify_audit(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Check the whole chain; return the entries, or raise IntegrityError naming the first bad line.

    Example
    -------
    >>> entries = verify_audit("runs/x/audit_log.jsonl")                     # doctest: +SKIP
    """
    p = Path(path)
    if not p.is_file():
        raise IntegrityError(f"{p}: audit log not found")
    raw = p.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raise IntegrityError(
            f"{p}: the last line is incomplete (no newline); the log was truncated or edited"
        )
    return _verify_lines(_read_lines(p), p)


def audit_head(path: str | os.PathLike) -> dict[str, Any]:
    """``{"entries": n, "last_entry_hash": h}`` of a verified log, for the signed manifest.

    Example
    -------
    >>> audit_head("runs/x/audit_log.jsonl")["entries"]                      # doctest: +SKIP
    7
    """
    entries = verify_audit(path)
    return {
        "entries": len(entries),
        "last_entry_hash": entries[-1]["entry_hash"] if entries else GENESIS,
    }
