"""Date parsing as data tables."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from migration_kit.clean.dates import parse_dates
from migration_kit.errors import ParamsError

REF = dt.date(2024, 6, 30)

CASES = [
    # raw, date_order, keep_time, value, reason
    ("1990-03-05", "YMD", True, "1990-03-05", None),
    ("1990/3/5", "YMD", True, "1990-03-05", None),
    ("1990.3.5", "YMD", True, "1990-03-05", None),
    ("19900305", "YMD", True, "1990-03-05", None),
    ("1990年3月5日", "YMD", True, "1990-03-05", None),
    ("１９９０年３月５日", "YMD", True, "1990-03-05", None),  # full-width digits
    ("32937", "YMD", True, "1990-03-05", None),  # Excel serial
    ("32937.0", "YMD", True, "1990-03-05", None),
    ("2023-05-01T10:00:00+08:00", "YMD", True, "2023-05-01 02:00:00", None),  # -> naive UTC
    ("2023-05-01T10:00:00Z", "YMD", True, "2023-05-01 10:00:00", None),
    ("2023-05-01 10:00:00", "YMD", True, "2023-05-01 10:00:00", None),  # naive kept
    ("2023-05-01T00:30:00+08:00", "YMD", False, "2023-05-01", None),  # date as written
    ("03/05/1990", "MDY", True, "1990-03-05", None),
    ("05/03/1990", "DMY", True, "1990-03-05", None),
    ("05.03.1990", "DMY", True, "1990-03-05", None),
    ("25/03/1990", "YMD", True, "1990-03-25", None),  # unambiguous year-last
    ("03/05/1990", "YMD", True, None, "DATE_AMBIGUOUS"),
    ("05/05/1990", "YMD", True, "1990-05-05", None),  # same either way
    ("1990-02-30", "YMD", True, None, "DATE_IMPOSSIBLE"),
    ("1990-13-01", "YMD", True, None, "DATE_IMPOSSIBLE"),
    ("19900230", "YMD", True, None, "DATE_IMPOSSIBLE"),
    ("02/30/1990", "MDY", True, None, "DATE_IMPOSSIBLE"),
    ("2023-02-29T10:00:00Z", "YMD", True, None, "DATE_IMPOSSIBLE"),
    ("not a date", "YMD", True, None, "DATE_UNPARSEABLE"),
    ("1990", "YMD", True, None, "DATE_UNPARSEABLE"),  # bare year is not a serial
    ("99999", "YMD", True, None, "DATE_UNPARSEABLE"),  # serial out of plausible range
    ("2030-01-01", "YMD", True, None, "DATE_FUTURE"),
    ("2024-07-01", "YMD", True, None, "DATE_FUTURE"),
    ("2024-06-30T23:00:00", "YMD", True, "2024-06-30 23:00:00", None),  # the reference day itself
    ("1899-12-31", "YMD", True, "1899-12-31", "DATE_IMPLAUSIBLE"),  # kept, flagged
    ("1678-01-01", "YMD", True, "1678-01-01", "DATE_IMPLAUSIBLE"),
    ("1630-08-01", "YMD", True, None, "DATE_IMPLAUSIBLE"),  # before datetime64[ns]: lost
    ("0990-01-01", "YMD", True, None, "DATE_IMPLAUSIBLE"),
    (None, "YMD", True, None, None),
    ("  ", "YMD", True, None, None),
]


@pytest.mark.parametrize("raw, order, keep_time, value, reason", CASES)
def test_date_cases(raw, order, keep_time, value, reason):
    out = parse_dates(pd.Series([raw], dtype=object), date_order=order, reference_date=REF, keep_time=keep_time)
    got = out.loc[0, "value"]
    assert (pd.isna(got) if value is None else got == pd.Timestamp(value)), got
    assert out.loc[0, "reason"] == reason


def test_dtype_index_and_repeats():
    s = pd.Series(["1990-03-05", None, "1990-03-05", "bad"], index=[7, 8, 9, 10], dtype=object)
    out = parse_dates(s, reference_date=REF)
    assert str(out["value"].dtype) == "datetime64[ns]"
    assert out.index.tolist() == [7, 8, 9, 10]
    assert out["reason"].tolist() == [None, None, None, "DATE_UNPARSEABLE"]


def test_bad_date_order():
    with pytest.raises(ParamsError, match="received 'DM'.*allowed values: YMD, MDY, DMY"):
        parse_dates(pd.Series(["1990-03-05"]), date_order="DM", reference_date=REF)
