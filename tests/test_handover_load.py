"""The buyer's loader on the rehearsal handover: SQLite and a real PostgreSQL, counts and checksums
reconciled with the signed manifest, idempotent, and nothing written on any failure."""
from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from migration_kit.errors import IntegrityError, MigrationKitError
from migration_kit.handover import load as load_mod
from migration_kit.handover.load import load_handover


@pytest.fixture
def received(rehearsal_run, tmp_path):
    """A copy of the rehearsal handover as the buyer receives it, and the key arguments."""
    ctx, _ = rehearsal_run
    keys = ctx.run.path("secrets", "keys")
    folder = tmp_path / "handover"
    shutil.copytree(ctx.run.path("handover"), folder)
    return folder, (keys / "seller.pem", keys / "buyer.key", keys / "buyer.pem")


def _tamper(folder, pattern):
    part = sorted(folder.glob(pattern))[0]
    blob = bytearray(part.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    part.write_bytes(bytes(blob))


def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def _spent(db):
    """Every non-null total_spent as the database returns it."""
    if db.suffix == ".duckdb":
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            kind = con.execute("SELECT data_type FROM information_schema.columns WHERE "
                               "table_name = 'customers' AND column_name = 'total_spent'").fetchone()[0]
            assert kind == "DECIMAL(18,2)"
            return [r[0] for r in con.execute("SELECT total_spent FROM customers WHERE total_spent IS NOT NULL")
                    .fetchall()]
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT total_spent FROM customers WHERE total_spent IS NOT NULL")]
    finally:
        con.close()


def _orphans(db):
    query = ("SELECT COUNT(*) FROM record_map r LEFT JOIN customers c USING (entity_id) "
             "WHERE c.entity_id IS NULL")
    if db.suffix == ".duckdb":
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(query).fetchone()[0]
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchone()[0]
    finally:
        con.close()


def _mark_other_handover(db):
    """Pretend the database holds another handover (a different manifest hash)."""
    query = "UPDATE _migration_kit_loads SET manifest_sha256 = ?"
    if db.suffix == ".duckdb":
        import duckdb

        with duckdb.connect(str(db)) as con:
            con.execute(query, ["f" * 64])
        return
    con = sqlite3.connect(db)
    con.execute(query, ("f" * 64,))
    con.commit()
    con.close()


EMBEDDED = ["buyer.duckdb", "buyer.sqlite"]


@pytest.mark.parametrize("name", EMBEDDED)
def test_the_buyer_loads_into_an_embedded_database_once_and_exactly(received, tmp_path, name):
    from decimal import Decimal

    folder, keys = received
    db = tmp_path / name
    out = load_handover(folder, *keys, db=db)
    manifest = _manifest(folder)
    for table, info in manifest["tables"].items():
        assert out["tables"][table] == {
            "rows": info["rows"], "parts": info["parts"], "checksum": info["checksum"]["value"]
        }
    report = json.loads(db.with_name(db.name + ".load_report.json").read_text())
    assert report["status"] == "loaded" and report["tables"] == out["tables"]
    spent = _spent(db)
    assert spent and all(str(v).count(".") == 1 and len(str(v).split(".")[1]) == 2 for v in spent)
    assert all(isinstance(v, Decimal if db.suffix == ".duckdb" else str) for v in spent)
    assert _orphans(db) == 0
    assert not list(tmp_path.glob(".*loading*"))  # the temporary build file is gone
    assert load_handover(folder, *keys, db=db)["status"] == "already loaded: nothing changed"


def test_the_default_target_is_duckdb_beside_the_handover(received):
    folder, keys = received
    out = load_handover(folder, *keys)
    assert out["db"] == str(folder.with_suffix(".duckdb")) and folder.with_suffix(".duckdb").is_file()


def test_an_unknown_database_file_type_is_refused_before_anything(received, tmp_path):
    folder, keys = received
    with pytest.raises(MigrationKitError, match="DuckDB file"):
        load_handover(folder, *keys, db=tmp_path / "buyer.xlsx")
    assert not list(tmp_path.glob("buyer*"))


@pytest.mark.parametrize("name", EMBEDDED)
def test_a_tampered_handover_is_refused_and_creates_no_table(received, tmp_path, name):
    folder, keys = received
    _tamper(folder, "customers.part*.csv.cms")
    db = tmp_path / name
    with pytest.raises(IntegrityError, match="does not verify"):
        load_handover(folder, *keys, db=db)
    assert not db.exists()
    assert not list(tmp_path.glob("*.load_report.json"))


@pytest.mark.parametrize("wrong", ["signer", "key"])
def test_the_wrong_signer_or_key_loads_nothing(received, tmp_path, wrong):
    folder, (seller, key, cert) = received
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(cert.read_bytes())  # a real certificate, but not the seller's
    args = (stranger, key, cert) if wrong == "signer" else (seller, seller.with_name("seller.key"), cert)
    db = tmp_path / "buyer.duckdb"
    with pytest.raises(MigrationKitError):
        load_handover(folder, *args, db=db)
    assert not db.exists()


@pytest.mark.parametrize("name", EMBEDDED)
def test_another_handover_needs_replace(received, tmp_path, name):
    folder, keys = received
    db = tmp_path / name
    load_handover(folder, *keys, db=db)
    _mark_other_handover(db)
    with pytest.raises(MigrationKitError, match="another handover"):
        load_handover(folder, *keys, db=db)
    assert load_handover(folder, *keys, db=db, replace=True)["status"] == "loaded"


def test_a_duckdb_schema_that_rounds_money_is_caught_by_the_checksum(received, tmp_path, monkeypatch):
    folder, keys = received
    monkeypatch.setitem(load_mod.DUCKDB_TYPES, "decimal(18,2)", "DECIMAL(18,1)")
    db = tmp_path / "buyer.duckdb"
    with pytest.raises(MigrationKitError, match="checksum"):
        load_handover(folder, *keys, db=db)
    assert not db.exists() and not list(tmp_path.glob(".*loading*"))


def test_a_database_that_changes_a_value_is_caught_by_the_checksum(received, tmp_path, monkeypatch):
    folder, keys = received
    real = load_mod._rows

    def rounding(plain):  # a driver that keeps one decimal place of money
        header, rows = real(plain)
        i = header.index("total_spent") if "total_spent" in header else None
        return header, ([*r[:i], r[i][:-1] + "0" if r[i] else r[i], *r[i + 1:]] if i is not None else r
                        for r in rows)

    monkeypatch.setattr(load_mod, "_rows", rounding)
    db = tmp_path / "buyer.sqlite"  # the SQLite target parses with _rows
    with pytest.raises(MigrationKitError, match="checksum"):
        load_handover(folder, *keys, db=db)
    assert not db.exists()


@pytest.mark.parametrize("missing", ["schema", "checksum"])
def test_a_manifest_without_schema_or_checksum_is_refused(received, missing):
    folder, keys = received
    manifest = _manifest(folder)
    del manifest["tables"]["customers"][missing]
    with pytest.raises(IntegrityError, match="export it again"):
        load_mod._Parts(folder, manifest, keys[1], keys[2], keys[0], None)


def test_the_load_command_prints_the_reconciled_counts(received, tmp_path):
    from click.testing import CliRunner

    from migration_kit.cli import cli

    folder, (seller, key, cert) = received
    args = ["load", str(folder), "--signer-cert", str(seller), "--key", str(key), "--cert", str(cert)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    rows = _manifest(folder)["tables"]["customers"]["rows"]
    assert f"customers {rows}" in first.output and "checksums" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_the_buyer_loads_into_postgresql(received, postgres_url, tmp_path, monkeypatch):
    import psycopg

    folder, keys = received
    out = load_handover(folder, *keys, db=postgres_url)
    manifest = _manifest(folder)
    assert {t: v["checksum"] for t, v in out["tables"].items()} == {
        t: v["checksum"]["value"] for t, v in manifest["tables"].items()
    }
    assert json.loads(folder.with_name("handover.load_report.json").read_text())["status"] == "loaded"
    with psycopg.connect(postgres_url) as con:
        kinds = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'customers'").fetchall())
        total = con.execute("SELECT sum(total_spent) FROM customers").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM record_map r LEFT JOIN customers c USING (entity_id) "
                              "WHERE c.entity_id IS NULL").fetchone()[0]
    assert kinds["total_spent"] == "numeric" and str(total).count(".") == 1 and orphans == 0
    assert load_handover(folder, *keys, db=postgres_url)["status"] == "already loaded: nothing changed"
    # a tampered copy is refused before any table is touched
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    _tamper(bad, "record_map.part*.csv.cms")
    with pytest.raises(IntegrityError, match="does not verify"):
        load_handover(bad, *keys, db=postgres_url, replace=True)
    # a schema that rounds money is caught by the checksum, and the earlier load stays whole
    monkeypatch.setitem(load_mod.PG_TYPES, "decimal(18,2)", "numeric(18,1)")
    with psycopg.connect(postgres_url) as con:
        con.execute("UPDATE _migration_kit_loads SET manifest_sha256 = %s", ("f" * 64,))
    with pytest.raises(MigrationKitError, match="checksum"):
        load_handover(folder, *keys, db=postgres_url, replace=True)
    with psycopg.connect(postgres_url) as con:
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == manifest["tables"]["customers"]["rows"]
        assert con.execute("SELECT sum(total_spent) FROM customers").fetchone()[0] == total
