"""Per-table content checksums: the seller signs one per table in the manifest, the buyer's loader
recomputes it from what the database holds after the load.

A table's checksum does not depend on row order, so the seller computes it part by part from the
CSV it encrypts and the buyer from an unordered ``SELECT``:

* a row's text is its cells as the CSV writes them (empty for NULL; decimals with their two
  places, ``true`` / ``false``, dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DDTHH:MM:SS``), joined
  by the unit separator U+001F in the manifest's column order;
* each row's SHA-256 (of its UTF-8 text) is read as four big-endian 64-bit words; the checksum
  is the four word-wise sums modulo 2**64 over all rows, as 64 hex digits (``ALGORITHM``): a
  multiset hash, so sums of parts add up to the table's.

The database side casts every column to that text in SQL (:func:`sqlite_row_text`,
:func:`postgres_row_text`); PostgreSQL also hashes and sums in SQL
(:func:`postgres_checksum_query`), so nothing but four numbers leaves the server. A value the
database changed (a rounded decimal, a shifted date, a lost row or a duplicated one) changes the
checksum.

Example
-------
>>> a = csv_checksum(b"entity_id,spend\\nE1,10.50\\nE2,\\n")
>>> b = rows_checksum(["E2\\x1f", "E1\\x1f10.50"])
>>> a == b, len(a)
(True, 64)
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = [
    "ALGORITHM",
    "add_checksums",
    "csv_checksum",
    "duckdb_checksum_query",
    "lanes_hex",
    "postgres_checksum_query",
    "postgres_row_text",
    "rows_checksum",
    "sqlite_row_text",
    "text_table",
]

#: Name of the checksum the manifest carries (``tables.<t>.checksum.algorithm``).
ALGORITHM = (
    "SHA-256 of each row (cells as CSV text joined by U+001F, NULL as empty), "
    "four big-endian 64-bit words summed modulo 2^64"
)
_SEP = "\x1f"
_LANE = 2**64


def lanes_hex(sums: Iterable[int]) -> str:
    """Four word sums (any size, any sign) as the checksum's 64 hex digits.

    Example
    -------
    >>> lanes_hex([1, 2, 3, -1])[-16:]
    'ffffffffffffffff'
    """
    return "".join(f"{int(v) % _LANE:016x}" for v in sums)


def rows_checksum(texts: Iterable[str]) -> str:
    """The checksum of rows already joined as text (see the module doc).

    Example
    -------
    >>> rows_checksum([]) == "0" * 64
    True
    """
    sha = hashlib.sha256
    digests = b"".join([sha(t.encode("utf-8")).digest() for t in texts])
    words = np.frombuffer(digests, dtype=">u8").reshape(-1, 4)
    with np.errstate(over="ignore"):
        sums = words.astype(np.uint64).sum(axis=0, dtype=np.uint64)
    return lanes_hex(int(v) for v in sums)


def add_checksums(values: Iterable[str]) -> str:
    """Combine part checksums into the table's (word-wise sums modulo 2**64).

    Example
    -------
    >>> add_checksums([rows_checksum(["a"]), rows_checksum(["b"])]) == rows_checksum(["b", "a"])
    True
    """
    sums = [0, 0, 0, 0]
    for v in values:
        for i in range(4):
            sums[i] += int(v[16 * i : 16 * i + 16], 16)
    return lanes_hex(sums)


def text_table(plain: bytes) -> pa.Table:
    """A CSV part (header line first) as an Arrow table of its cells' text, empty cells as ``""``
    (never parsed into numbers or dates: the cells as the exporter wrote them).

    Example
    -------
    >>> text_table(b"a,b\\n1,\\n").to_pylist()
    [{'a': '1', 'b': ''}]
    """
    header = plain.split(b"\n", 1)[0].decode("utf-8")
    names = next(csv.reader([header]), [])
    return pacsv.read_csv(
        io.BytesIO(plain),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
    )


def csv_checksum(plain: bytes) -> str:
    """The checksum of one CSV part (header line first, as the exporter writes it).

    Example
    -------
    >>> csv_checksum(b"a,b\\n1,true\\n") == rows_checksum(["1\\x1ftrue"])
    True
    """
    table = text_table(plain)
    names = table.column_names
    if not names or table.num_rows == 0:
        return rows_checksum([])
    cols = [pc.fill_null(table.column(i), "") for i in range(table.num_columns)]
    joined = pc.binary_join_element_wise(*cols, _SEP) if len(cols) > 1 else cols[0]
    return rows_checksum(joined.to_pylist())


def _sql_text(kind: str, c: str, dialect: str) -> str:
    """SQL giving one cell's checksum text (empty for NULL) in ``dialect``."""
    if kind == "boolean":
        return f"COALESCE(CASE WHEN {c} THEN 'true' WHEN NOT {c} THEN 'false' END, '')"
    if dialect == "postgres" and kind in ("date", "timestamp"):
        form = "YYYY-MM-DD" if kind == "date" else 'YYYY-MM-DD"T"HH24:MI:SS'
        return f"COALESCE(to_char({c}, '{form}'), '')"
    if dialect == "duckdb" and kind in ("date", "timestamp"):
        form = "%Y-%m-%d" if kind == "date" else "%Y-%m-%dT%H:%M:%S"
        return f"COALESCE(strftime({c}, '{form}'), '')"
    return f"COALESCE(CAST({c} AS {'TEXT' if dialect == 'sqlite' else 'VARCHAR'}), '')"


def _row_text(columns: Sequence[str], types: Mapping[str, str], dialect: str) -> str:
    parts = []
    for col in columns:
        quoted = '"' + col.replace('"', '""') + '"'
        parts.append(_sql_text(types.get(col, "text"), quoted, dialect))
    sep = {"sqlite": "char(31)", "postgres": "chr(31)", "duckdb": "chr(31)"}[dialect]
    return f" || {sep} || ".join(parts) if parts else "''"


def duckdb_checksum_query(columns: Sequence[str], types: Mapping[str, str]) -> str:
    """A DuckDB query (``{table}`` to fill in, quoted) giving the row count and the four word
    sums of the table's checksum (DuckDB hashes and sums, in parallel).

    Example
    -------
    >>> "sha256" in duckdb_checksum_query(["a"], {"a": "text"})
    True
    """
    text = _row_text(columns, types, "duckdb")
    lanes = ", ".join(
        f"coalesce(sum(CAST(('0x' || substr(h, {1 + 16 * i}, 16)) AS UBIGINT)), 0)"
        for i in range(4)
    )
    return f"SELECT count(*), {lanes} FROM (SELECT sha256({text}) AS h FROM {{table}}) AS rows"


def sqlite_row_text(columns: Sequence[str], types: Mapping[str, str]) -> str:
    """The SQLite expression giving a row's checksum text (columns quoted, in the given order).

    Example
    -------
    >>> sqlite_row_text(["a"], {"a": "integer"})
    'COALESCE(CAST("a" AS TEXT), \\'\\')'
    """
    return _row_text(columns, types, "sqlite")


def postgres_checksum_query(columns: Sequence[str], types: Mapping[str, str]) -> str:
    """A PostgreSQL query (``{table}`` to fill in, quoted) giving the row count and the four
    word sums of the table's checksum; :func:`lanes_hex` of the sums is the checksum.

    Example
    -------
    >>> "sha256" in postgres_checksum_query(["a"], {"a": "text"})
    True
    """
    text = postgres_row_text(columns, types)
    lanes = ", ".join(
        f"coalesce(sum(('x' || encode(substring(d from {1 + 8 * i} for 8), 'hex'))::bit(64)"
        "::bigint::numeric), 0)"
        for i in range(4)
    )
    return (
        f"SELECT count(*), {lanes} FROM "
        f"(SELECT sha256(convert_to({text}, 'UTF8')) AS d FROM {{table}}) AS rows"
    )


def postgres_row_text(columns: Sequence[str], types: Mapping[str, str]) -> str:
    """The PostgreSQL expression giving a row's checksum text (timestamps with their ``T``).

    Example
    -------
    >>> "to_char" in postgres_row_text(["d"], {"d": "date"})
    True
    """
    return _row_text(columns, types, "postgres")
