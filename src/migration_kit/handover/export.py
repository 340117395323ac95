"""Write tables as CMS-encrypted CSV parts of bounded size.

Each table becomes ``<table>.partNNNN.csv.cms`` files: UTF-8 CSV written by pyarrow (comma,
strings in ``"`` quotes, nulls empty, ``\\n`` line ends, dates ``YYYY-MM-DD`` or
``YYYY-MM-DDTHH:MM:SS``, header line in every part so each part opens on its own), at most
``part_rows`` rows and about ``part_bytes`` plaintext bytes per part, encrypted as DER CMS
EnvelopedData (AES-256-CBC) to every recipient certificate. Plaintext exists only in memory, one
part at a time; it is hashed (SHA-256) on the way. Ciphertext is written to a hidden temporary name
(``.<name>.partial-<pid>``) in the same folder, fsynced and moved into place with ``os.replace``,
so an interrupted export leaves no file that looks finished.

A buyer decrypts a part with::

    openssl cms -decrypt -binary -inform DER -in customers.part0001.csv.cms \\
        -recip buyer.pem -inkey buyer.key -out customers.part0001.csv

Example
-------
>>> files = export_tables({"customers": golden}, "runs/x/handover", material)  # doctest: +SKIP
>>> files[0].name                                                          # doctest: +SKIP
'customers.part0001.csv.cms'
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..artifacts import ARTIFACTS
from ..errors import IntegrityError, ParamsError
from ..parallel import map_pipelined
from ..runfolder import atomic_write_bytes
from .checksum import csv_checksum
from .cms import encrypt
from .keys import KeyMaterial

__all__ = [
    "OPENSSL_DECRYPT",
    "PART_SUFFIX",
    "TABLE_KEYS",
    "ExportedFile",
    "export_tables",
    "table_schema",
    "write_atomic",
]

#: Suffix of every encrypted part file.
PART_SUFFIX = ".csv.cms"
#: The openssl command a buyer runs on one part (placeholders {in}, {out}).
OPENSSL_DECRYPT = (
    "openssl cms -decrypt -binary -inform DER -in {in} -recip buyer.pem -inkey buyer.key -out {out}"
)
_TABLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ExportedFile:
    """One encrypted part: names, row count, sizes and SHA-256 of plaintext and ciphertext."""

    name: str
    table: str
    part: int
    rows: int
    columns: tuple[str, ...]
    plaintext_bytes: int
    plaintext_sha256: str
    ciphertext_bytes: int
    ciphertext_sha256: str
    #: The part's rows checksum (:mod:`~migration_kit.handover.checksum`), summed per table.
    rows_checksum: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for manifest.json."""
        d = asdict(self)
        d["columns"] = list(self.columns)
        return d


#: Primary key and foreign keys of each exported table (the loader creates them).
TABLE_KEYS: dict[str, dict[str, Any]] = {
    "customers": {"primary_key": ["entity_id"], "foreign_keys": {}},
    "record_map": {
        "primary_key": ["source", "record_id"],
        "foreign_keys": {"entity_id": "customers.entity_id"},
    },
    "notification_roster": {
        "primary_key": ["entity_id"],
        "foreign_keys": {"entity_id": "customers.entity_id"},
    },
}


def table_schema(table: str, df: pd.DataFrame) -> dict[str, Any]:
    """The schema the manifest carries for ``table``: column types (``text``, ``integer``,
    ``boolean``, ``decimal(18,2)``, ``date``, ``timestamp``), primary and foreign keys.

    Example
    -------
    >>> s = table_schema("customers", pd.DataFrame({"entity_id": ["E1"], "order_count": [3]}))
    >>> s["columns"], s["primary_key"]
    ({'entity_id': 'text', 'order_count': 'integer'}, ['entity_id'])
    """
    types = {}
    for col in df.columns:
        dtype = df[col].dtype
        text = str(dtype)
        if text.startswith("decimal128"):
            kind = "decimal(18,2)"
        elif pd.api.types.is_bool_dtype(dtype):
            kind = "boolean"
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "integer"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            values = df[col].dropna()
            kind = "date" if (values == values.dt.normalize()).all() else "timestamp"
        else:
            kind = "text"
        types[str(col)] = kind
    keys = TABLE_KEYS.get(table, {"primary_key": [], "foreign_keys": {}})
    return {"columns": types, **keys}


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`migration_kit.runfolder.atomic_write_bytes`).

    Example
    -------
    >>> write_atomic("/tmp/x.bin", b"abc")                                  # doctest: +SKIP
    """
    atomic_write_bytes(Path(path), data)


def _date_only(df: pd.DataFrame) -> dict[str, bool]:
    """Per datetime column: True when every value is at midnight (written as YYYY-MM-DD)."""
    out = {}
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            v = df[col].dropna()
            out[col] = bool((v == v.dt.normalize()).all())
    return out


def _csv(df: pd.DataFrame, header: bool, date_only: Mapping[str, bool]) -> bytes:
    """CSV bytes via pyarrow (RFC 4180: strings quoted, nulls empty, ``\n``); dates ISO 8601."""
    df = df.copy(deep=False)
    for col, day in date_only.items():
        form = "%Y-%m-%d" if day else "%Y-%m-%dT%H:%M:%S"
        if getattr(df[col].dt, "tz", None) is not None:  # local time of its zone, as pandas does
            df[col] = df[col].dt.strftime(form) if len(df) else df[col].astype(object)
            continue
        # Arrow's ISO casts, in whole seconds as pandas gives (10x Arrow's strftime, 20x pandas');
        # floored, not truncated toward 1970: 1969-12-31 23:59:59.5 stays on its day
        stamps = pa.array(df[col], from_pandas=True)
        stamps = pc.cast(pc.floor_temporal(stamps, unit="second"), pa.timestamp("s"))
        text = _iso_text(stamps, day).to_numpy(zero_copy_only=False)
        df[col] = pd.Series(text, index=df.index, dtype=object)
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (
        pa.ArrowException,
        TypeError,
        ValueError,
    ):  # mixed-type object columns: write them as text
        for col in df.columns[df.dtypes == np.dtype(object)]:
            df[col] = df[col].where(df[col].isna(), df[col].astype(str))
        table = pa.Table.from_pandas(df, preserve_index=False)
    sink = io.BytesIO()
    pacsv.write_csv(
        table, sink, pacsv.WriteOptions(include_header=header, quoting_style="needed", eol="\n")
    )
    return sink.getvalue()


def _iso_text(stamps: pa.Array, day: bool) -> pa.Array:
    """Timestamps (seconds, no zone) as ISO 8601 text: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS``
    (what ``strftime`` gives with those forms), nulls kept.

    Example
    -------
    >>> stamps = pa.array([0, None], pa.timestamp("s"))
    >>> _iso_text(stamps, True).to_pylist(), _iso_text(stamps, False).to_pylist()[0]
    (['1970-01-01', None], '1970-01-01T00:00:00')
    """
    if day:
        return pc.cast(pc.cast(stamps, pa.date32()), pa.string())
    return pc.utf8_replace_slice(pc.cast(stamps, pa.string()), 10, 11, "T")


def _check_args(
    tables: Mapping[str, pd.DataFrame], out: Path, part_rows: int, part_bytes: int
) -> None:
    for name, df in tables.items():
        if not isinstance(name, str) or not _TABLE_NAME.match(name):
            raise ParamsError(
                "handover.tables",
                f"table name {name!r} is not allowed; use 1-64 letters, digits, "
                "'_' or '-', starting with a letter or digit",
            )
        if not isinstance(df, pd.DataFrame):
            raise ParamsError(
                f"handover.tables.{name}",
                f"received {type(df).__name__}; expected a pandas DataFrame",
            )
    if part_rows < 1 or part_bytes < 1024:
        raise ParamsError(
            "handover.part_rows",
            f"received part_rows={part_rows}, part_bytes={part_bytes}; "
            "need part_rows >= 1 and part_bytes >= 1024",
        )
    if out.exists():
        clash = sorted(
            p.name
            for p in out.iterdir()
            if p.name.endswith(".cms") or p.name.startswith(ARTIFACTS["manifest"].filename)
        )
        if clash:
            raise IntegrityError(
                f"{out}: handover folder already holds {', '.join(clash[:3])}"
                f"{' ...' if len(clash) > 3 else ''}; export into a new, empty folder "
                "so no stale part can be mistaken for part of this export"
            )


def export_tables(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike,
    material: KeyMaterial,
    *,
    part_rows: int = 250_000,
    part_bytes: int = 32 * 2**20,
    block_rows: int = 25_000,
) -> list[ExportedFile]:
    """Export each table as encrypted CSV parts; return one :class:`ExportedFile` per part.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Table name (used in file names) to the plaintext rows; exported in sorted name order.
    out_dir : path
        The handover folder (created if missing; must hold no earlier export).
    material : KeyMaterial
        Its ``recipients`` are the certificates every part is encrypted to.
    part_rows : int
        Maximum data rows per part.
    part_bytes : int
        Target plaintext bytes per part; a part is closed before it would exceed this (a single
        block of ``block_rows`` rows may exceed it on its own).
    block_rows : int
        Rows serialised to CSV at a time (memory granularity).

    Returns
    -------
    list of ExportedFile
        In table order then part order.

    Example
    -------
    >>> files = export_tables({"customers": df}, "handover", material,
    ...                       part_rows=100_000)                           # doctest: +SKIP
    """
    out = Path(out_dir)
    _check_args(tables, out, part_rows, part_bytes)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    made: list[tuple[str, str, int, int, tuple[str, ...]]] = []  # name, table, part, rows, columns
    recipients = tuple(c.public_bytes(serialization.Encoding.DER) for c in material.recipients)

    def jobs() -> Iterator[tuple[bytes, tuple[bytes, ...], str]]:
        for name, table, part, rows, columns, plain in _parts(
            tables, part_rows, part_bytes, block_rows
        ):
            made.append((name, table, part, rows, columns))
            yield plain, recipients, str(out / name)

    # each part is encrypted, checksummed and written in a worker while the next is made here
    sealed = map_pipelined(_seal, jobs(), total=sum(len(df) for df in tables.values()))
    return [
        ExportedFile(name, table, part, rows, columns, *seal)
        for (name, table, part, rows, columns), seal in zip(made, sealed, strict=True)
    ]


def _parts(
    tables: Mapping[str, pd.DataFrame], part_rows: int, part_bytes: int, block_rows: int
) -> Iterator[tuple[str, str, int, int, tuple[str, ...], bytes]]:
    """Each part's file name, table, part number, rows, columns and plaintext CSV (header
    first), tables in sorted name order; a table without rows still has one part."""
    step = max(1, min(block_rows, part_rows))
    for table in sorted(tables):
        df = tables[table]
        date_only = _date_only(df)
        header = _csv(df.iloc[:0], True, date_only)
        columns = tuple(map(str, df.columns))
        chunks: list[bytes] = [header]
        size, rows, part = len(header), 0, 1
        for start in range(0, len(df), step):
            block = df.iloc[start : start + step]
            body = _csv(block, False, date_only)
            if rows and (size + len(body) > part_bytes or rows + len(block) > part_rows):
                yield _part_name(table, part), table, part, rows, columns, b"".join(chunks)
                chunks, size, rows, part = [header], len(header), 0, part + 1
            chunks.append(body)
            size += len(body)
            rows += len(block)
        if rows or part == 1:
            yield _part_name(table, part), table, part, rows, columns, b"".join(chunks)


def _part_name(table: str, part: int) -> str:
    return f"{table}.part{part:04d}{PART_SUFFIX}"


def _seal(plain: bytes, recipients: tuple[bytes, ...], path: str) -> tuple[int, str, int, str, str]:
    """Encrypt one part to the recipients (DER certificates) and write it atomically; return
    the plaintext's size and SHA-256, the ciphertext's, and the part's rows checksum (a worker
    process runs it: arguments and result cross a pipe)."""
    certs = [x509.load_der_x509_certificate(der) for der in recipients]
    cipher = encrypt(plain, certs, cipher="aes256")
    write_atomic(path, cipher)
    return (
        len(plain),
        hashlib.sha256(plain).hexdigest(),
        len(cipher),
        hashlib.sha256(cipher).hexdigest(),
        csv_checksum(plain),
    )
