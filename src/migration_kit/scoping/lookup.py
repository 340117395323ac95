""" "What happened to my data?": answer a data-subject request from a run folder.

Only the records whose phone, e-mail or ID equals the queried (normalized) identifier are read
(parquet row filters), so nobody else's data is loaded or shown. The answer lists each matching
record with its disposition and reasons, the golden id when it moved, and whether the customer is
on the notification roster. The identifier is shown masked.

After ``purge`` the working tables are gone: the answer then comes from the keyed-hash index
scoping wrote (:func:`lookup_index`, ``reports/lookup_index.csv``): the keyed hash of each
identifier's match key (validity-agnostic, :func:`~migration_kit.scoping.suppression.match_key`)
beside the record's keyed hash, disposition and reasons, so the seller can still say "excluded
(erasure request), erased on DATE" without holding the data. :func:`subject_records` gives a
person's own records (PIPL Art. 45; GDPR Art. 15, 20), which
:func:`migration_kit.pipeline.subject.export_subject` writes encrypted to a certificate (the DPO's
or the seller's), never in plaintext.

Example
-------
>>> lookup(Path("runs/acme/2026-12-31"), phone="138 1234 5678")   # doctest: +SKIP
  source record_id       matched_on  disposition  reason_codes  golden_id  notified channel ...
0    pos      1001  phone=+86138*****78  transferred  TRANSFER_...    E000001      True     sms ...
"""

from __future__ import annotations

import binascii
import dataclasses
import hashlib
import hmac
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts import ARTIFACTS
from ..errors import ScopingError
from ..masking import mask_value
from ..runfolder import RunFolder
from .suppression import _email, _id, _phone

__all__ = [
    "DISPOSITIONS_FILE",
    "ENTITIES_FILE",
    "INDEX_COLUMNS",
    "LOOKUP_COLUMNS",
    "PURGED_COLUMNS",
    "ROSTER_FILE",
    "STD_FILE",
    "IndexKeys",
    "index_keys",
    "lookup",
    "lookup_index",
    "normalize_identifier",
    "subject_records",
]

#: Columns of the keyed-hash index (``reports/lookup_index.csv``).
INDEX_COLUMNS = ["id_hash", "record_hash", "disposition", "reason_codes"]
#: Columns of an answer given after purge.
PURGED_COLUMNS = ["record_hash", "matched_on", "disposition", "reason_codes", "status"]

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
        ``golden_id`` only for records that moved (transferred or merged). After purge,
        :data:`PURGED_COLUMNS` from the keyed-hash index.
    """
    run = RunFolder(Path(run_dir))
    given = {
        f: str(v)
        for f, v in (("phone", phone), ("email", email), ("id_number", id_number))
        if v is not None and str(v).strip()
    }
    if not given:
        raise ScopingError("lookup: give a phone, an e-mail or an ID number to look up")
    if not run.file("std").exists():  # purged: answer from the keyed-hash index
        return _after_purge(run, given)
    query = {f: normalize_identifier(f, v) for f, v in given.items()}
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


def _id_hashes(key: bytes, field: str, values: pd.Series) -> list[pd.Series]:
    """The keyed hashes of a column's match keys (``field:key`` under the run key)."""
    from ..masking import keyed_hash
    from .suppression import _keys

    out = []
    for k in _keys(field, values):
        uniq = {v: keyed_hash(key, f"{field}:{v}") for v in k.dropna().unique()}
        out.append(k.map(uniq))
    return out


@dataclasses.dataclass(frozen=True)
class IndexKeys:
    """The half of the lookup index that needs no disposition: each keyed record's hash and
    each ``field:key``'s, with their sort ranks (:func:`index_keys`); :meth:`index` adds the
    dispositions."""

    #: ``source`` and ``record_id`` of each record with a key (std's order).
    source: np.ndarray
    record_id: np.ndarray
    #: The keyed hash of each of those records, and of each distinct ``field:key`` (hex,
    #: ``S64``).
    record: np.ndarray
    ident: np.ndarray
    #: Per key (``record_keys`` row): its record (into ``record``), its ``field:key``, and the
    #: ranks of their hashes among the distinct ones (hex digests sort as their bytes do).
    record_of: np.ndarray
    pair_of: np.ndarray
    rec_rank: np.ndarray
    id_rank: np.ndarray

    def index(self, dispositions: pd.DataFrame) -> pd.DataFrame:
        """The index (:data:`INDEX_COLUMNS`): each record's disposition and reasons from
        ``dispositions`` (``source``, ``record_id``, ``disposition``, ``reason_codes``) beside
        its keys' hashes, duplicates dropped, sorted by ``(id_hash, record_hash)``."""
        if not len(self.pair_of):
            return pd.DataFrame(columns=INDEX_COLUMNS)
        d = pd.DataFrame({"source": self.source, "record_id": self.record_id}).merge(
            dispositions[["source", "record_id", "disposition", "reason_codes"]],
            on=["source", "record_id"],
            how="left",
        )
        if len(d) != len(self.source):
            raise ScopingError(
                "lookup index: a record has more than one disposition (record_dispositions "
                "repeats a source and record_id); run the scope step again"
            )
        disposition, reasons = d["disposition"].to_numpy(), d["reason_codes"].to_numpy()
        # drop_duplicates() then sort by (id_hash, record_hash), in integer codes; ties keep
        # their first-seen order (a stable sort)
        record_of, pair_of, id_rank, rec_rank = (
            self.record_of,
            self.pair_of,
            self.id_rank,
            self.rec_rank,
        )
        disp_code = pd.factorize(disposition)[0][record_of]
        reason_code = pd.factorize(reasons)[0][record_of]
        codes = pd.DataFrame({"i": id_rank, "r": rec_rank, "d": disp_code, "c": reason_code})
        first = np.flatnonzero(~codes.duplicated().to_numpy())
        first = first[np.lexsort((rec_rank[first], id_rank[first]))]
        ident, record = _texts(self.ident), _texts(self.record)
        out = pd.DataFrame(
            {
                "id_hash": ident[pair_of[first]],
                "record_hash": record[record_of[first]],
                "disposition": disposition[record_of[first]],
                "reason_codes": reasons[record_of[first]],
            }
        )
        return out[INDEX_COLUMNS]


def index_keys(std: pd.DataFrame, key: bytes, rec_keys: pd.DataFrame | None = None) -> IndexKeys:
    """The keyed hashes of every record's identifiers (``source``, ``record_id`` and the match
    fields of ``std``; ``rec_keys``: their
    :func:`~migration_kit.scoping.suppression.record_keys` when already computed): the half of
    :func:`lookup_index` that needs no disposition.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["pos"], "record_id": ["1"], "phone": ["+8613812345678"]})
    >>> len(index_keys(std, b"k" * 32).ident)
    1
    """
    from .suppression import record_keys

    keys = record_keys(std) if rec_keys is None else rec_keys
    row = keys["row"].to_numpy(dtype=np.int64)
    rows, record_of = np.unique(row, return_inverse=True)
    src, rid = std["source"].to_numpy()[rows], std["record_id"].to_numpy()[rows]
    # record_hash(key, source, record_id) and keyed_hash(key, "field:key"), per distinct value
    record = _hmac_hex(key, [f"{a}:{b}" for a, b in zip(src, rid, strict=True)])
    pair_of, pairs = pd.factorize(keys["field"].astype(str) + ":" + keys["key"].astype(str))
    ident = _hmac_hex(key, list(pairs))
    rec_rank, id_rank = _ranks(record)[record_of], _ranks(ident)[pair_of]
    return IndexKeys(src, rid, record, ident, record_of, pair_of, rec_rank, id_rank)


def lookup_index(
    std: pd.DataFrame,
    dispositions: pd.DataFrame,
    key: bytes,
    rec_keys: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The keyed-hash index of every record's identifiers (see the module docstring);
    ``rec_keys``: :func:`~migration_kit.scoping.suppression.record_keys` of ``std`` when already
    computed. :func:`index_keys` then :meth:`IndexKeys.index`.

    Example
    -------
    >>> std = pd.DataFrame({"source": ["pos"], "record_id": ["1"], "phone": ["+8613812345678"]})
    >>> disp = pd.DataFrame({"source": ["pos"], "record_id": ["1"], "disposition": ["excluded"],
    ...                      "reason_codes": ["ERASURE_REQUEST"]})
    >>> lookup_index(std, disp, b"k" * 32)[["disposition", "reason_codes"]].values.tolist()
    [['excluded', 'ERASURE_REQUEST']]
    """
    return index_keys(std, key, rec_keys).index(dispositions)


def _hmac_hex(key: bytes, texts: list[str]) -> np.ndarray:
    """:func:`~migration_kit.masking.keyed_hash` of each text (HMAC-SHA256, hex) as 64 ASCII
    bytes (``S64``: no object per digest), the key's pads computed once.

    Example
    -------
    >>> from migration_kit.masking import keyed_hash
    >>> _hmac_hex(b"k" * 32, ["phone:1"])[0].decode() == keyed_hash(b"k" * 32, "phone:1")
    True
    """
    base = hmac.new(key, digestmod=hashlib.sha256)

    def digest(text: str) -> bytes:
        h = base.copy()
        h.update(text.encode("utf-8"))
        return h.digest()

    raw = b"".join(map(digest, texts))
    return (
        np.frombuffer(binascii.hexlify(raw), dtype="S64").copy() if texts else np.array([], "S64")
    )


def _texts(digests: np.ndarray) -> np.ndarray:
    """ASCII digests (``S64``) as an object array of str, as the index's table holds them."""
    out = np.empty(len(digests), dtype=object)
    out[:] = [d.decode("ascii") for d in digests.tolist()]
    return out


def _ranks(digests: np.ndarray) -> np.ndarray:
    """Each hex digest's rank among the distinct ones in sort order (equal digests, equal
    rank)."""
    raw = digests.astype("S64", copy=False)  # 64 ASCII bytes, sorted as big-endian words
    words = np.frombuffer(raw.tobytes(), dtype=">u8").reshape(len(raw), 8)
    order = np.lexsort((words[:, 1], words[:, 0]))
    head = words[order, :2]
    if len(raw) > 1 and (head[1:] == head[:-1]).all(axis=1).any():  # equal first 128 bits
        return np.unique(raw, return_inverse=True)[1].astype(np.int64)
    rank = np.empty(len(raw), dtype=np.int64)
    rank[order] = np.arange(len(raw), dtype=np.int64)
    return rank


def _after_purge(run: RunFolder, query: dict[str, str]) -> pd.DataFrame:
    """The answer from the keyed-hash index, once the working tables are gone."""
    import json

    if not run.exists("lookup_index"):
        raise ScopingError(
            f"lookup: {run.root} has neither working tables nor a lookup index; it cannot answer"
        )
    key = run.hash_key()
    index = pd.read_csv(run.file("lookup_index"), dtype=str, keep_default_na=False)
    purged_at = ""
    if run.exists("purge_record"):
        purged_at = json.loads(run.file("purge_record").read_text(encoding="utf-8")).get(
            "purged_at", ""
        )
    destroyed = set()
    if run.exists("destruction_log"):
        log = pd.read_csv(run.file("destruction_log"), dtype=str, keep_default_na=False)
        destroyed = set(log.loc[log["destroyed"].str.lower() == "true", "record_hash"])
    parts = []
    for fld, value in query.items():
        hashes = {
            h for s in _id_hashes(key, fld, pd.Series([value], dtype=object)) for h in s.dropna()
        }
        hit = index[index["id_hash"].isin(hashes)]
        parts.append(hit.assign(matched_on=f"{fld}={mask_value(fld, value)}"))
    hits = pd.concat(parts, ignore_index=True).drop(columns="id_hash").drop_duplicates()
    if hits.empty:
        return pd.DataFrame(columns=PURGED_COLUMNS)
    hits = (
        hits.groupby(["record_hash", "disposition", "reason_codes"], sort=True)["matched_on"]
        .agg(lambda s: "; ".join(sorted(set(s))))
        .reset_index()
    )
    day = purged_at[:10] or "?"
    hits["status"] = [
        f"erased on {day}"
        if h in destroyed
        else (
            "moved to the buyer"
            if d in ("transferred", "merged")
            else f"held by the seller; working copies purged on {day}"
        )
        for h, d in zip(hits["record_hash"], hits["disposition"], strict=True)
    ]
    return hits[PURGED_COLUMNS]


def subject_records(
    run_dir: Path | str,
    *,
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = None,
) -> pd.DataFrame:
    """One person's own records: their standardized values and what happened to each (the
    content of an access or portability answer; personal data: encrypt it before it leaves).

    Example
    -------
    >>> rows = subject_records("runs/acme/r1", phone="138 1234 5678")  # doctest: +SKIP
    >>> rows["disposition"].tolist()                                   # doctest: +SKIP
    ['transferred', 'merged']
    """
    run = RunFolder(Path(run_dir))
    found = lookup(run_dir, phone=phone, email=email, id_number=id_number)
    if "source" not in found.columns:
        raise ScopingError("lookup: the run was purged; its records of this person are destroyed")
    if found.empty:
        return pd.DataFrame(columns=["source", "record_id", "disposition", "reason_codes"])
    keys: list[tuple[str, str, Any]] = [
        ("source", "in", sorted(found["source"].astype(str).unique())),
        ("record_id", "in", sorted(found["record_id"].astype(str).unique())),
    ]
    std = _read(run, "std", filters=keys)
    std = std[[c for c in std.columns if not c.startswith("raw__")]]
    return std.merge(found[["source", "record_id", "disposition", "reason_codes"]], how="inner")
