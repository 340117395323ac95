"""Destruction log and schedule for every excluded record, with no plaintext personal data.

Destruction happens in two stages: scoping writes the log and the schedule (what, why, how:
:func:`destruction_schedule`); :mod:`migration_kit.purge` destroys and only then writes and signs
the certificate.

Each excluded record is identified only by ``record_hash`` =
``keyed_hash(key, f"{source}:{record_id}")`` (:func:`record_hash`). The per-run key is held by the
seller: with it the seller can show that a given record was destroyed (recompute the hash), without
it the log reveals nothing. Records excluded but not destroyed (held back in an asset sale, retained
in a share sale, or kept by ``policy.destroy``) are logged too, with a "retained" method, so the log
covers every excluded record.

Example
-------
>>> rd = pd.DataFrame({"source": ["pos"], "record_id": ["7"], "disposition": ["excluded"],
...                    "reason_codes": ["ERASURE_REQUEST"], "destroy": [True]})
>>> log = destruction_log(rd, b"k" * 32, date=dt.date(2026, 12, 31))
>>> log[["reason_codes", "destroyed"]].values.tolist()
[['ERASURE_REQUEST', True]]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..codes import count_codes
from ..errors import ScopingError
from ..masking import keyed_hash, keyed_hash_series

__all__ = [
    "DESTROY_METHOD",
    "LOG_COLUMNS",
    "RETAIN_METHOD",
    "SHARE_SALE_METHOD",
    "destruction_log",
    "destruction_schedule",
    "record_hash",
]

DESTROY_METHOD = "secure deletion of working copy; source system deletion requested"
RETAIN_METHOD = "retained by seller (not destroyed); excluded from transfer"
SHARE_SALE_METHOD = "retained (not destroyed): share sale, controller unchanged"
LOG_COLUMNS = ["record_hash", "reason_codes", "date", "destroyed", "method"]


def record_hash(key: bytes, source: str, record_id: str) -> str:
    """Keyed hash identifying one record in the log (``source:record_id`` under the run key).

    Example
    -------
    >>> record_hash(b"k" * 32, "pos", "7") == record_hash(b"k" * 32, "pos", "7")
    True
    """
    return keyed_hash(key, f"{source}:{record_id}")


def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
        raise ScopingError(
            f"destruction log key: received {type(key).__name__} of length "
            f"{len(key) if hasattr(key, '__len__') else '?'}; expected at least 16 random bytes "
            "(e.g. os.urandom(32)), held by the seller"
        )


def destruction_log(
    record_dispositions: pd.DataFrame, key: bytes, *, date: dt.date, method: str = DESTROY_METHOD
) -> pd.DataFrame:
    """One row per excluded record: keyed hash, reason codes, date, destroyed, method.

    Parameters
    ----------
    record_dispositions : DataFrame
        ``source, record_id, disposition, reason_codes, destroy`` (from ``decide``).
    key : bytes
        Per-run secret (>= 16 bytes) held by the seller.
    date : date
        Date of destruction (usually ``policy.transfer_date``).
    method : str
        Method written for destroyed records.

    Returns
    -------
    DataFrame
        Columns :data:`LOG_COLUMNS`, sorted by ``record_hash`` (the source order would leak nothing
        personal, but sorting by hash keeps the log free of any ordering hint).
    """
    _check_key(key)
    ex = record_dispositions[record_dispositions["disposition"] == "excluded"]
    keys = ex["source"].astype(str) + ":" + ex["record_id"].astype(str)
    destroyed = ex["destroy"].astype(bool).to_numpy()
    share = ex["reason_codes"].str.contains("SHARE_SALE_NO_TRANSFER", regex=False).to_numpy()
    out = pd.DataFrame(
        {
            "record_hash": keyed_hash_series(key, keys).to_numpy(),
            "reason_codes": ex["reason_codes"].to_numpy(),
            "date": date.isoformat(),
            "destroyed": destroyed,
            "method": np.select([destroyed, share], [method, SHARE_SALE_METHOD], RETAIN_METHOD),
        },
        columns=LOG_COLUMNS,
    )
    return out.sort_values("record_hash", kind="mergesort").reset_index(drop=True)


def _by_reason(log: pd.DataFrame) -> list[str]:
    size = count_codes(log["reason_codes"])
    done = count_codes(log["reason_codes"], weights=log["destroyed"]).reindex(size.index)
    rows = zip(size.index, size.to_numpy(), done.fillna(0).to_numpy(), strict=True)
    return [
        "| reason code | records | to destroy | to retain |",
        "|---|---|---|---|",
        *(f"| {c} | {int(n)} | {int(d)} | {int(n - d)} |" for c, n, d in rows),
    ]


def destruction_schedule(
    log: pd.DataFrame,
    *,
    seller_name: str,
    date: dt.date,
    run_id: str | None = None,
) -> str:
    """Markdown schedule of what is to be destroyed, why, when and how (scoping writes it;
    nothing is destroyed yet: ``migration-kit purge`` destroys and then certifies).

    Example
    -------
    >>> log = pd.DataFrame({"record_hash": ["ab"], "reason_codes": ["RETENTION_EXPIRED"],
    ...                     "date": ["2026-12-31"], "destroyed": [True],
    ...                     "method": [DESTROY_METHOD]})
    >>> text = destruction_schedule(log, seller_name="S", date=dt.date(2026, 12, 31))
    >>> "RETENTION_EXPIRED | 1 | 1 | 0" in text and "Nothing has been destroyed yet" in text
    True
    """
    lines = [
        "# Destruction schedule",
        "",
        f"Controller: {seller_name}  ",
        f"Transfer date: {date.isoformat()}" + (f"  \nRun: {run_id}" if run_id else ""),
        "",
        "Nothing has been destroyed yet. This schedule says what is to be destroyed, why and how;",
        "`migration-kit purge <run folder>` destroys it once the buyer has confirmed receipt, and",
        "only then issues the signed certificate of destruction.",
        "",
        f"Excluded records: {len(log)}; to destroy: {int(log['destroyed'].sum())}; to retain "
        f"(held by the seller, e.g. for re-consent or a share sale): "
        f"{int((~log['destroyed'].astype(bool)).sum())}.",
        "",
        *_by_reason(log),
        "",
        "A record with several reason codes is counted under each.",
        "",
        "What purge destroys: the run's working files (work/: every plaintext copy), the",
        "rehearsal keys (secrets/keys), and the backup of the raw exports (backup/: it holds the",
        "excluded customers too) unless the seller retains it until a stated date. The seller's",
        "source systems are outside the kit: their deletion is the seller's own step, recorded",
        "in the certificate as requested, not done.",
        "",
        "Records are identified in destruction_log.csv only by a keyed hash of source and record",
        "id; the key is held by the seller. No personal data appears in this schedule.",
        "",
    ]
    return "\n".join(lines)
