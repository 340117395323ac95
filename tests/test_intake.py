"""Intake: every input row accounted for, encodings detected and validated, bad input named precisely."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from migration_kit.errors import InputError, ParamsError
from migration_kit.intake import classify_columns, detect_kind, map_columns, read_table, run_intake
from migration_kit.params import load_params
from tests.conftest import base_params, write_params


def test_run_intake_accounts_for_every_row(tiny_sources):
    result = run_intake(load_params(write_params(tiny_sources, base_params())))
    assert len(result.raw) == 3
    assert result.raw[["source", "record_id"]].values.tolist() == [["pos", "M1"], ["pos", "M2"], ["web", "W1"]]
    assert result.raw.loc[0, "raw__phone"] == "+86 138-1234-5678"   # raw kept unchanged
    assert result.raw.loc[2, "raw__full_name"] == "張偉"            # GBK decoded, not converted yet
    inv = result.inventory.set_index("source")
    assert inv.loc["pos", "encoding"] == "utf-8-sig"
    assert inv.loc["web", "encoding"] == "gb18030"
    assert inv.loc["pos", "rows"] == 2 and len(inv.loc["pos", "sha256"]) == 64


def test_raw_files_are_not_modified(tiny_sources):
    before = {p.name: p.read_bytes() for p in tiny_sources.glob("*.csv")}
    run_intake(load_params(write_params(tiny_sources, base_params())))
    assert {p.name: p.read_bytes() for p in tiny_sources.glob("*.csv")} == before


def test_headers_with_stray_whitespace_are_matched(tiny_sources):
    # the pos header has " 姓名 " with spaces around it
    result = run_intake(load_params(write_params(tiny_sources, base_params())))
    assert result.raw.loc[0, "raw__full_name"] == "王伟"


BAD_CSV = [
    # (file bytes, read kwargs, message fragment, row, column)
    (b"", {}, "file is empty", None, None),
    (b"   \n", {}, "file is empty", None, None),
    ("id,name\n".encode(), {}, "header but no data rows", None, None),
    ("id,name\n1,王伟\n".encode("utf-8"), {"encoding": "gbk"}, "file is valid UTF-8", None, None),
    (b"id,name\n1,ok\n2,\xff\xfe\xfd\n", {"encoding": "utf-8"}, "are not valid utf-8", 2, None),
    (b"id,name\n1,\x80\x80\x80\xff\n", {}, "neither UTF-8 nor GBK", 1, None),
    ("a,b\n1,2\n".encode(), {"encoding": "klingon"}, "unknown encoding 'klingon'", None, None),
    ("id,name\n1,王伟\n".encode("utf-16-le"), {}, "NUL bytes: probably UTF-16 without a byte-order mark", 0, None),
    # damage pandas would pass silently (a value cut short, a renamed header, empty fields)
    (b"id,name\n" + b"1,abc\n" * 12000 + b"2,x\x00y\n", {}, "a NUL byte inside a field", 12001, "name"),
    (b"id,name\n1,x\x00y\n", {"encoding": "utf-8"}, "a NUL byte inside a field", 1, "name"),
    ("id,姓名,姓名\n1,a,b\n".encode(), {}, "header '姓名' appears twice", 0, "姓名"),
    (b"id,name,phone\n1,a,138\n2,b\n", {}, "row has 2 fields where the header has 3", 2, None),
    (b'id,name,phone\n1,"a, b",138\n2,"c"\n', {}, "row has 2 fields where the header has 3", 2, None),
    # the first row one field longer than the header: pandas would take column 1 as the index
    (b"id,name\n1,a,x\n2,b\n", {}, "row has 3 fields where the header has 2", 1, None),
]


@pytest.mark.parametrize("data, kwargs, fragment, row, column", BAD_CSV)
def test_bad_csv_inputs(tmp_path, data, kwargs, fragment, row, column):
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=fragment) as info:
        read_table(path, format="csv", **kwargs)
    assert info.value.file == str(path)
    assert info.value.row == row
    assert info.value.column == column


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_encodings_detected_without_declaration(tmp_path, encoding):
    path = tmp_path / "s.csv"
    path.write_bytes("编号,姓名,城市\n1,王伟,北京市\n2,欧阳娜娜,深圳市\n".encode(encoding))
    df, info = read_table(path)
    assert df["姓名"].tolist() == ["王伟", "欧阳娜娜"] and df.columns.tolist() == ["编号", "姓名", "城市"]
    assert info.encoding in {"utf-16": ("utf-16",), "utf-8-sig": ("utf-8-sig",), "utf-8": ("utf-8",),
                             "gbk": ("gb18030",), "gb18030": ("gb18030",)}[encoding]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "none.csv")


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        read_table(path, format="xlsx")


def test_xlsx_reads_as_text(tmp_path):
    path = tmp_path / "s.xlsx"
    pd.DataFrame({"编号": ["A1", "A2"], "电话": [13812345678.0, 13912345678.0]}).to_excel(path, index=False, sheet_name="客户")
    df, info = read_table(path, format="xlsx")
    assert df["编号"].tolist() == ["A1", "A2"]
    assert df["电话"].tolist()[0].startswith("13812345678")
    with pytest.raises(InputError, match="sheet 'nope' not found; sheets: 客户"):
        read_table(path, format="xlsx", sheet="nope")


def test_a_nul_character_in_a_parquet_cell_is_refused_with_its_row_and_column(tmp_path):
    # pandas compares text only up to a NUL: "a\x00b" and "a\x00c" would be one value
    # (an XLSX cannot hold a NUL: XML forbids it; a CSV's text is checked before parsing)
    path = tmp_path / "s.parquet"
    pd.DataFrame({"id": ["1", "2", "3"], "name": ["王伟", "a\x00b", "a\x00c"]}).to_parquet(path)
    with pytest.raises(InputError, match="NUL character inside a cell") as info:
        read_table(path, format="parquet")
    assert (info.value.row, info.value.column) == (2, "name")


def test_parquet_reads_as_text(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame({"id": [1, 2], "v": [1.5, None]}).to_parquet(path)
    df, info = read_table(path, format="parquet")
    assert df["id"].tolist() == ["1", "2"] and df["v"].tolist() == ["1.5", ""]


MAP_ERRORS = [
    # (frame, id column, mapping, message, row, column)
    ({"ID": ["1", "2"], "Name": ["a", "b"]}, "Id", {"full_name": ("Name",)},
     "id column 'Id' not found in the header; did you mean 'ID'? Headers: ID, Name", 0, "Id"),
    ({"ID": ["1", "2"], "Phone No": ["a", "b"]}, "ID", {"phone": ("Phone",)},
     "column mapped to phone 'Phone' not found in the header; did you mean 'Phone No'? Headers: ID, Phone No", 0, "Phone"),
    ({"ID": ["1", "2", "1"], "Name": ["a", "b", "c"]}, "ID", {"full_name": ("Name",)},
     "duplicate record id '*' in rows 1, 3 (1 ids repeated); record ids must be unique within a source", 3, "ID"),
    ({"13912345678": ["13812345678"], "王伟": ["李娜"], "2003/12/3": ["1990/1/1"]}, "会员编号", {"full_name": ("姓名",)},
     "id column '会员编号' not found: the first row looks like data, not a header (it holds numbers, dates or e-mail "
     "addresses); export the file with its header row", 0, "会员编号"),
    ({"ID": ["1", " "], "Name": ["a", "b"]}, "ID", {"full_name": ("Name",)},
     "empty record id (1 rows in all); every row needs an id", 2, "ID"),
    # one phone-like cell is enough: the name and address beside it are never echoed
    ({"王伟": ["李娜"], "北京市朝阳区建国路1号": ["x"], "13912345678": ["13812345678"]}, "会员编号",
     {"full_name": ("姓名",)},
     "id column '会员编号' not found: the first row looks like data, not a header (it holds numbers, dates or e-mail "
     "addresses); export the file with its header row", 0, "会员编号"),
]


@pytest.mark.parametrize("frame, id_column, mapping, message, row, column", MAP_ERRORS)
def test_mapping_errors(frame, id_column, mapping, message, row, column):
    with pytest.raises(InputError) as info:
        map_columns(pd.DataFrame(frame), "src", "src.csv", id_column, mapping)
    assert info.value.detail == message
    assert (info.value.row, info.value.column) == (row, column)
    assert str(info.value).startswith(f"src.csv, row {row}, column {column!r}: ")


def test_joined_columns_and_unmapped():
    df = pd.DataFrame({"id": ["1"], "First": ["Penglei"], "Last": ["Wang"], "Note": ["vip"]})
    raw, unmapped = map_columns(df, "ovs", "o.csv", "id", {"full_name": ("First", "Last")})
    assert raw.loc[0, "raw__full_name"] == "Penglei Wang"
    assert list(unmapped.columns) == ["Note"]


DETECT = [
    (["110105194912310021", "44030419900305123X"], "cn_resident_id"),
    (["13812345678", "+86 139-1234-5678", "13812345678.0"], "cn_mobile"),
    (["a@b.com", "x.y@qq.com"], "email"),
    (["1990-03-05", "1990年3月5日", "03/05/1990"], "date"),
    (["是", "否", "是"], "yes_no"),
    (["hello", "world"], None),
    (["100020", "518057"], "cn_postcode"),
    (["12", "7", "130"], "integer"),
    (["¥1,234.50", "¥88"], "money"),
    (["1234.50", "88.00"], "money"),
    (["19900305", "20010101"], "date"),
    (["2020-01-01 10:00:00", "2021-12-31"], "date"),
]


@pytest.mark.parametrize("values, kind", DETECT)
def test_detect_kind(values, kind):
    assert detect_kind(pd.Series(values))[0] == kind


def test_unmapped_sensitive_column_is_flagged():
    df = pd.DataFrame({"id": ["1", "2"], "name": ["王伟", "李娜"], "备注": ["110105194912310021", "44030419900305123X"]})
    cls = classify_columns("pos", df, "id", {"full_name": ("name",)}).set_index("column")
    assert cls.loc["备注", "sensitivity"] == "sensitive"
    assert "cn_resident_id" in cls.loc["备注", "flag"]
    assert not cls.loc["备注", "travels"]
    assert cls.loc["name", "category"] == "identity"


@pytest.mark.parametrize(
    ("data", "rows"),
    [(b'id,name\n1,"two\nlines"\n', 1), (b"id,name,phone\n1,a,\n2,,\n", 2),
     (b"id,name\n1,a\n\n2,b\n", 2)],
)
def test_quoted_line_breaks_empty_fields_and_blank_lines_are_fine(tmp_path, data, rows):
    path = tmp_path / "ok.csv"
    path.write_bytes(data)
    df, _ = read_table(path, format="csv")
    assert len(df) == rows


def test_xlsx_duplicate_header_is_an_error(tmp_path):
    path = tmp_path / "d.xlsx"
    df = pd.DataFrame([["A1", "王伟", "李娜"]], columns=["编号", "姓名", "姓名"])
    df.to_excel(path, index=False, sheet_name="客户")
    with pytest.raises(InputError, match="header '姓名' of sheet '客户' appears twice") as info:
        read_table(path, format="xlsx")
    assert (info.value.row, info.value.column) == (0, "姓名")


RAGGED = [
    # (file bytes, read kwargs, rows as read, short rows (row, fields)): short rows read and listed
    (b"id,name,phone\n1,a,138\n2,b\n", {"ragged_rows": "flag"}, [["1", "a", "138"], ["2", "b", ""]], ((2, 2),)),
    (b"id,name,phone\n1,a,138\n\n2,b\n3\n", {"ragged_rows": "flag"},  # blank lines are no rows
     [["1", "a", "138"], ["2", "b", ""], ["3", "", ""]], ((2, 2), (3, 1))),
    (b'id,name,phone\n1,"a\nb",138\n2,"c"\n', {"ragged_rows": "flag"},  # quoted line break
     [["1", "a\nb", "138"], ["2", "c", ""]], ((2, 2),)),
    # a delimiter at the end of the line: the extra fields are empty, nothing is lost
    (b"id,name,phone\n1,a,138,\n2,b,139,\n", {}, [["1", "a", "138"], ["2", "b", "139"]], ()),
    (b"id,name,phone\n1,a,138\n2,b,139,,\n", {}, [["1", "a", "138"], ["2", "b", "139"]], ()),
    # a line separator inside a value is no line break (str.splitlines would split it)
    ("id,name\n1,x\u2028y\n2,b\n".encode(), {}, [["1", "x\u2028y"], ["2", "b"]], ()),
    (b"\n\nid,name\n1,a\n", {}, [["1", "a"]], ()),  # blank lines before the header
]


@pytest.mark.parametrize("data, kwargs, rows, short", RAGGED)
def test_ragged_rows_read(tmp_path, data, kwargs, rows, short):
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    df, info = read_table(path, format="csv", **kwargs)
    assert df.values.tolist() == rows
    assert info.short_rows == short


BAD_ROWS = [
    # (file bytes, read kwargs, message fragment, row): more fields than the header is always an error
    (b"id,name,phone\n1,a,138\n2,b\n", {"ragged_rows": "error"}, "row has 2 fields where the header has 3 (1 such", 2),
    (b"id,name,phone\n1,a,138,x\n2,b,139\n", {"ragged_rows": "flag"}, "row has 4 fields where the header has 3", 1),
    (b"id,name,phone\n1,a,138\n2,b,139,x\n", {}, "values past the header's last column would be lost", 2),
    (b'id,name,phone\n1,"a\nb",138\n2,"b",139,"x"\n', {}, "row has 4 fields where the header has 3", 3),
    (b"name\nSmith, John\n", {}, "row has 2 fields where the header has 1", 1),
]


@pytest.mark.parametrize("data, kwargs, fragment, row", BAD_ROWS)
def test_rows_longer_than_the_header_are_errors(tmp_path, data, kwargs, fragment, row):
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=re.escape(fragment)) as info:
        read_table(path, format="csv", **kwargs)
    assert (info.value.file, info.value.row, info.value.column) == (str(path), row, None)


@pytest.mark.parametrize("kwargs, where", [({"ragged_rows": "skip"}, "read_table.ragged_rows"),
                                           ({"merged_cells": "unmerge"}, "read_table.merged_cells")])
def test_read_table_rejects_unknown_choices(tmp_path, kwargs, where):
    path = tmp_path / "s.csv"
    path.write_bytes(b"id\n1\n")
    with pytest.raises(ParamsError, match=f"{where}: received .*; allowed values: "):
        read_table(path, **kwargs)


def _merged_workbook(path: Path, merges: list[str], header=("编号", "姓名", "城市")) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(list(header))
    for row in (["1", "王伟", "北京"], ["2", "李娜", "上海"], ["3", "张三", None], ["4", "赵四", None]):
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    wb.create_sheet("备注").append(["编号", "姓名", "城市"])
    wb.save(path)


MERGED = [
    # (merged ranges, read kwargs, message fragment or the 城市 column as read, error row, error column)
    (["C3:C5"], {}, "sheet '客户' has 1 merged cell range(s) (C3:C5); a merged range keeps its value in "
     "its first cell", 2, "城市"),
    (["B4:B5", "C3:C5"], {"sheet": "客户"}, "has 2 merged cell range(s) (C3:C5, B4:B5)", 2, "城市"),
    (["C3:C5"], {"merged_cells": "fill"}, ["北京", "上海", "上海", "上海"], None, None),
    (["C3:C5"], {"merged_cells": "fill", "sheet": "客户"}, ["北京", "上海", "上海", "上海"], None, None),
    (["B1:C1"], {"merged_cells": "fill"}, "merged cells in its header row (B1:C1); every column needs a "
     "header of its own", 0, "姓名"),
    ([], {}, ["北京", "上海", "", ""], None, None),
]


@pytest.mark.parametrize("merges, kwargs, expected, row, column", MERGED)
def test_xlsx_merged_cells(tmp_path, merges, kwargs, expected, row, column):
    path = tmp_path / "m.xlsx"
    _merged_workbook(path, merges)
    if isinstance(expected, str):
        with pytest.raises(InputError, match=re.escape(expected)) as info:
            read_table(path, format="xlsx", **kwargs)
        assert (info.value.row, info.value.column) == (row, column)
        assert "王伟" not in str(info.value) and "上海" not in str(info.value)
    else:
        df, _ = read_table(path, format="xlsx", **kwargs)
        assert df["城市"].tolist() == expected


NUMERIC_PHONES = [
    # (format, column values, text as read): numbers keep the digits their own precision holds
    ("parquet", np.array([13812345678.0, np.nan], dtype="float64"), ["13812345678.0", ""]),
    ("parquet", np.array([13812345678.0, 0.1], dtype="float32"), ["1.3812346e+10", "0.1"]),
    ("parquet", pd.array([13812345678.0, None], dtype="Float32"), ["1.3812346e+10", ""]),
    ("parquet", np.array([13812345678, 1], dtype="int64"), ["13812345678", "1"]),
    ("xlsx", [13812345678.0, 1381234567.8], ["13812345678", "1381234567.8"]),
]


@pytest.mark.parametrize("fmt, values, text", NUMERIC_PHONES)
def test_numeric_phone_cells_as_text(tmp_path, fmt, values, text):
    path = tmp_path / f"n.{fmt}"
    df = pd.DataFrame({"id": ["1", "2"], "phone": values})
    if fmt == "parquet":
        df.to_parquet(path)
    else:
        df.to_excel(path, index=False)
    got, _ = read_table(path, format=fmt)
    assert got["phone"].tolist() == text


def _source(tmp_path: Path, data: bytes, **keys) -> Path:
    (tmp_path / "s.csv").write_bytes(data)
    params = base_params()
    params["sources"] = [{"name": "s", "path": "s.csv", "id_column": "id",
                          "columns": {"full_name": "name", "phone": "phone", "address": "addr"}, **keys}]
    return write_params(tmp_path, params)


FLAGS = [
    # (file bytes, source keys, intake_flags per record)
    ("id,name,phone,addr,note\n1,王伟,13812345678,北京,x\n2,李娜,13912345678\n3,张三,138,上海\n".encode("gbk"), {},
     [None, "ROW_SHORT:address", "ROW_SHORT:row"]),
    # Latin-1 'Müller' and Shift-JIS text in a GBK file decode without error
    (b"id,name,phone,addr\n1,M\xfcller,13812345678,x\n2,\x82\xb2\x92\x8d\x95\xb6,1,y\n"
     + "3,王伟,1,深水埗福華街\n".encode("gbk"), {"encoding": "gbk"},
     ["ENCODING_SUSPECT:full_name", "ENCODING_SUSPECT:full_name", None]),
    # a GBK export with a UTF-8 row pasted in: valid GB18030 throughout
    ("id,name,phone,addr\n1,王伟,1,北京\n".encode("gbk") + "2,周军,1,北京\n".encode("utf-8"), {},
     [None, "ENCODING_SUSPECT:full_name;ENCODING_SUSPECT:address"]),
    ("id,name,phone,addr\n1,José,1,Zürich\n2,Jos\ufffd,1,x\n".encode("utf-8"), {},
     [None, "ENCODING_SUSPECT:full_name"]),
]


@pytest.mark.parametrize("data, keys, flags", FLAGS)
def test_intake_flags_damaged_rows(tmp_path, data, keys, flags):
    result = run_intake(load_params(_source(tmp_path, data, **keys)))
    assert result.raw["intake_flags"].tolist() == flags


def test_short_rows_are_an_error_when_the_source_says_so(tmp_path):
    path = _source(tmp_path, b"id,name,phone,addr\n1,a,138,x\n2,b\n", ragged_rows="error")
    with pytest.raises(InputError, match="row has 2 fields where the header has 4") as info:
        run_intake(load_params(path))
    assert info.value.row == 2


def test_a_short_row_without_its_id_is_an_error(tmp_path):
    path = _source(tmp_path, b"name,phone,addr,id\n a,138,x,1\nb,139\n")
    with pytest.raises(InputError, match="it lacks the id column") as info:
        run_intake(load_params(path))
    assert (info.value.row, info.value.column) == (2, "id")


def test_intake_findings_survive_the_run_folder_to_the_failure_table(tmp_path):
    from migration_kit import pipeline

    data = ("id,name,phone,addr\n1,王伟,13812345678,北京\n2,李娜\n".encode("gbk")
            + b"3,M\xfcller,1.34E+10,x\n")  # a Latin-1 name inside the GBK file
    ctx = pipeline.open_run(_source(tmp_path, data), run_id="t", runs_dir=tmp_path / "runs")
    pipeline.step_intake(ctx)
    pipeline.step_clean(ctx)
    failures = ctx.run.read_table("failures")
    got = failures[["stage", "record_id", "field", "reason_code"]].values.tolist()
    assert sorted(map(tuple, got)) == [
        ("clean", "3", "phone", "PHONE_PRECISION_LOST"),
        ("intake", "2", "address", "ROW_SHORT"),
        ("intake", "2", "phone", "ROW_SHORT"),
        ("intake", "3", "full_name", "ENCODING_SUSPECT"),
    ]
    assert "黮" not in "".join(failures["value_masked"])  # masked: 'M****'


@pytest.mark.parametrize("keys, ragged, merged", [({}, "flag", "error"),
                                                  ({"ragged_rows": "error", "merged_cells": "fill"}, "error", "fill")])
def test_source_keys_for_damaged_exports(tmp_path, keys, ragged, merged):
    spec = load_params(_source(tmp_path, b"id,name,phone,addr\n1,a,1,x\n", **keys)).sources[0]
    assert (spec.ragged_rows, spec.merged_cells) == (ragged, merged)
