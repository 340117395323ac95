"""Money and counts are exact from reading to export: parsing (exact or a failure entry, never
rounded), golden sums, quality checks, Parquet in the run folder and the buyer's CSV text."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from migration_kit.clean import clean_amount, clean_count, standardize
from migration_kit.clean.numbers import MONEY_DTYPE, MONEY_TYPE, is_money, money_from_units, money_units
from migration_kit.errors import LinkageError
from migration_kit.handover import export_tables
from migration_kit.handover.cms import decrypt
from migration_kit.handover.keys import load_certificate, load_private_key
from migration_kit.linkage.golden import build_golden
from migration_kit.linkage.survivorship import SurvivorshipSpec
from migration_kit.quality.checks import REGISTRY, CheckContext
from migration_kit.runfolder import RunFolder
from tests.test_handover_export import keyset, material

# raw text, exact value as text (None: no value), reason code
AMOUNTS = [
    ("¥1,792.56", "1792.56", None),
    ("2033.47", "2033.47", None),
    ("1792.5", "1792.50", None),  # scale 2: shown with two decimals
    ("1792.560", "1792.56", None),  # a trailing zero loses nothing
    ("￥1234.5", "1234.50", None),
    ("RMB 1,234", "1234.00", None),
    ("1,234,567.89", "1234567.89", None),
    ("1234元", "1234.00", None),
    ("€12.30", "12.30", None),
    ("USD 0.07", "0.07", None),
    (" 1 234.50 ", "1234.50", None),  # a space as thousands separator
    ("１２.５", "12.50", None),  # full-width digits
    ("1.5E+06", "1500000.00", None),  # as spreadsheets write large numbers
    ("1e-2", "0.01", None),
    (".5", "0.50", None),
    ("5.", "5.00", None),
    ("+7", "7.00", None),
    ("00012.10", "12.10", None),
    ("0", "0.00", None),
    ("-0", "0.00", None),
    ("0e99999", "0.00", None),
    ("90071992547409.93", "90071992547409.93", None),  # 2^53 + 1 cents: no float holds it
    ("9999999999999999.99", "9999999999999999.99", None),  # the largest decimal(18, 2)
    ("12.345", None, "NUMBER_PRECISION"),  # a third decimal: refused, never rounded
    ("0.005", None, "NUMBER_PRECISION"),
    ("0.30000000000000004", None, "NUMBER_PRECISION"),  # a float's digits: refused
    ("10000000000000000", None, "NUMBER_PRECISION"),  # 10^16: too large for decimal(18, 2)
    ("1.5e16", None, "NUMBER_PRECISION"),
    ("1e99999", None, "NUMBER_PRECISION"),
    ("1e-99999", None, "NUMBER_PRECISION"),
    ("-5", None, "NUMBER_NEGATIVE"),
    ("-¥1,234.50", None, "NUMBER_NEGATIVE"),
    ("12,50", None, "NUMBER_INVALID"),  # a decimal comma is not read as 1250
    ("1.234,50", None, "NUMBER_INVALID"),
    ("1,2345", None, "NUMBER_INVALID"),
    ("abc", None, "NUMBER_INVALID"),
    ("inf", None, "NUMBER_INVALID"),
    ("NaN", None, "NUMBER_INVALID"),
    (".", None, "NUMBER_INVALID"),
    ("1e", None, "NUMBER_INVALID"),
    ("--5", None, "NUMBER_INVALID"),
    (None, None, None),
    ("", None, None),
    ("   ", None, None),
]


@pytest.mark.parametrize("raw, value, reason", AMOUNTS)
def test_amount_is_exact_or_refused(raw, value, reason):
    out = clean_amount(pd.Series([raw], dtype=object))
    assert out["amount"].dtype == MONEY_DTYPE
    got = out.loc[0, "amount"]
    if value is None:
        assert pd.isna(got)
    else:
        assert isinstance(got, Decimal) and str(got) == value
    assert out.loc[0, "reason"] == reason


def test_amounts_keep_the_index_and_repeat_values():
    s = pd.Series(["1.10", None, "1.10", "x", "2"], index=[10, 11, 12, 13, 14], dtype=object)
    out = clean_amount(s)
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert [None if pd.isna(v) else str(v) for v in out["amount"]] == ["1.10", None, "1.10", None, "2.00"]
    assert out["reason"].tolist() == [None, None, None, "NUMBER_INVALID", None]


# raw text, exact count (None: no value), reason code
COUNTS = [
    ("3", 3, None),
    ("3.0", 3, None),
    ("1,200", 1200, None),
    ("1e3", 1000, None),
    ("9007199254740993", 9007199254740993, None),  # 2^53 + 1: no float holds it
    ("999999999999999999", 10**18 - 1, None),
    ("1000000000000000000", None, "NUMBER_PRECISION"),
    ("2.5", None, "NUMBER_INVALID"),
    ("-1", None, "NUMBER_NEGATIVE"),
    ("x", None, "NUMBER_INVALID"),
    (None, None, None),
]


@pytest.mark.parametrize("raw, value, reason", COUNTS)
def test_count_is_exact_or_refused(raw, value, reason):
    out = clean_count(pd.Series([raw], dtype=object))
    assert str(out["count"].dtype) == "Int64"
    got = out.loc[0, "count"]
    assert pd.isna(got) if value is None else int(got) == value
    assert out.loc[0, "reason"] == reason


def test_standardize_records_precision_failures():
    raw = pd.DataFrame({"source": ["s", "s"], "record_id": ["1", "2"], "row_number": [1, 2],
                        "raw__total_spent": ["12.345", "¥1,792.56"]})
    std, failures = standardize(raw, reference_date=dt.date(2024, 1, 1))
    assert std["total_spent"].dtype == MONEY_DTYPE
    assert pd.isna(std.loc[0, "total_spent"]) and str(std.loc[1, "total_spent"]) == "1792.56"
    assert failures[["record_id", "field", "reason_code"]].values.tolist() == [
        ["1", "total_spent", "NUMBER_PRECISION"]]


UNITS = [
    (["1792.56", None, "0.1", "90071992547409.93"], [179256, 0, 10, 9007199254740993], [True, False, True, True]),
    ([], [], []),
]


@pytest.mark.parametrize("texts, units, present", UNITS)
def test_money_units_round_trip(texts, units, present):
    money = clean_amount(pd.Series(texts, dtype=object))["amount"]
    got_units, got_present = money_units(money)
    assert got_units.tolist() == units and got_present.tolist() == present
    back = money_from_units(got_units, got_present)
    assert is_money(back) and [str(v) for v in back.dropna()] == [str(v) for v in money.dropna()]


@pytest.mark.parametrize("call, error", [
    (lambda: money_units(pd.Series([1.5])), TypeError),
    (lambda: money_from_units(np.array([10**18])), OverflowError),
])
def test_money_helpers_refuse_what_they_cannot_hold(call, error):
    with pytest.raises(error):
        call()


def _golden(texts, spec=None, counts=None):
    """Golden records of records r0..rk of entity E1 plus a singleton E2 (r9, no value)."""
    n = len(texts)
    std = pd.DataFrame({"source": ["pos"] * (n + 1), "record_id": [f"r{i}" for i in range(n)] + ["r9"]})
    std["total_spent"] = clean_amount(pd.Series([*texts, None], dtype=object))["amount"]
    if counts is not None:
        std["order_count"] = pd.array([*counts, None], dtype="Int64")
    ent = std[["source", "record_id"]].assign(entity_id=["E1"] * n + ["E2"])
    return build_golden(std, ent, spec)


# the records' source texts, the exact golden sum (None: no value)
SUMS = [
    (["1792.56", "2033.47"], "3826.03"),  # float64 says 3826.0299999999997
    (["0.1", "0.2"], "0.30"),
    (["19.99", "19.99", "19.99"], "59.97"),
    (["1792.5", None, "0"], "1792.50"),
    (["90071992547409.93", "0.01"], "90071992547409.94"),
    (["4999999999999999.99", "4999999999999999.99", "0.01"], "9999999999999999.99"),
    ([None, None], None),
]


@pytest.mark.parametrize("texts, total", SUMS)
def test_golden_sum_is_exact(texts, total):
    g = _golden(texts).golden.set_index("entity_id")
    assert g["total_spent"].dtype == MONEY_DTYPE
    got = g.loc["E1", "total_spent"]
    assert pd.isna(got) if total is None else str(got) == total
    assert pd.isna(g.loc["E2", "total_spent"])


def test_golden_sum_too_large_for_the_type_is_an_error():
    with pytest.raises(LinkageError, match="golden total_spent: .* more than 16 digits"):
        _golden(["9999999999999999.99", "0.01"])


# order counts of E1's records, exact golden sum
COUNT_SUMS = [([2, None, 3], 5), ([2**53 + 1, 2], 2**53 + 3)]  # floats would say 2^53 + 2


@pytest.mark.parametrize("counts, total", COUNT_SUMS)
def test_golden_count_sum_is_exact(counts, total):
    g = _golden([None] * len(counts), counts=counts).golden.set_index("entity_id")
    assert str(g["order_count"].dtype) == "Int64" and int(g.loc["E1", "order_count"]) == total


@pytest.mark.parametrize("strategy, record", [("max", "r1"), ("min", "r0")])
def test_golden_max_and_min_compare_money_exactly(strategy, record):
    # the same float64 (1e15 has a float spacing of 0.125), different amounts
    spec = SurvivorshipSpec.from_dict({"rules": {"total_spent": {"strategy": strategy}}})
    res = _golden(["1000000000000000.01", "1000000000000000.02"], spec)
    value = res.golden.set_index("entity_id").loc["E1", "total_spent"]
    assert str(value) == ("1000000000000000.02" if strategy == "max" else "1000000000000000.01")
    lin = res.lineage[(res.lineage["field"] == "total_spent") & (res.lineage["entity_id"] == "E1")]
    assert lin["record_id"].astype(str).tolist() == [record]


def test_quality_non_negative_reads_decimals():
    money = money_from_units(np.array([-1, 0, 0, 500]), np.array([True, True, False, True]))
    ctx = CheckContext.build(pd.DataFrame({"total_spent": money}))
    res = REGISTRY["non_negative"].fn(ctx, "total_spent", {})
    assert res.applicable.tolist() == [True, True, False, True]
    assert res.failing.tolist() == [True, False, False, False]


def test_run_folder_stores_money_as_parquet_decimal(tmp_path):
    run = RunFolder.create(tmp_path, "c", "r")
    texts = ["3826.03", None, "90071992547409.93", "0.30"]
    golden = pd.DataFrame({"entity_id": ["E1", "E2", "E3", "E4"],
                           "total_spent": clean_amount(pd.Series(texts, dtype=object))["amount"]})
    path = run.write_table("golden", golden)
    assert pq.read_schema(path).field("total_spent").type == MONEY_TYPE == pa.decimal128(18, 2)
    back = run.read_table("golden")
    assert back["total_spent"].dtype == MONEY_DTYPE
    assert [None if pd.isna(v) else str(v) for v in back["total_spent"]] == texts


def test_buyer_csv_shows_the_exact_decimal_text(tmp_path):
    texts = ["3826.03", "1792.50", "0.30", "90071992547409.93", "9999999999999999.99", None, "0.00"]
    customers = pd.DataFrame({"entity_id": [f"E{i}" for i in range(len(texts))],
                              "total_spent": clean_amount(pd.Series(texts, dtype=object))["amount"]})
    files = export_tables({"customers": customers}, tmp_path / "h", material())
    plain = decrypt((tmp_path / "h" / files[0].name).read_bytes(), load_certificate(keyset() / "buyer.pem"),
                    load_private_key(keyset() / "buyer.key")).decode("utf-8")
    lines = plain.splitlines()
    assert lines[0] == '"entity_id","total_spent"'
    assert [line.split(",")[1] for line in lines[1:]] == [t or "" for t in texts]
