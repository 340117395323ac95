"""Resident ID validation (GB 11643-1999) as data tables."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from migration_kit.clean.ids import check_digit, clean_id, cross_check_id

REF = dt.date(2024, 6, 30)


def with_check(first17: str) -> str:
    """A well-formed ID: 17 digits plus their computed check character."""
    return first17 + str(check_digit(np.array([first17]))[0])


CASES = [
    # raw, id_number, birth date, gender, reason
    ("11010519491231002X", "11010519491231002X", "1949-12-31", "F", None),  # the standard's example
    ("11010519491231002x", "11010519491231002X", "1949-12-31", "F", None),  # lowercase x
    ("110105 19491231 002X", "11010519491231002X", "1949-12-31", "F", None),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "1949-12-31", "F", None),  # full-width
    ("440305199003051234", None, None, None, "ID_CHECKSUM"),
    ("110105194912310021", None, None, None, "ID_CHECKSUM"),
    (with_check("44030519900305124"), with_check("44030519900305124"), "1990-03-05", "F", None),  # 17th even
    (with_check("44030519900305113"), with_check("44030519900305113"), "1990-03-05", "M", None),  # 17th odd
    ("110105491231002", "11010519491231002X", "1949-12-31", "F", None),  # 15-digit upgraded
    (with_check("99010519900305123"), None, None, None, "ID_REGION"),
    (with_check("00010519900305123"), None, None, None, "ID_REGION"),
    (with_check("11010519900230123"), None, None, None, "ID_BIRTHDATE"),  # 30 February
    (with_check("11010518991231123"), None, None, None, "ID_BIRTHDATE"),  # before 1900
    (with_check("11010520250101123"), None, None, None, "ID_BIRTHDATE"),  # after reference date
    ("11010519491231002", None, None, None, "ID_FORMAT"),  # 17 chars
    ("1101051949123100XX", None, None, None, "ID_FORMAT"),
    ("ABC", None, None, None, "ID_FORMAT"),
    ("1.1010519491231E+17", None, None, None, "ID_PRECISION_LOST"),  # a float cell
    ("1.10105E17", None, None, None, "ID_PRECISION_LOST"),
    ("110105194912310000.0", None, None, None, "ID_PRECISION_LOST"),
    (None, None, None, None, None),
]


@pytest.mark.parametrize("raw, number, born, gender, reason", CASES)
def test_id_cases(raw, number, born, gender, reason):
    out = clean_id(pd.Series([raw], dtype=object), REF)
    row = out.iloc[0]
    assert [row["id_number"], row["id_gender"], row["reason"]] == [number, gender, reason]
    assert (pd.isna(row["id_birth_date"]) if born is None else row["id_birth_date"] == pd.Timestamp(born))


@pytest.mark.parametrize("first17, expected", [("11010519491231002", "X"), ("44030519900305123", "5"),
                                               ("34052419800101001", "X")])
def test_check_digit(first17, expected):
    assert check_digit(np.array([first17]))[0] == expected


def test_dtypes_and_index():
    out = clean_id(pd.Series(["11010519491231002X", None], index=[3, 4], dtype=object), REF)
    assert out.index.tolist() == [3, 4]
    assert str(out["id_birth_date"].dtype) == "datetime64[ns]"


CROSS = [
    # id birth, id gender, record birth, record gender, birth reason, gender reason
    ("1990-03-05", "M", "1990-03-05", "M", None, None),
    ("1990-03-05", "M", "1990-05-03", "M", "ID_BIRTH_MISMATCH", None),
    ("1990-03-05", "M", "1990-03-05", "F", None, "ID_GENDER_MISMATCH"),
    ("1990-03-05", "M", None, None, None, None),  # missing record values are not mismatches
    (None, None, "1990-03-05", "F", None, None),  # no valid ID: nothing to compare
]


@pytest.mark.parametrize("id_born, id_gender, born, gender, birth_reason, gender_reason", CROSS)
def test_cross_check(id_born, id_gender, born, gender, birth_reason, gender_reason):
    out = cross_check_id(pd.Series(pd.to_datetime([id_born])), pd.Series([id_gender], dtype=object),
                         pd.Series(pd.to_datetime([born])), pd.Series([gender], dtype=object))
    assert out.iloc[0].tolist() == [birth_reason, gender_reason]
