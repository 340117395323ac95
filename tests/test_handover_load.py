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


def test_the_buyer_loads_into_sqlite_once_and_exactly(received, tmp_path):
    folder, keys = received
    db = tmp_path / "buyer.sqlite"
    out = load_handover(folder, *keys, db=db)
    manifest = _manifest(folder)
    for table, info in manifest["tables"].items():
        assert out["tables"][table] == {
            "rows": info["rows"], "parts": info["parts"], "checksum": info["checksum"]["value"]
        }
    report = json.loads(db.with_name(db.name + ".load_report.json").read_text())
    assert report["status"] == "loaded" and report["tables"] == out["tables"]
    con = sqlite3.connect(db)
    spent = [r[0] for r in con.execute("SELECT total_spent FROM customers WHERE total_spent IS NOT NULL")]
    orphans = con.execute("SELECT COUNT(*) FROM record_map r LEFT JOIN customers c USING (entity_id) "
                          "WHERE c.entity_id IS NULL").fetchone()[0]
    con.close()
    assert spent and all(isinstance(v, str) and len(v.split(".")[1]) == 2 for v in spent)
    assert orphans == 0
    assert load_handover(folder, *keys, db=db)["status"] == "already loaded: nothing changed"


def test_a_tampered_handover_is_refused_and_creates_no_table(received, tmp_path):
    folder, keys = received
    _tamper(folder, "customers.part*.csv.cms")
    db = tmp_path / "buyer.sqlite"
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
    db = tmp_path / "buyer.sqlite"
    with pytest.raises(MigrationKitError):
        load_handover(folder, *args, db=db)
    assert not db.exists()


def test_another_handover_needs_replace(received, tmp_path):
    folder, keys = received
    db = tmp_path / "buyer.sqlite"
    load_handover(folder, *keys, db=db)
    con = sqlite3.connect(db)
    con.execute("UPDATE _migration_kit_loads SET manifest_sha256 = ?", ("f" * 64,))
    con.commit()
    con.close()
    with pytest.raises(MigrationKitError, match="another handover"):
        load_handover(folder, *keys, db=db)
    assert load_handover(folder, *keys, db=db, replace=True)["status"] == "loaded"


def test_a_database_that_changes_a_value_is_caught_by_the_checksum(received, tmp_path, monkeypatch):
    folder, keys = received
    real = load_mod._rows

    def rounding(plain, schema):  # a driver that keeps one decimal place of money
        df = real(plain, schema)
        df["total_spent"] = df["total_spent"].map(lambda v: v if v is None else v[:-1] + "0")
        return df

    monkeypatch.setattr(load_mod, "_rows", rounding)
    db = tmp_path / "buyer.sqlite"
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
    db = tmp_path / "buyer.sqlite"
    args = ["load", str(folder), "--signer-cert", str(seller), "--key", str(key), "--cert", str(cert),
            "--db", str(db)]
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
