"""standardize() end to end on a small hand-written raw table, plus the number/flag cleaners."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from migration_kit.clean import (FailureTable, clean_amount, clean_boolean, clean_count, clean_gender,
                                 failure_counts, standardize)
from migration_kit.errors import InputError, ParamsError
from migration_kit.schema import FAILURE_COLUMNS, STD_COLUMNS

REF = dt.date(2024, 6, 30)

RAW = pd.DataFrame({
    "source": ["pos", "pos", "web", "web", "club"],
    "record_id": ["M1", "M2", "W1", "W2", "C1"],
    "row_number": [1, 2, 1, 2, 1],
    "raw__full_name": ["王鹏磊", "Penglei WANG", "張 偉 先生", "13812345678", None],
    "raw__gender": ["男", None, "女", "x", None],
    "raw__birth_date": ["1949-12-31", "1990/3/5", "1990-02-30", None, None],
    "raw__phone": ["138 1234 5678", "+49 30 12345678", "14012345678", None, "030 12345678"],
    "raw__email": ["A@QQ.COM", "bad@", None, "x@y.de", None],
    "raw__id_number": ["11010519491231002X", "11010519491231002X", None, "123", "110105491231002"],
    "raw__address": ["北京朝阳区建国路1号", None, "某某路", "Hauptstr. 1", None],
    "raw__country": [None, "Germany", None, "Atlantis", "DE"],
    "raw__total_spent": ["¥1,234.50", "-5", None, "abc", "0"],
    "raw__order_count": ["3", "2.5", None, "1", None],
    "raw__marketing_consent": ["是", "no", "maybe", None, "Y"],
    "raw__created_at": ["2023-05-01T10:00:00+08:00", "2030-01-01", None, "32937", None],
}, dtype=object)
RAW["row_number"] = RAW["row_number"].astype("int64")

EXPECTED_FAILURES = {
    # (record_id, field, reason_code)
    ("M1", "id_number", "ID_GENDER_MISMATCH"),  # ID says F, record says 男
    ("M2", "id_number", "ID_BIRTH_MISMATCH"),  # ID says 1949-12-31, record 1990-03-05
    ("M2", "email", "EMAIL_SYNTAX"),
    ("M2", "created_at", "DATE_FUTURE"),
    ("M2", "total_spent", "NUMBER_NEGATIVE"),
    ("M2", "order_count", "NUMBER_INVALID"),
    ("W1", "birth_date", "DATE_IMPOSSIBLE"),
    ("W1", "phone", "PHONE_UNASSIGNED"),  # a mobile's shape in an unassigned range: kept, marked
    ("W1", "address", "ADDRESS_UNRESOLVED"),
    ("W1", "marketing_consent", "BOOLEAN_INVALID"),
    ("W2", "full_name", "NAME_INVALID"),
    ("W2", "gender", "GENDER_INVALID"),
    ("W2", "id_number", "ID_FORMAT"),
    ("W2", "country", "COUNTRY_UNKNOWN"),
    ("W2", "total_spent", "NUMBER_INVALID"),
}


@pytest.fixture(scope="module")
def result():
    return standardize(RAW, reference_date=REF)


def test_columns_dtypes_and_rows(result):
    std, failures = result
    raw_cols = [c for c in RAW.columns if c.startswith("raw__")]
    assert std.columns.tolist() == ["source", "record_id", "row_number", *raw_cols, *STD_COLUMNS,
                                    "country_given"]
    assert len(std) == len(RAW)
    assert std[["source", "record_id"]].values.tolist() == RAW[["source", "record_id"]].values.tolist()
    assert std[raw_cols].equals(RAW[raw_cols])  # raw kept untouched
    for c in ("birth_date", "created_at", "last_activity_at"):
        assert str(std[c].dtype) == "datetime64[ns]"
    assert str(std["total_spent"].dtype) == "decimal128(18, 2)[pyarrow]"  # exact money
    assert str(std["order_count"].dtype) == "Int64"
    assert str(std["marketing_consent"].dtype) == "boolean"
    assert std["phone"].dtype == object
    assert failures.columns.tolist() == list(FAILURE_COLUMNS)


def test_failure_rows(result):
    _, failures = result
    got = set(map(tuple, failures[["record_id", "field", "reason_code"]].values.tolist()))
    assert got == EXPECTED_FAILURES
    assert set(failures["stage"]) == {"clean"}
    assert failures.loc[failures["record_id"] == "W2", "source"].unique().tolist() == ["web"]


def test_failures_are_masked(result):
    _, failures = result
    shown = " ".join(failures["value_masked"])
    for plain in ("14012345678", "11010519491231002X", "bad@", "Atlantis", "13812345678", "某某路"):
        assert plain not in shown


VALUES = [
    # record_id, column, expected value
    ("M1", "phone", "+8613812345678"), ("M1", "phone_type", "mobile"), ("M1", "email", "a@qq.com"),
    ("M1", "gender", "M"), ("M1", "district", "朝阳区"), ("M1", "region_code", "110105"), ("M1", "country", "CN"),
    ("M1", "total_spent", Decimal("1234.50")), ("M1", "order_count", 3), ("M1", "marketing_consent", True),
    ("M1", "created_at", pd.Timestamp("2023-05-01 02:00:00")), ("M1", "pinyin_key", "penglei wang"),
    ("M2", "pinyin_key", "penglei wang"), ("M2", "full_name", "Penglei Wang"), ("M2", "country", "DE"),
    ("M2", "phone", "+493012345678"), ("M2", "birth_date", pd.Timestamp("1990-03-05")),  # record value kept
    ("M2", "gender", "F"),  # filled from the ID
    ("W1", "full_name", "张伟"), ("W1", "phone", "+8614012345678"), ("W1", "birth_date", pd.NaT), ("W1", "country", "CN"),
    ("W2", "country", None),  # unknown country is not replaced by the default
    ("W2", "created_at", pd.Timestamp("1990-03-05")),
    ("C1", "phone", "+493012345678"),  # read with the record's own country DE
    ("C1", "id_number", "11010519491231002X"),  # 15-digit ID upgraded
    ("C1", "birth_date", pd.Timestamp("1949-12-31")), ("C1", "gender", "F"),  # derived from the ID
]


@pytest.mark.parametrize("record_id, column, expected", VALUES)
def test_values(result, record_id, column, expected):
    std, _ = result
    got = std.loc[std["record_id"] == record_id, column].iloc[0]
    if expected is None or expected is pd.NaT:
        assert pd.isna(got)
    else:
        assert got == expected


def test_absent_fields_give_typed_null_columns():
    raw = RAW[["source", "record_id", "row_number", "raw__phone"]]
    std, _ = standardize(raw, reference_date=REF, default_region="DE")
    assert std["email"].isna().all() and std["email"].dtype == object
    assert str(std["order_count"].dtype) == "Int64" and std["order_count"].isna().all()
    assert std["country"].tolist() == ["DE"] * 5  # the source's home country
    assert std.loc[4, "phone"] == "+493012345678"


def test_failure_counts(result):
    _, failures = result
    counts = failure_counts(failures)
    assert counts.columns.tolist() == ["field", "check", "reason_code", "n"]
    assert counts["n"].sum() == len(failures)
    assert counts["n"].is_monotonic_decreasing
    assert failure_counts(failures.iloc[:0])["n"].tolist() == []


def test_failure_table_empty():
    ft = FailureTable(RAW[["source", "record_id"]])
    ft.add("phone", "valid", RAW["raw__phone"], pd.Series([None] * 5, dtype=object))
    assert ft.to_frame().columns.tolist() == list(FAILURE_COLUMNS) and ft.to_frame().empty


ERRORS = [
    (dict(raw=RAW.drop(columns="record_id")), InputError, "missing key column.*record_id"),
    (dict(raw=RAW.rename(columns={"raw__phone": "raw__phon"})), InputError, r"raw__phon.*did you mean raw__phone"),
    (dict(raw=RAW, date_order="XYZ"), ParamsError, "date_order: received 'XYZ'"),
    (dict(raw=RAW, default_region="China"), ParamsError, "default_region: received 'China'"),
    (dict(raw=RAW, reference_date="2024-06-30"), ParamsError, "reference_date: received '2024-06-30'"),
]


@pytest.mark.parametrize("kwargs, error, match", ERRORS)
def test_errors(kwargs, error, match):
    kwargs = {"reference_date": REF, **kwargs}
    with pytest.raises(error, match=match):
        standardize(kwargs.pop("raw"), **kwargs)


AMOUNTS = [("¥1,234.50", 1234.5, None), ("1234.5", 1234.5, None), ("1,234", 1234.0, None), ("￥88", 88.0, None),
           ("RMB 12", 12.0, None), ("12元", 12.0, None), ("-5", None, "NUMBER_NEGATIVE"),
           ("abc", None, "NUMBER_INVALID"), (None, None, None)]


@pytest.mark.parametrize("raw, value, reason", AMOUNTS)
def test_amounts(raw, value, reason):
    out = clean_amount(pd.Series([raw], dtype=object))
    assert (pd.isna(out.loc[0, "amount"]) if value is None else out.loc[0, "amount"] == value)
    assert out.loc[0, "reason"] == reason


COUNTS = [("3", 3, None), ("3.0", 3, None), ("1,200", 1200, None), ("2.5", None, "NUMBER_INVALID"),
          ("-1", None, "NUMBER_NEGATIVE"), ("x", None, "NUMBER_INVALID")]


@pytest.mark.parametrize("raw, value, reason", COUNTS)
def test_counts(raw, value, reason):
    out = clean_count(pd.Series([raw], dtype=object))
    assert (pd.isna(out.loc[0, "count"]) if value is None else out.loc[0, "count"] == value)
    assert out.loc[0, "reason"] == reason


FLAGS = [("是", True), ("否", False), ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True),
         ("0", False), ("Y", True), ("n", False), ("同意", True), ("maybe", None)]


@pytest.mark.parametrize("raw, value", FLAGS)
def test_flags(raw, value):
    out = clean_boolean(pd.Series([raw], dtype=object))
    assert (pd.isna(out.loc[0, "value"]) if value is None else out.loc[0, "value"] == value)
    assert out.loc[0, "reason"] == (None if value is not None else "BOOLEAN_INVALID")


@pytest.mark.parametrize("raw, value", [("男", "M"), ("女", "F"), ("Male", "M"), ("f", "F"), ("女士", "F"), ("?", None)])
def test_gender(raw, value):
    assert clean_gender(pd.Series([raw], dtype=object)).loc[0, "gender"] == value


@pytest.mark.parametrize("rows, index", [(0, None), (5, [10, 20, 30, 40, 50])])
def test_empty_and_non_range_index(rows, index):
    raw = RAW.iloc[:rows].copy()
    if index is not None:
        raw.index = index
    std, failures = standardize(raw, reference_date=REF)
    assert std.index.tolist() == list(range(rows))
    assert str(std["order_count"].dtype) == "Int64" and str(std["birth_date"].dtype) == "datetime64[ns]"
    assert failures.columns.tolist() == list(FAILURE_COLUMNS)


def test_public_api():
    import migration_kit.clean as clean

    assert sorted(clean.__all__) == sorted([
        "standardize", "failure_counts", "FailureTable", "clean_phone", "clean_email", "clean_name", "clean_id",
        "cross_check_id", "parse_dates", "clean_address", "clean_country", "clean_postcode", "clean_amount",
        "clean_count", "clean_boolean", "clean_gender"])
    assert all(callable(getattr(clean, name)) for name in clean.__all__)


@pytest.mark.parametrize(
    ("raw_country", "address", "default", "country", "given"),
    [
        ("Deutschland", None, "CN", "DE", "DE"),  # recorded
        (None, "北京市朝阳区建国路1号", "GB", "CN", "CN"),  # read out of the address
        (None, None, "GB", "GB", None),  # the source's default: no evidence about the person
    ],
)
def test_country_given_leaves_out_the_source_default(raw_country, address, default, country,
                                                     given):
    raw = pd.DataFrame({"source": ["s"], "record_id": ["1"], "row_number": [1],
                        "raw__country": [raw_country], "raw__address": [address]})
    std, _ = standardize(raw, default_region=default, reference_date=REF)
    assert (std.at[0, "country"], std.at[0, "country_given"]) == (country, given)


def test_a_cell_too_long_for_any_field_is_recorded_and_not_carried():
    raw = pd.DataFrame({"source": ["s", "s"], "record_id": ["1", "2"], "row_number": [1, 2],
                        "raw__address": ["x" * 70_000, "北京市朝阳区建国路1号"]})
    std, failures = standardize(raw, reference_date=REF)
    assert std["address"].tolist()[0] is None and std["address"].tolist()[1]
    hit = failures[failures["reason_code"] == "VALUE_TOO_LONG"]
    assert hit[["record_id", "field", "check"]].values.tolist() == [["1", "address", "size"]]
    assert len(hit["value_masked"].iloc[0]) < 100  # the failure table holds no 70 KB value


INTAKE_FLAGS = [
    # (raw full_name, raw phone, intake_flags, failure rows: (stage, field, check, value_masked, reason_code))
    ("M黮ler", "13812345678", "ENCODING_SUSPECT:full_name",
     [("intake", "full_name", "encoding", "M****", "ENCODING_SUSPECT")]),
    ("王伟", None, "ROW_SHORT:phone", [("intake", "phone", "row", "", "ROW_SHORT")]),
    ("王伟", "13812345678", "ROW_SHORT:row", [("intake", "row", "row", "", "ROW_SHORT")]),
    ("鍛ㄥ啗", None, "ROW_SHORT:phone;ENCODING_SUSPECT:full_name",
     [("intake", "phone", "row", "", "ROW_SHORT"), ("intake", "full_name", "encoding", "鍛**", "ENCODING_SUSPECT")]),
    ("王伟", "1.34E+10", None, [("clean", "phone", "valid", "*****", "PHONE_PRECISION_LOST")]),
    ("王伟", "13812345678", None, []),
]


@pytest.mark.parametrize("name, phone, flags, rows", INTAKE_FLAGS)
def test_intake_flags_reach_the_failure_table(name, phone, flags, rows):
    raw = pd.DataFrame({"source": ["s", "s"], "record_id": ["1", "2"], "row_number": [1, 2],
                        "raw__full_name": [name, "李娜"], "raw__phone": [phone, "13912345678"],
                        "intake_flags": [flags, None]}, dtype=object)
    std, failures = standardize(raw, reference_date=REF)
    got = failures[["stage", "field", "check", "value_masked", "reason_code"]]
    assert sorted(map(tuple, got.values.tolist())) == sorted(rows)
    assert set(failures["record_id"]) <= {"1"}
    assert "intake_flags" not in std.columns and std.at[0, "full_name"] is not None  # kept as read
    assert not any(v and v in "".join(failures["value_masked"]) for v in (name, phone))
