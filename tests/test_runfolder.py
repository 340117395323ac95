"""Run-folder tables: a CSV written through Arrow's writer has pandas' exact bytes, else pandas
writes it (runfolder.write_table)."""
from __future__ import annotations

import hashlib
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from migration_kit.runfolder import (RunFolder, _plain_text_csv, atomic_write_bytes, escape_formulas, file_sha256,
                                     write_csv)

CSV_CASES = [  # columns, whether Arrow's writer may write it
    ({"a": ["x", "", None, " sp ", "中文"], "b": ["1", "2", "3", "4", "5"]}, True),
    ({"a": [None, None], "b": [None, None]}, True),
    ({"a": ["a,b", "x"], "b": ["1", "2"]}, False),      # needs quotes
    ({"a": ['q"t', "x"], "b": ["1", "2"]}, False),
    ({"a": ["l\nb", "x"], "b": ["1", "2"]}, False),
    ({"a": ["=SUM(1)", "x"], "b": ["1", "2"]}, False),  # a formula start: pandas escapes it
    ({"a": ["-1", "x"], "b": ["1", "2"]}, False),
    ({"a": ["x", None]}, False),                         # one column: pandas quotes an empty cell
    ({"a": [1, 2], "b": ["x", "y"]}, True),              # numpy numbers as pandas writes them
    ({"p": [0.5002173970826581, float("nan"), -0.0, 1e-300, float("inf"), 12.0],
      "w": [-3.25, 0.1, 1e16, 2.5e-7, -1e100, 0.0]}, True),
    ({"n": [-1, 0, 2**62], "b": [True, False, True]}, True),   # a negative number is not a formula
    ({"f": [1.5, None], "t": ["-x", "y"]}, False),       # a text formula start beside numbers
    ({"d": pd.to_datetime(["2026-01-01", None]), "b": ["x", "y"]}, True),    # dates as pandas' text
    ({"d": pd.to_datetime(["2026-01-01 03:04:05", None, "1931-07-08 00:00:00"]), "b": ["x", "y", "z"]}, True),
    ({"d": pd.to_datetime(["1969-12-31 23:59:59", "2262-04-11 00:00:00"]), "b": ["x", "y"]}, True),
    ({"d": pd.to_datetime(["2026-01-01", "2026-01-02"]).as_unit("s"), "b": ["x", "y"]}, True),
    ({"d": pd.to_datetime(["2026-01-01 01:02:03", "2026-01-02 00:00:00"]).as_unit("ms"), "b": ["x", "y"]},
     True),
    ({"d": pd.to_datetime([None, None]), "b": ["x", "y"]}, True),
    ({"d": pd.to_datetime(["2026-01-01 03:04:05.5", "2026-01-01 00:00:00.000"]), "b": ["x", "y"]}, False),  # fractions
    ({"d": pd.to_datetime(["2026-01-01"]).tz_localize("Asia/Shanghai"), "b": ["x"]}, False),   # a zone
    ({"i": pd.array([1, None], dtype="Int64"), "b": ["x", "y"]}, False),    # nullable: pandas'
    ({"c": pd.Categorical(["x", "y"]), "b": ["x", "y"]}, False),
    ({"f": pd.Series([0.1, 2.5], dtype="float32"), "b": ["x", "y"]}, False),  # float32: pandas'
    ({"a b": ["x"], "c,d": ["y"]}, False),               # a header that needs quotes
]


@pytest.mark.parametrize("columns,fast", CSV_CASES)
def test_arrow_csv_gives_pandas_bytes_or_leaves_it_to_pandas(tmp_path, columns, fast):
    df = pd.DataFrame(columns)
    wrote = _plain_text_csv(df, tmp_path / "arrow.csv")
    assert wrote is fast
    escape_formulas(df).to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8")
    if wrote:
        assert (tmp_path / "arrow.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@pytest.mark.parametrize("columns,fast", CSV_CASES)
def test_write_csv_always_gives_pandas_bytes(tmp_path, columns, fast):
    """Whichever writer writes it, the file is what escape_formulas + pandas write."""
    df = pd.DataFrame(columns)
    write_csv(df, tmp_path / "any.csv")
    escape_formulas(df).to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8")
    assert (tmp_path / "any.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_remembered_digest_is_of_this_version_of_the_file(tmp_path):
    p = tmp_path / "t.bin"
    p.write_bytes(b"one")
    first = file_sha256(p, remember=True)
    assert file_sha256(p, remember=True) == first == file_sha256(p)
    atomic_write_bytes(p, b"two")  # a new version: a new inode
    assert file_sha256(p, remember=True) == hashlib.sha256(b"two").hexdigest()


def test_a_digest_not_remembered_sees_an_edit_in_place(tmp_path):
    p = tmp_path / "t.bin"
    p.write_bytes(b"one")
    file_sha256(p, remember=True)
    before = p.stat()
    with open(p, "r+b") as fh:  # same inode, same size, and (here forced) the same clock tick
        fh.write(b"t")
    os.utime(p, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert file_sha256(p) == hashlib.sha256(b"tne").hexdigest()


ROWS_CASES = [  # positions asked for: the rows read, in that order
    [0, 2, 4],
    [4, 0],
    [],
    [3, 3],
]


@pytest.mark.parametrize("rows", ROWS_CASES)
def test_rows_of_a_parquet_table_are_read_at_their_positions(tmp_path, rows):
    from decimal import Decimal

    run = RunFolder.create(tmp_path, "acme", "r1")
    table = pd.DataFrame({
        "record_id": ["a", "b", None, "d", "e"],
        "total_spent": pd.Series(
            [Decimal("1.10"), None, Decimal("3.30"), Decimal("4.40"), Decimal("5.50")],
            dtype=pd.ArrowDtype(pa.decimal128(18, 2)),
        ),
    })
    run.write_table("std", table)
    got = run.read_table("std", rows=np.array(rows, dtype=np.int64), columns=["record_id", "total_spent"])
    want = run.read_table("std").iloc[rows].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


def test_rows_are_not_taken_from_a_csv_table(tmp_path):
    run = RunFolder.create(tmp_path, "acme", "r1")
    with pytest.raises(ValueError, match="parquet"):
        run.read_table("review_queue", rows=np.array([0]))
