"""The buyer's side: verify a handover, decrypt it part by part and load it into a database, in
one transaction, then reconcile counts and checksums with the signed manifest.

:func:`load_handover` first runs :func:`~migration_kit.handover.verify.verify_handover` with the
pinned seller certificate and the buyer's key (signature, every file's hash, every part's
plaintext hash, audit chain): any problem stops it before a table exists. It then creates the
tables from the manifest's schema (primary keys; the record map and the roster point at the
customers; exact decimals; dates as dates), decrypts each part again (checked against the
verified manifest) and loads its rows. After each table, its row count and its content checksum
(:mod:`~migration_kit.handover.checksum`, recomputed from what the database holds) are compared
with the manifest's, so a value the database rounded or a row it lost is caught. Everything
happens in one transaction: on any failure (tampered part, wrong key, wrong signer, a constraint,
a checksum) nothing is written, and a database file the load created is removed. The load report
(``<db>.load_report.json``, or ``<handover>.load_report.json`` for PostgreSQL) is written after
the commit.

Loading the same handover twice changes nothing and says so (``_migration_kit_loads`` records
the manifest's SHA-256); another handover into the same database is refused unless ``replace``.

Targets: an embedded DuckDB database (a file path; ``<handover>.duckdb`` by default: each part
parsed by Arrow and cast by DuckDB, ``DECIMAL(18,2)``, ``DATE``, ``TIMESTAMP``), an SQLite file
(``.sqlite``, ``.sqlite3``, ``.db``: decimals and dates as exact text), or PostgreSQL (a
``postgresql://`` URL, psycopg 3, ``COPY`` of each decrypted part: ``numeric(18,2)``, ``date``,
``timestamp``, ``boolean``, ``bigint``; keys added after the copy).

Example
-------
>>> report = load_handover("handover", "seller.pem", "buyer.key", "buyer.pem")  # doctest: +SKIP
>>> report["tables"]["customers"]["rows"]                                         # doctest: +SKIP
1746
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import IntegrityError, MigrationKitError
from ..runfolder import atomic_write_text
from .checksum import ALGORITHM as CHECKSUM
from .checksum import (
    duckdb_checksum_query,
    lanes_hex,
    postgres_checksum_query,
    rows_checksum,
    sqlite_row_text,
    text_table,
)
from .keys import key_matches, load_certificate, load_private_key
from .verify import MANIFEST, decrypt_file, verify_handover

__all__ = [
    "DUCKDB_TYPES",
    "LOAD_TABLE",
    "PG_TYPES",
    "SQLITE_SUFFIXES",
    "SQL_TYPES",
    "load_handover",
]

#: The table recording what was loaded.
LOAD_TABLE = "_migration_kit_loads"
#: File suffixes loaded into SQLite (any other file path: DuckDB).
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
#: Manifest column type -> SQLite column type (decimals and dates as exact text).
SQL_TYPES = {
    "text": "TEXT",
    "integer": "INTEGER",
    "boolean": "INTEGER",
    "decimal(18,2)": "TEXT",
    "date": "TEXT",
    "timestamp": "TEXT",
}
_ORDER = ("customers", "record_map", "notification_roster")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_sql(table: str, schema: dict[str, Any], types: dict[str, str], other: str) -> str:
    """``CREATE TABLE`` for an embedded target: columns in its types (``other`` when a type is
    unknown), the primary key and the foreign keys the manifest's schema names."""
    cols = [f"{_quote(c)} {types.get(t, other)}" for c, t in schema["columns"].items()]
    if schema.get("primary_key"):
        cols.append(f"PRIMARY KEY ({', '.join(_quote(c) for c in schema['primary_key'])})")
    for col, ref in (schema.get("foreign_keys") or {}).items():
        ref_table, ref_col = ref.split(".", 1)
        cols.append(
            f"FOREIGN KEY ({_quote(col)}) REFERENCES {_quote(ref_table)}({_quote(ref_col)})"
        )
    return f"CREATE TABLE {_quote(table)} ({', '.join(cols)})"


def _create(con: sqlite3.Connection, table: str, schema: dict[str, Any]) -> None:
    con.execute(_create_sql(table, schema, SQL_TYPES, "TEXT"))


def _rows(plain: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """A decrypted part's header and its rows as the CSV's text cells (no conversion here: the
    database casts them, in C, on the way from the staging table)."""
    reader = csv.reader(io.StringIO(plain.decode("utf-8"), newline=""))
    return next(reader, []), reader


def _cast(column: str, kind: str) -> str:
    """The SQLite expression turning a staged text cell into its column's value."""
    c = _quote(column)
    if kind == "boolean":
        return (
            f"CASE {c} WHEN 'true' THEN 1 WHEN 'True' THEN 1 WHEN 'false' THEN 0 "
            f"WHEN 'False' THEN 0 ELSE NULLIF({c}, '') END"
        )
    return f"NULLIF({c}, '')"  # INTEGER columns convert the text by their affinity


def load_handover(
    handover_dir: str | os.PathLike,
    signer_cert: str | os.PathLike,
    key: str | os.PathLike,
    cert: str | os.PathLike,
    *,
    db: str | os.PathLike | None = None,
    replace: bool = False,
    passphrase_env: str | None = None,
    report_path: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Verify, decrypt and load ``handover_dir`` into ``db``; returns the load report.

    Parameters
    ----------
    handover_dir : path
        The handover folder as received.
    signer_cert : path
        The seller's certificate, received separately (pinned).
    key, cert : path
        The buyer's private key and certificate.
    db : path or str, optional
        A ``postgresql://`` URL, or an SQLite file (default ``<handover>.sqlite``).
    replace : bool
        Replace another handover already in ``db``.
    passphrase_env : str, optional
        Environment variable holding ``key``'s passphrase.
    report_path : path, optional
        Where the load report is written after the commit (default ``<db>.load_report.json``
        for SQLite, ``<handover>.load_report.json`` for PostgreSQL).

    Raises
    ------
    IntegrityError
        The handover does not verify, a part does not decrypt to what the manifest says, or the
        manifest carries no schema or checksum for a table.
    MigrationKitError
        Another handover is already in ``db`` (give ``replace``), a constraint is violated, or
        the counts or checksums do not reconcile. Nothing is written in any of these cases.

    Example
    -------
    >>> load_handover("handover", "seller.pem", "buyer.key", "buyer.pem",
    ...               db="postgresql:///buyer")["status"]                  # doctest: +SKIP
    'loaded'
    """
    root = Path(handover_dir)
    postgres = db is not None and str(db).startswith(("postgresql://", "postgres://"))
    if not postgres and db is not None and Path(db).suffix not in (*SQLITE_SUFFIXES, ".duckdb"):
        raise MigrationKitError(
            f"--db {db}: expected a postgresql:// URL, a DuckDB file (.duckdb) or an SQLite file "
            f"({', '.join(SQLITE_SUFFIXES)})"
        )
    manifest, digest = _verified_manifest(root, signer_cert)
    parts = _Parts(root, manifest, key, cert, signer_cert, passphrase_env)
    if postgres:
        shown = str(db).split("@")[-1]
        counts = _load_postgres(str(db), parts, digest, replace)
        default_report = root.with_name(root.name + ".load_report.json")
    else:
        target = Path(db) if db is not None else root.with_suffix(".duckdb")
        shown = str(target)
        if target.suffix in SQLITE_SUFFIXES:
            counts = _load_sqlite(target, parts, digest, replace)
        else:
            counts = _load_duckdb(target, parts, digest, replace)
        default_report = target.with_name(target.name + ".load_report.json")
    if counts is None:
        return {"status": "already loaded: nothing changed", "manifest_sha256": digest, "db": shown}
    out = {
        "status": "loaded",
        "db": shown,
        "manifest_sha256": digest,
        "run_id": manifest.get("run_id"),
        "loaded_at": parts.loaded_at,
        "tables": counts,
        "checksum_algorithm": CHECKSUM,
        "reconciled_with_manifest": True,
    }
    atomic_write_text(
        Path(report_path) if report_path is not None else default_report,
        json.dumps(out, indent=2, sort_keys=True),
    )
    return out


class _Parts:
    """The verified manifest's tables in load order, and their parts decrypted one at a time."""

    def __init__(
        self,
        root: Path,
        manifest: dict[str, Any],
        key: str | os.PathLike,
        cert: str | os.PathLike,
        signer_cert: str | os.PathLike,
        passphrase_env: str | None,
    ) -> None:
        self.root, self.manifest = root, manifest
        self._key = load_private_key(key, passphrase_env=passphrase_env)
        self._cert = load_certificate(cert, what="certificate")
        if not key_matches(self._key, self._cert):
            raise IntegrityError(
                f"{key}: this private key does not belong to {cert}; give the buyer key pair "
                "the handover was encrypted to"
            )
        self._signer = signer_cert
        self.tables: dict[str, dict[str, Any]] = manifest.get("tables") or {}
        self.order = [t for t in _ORDER if t in self.tables] + sorted(
            t for t in self.tables if t not in _ORDER
        )
        for table in self.order:
            info = self.tables[table]
            if not isinstance(info.get("schema"), dict) or not isinstance(
                info.get("checksum"), dict
            ):
                raise IntegrityError(
                    f"{root / MANIFEST}: table {table!r} carries no schema or checksum (a "
                    "handover from an older migration-kit); ask the seller to export it again"
                )
        self.loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()

    def schema(self, table: str) -> dict[str, Any]:
        """The manifest's schema of ``table`` (columns with types, keys)."""
        schema: dict[str, Any] = self.tables[table]["schema"]
        return schema

    def plaintexts(self, table: str) -> Iterator[bytes]:
        """Each part of ``table`` decrypted (checked against the verified manifest), in order."""
        files = sorted(
            (f for f in self.manifest["files"] if f.get("table") == table),
            key=lambda f: f["part"],
        )
        for part in files:
            yield decrypt_file(
                self.root / part["name"],
                self._key,
                self._cert,
                signer_cert=self._signer,
            )

    def load_row(self, digest: str, counts: dict[str, Any]) -> tuple[str, str | None, str, str]:
        """The row recording this load in :data:`LOAD_TABLE`."""
        run_id = self.manifest.get("run_id")
        return (
            digest,
            None if run_id is None else str(run_id),
            self.loaded_at,
            json.dumps(counts, sort_keys=True),
        )

    def reconcile(self, table: str, rows: int, checksum: str) -> dict[str, Any]:
        """Compare what the database holds with the manifest; raise when they differ."""
        info = self.tables[table]
        if rows != info["rows"]:
            raise MigrationKitError(
                f"{table}: {rows} rows loaded, the manifest says {info['rows']}; nothing loaded"
            )
        if checksum != info["checksum"].get("value"):
            raise MigrationKitError(
                f"{table}: the loaded rows' checksum {checksum[:12]}... differs from the "
                f"manifest's {str(info['checksum'].get('value'))[:12]}... (a value the database "
                "changed); nothing loaded"
            )
        return {"rows": rows, "parts": int(info["parts"]), "checksum": checksum}


def _already_loaded(before: list[str], digest: str, replace: bool, where: str) -> bool:
    """True when the database holds exactly this handover (the load is a no-op); refuse another
    handover unless ``replace``."""
    if before == [digest]:
        return True
    if before and not replace:
        raise MigrationKitError(
            f"{where}: holds another handover ({before[0][:12]}...); give --replace to replace "
            "it, or load into another database"
        )
    return False


def _verified_manifest(root: Path, signer_cert: Any) -> tuple[dict[str, Any], str]:
    """The manifest once its signature (pinned seller), every file's hash and the audit chain
    verify; each part's plaintext hash is checked as it is decrypted, inside the transaction."""
    report = verify_handover(root, signer_cert)
    if not report.ok:
        raise IntegrityError(
            f"{root}: the handover does not verify ({len(report.problems)} problems; first: "
            f"{report.problems[0]}); nothing loaded"
        )
    data = (root / MANIFEST).read_bytes()
    return json.loads(data), hashlib.sha256(data).hexdigest()


def _load_sqlite(
    target: Path, parts: _Parts, digest: str, replace: bool
) -> dict[str, dict[str, Any]] | None:
    """The embedded target; None when this handover is already loaded.

    A new database is built in a temporary file beside ``target`` (no journal needed: it is
    deleted on any failure) and renamed into place after the last check. An existing one is
    changed in one ``BEGIN IMMEDIATE`` transaction.
    """
    fresh = not target.exists()
    path = target.with_name(f".{target.name}.loading-{os.getpid()}") if fresh else target
    con = sqlite3.connect(path, isolation_level=None)
    try:
        if fresh:
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA cache_size = -262144")
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LOAD_TABLE} (manifest_sha256 TEXT PRIMARY KEY, "
            "run_id TEXT, loaded_at TEXT, rows TEXT)"
        )
        before = [r[0] for r in con.execute(f"SELECT manifest_sha256 FROM {LOAD_TABLE}")]
        if _already_loaded(before, digest, replace, str(target)):
            con.execute("ROLLBACK")
            con.close()
            return None
        for table in [*reversed(parts.order), LOAD_TABLE]:
            con.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
        con.execute(
            f"CREATE TABLE {LOAD_TABLE} (manifest_sha256 TEXT PRIMARY KEY, run_id TEXT, "
            "loaded_at TEXT, rows TEXT)"
        )
        counts = {}
        for table in parts.order:
            schema = parts.schema(table)
            _create(con, table, schema)
            for plain in parts.plaintexts(table):
                header, rows = _rows(plain)
                cols = ", ".join(_quote(c) for c in header)
                con.execute(f"CREATE TEMP TABLE _staging ({cols})")
                con.executemany(
                    f"INSERT INTO _staging VALUES ({', '.join('?' for _ in header)})", rows
                )
                casts = ", ".join(_cast(c, schema["columns"].get(c, "text")) for c in header)
                con.execute(f"INSERT INTO {_quote(table)} ({cols}) SELECT {casts} FROM _staging")
                con.execute("DROP TABLE _staging")
                del rows, plain
            n = con.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
            text = sqlite_row_text(parts.tables[table]["columns"], schema["columns"])
            cur = con.execute(f"SELECT {text} FROM {_quote(table)}")
            checksum = rows_checksum(r[0] for r in cur)
            counts[table] = parts.reconcile(table, int(n), checksum)
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise MigrationKitError(
                f"{problems[0][0]}: {len(problems)} rows point at no customer; nothing loaded"
            )
        con.execute(f"INSERT INTO {LOAD_TABLE} VALUES (?, ?, ?, ?)", parts.load_row(digest, counts))
        con.execute("COMMIT")
        con.close()
        if fresh:
            os.replace(path, target)
    except BaseException as exc:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
        if fresh:
            path.unlink(missing_ok=True)
        if isinstance(exc, sqlite3.DatabaseError):
            raise MigrationKitError(f"{target}: the load failed ({exc}); nothing loaded") from None
        raise
    return counts


#: Manifest column type -> DuckDB column type.
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "decimal(18,2)": "DECIMAL(18,2)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def _load_duckdb(
    target: Path, parts: _Parts, digest: str, replace: bool
) -> dict[str, dict[str, Any]] | None:
    """The embedded default: DuckDB, one transaction; each part parsed by Arrow and cast by
    DuckDB on the way in; the checksum hashed and summed in SQL. A new database is built in a
    temporary file and renamed into place after the commit. None when already loaded."""
    import duckdb

    fresh = not target.exists()
    path = target.with_name(f".{target.name}.loading-{os.getpid()}") if fresh else target
    con = duckdb.connect(str(path))
    log = _quote(LOAD_TABLE)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {log} (manifest_sha256 VARCHAR PRIMARY KEY, "
            "run_id VARCHAR, loaded_at VARCHAR, rows VARCHAR)"
        )
        before = [r[0] for r in con.execute(f"SELECT manifest_sha256 FROM {log}").fetchall()]
        if _already_loaded(before, digest, replace, str(target)):
            con.execute("ROLLBACK")
            con.close()
            return None
        for table in reversed(parts.order):
            con.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
        con.execute(f"DELETE FROM {log}")
        counts = {}
        for table in parts.order:
            schema = parts.schema(table)
            types = schema["columns"]
            con.execute(_create_sql(table, schema, DUCKDB_TYPES, "VARCHAR"))
            for plain in parts.plaintexts(table):
                staged = text_table(plain)
                header = staged.column_names
                con.register("_staging", staged)
                casts = ", ".join(
                    f"CAST(NULLIF({_quote(c)}, '') AS {DUCKDB_TYPES.get(types.get(c, 'text'))})"
                    for c in header
                )
                names = ", ".join(map(_quote, header))
                con.execute(f"INSERT INTO {_quote(table)} ({names}) SELECT {casts} FROM _staging")
                con.unregister("_staging")
                del staged, plain
            query = duckdb_checksum_query(parts.tables[table]["columns"], types)
            got = con.execute(query.format(table=_quote(table))).fetchone()
            n, sums = (int(got[0]), got[1:]) if got else (-1, (0, 0, 0, 0))
            counts[table] = parts.reconcile(table, n, lanes_hex(int(v) for v in sums))
        con.execute(f"INSERT INTO {log} VALUES (?, ?, ?, ?)", list(parts.load_row(digest, counts)))
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        con.close()
        if fresh:
            os.replace(path, target)
    except BaseException as exc:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        con.close()
        if fresh:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".wal").unlink(missing_ok=True)
        if isinstance(exc, duckdb.Error):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MigrationKitError(
                f"{target}: the load failed ({first}); nothing loaded"
            ) from None
        raise
    return counts


#: Manifest column type -> PostgreSQL column type.
PG_TYPES = {
    "text": "text",
    "integer": "bigint",
    "boolean": "boolean",
    "decimal(18,2)": "numeric(18,2)",
    "date": "date",
    "timestamp": "timestamp",
}


def _pg_columns(schema: dict[str, Any]) -> list[Any]:
    from psycopg import sql

    return [
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(PG_TYPES.get(t, "text")))
        for c, t in schema["columns"].items()
    ]


def _pg_constraints(schema: dict[str, Any]) -> list[Any]:
    """Primary and foreign keys, added after the rows are copied (one index build, one check)."""
    from psycopg import sql

    cols = []
    if schema.get("primary_key"):
        cols.append(
            sql.SQL("PRIMARY KEY ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, schema["primary_key"]))
            )
        )
    for col, ref in (schema.get("foreign_keys") or {}).items():
        ref_table, ref_col = ref.split(".", 1)
        cols.append(
            sql.SQL("FOREIGN KEY ({}) REFERENCES {} ({})").format(
                sql.Identifier(col), sql.Identifier(ref_table), sql.Identifier(ref_col)
            )
        )
    return cols


def _load_postgres(
    url: str, parts: _Parts, digest: str, replace: bool
) -> dict[str, dict[str, Any]] | None:
    """The PostgreSQL target: one transaction, each part copied with ``COPY ... FROM STDIN``."""
    import psycopg
    from psycopg import sql

    counts: dict[str, dict[str, Any]] = {}
    log = sql.Identifier(LOAD_TABLE)
    try:
        with psycopg.connect(url) as con:  # commits at the end, rolls back on any exception
            con.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (manifest_sha256 text PRIMARY KEY, "
                    "run_id text, loaded_at text, rows text)"
                ).format(log)
            )
            before = [
                r[0] for r in con.execute(sql.SQL("SELECT manifest_sha256 FROM {}").format(log))
            ]
            if _already_loaded(before, digest, replace, "the database"):
                return None
            for table in reversed(parts.order):
                con.execute(
                    sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table))
                )
            con.execute(sql.SQL("DELETE FROM {}").format(log))
            for table in parts.order:
                schema = parts.schema(table)
                ident = sql.Identifier(table)
                con.execute(
                    sql.SQL("CREATE TABLE {} ({})").format(
                        ident, sql.SQL(", ").join(_pg_columns(schema))
                    )
                )
                # the parts' own column order (their header), as the manifest lists it
                names = sql.SQL(", ").join(map(sql.Identifier, parts.tables[table]["columns"]))
                copy = sql.SQL(
                    "COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true, FORCE_NULL ({}))"
                ).format(ident, names, names)
                with con.cursor() as cur:
                    for plain in parts.plaintexts(table):
                        with cur.copy(copy) as cp:
                            cp.write(plain)
                        del plain
                for constraint in _pg_constraints(schema):
                    con.execute(sql.SQL("ALTER TABLE {} ADD {}").format(ident, constraint))
                query = postgres_checksum_query(parts.tables[table]["columns"], schema["columns"])
                got = con.execute(sql.SQL(query).format(table=ident)).fetchone()
                n, sums = (int(got[0]), got[1:]) if got else (-1, (0, 0, 0, 0))
                counts[table] = parts.reconcile(table, n, lanes_hex(int(v) for v in sums))
            con.execute(
                sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(log),
                parts.load_row(digest, counts),
            )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MigrationKitError(f"the load failed ({first}); nothing loaded") from None
    return counts
