"""Destruction log and certificate for every excluded record, with no plaintext personal data.

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
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ScopingError
from ..masking import keyed_hash, keyed_hash_series

__all__ = [
    "DESTROY_METHOD",
    "LOG_COLUMNS",
    "RETAIN_METHOD",
    "SHARE_SALE_METHOD",
    "destruction_certificate",
    "destruction_log",
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


def destruction_certificate(
    log: pd.DataFrame,
    *,
    backups: Sequence[str],
    seller_name: str,
    date: dt.date,
    run_id: str | None = None,
) -> str:
    """Markdown certificate: counts by reason, destroyed vs retained, and the backups holding
    copies.

    Example
    -------
    >>> log = pd.DataFrame({"record_hash": ["ab"], "reason_codes": ["RETENTION_EXPIRED"],
    ...                     "date": ["2026-12-31"], "destroyed": [True],
    ...                     "method": [DESTROY_METHOD]})
    >>> cert = destruction_certificate(log, backups=["nas-2026-11"], seller_name="S",
    ...                                date=dt.date(2026, 12, 31))
    >>> "RETENTION_EXPIRED | 1 | 1 | 0" in cert
    True
    """
    codes = log.assign(code=log["reason_codes"].str.split(";")).explode("code")
    by = codes.groupby("code", sort=True)["destroyed"].agg(["size", "sum"])
    lines = [
        "# Certificate of destruction",
        "",
        f"Controller: {seller_name}  ",
        f"Date: {date.isoformat()}" + (f"  \nRun: {run_id}" if run_id else ""),
        "",
        f"Excluded records: {len(log)}; destroyed: {int(log['destroyed'].sum())}; "
        f"retained (not destroyed): {int((~log['destroyed'].astype(bool)).sum())}.",
        "",
        "| reason code | records | destroyed | retained |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {c} | {int(r['size'])} | {int(r['sum'])} | {int(r['size'] - r['sum'])} |"
        for c, r in by.iterrows()
    ]
    lines += [
        "",
        "A record with several reason codes is counted under each.",
        "",
        "Methods used:",
        "",
    ] + [f"- {m}: {n} records" for m, n in log["method"].value_counts().sort_index().items()]
    lines += ["", "## Backups holding copies", ""]
    lines += [
        f"- {b}: copies are destroyed when this backup expires under the backup rotation, or by "
        "restoring it only to delete them; until then it is access-restricted."
        for b in backups
    ] or ["- none declared"]
    lines += [
        "",
        "Records are identified in destruction_log.csv only by a keyed hash of source and record "
        "id; the key is held by the seller. No personal data appears in this certificate.",
        "",
    ]
    return "\n".join(lines)
