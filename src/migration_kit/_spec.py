"""Small helpers every declarative spec uses to validate itself when built.

A spec (params section, blocking rule, comparison, survivorship rule, quality check, scoping rule)
is built from a plain dict. These helpers reject unknown keys and bad values with a
:class:`~migration_kit.errors.ParamsError` that names the key, the value received and what is
allowed, so every section of the params file fails the same way.

Example
-------
>>> check_keys({"type": "merger"}, {"type", "seller"}, where="deal")
>>> check_choice("merger", ("merger", "division"), where="deal.type")
'merger'
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ParamsError

__all__ = [
    "KeysSeen",
    "check_choice",
    "check_keys",
    "check_type",
    "closest",
    "recording_keys",
    "require",
]


@dataclass(frozen=True)
class KeysSeen:
    """One :func:`check_keys` call seen by :func:`recording_keys`: where, the keys allowed and
    required there, the keys the mapping held, and the spec class that asked (if any)."""

    where: str
    allowed: tuple[str, ...]
    required: tuple[str, ...]
    given: tuple[str, ...]
    owner: type | None


_RECORDERS: list[list[KeysSeen]] = []


@contextlib.contextmanager
def recording_keys() -> Iterator[list[KeysSeen]]:
    """Record every :func:`check_keys` call made inside the block (the params reference reads
    a full example file this way, so the keys it lists are the ones the specs accept).

    Example
    -------
    >>> with recording_keys() as seen:
    ...     check_keys({"type": "merger"}, ("type", "seller"), where="deal")
    >>> seen[0].where, seen[0].allowed, seen[0].given
    ('deal', ('seller', 'type'), ('type',))
    """
    seen: list[KeysSeen] = []
    _RECORDERS.append(seen)
    try:
        yield seen
    finally:
        _RECORDERS.remove(seen)


def _owner() -> type | None:
    frame = inspect.currentframe()
    caller = frame.f_back.f_back if frame and frame.f_back else None
    owner = caller.f_locals.get("cls") if caller else None
    return owner if isinstance(owner, type) else None


def closest(name: str, known: Iterable[str]) -> str | None:
    """Return the known name closest to ``name``, or None when nothing is close."""
    known = [str(k) for k in known]
    lowered = {k.lower(): k for k in reversed(known)}
    hits = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hits[0]] if hits else None


def _hint(name: str, known: Iterable[str]) -> str:
    best = closest(name, known)
    return f" (did you mean {best!r}?)" if best else ""


def check_keys(
    data: Mapping[str, Any], allowed: Iterable[str], where: str, required: Iterable[str] = ()
) -> None:
    """Reject unknown keys and missing required keys of a mapping."""
    if not isinstance(data, Mapping):
        raise ParamsError(where, f"expected a mapping, received {type(data).__name__}")
    allowed = sorted(set(allowed))
    required = tuple(required)
    if _RECORDERS:
        seen = KeysSeen(where, tuple(allowed), required, tuple(map(str, data)), _owner())
        for recorder in _RECORDERS:
            recorder.append(seen)
    for key in data:
        if key not in allowed:
            raise ParamsError(
                f"{where}.{key}" if where else str(key),
                f"unknown key {key!r}{_hint(key, allowed)}; known keys: {', '.join(allowed)}",
            )
    for key in required:
        if key not in data or data[key] is None:
            raise ParamsError(f"{where}.{key}" if where else str(key), "required key is missing")


def check_choice(value: Any, allowed: Iterable[str], where: str) -> Any:
    """Return ``value`` if it is one of ``allowed``; otherwise raise naming the allowed values."""
    allowed = list(allowed)
    if value not in allowed:
        raise ParamsError(
            where,
            f"received {value!r}{_hint(str(value), allowed)}; "
            f"allowed values: {', '.join(map(str, allowed))}",
        )
    return value


def check_type(value: Any, types: type | tuple[type, ...], where: str) -> Any:
    """Return ``value`` if it is an instance of ``types``; else raise naming the expected type."""
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise ParamsError(where, f"received {value!r} (bool); expected {_tname(types)}")
    if not isinstance(value, types):
        raise ParamsError(
            where, f"received {value!r} ({type(value).__name__}); expected {_tname(types)}"
        )
    return value


def require(condition: bool, where: str, message: str) -> None:
    """Raise a ParamsError at ``where`` unless ``condition`` holds."""
    if not condition:
        raise ParamsError(where, message)


def optional_file(
    data: Mapping[str, Any], key: str, where: str, base_dir: Path | None, expected: str
) -> Path | None:
    """The file ``data[key]`` names (relative to ``base_dir``), checked to exist; None when the
    key is absent. ``expected`` says what the file must hold (``a CSV with columns ...``).

    Example
    -------
    >>> optional_file({}, "register", "policy.asset_sale", None, "a CSV") is None
    True
    """
    if data.get(key) is None:
        return None
    check_type(data[key], (str, Path), f"{where}.{key}")
    path = (Path(base_dir or Path.cwd()) / data[key]).resolve()
    require(path.is_file(), f"{where}.{key}", f"file not found: {path}; expected {expected}")
    return path


def _tname(types: type | tuple[type, ...]) -> str:
    if isinstance(types, tuple):
        return " or ".join(t.__name__ for t in types)
    return types.__name__
