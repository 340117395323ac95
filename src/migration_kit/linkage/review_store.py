"""The client's review decisions file: where it lives, what it holds, saving one decision at a time.

Decisions are kept per client, not per run, so a decision made after one run applies in every
later run whatever its run id: ``reviews/<client>.csv`` beside the params file, unless
``golden.decisions`` names another file. They are keyed by record identity (``source_a,
record_id_a, source_b, record_id_b``; ``pair_id`` is derived from them), never by positions of a
run. The review queue CSV with its ``decision`` column filled is a valid decisions file too; saving
into one keeps its columns and rows, and only updates the ``decision`` (plus ``decided_at`` and
``decided_on_run``) of the pair decided.

Every save rewrites the file atomically (temporary file, then rename): an interrupted save leaves
the previous file whole.

Example
-------
>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "reviews" / "acme.csv"
>>> pair = {"source_a": "pos", "record_id_a": "1", "source_b": "web", "record_id_b": "7"}
>>> _ = save_decision(path, pair, "match", run_id="r1")
>>> decided(path)
{'c7e78d0c8eaaa8a4': 'match'}
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..runfolder import atomic_path, escape_formulas, unescape_formulas
from .review import pair_id

__all__ = [
    "APP_DECISIONS",
    "DECISIONS_COLUMNS",
    "client_decisions_file",
    "decided",
    "save_decision",
]

#: Columns of a decisions file the review app or ``migration-kit review`` starts.
DECISIONS_COLUMNS: tuple[str, ...] = (
    "pair_id",
    "source_a",
    "record_id_a",
    "source_b",
    "record_id_b",
    "decision",
    "decided_at",
    "decided_on_run",
)
#: What the review app and the terminal review may write (empty = not decided, clears a decision).
APP_DECISIONS: tuple[str, ...] = ("match", "non_match", "")
_KEY = ("source_a", "record_id_a", "source_b", "record_id_b")


def client_decisions_file(base_dir: str | os.PathLike, client: str, given: str | None) -> Path:
    """The client's decisions file: ``given`` (``golden.decisions``, already resolved against the
    params folder) or ``<base_dir>/reviews/<client>.csv``.

    Example
    -------
    >>> client_decisions_file("params", "rehearsal", None).as_posix()
    'params/reviews/rehearsal.csv'
    >>> client_decisions_file("params", "rehearsal", "/srv/acme/decided.csv").as_posix()
    '/srv/acme/decided.csv'
    """
    return Path(given) if given is not None else Path(base_dir) / "reviews" / f"{client}.csv"


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=list(DECISIONS_COLUMNS))
    df = unescape_formulas(
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    )
    for col in (*_KEY, "decision"):
        if col not in df.columns:
            raise InputError(
                str(path),
                "missing column; a decisions file needs source_a, record_id_a, source_b, "
                f"record_id_b, decision (found: {', '.join(map(str, df.columns))})",
                column=col,
            )
    return df


def _pair_ids(df: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            pair_id(*k) if k[2] else ""  # a split names one record: no pair
            for k in zip(*(df[c].astype(str).str.strip() for c in _KEY), strict=True)
        ],
        index=df.index,
        dtype=object,
    )


def decided(path: str | os.PathLike) -> dict[str, str]:
    """``pair_id -> decision`` of the pair decisions in the file (none when it does not exist).

    Example
    -------
    >>> decided("no/such/file.csv")
    {}
    """
    df = _read(Path(path))
    if df.empty:
        return {}
    ids, dec = _pair_ids(df), df["decision"].astype(str).str.strip().str.lower()
    keep = (ids != "") & (dec != "")
    return dict(zip(ids[keep], dec[keep], strict=True))


def save_decision(
    path: str | os.PathLike,
    pair: Mapping[str, str],
    decision: str,
    *,
    run_id: str = "",
    now: dt.datetime | None = None,
) -> Path:
    """Record ``decision`` for ``pair`` in the decisions file, atomically; return the path.

    Parameters
    ----------
    path : path
        The client's decisions file (created, with its folder, when missing).
    pair : mapping
        ``source_a, record_id_a, source_b, record_id_b`` (a queue row); either order.
    decision : str
        ``match``, ``non_match``, or ``""`` to clear an earlier decision on the pair.
    run_id : str, optional
        The run whose queue the analyst decided on (``decided_on_run``).
    now : datetime, optional
        Time of the decision (default: now, UTC, seconds).

    Returns
    -------
    Path
        The file written. Rows deciding the same pair (either order) are all updated; a pair not
        in the file is appended; other rows and columns are kept as they were.

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "d.csv"
    >>> pair = {"source_a": "pos", "record_id_a": "1", "source_b": "web", "record_id_b": "7"}
    >>> _ = save_decision(path, pair, "match")
    >>> _ = save_decision(path, {**pair, "source_a": "web", "record_id_a": "7",
    ...                          "source_b": "pos", "record_id_b": "1"}, "non_match")
    >>> decided(path)
    {'c7e78d0c8eaaa8a4': 'non_match'}
    """
    if decision not in APP_DECISIONS:
        raise ValueError(f"decision {decision!r}: use one of {APP_DECISIONS}")
    path = Path(path)
    df = _read(path)
    key = [str(pair[c]).strip() for c in _KEY]
    pid = pair_id(*key)
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    for col in DECISIONS_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    hit = (_pair_ids(df) == pid).to_numpy(dtype=bool)
    if hit.any():
        df.loc[hit, ["decision", "decided_at", "decided_on_run"]] = [decision, stamp, run_id]
        df.loc[hit, "pair_id"] = pid
    elif decision:
        row = {c: "" for c in df.columns}
        row.update(zip(_KEY, key, strict=True))
        row.update(pair_id=pid, decision=decision, decided_at=stamp, decided_on_run=run_id)
        df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
    with atomic_path(path) as tmp:
        escape_formulas(df.fillna("").astype(str).astype(object)).to_csv(
            tmp, index=False, encoding="utf-8"
        )
    return path
