""" "What happened to my data?": answer a data-subject request from a run folder.

Only the records whose phone, e-mail or ID equals the queried (normalized) identifier are read
(parquet row filters), so nobody else's data is loaded or shown. The answer lists each matching
record with its disposition and reasons, the golden id when it moved, and whether the customer is
on the notification roster. The identifier is shown masked.

Example
-------
>>> lookup(Path("runs/acme/2026-12-31"), phone="138 1234 5678")   # doctest: +SKIP
  source record_id       matched_on  disposition  reason_codes  golden_id  notified channel ...
0    pos      1001  phone=+86138*****78  transferred  TRANSFER_...    E000001      True     sms ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..artifacts import ARTIFACTS
from ..errors import ScopingError
from ..masking import mask_value
from ..runfolder import RunFolder
from .suppression import _email, _id, _phone

__all__ = [
    "DISPOSITIONS_FILE",
    "ENTITIES_FILE",
    "LOOKUP_COLUMNS",
    "ROSTER_FILE",
    "STD_FILE",
    "lookup",
    "normalize_identifier",
]

#: Run-folder-relative paths of the artifacts lookup reads, kept for callers that name them (the
#: paths are declared in :data:`migration_kit.artifacts.ARTIFACTS`; lookup reads by artifact name).
STD_FILE = ARTIFACTS["std"].path
ENTITIES_FILE = ARTIFACTS["entities"].path
DISPOSITIONS_FILE = ARTIFACTS["record_dispositions"].path
ROSTER_FILE = ARTIFACTS["roster"].path
LOOKUP_COLUMNS = [
    "source",
    "record_id",
    "matched_on",
    "disposition",
    "reason_codes",
    "golden_id",
    "notified",
    "channel",
    "due_by",
]
_NORMALIZE = {"phone": _phone, "email": _email, "id_number": _id}


def normalize_identifier(field: str, value: str) -> str:
    """Normalize a queried identifier the way ``std`` was (phone -> E.164 ...); ScopingError when
    unusable.

    Example
    -------
    >>> normalize_identifier("phone", "138-1234-5678")
    '+8613812345678'
    """
    out = _NORMALIZE[field](pd.Series([value], dtype=object))
    if out.isna().iat[0]:  # None, NaN or NA: not a usable identifier
        raise ScopingError(
            f"lookup: the {field} {mask_value(field, str(value))} is not a valid {field} "
            "after normalization; check the value (phones need a country code when not Chinese)"
        )
    return str(out.iat[0])


def _read(
    run: RunFolder,
    name: str,
    *,
    filters: list[tuple[str, str, Any]],
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """The rows of work table ``name`` that pass the parquet row ``filters`` (only those are
    loaded)."""
    path = run.file(name)
    if not path.is_file():
        raise ScopingError(
            f"lookup: {path} not found; is {run.root} a completed run folder (scoping stage done)?"
        )
    return pd.read_parquet(path, columns=columns, filters=filters)


def lookup(
    run_dir: Path | str,
    *,
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = None,
) -> pd.DataFrame:
    """Every record of the run matching the identifier(s), with what happened to it.

    Parameters
    ----------
    run_dir : Path
        The run folder (reads its ``std``, ``record_dispositions`` and ``roster`` work tables).
    phone, email, id_number : str, optional
        At least one; records matching any of them are returned.

    Returns
    -------
    DataFrame
        Columns :data:`LOOKUP_COLUMNS`, sorted by (source, record_id); ``matched_on`` is masked;
        ``golden_id`` only for records that moved (transferred or merged).
    """
    run = RunFolder(Path(run_dir))
    query = {
        f: normalize_identifier(f, v)
        for f, v in (("phone", phone), ("email", email), ("id_number", id_number))
        if v is not None and str(v).strip()
    }
    if not query:
        raise ScopingError("lookup: give a phone, an e-mail or an ID number to look up")
    parts = []
    for fld, value in query.items():
        hit = _read(run, "std", columns=["source", "record_id"], filters=[(fld, "==", value)])
        parts.append(hit.assign(matched_on=f"{fld}={mask_value(fld, value)}"))
    hits = pd.concat(parts, ignore_index=True)
    hits = (
        hits.groupby(["source", "record_id"], sort=True)["matched_on"]
        .agg(lambda s: "; ".join(sorted(set(s))))
        .reset_index()
    )
    if hits.empty:
        return pd.DataFrame(columns=LOOKUP_COLUMNS)
    keys: list[tuple[str, str, Any]] = [
        ("source", "in", sorted(hits["source"].astype(str).unique())),
        ("record_id", "in", sorted(hits["record_id"].astype(str).unique())),
    ]
    disp = _read(run, "record_dispositions", filters=keys)
    out = hits.merge(
        disp[["source", "record_id", "entity_id", "disposition", "reason_codes"]],
        on=["source", "record_id"],
        how="left",
    )
    moved = out["disposition"].isin(["transferred", "merged"])
    out["golden_id"] = out["entity_id"].where(moved, None)
    ids = sorted(out.loc[moved, "entity_id"].astype(str).unique())
    roster = (
        _read(
            run,
            "roster",
            columns=["entity_id", "channel", "due_by"],
            filters=[("entity_id", "in", ids)],
        )
        if ids
        else pd.DataFrame(columns=["entity_id", "channel", "due_by"])
    )
    out = out.merge(
        roster, left_on="golden_id", right_on="entity_id", how="left", suffixes=("", "_roster")
    )
    out["notified"] = out["channel"].notna() & (out["channel"] != "none")
    out["disposition"] = out["disposition"].fillna("unknown (no disposition recorded)")
    return out.sort_values(["source", "record_id"], kind="mergesort").reset_index(drop=True)[
        LOOKUP_COLUMNS
    ]
