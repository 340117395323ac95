"""Per-table checksums: the seller's from CSV text equals the buyer's from the database."""
from __future__ import annotations

import sqlite3

import pytest

from migration_kit.handover.checksum import (
    add_checksums,
    csv_checksum,
    rows_checksum,
    sqlite_row_text,
)

CSV = b'entity_id,spent,vip,born,seen\nE1,10.50,true,1990-01-02,2024-05-06T07:08:09\nE2,,false,,\n"E,3","",,,\n'
ROWS = ["E1\x1f10.50\x1ftrue\x1f1990-01-02\x1f2024-05-06T07:08:09", "E2\x1f\x1ffalse\x1f\x1f", "E,3\x1f\x1f\x1f\x1f"]

CHANGES = [  # (what changed, CSV) -- each must change the checksum
    ("a decimal rounded", CSV.replace(b"10.50", b"10.5")),
    ("a row lost", CSV.rsplit(b"\n", 2)[0] + b"\n"),
    ("a row twice", CSV + b"E2,,false,,\n"),
    ("a date shifted", CSV.replace(b"1990-01-02", b"1990-01-03")),
    ("a boolean flipped", CSV.replace(b"true", b"false")),
    ("two cells swapped", CSV.replace(b"E1,10.50", b"10.50,E1")),
]


def test_the_csv_checksum_is_the_rows_checksum_in_any_order():
    assert csv_checksum(CSV) == rows_checksum(ROWS) == rows_checksum(reversed(ROWS))


def test_parts_add_up_to_the_table():
    header, *lines = CSV.decode().splitlines(keepends=True)
    parts = [csv_checksum((header + "".join(lines[:1])).encode()), csv_checksum((header + "".join(lines[1:])).encode())]
    assert add_checksums(parts) == csv_checksum(CSV)


@pytest.mark.parametrize(("what", "changed"), CHANGES, ids=[c[0] for c in CHANGES])
def test_any_change_changes_the_checksum(what, changed):
    assert csv_checksum(changed) != csv_checksum(CSV)


def test_an_empty_part_has_the_zero_checksum():
    assert csv_checksum(b"a,b\n") == "0" * 64


def test_sqlite_text_of_typed_columns_equals_the_csv():
    types = {"entity_id": "text", "spent": "decimal(18,2)", "vip": "boolean", "born": "date", "seen": "timestamp"}
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (entity_id TEXT, spent TEXT, vip INTEGER, born TEXT, seen TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [
        ("E1", "10.50", 1, "1990-01-02", "2024-05-06T07:08:09"), ("E2", None, 0, None, None),
        ("E,3", None, None, None, None)])
    got = rows_checksum(r[0] for r in con.execute(f"SELECT {sqlite_row_text(list(types), types)} FROM t"))
    assert got == csv_checksum(CSV)
