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
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..chain import GENESIS, append_entry, canonical_json, read_lines, verify_lines
from ..errors import IntegrityError, ParamsError

__all__ = ["GENESIS", "AuditLog", "audit_head", "canonical_json", "verify_audit"]

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
        body = {
            "time": str(time),
            "step": step,
            "user": _check_name(user, "audit.user"),
            "params_hash": params_hash,
            "inputs": _check_hashes(inputs, "audit.inputs"),
            "outputs": _check_hashes(outputs, "audit.outputs"),
            "counts": _check_counts(counts, "audit.counts"),
        }
        entry = append_entry(self.path, body, _FIELDS, "audit log")
        return entry


def _verify_lines(lines: list[str], path: Path) -> list[dict[str, Any]]:
    return verify_lines(lines, path, _FIELDS, "log")


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
    return _verify_lines(read_lines(p), p)


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
