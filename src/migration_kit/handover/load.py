"""The buyer's side: verify a handover, decrypt it part by part and load it into a database, in
one transaction, then reconcile the counts with the signed manifest.

:func:`load_handover` first runs :func:`~migration_kit.handover.verify.verify_handover` with the
pinned seller certificate and the buyer's key (signature, every file's hash, every part's
plaintext hash, audit chain): any problem stops it before a table exists. It then creates the
tables from the manifest's schema (primary keys; the record map and the roster point at the
customers; money as exact decimal text; dates as ISO text), decrypts each part again (checked
against the verified manifest) and inserts its rows; after the last part the row counts are
compared with the manifest. Everything happens in one transaction: on any failure (tampered part,
wrong key, wrong signer, a constraint) nothing is written, and a database file the load created
is removed.

Loading the same handover twice changes nothing and says so (``_migration_kit_loads`` records
the manifest's SHA-256); another handover into the same database is refused unless ``replace``.

Targets: an embedded SQLite database (a file path; ``<handover>.sqlite`` by default: decimals and
dates as exact text), or PostgreSQL (a ``postgresql://`` URL, psycopg 3, ``COPY`` of each
decrypted part: ``numeric(18,2)``, ``date``, ``timestamp``, ``boolean``, ``bigint``).

Example
-------
>>> report = load_handover("handover", "seller.pem", "buyer.key", "buyer.pem")  # doctest: +SKIP
>>> report["tables"]["customers"]["rows"]                                         # doctest: +SKIP
1746
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import IntegrityError, MigrationKitError
from .verify import MANIFEST, decrypt_file, verify_handover

__all__ = ["LOAD_TABLE", "PG_TYPES", "SQL_TYPES", "load_handover"]

#: The table recording what was loaded.
LOAD_TABLE = "_migration_kit_loads"
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


def _create(con: sqlite3.Connection, table: str, info: dict[str, Any]) -> None:
    schema = info.get("schema") or {"columns": {c: "text" for c in info["columns"]}}
    cols = [f"{_quote(c)} {SQL_TYPES.get(t, 'TEXT')}" for c, t in schema["columns"].items()]
    if schema.get("primary_key"):
        cols.append(f"PRIMARY KEY ({', '.join(_quote(c) for c in schema['primary_key'])})")
    for col, ref in (schema.get("foreign_keys") or {}).items():
        ref_table, ref_col = ref.split(".", 1)
        cols.append(
            f"FOREIGN KEY ({_quote(col)}) REFERENCES {_quote(ref_table)}({_quote(ref_col)})"
        )
    con.execute(f"CREATE TABLE {_quote(table)} ({', '.join(cols)})")


def _rows(plain: bytes, schema: dict[str, Any] | None) -> pd.DataFrame:
    df = pd.read_csv(io.BytesIO(plain), dtype=str, keep_default_na=False)
    types = (schema or {}).get("columns", {})
    for col in df.columns:
        kind = types.get(col, "text")
        if kind in ("integer", "boolean"):
            mapped = df[col].map({"True": "1", "False": "0"}).fillna(df[col])
            df[col] = mapped.where(mapped != "", None)
        else:
            df[col] = df[col].where(df[col] != "", None)
    return df


def load_handover(
    handover_dir: str | os.PathLike,
    signer_cert: str | os.PathLike,
    key: str | os.PathLike,
    cert: str | os.PathLike,
    *,
    db: str | os.PathLike | None = None,
    replace: bool = False,
    passphrase_env: str | None = None,
) -> dict[str, Any]:
    """Verify, decrypt and load ``handover_dir`` into the SQLite database ``db``; returns the
    load report (also written as ``<db>.load_report.json``).

    Raises
    ------
    IntegrityError
        The handover does not verify, or a part does not decrypt to what the manifest says.
    MigrationKitError
        Another handover is already in ``db`` (give ``replace``), a constraint is violated, or the
        counts do not reconcile.
    """
    root = Path(handover_dir)
    if db is not None and str(db).startswith(("postgresql://", "postgres://")):
        return _load_postgres(root, signer_cert, key, cert, str(db), replace, passphrase_env)
    target = Path(db) if db is not None else root.with_suffix(".sqlite")
    report = verify_handover(
        root, signer_cert, recipient_key=key, recipient_cert=cert, passphrase_env=passphrase_env
    )
    if not report.ok:
        raise IntegrityError(
            f"{root}: the handover does not verify ({len(report.problems)} problems; first: "
            f"{report.problems[0]}); nothing loaded"
        )
    data = (root / MANIFEST).read_bytes()
    manifest = json.loads(data)
    digest = hashlib.sha256(data).hexdigest()
    tables = manifest.get("tables") or {}
    order = [t for t in _ORDER if t in tables] + sorted(t for t in tables if t not in _ORDER)
    created = not target.exists()
    con = sqlite3.connect(target, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LOAD_TABLE} (manifest_sha256 TEXT PRIMARY KEY, "
            "run_id TEXT, loaded_at TEXT, rows TEXT)"
        )
        before = con.execute(f"SELECT manifest_sha256 FROM {LOAD_TABLE}").fetchall()
        if [r[0] for r in before] == [digest]:
            con.execute("ROLLBACK")
            return {
                "status": "already loaded: nothing changed",
                "manifest_sha256": digest,
                "db": str(target),
            }
        if before and not replace:
            raise MigrationKitError(
                f"{target}: holds another handover ({before[0][0][:12]}...); give --replace to "
                "replace it, or load into another database"
            )
        for table in [*reversed(order), LOAD_TABLE]:
            con.execute(f"DROP TABLE IF EXISTS {_quote(table)}")
        con.execute(
            f"CREATE TABLE {LOAD_TABLE} (manifest_sha256 TEXT PRIMARY KEY, run_id TEXT, "
            "loaded_at TEXT, rows TEXT)"
        )
        counts = {}
        for table in order:
            info = tables[table]
            _create(con, table, info)
            parts = sorted(
                (f for f in manifest["files"] if f.get("table") == table), key=lambda f: f["part"]
            )
            n = 0
            for part in parts:
                plain = decrypt_file(
                    root / part["name"],
                    key,
                    cert,
                    signer_cert=signer_cert,
                    passphrase_env=passphrase_env,
                )
                rows = _rows(plain, info.get("schema"))
                cols = ", ".join(_quote(c) for c in rows.columns)
                marks = ", ".join("?" for _ in rows.columns)
                con.executemany(
                    f"INSERT INTO {_quote(table)} ({cols}) VALUES ({marks})",
                    rows.itertuples(index=False, name=None),
                )
                n += len(rows)
            loaded = con.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
            if loaded != info["rows"] or n != info["rows"]:
                raise MigrationKitError(
                    f"{table}: {loaded} rows loaded, the manifest says {info['rows']}; nothing "
                    "loaded"
                )
            counts[table] = {"rows": int(loaded), "parts": len(parts)}
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise MigrationKitError(
                f"{problems[0][0]}: {len(problems)} rows point at no customer; nothing loaded"
            )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        con.execute(
            f"INSERT INTO {LOAD_TABLE} VALUES (?, ?, ?, ?)",
            (digest, manifest.get("run_id"), now, json.dumps(counts, sort_keys=True)),
        )
        con.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
        if created:
            target.unlink(missing_ok=True)
        raise MigrationKitError(f"{target}: the load failed ({exc}); nothing loaded") from None
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
        if created:
            target.unlink(missing_ok=True)
        raise
    con.close()
    out = {
        "status": "loaded",
        "db": str(target),
        "manifest_sha256": digest,
        "run_id": manifest.get("run_id"),
        "loaded_at": now,
        "tables": counts,
        "reconciled_with_manifest": True,
    }
    from ..runfolder import atomic_write_text

    atomic_write_text(
        target.with_name(target.name + ".load_report.json"),
        json.dumps(out, indent=2, sort_keys=True),
    )
    return out


#: Manifest column type -> PostgreSQL column type.
PG_TYPES = {
    "text": "text",
    "integer": "bigint",
    "boolean": "boolean",
    "decimal(18,2)": "numeric(18,2)",
    "date": "date",
    "timestamp": "timestamp",
}


def _verified_manifest(
    root: Path, signer_cert: Any, key: Any, cert: Any, passphrase_env: str | None
) -> tuple[dict[str, Any], str]:
    report = verify_handover(
        root, signer_cert, recipient_key=key, recipient_cert=cert, passphrase_env=passphrase_env
    )
    if not report.ok:
        raise IntegrityError(
            f"{root}: the handover does not verify ({len(report.problems)} problems; first: "
            f"{report.problems[0]}); nothing loaded"
        )
    data = (root / MANIFEST).read_bytes()
    return json.loads(data), hashlib.sha256(data).hexdigest()


def _load_postgres(
    root: Path,
    signer_cert: Any,
    key: Any,
    cert: Any,
    url: str,
    replace: bool,
    passphrase_env: str | None,
) -> dict[str, Any]:
    """The PostgreSQL target: one transaction, each part copied with ``COPY ... FROM STDIN``."""
    import psycopg
    from psycopg import sql

    manifest, digest = _verified_manifest(root, signer_cert, key, cert, passphrase_env)
    tables = manifest.get("tables") or {}
    order = [t for t in _ORDER if t in tables] + sorted(t for t in tables if t not in _ORDER)
    counts: dict[str, dict[str, int]] = {}
    try:
        with psycopg.connect(url) as con:  # commits at the end, rolls back on any exception
            con.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (manifest_sha256 text PRIMARY KEY, "
                    "run_id text, loaded_at text, rows text)"
                ).format(sql.Identifier(LOAD_TABLE))
            )
            before = [
                r[0]
                for r in con.execute(
                    sql.SQL("SELECT manifest_sha256 FROM {}").format(sql.Identifier(LOAD_TABLE))
                )
            ]
            if before == [digest]:
                return {
                    "status": "already loaded: nothing changed",
                    "manifest_sha256": digest,
                    "db": url.split("@")[-1],
                }
            if before and not replace:
                raise MigrationKitError(
                    f"the database holds another handover ({before[0][:12]}...); give --replace "
                    "to replace it, or load into another database"
                )
            for table in [*reversed(order)]:
                con.execute(
                    sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table))
                )
            con.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(LOAD_TABLE)))
            for table in order:
                info = tables[table]
                schema = info.get("schema") or {"columns": {c: "text" for c in info["columns"]}}
                cols = [
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(PG_TYPES.get(t, "text")))
                    for c, t in schema["columns"].items()
                ]
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
                con.execute(
                    sql.SQL("CREATE TABLE {} ({})").format(
                        sql.Identifier(table), sql.SQL(", ").join(cols)
                    )
                )
                parts = sorted(
                    (f for f in manifest["files"] if f.get("table") == table),
                    key=lambda f: f["part"],
                )
                # the parts' own column order (their header), as the manifest lists it
                names = sql.SQL(", ").join(map(sql.Identifier, info["columns"]))
                copy = sql.SQL(
                    "COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true, FORCE_NULL ({}))"
                ).format(sql.Identifier(table), names, names)
                with con.cursor() as cur:
                    for part in parts:
                        plain = decrypt_file(
                            root / part["name"],
                            key,
                            cert,
                            signer_cert=signer_cert,
                            passphrase_env=passphrase_env,
                        )
                        with cur.copy(copy) as cp:
                            cp.write(plain)
                loaded = con.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()
                n = int(loaded[0]) if loaded else -1
                if n != info["rows"]:
                    raise MigrationKitError(
                        f"{table}: {n} rows loaded, the manifest says {info['rows']}; nothing "
                        "loaded"
                    )
                counts[table] = {"rows": n, "parts": len(parts)}
            now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            con.execute(
                sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(
                    sql.Identifier(LOAD_TABLE)
                ),
                (digest, manifest.get("run_id"), now, json.dumps(counts, sort_keys=True)),
            )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MigrationKitError(f"the load failed ({first}); nothing loaded") from None
    return {
        "status": "loaded",
        "db": url.split("@")[-1],
        "manifest_sha256": digest,
        "run_id": manifest.get("run_id"),
        "loaded_at": now,
        "tables": counts,
        "reconciled_with_manifest": True,
    }
