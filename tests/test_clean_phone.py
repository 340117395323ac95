"""Phone standardization: data-table cases plus agreement of the fast path with phonenumbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import phonenumbers as pn
import pytest

from migration_kit.clean.phone import clean_phone
from migration_kit.errors import ParamsError

CASES = [
    # raw, record region, phone, phone_type, reason
    ("13812345678", None, "+8613812345678", "mobile", None),
    ("138 1234 5678", None, "+8613812345678", "mobile", None),
    ("138-1234-5678", None, "+8613812345678", "mobile", None),
    ("+86 138 1234 5678", None, "+8613812345678", "mobile", None),
    ("+86-13812345678", None, "+8613812345678", "mobile", None),
    ("008613812345678", None, "+8613812345678", "mobile", None),
    ("8613812345678", None, "+8613812345678", "mobile", None),
    ("１３８１２３４５６７８", None, "+8613812345678", "mobile", None),  # full-width digits
    ("1.3812345678E10", None, "+8613812345678", "mobile", None),  # Excel float
    ("1.3812345678e+10", None, "+8613812345678", "mobile", None),
    ("13812345678.0", None, "+8613812345678", "mobile", None),
    # floats that kept every digit are read; those that lost digits or are no integer never are
    ("13812345678.00", None, "+8613812345678", "mobile", None),
    ("1.3412345678E+10", None, "+8613412345678", "mobile", None),  # 11 digits written
    ("1.34123456780E+10", None, "+8613412345678", "mobile", None),
    ("1.34E+10", None, None, None, "PHONE_PRECISION_LOST"),  # Excel kept 3 of 11 digits
    ("1.3412345E+10", None, None, None, "PHONE_PRECISION_LOST"),
    ("1.3812346e+10", None, None, None, "PHONE_PRECISION_LOST"),  # a float32 column's text
    ("1381234567.8", None, None, None, "PHONE_PRECISION_LOST"),  # a fraction: not an integer
    ("1.3812345678E+9", None, None, None, "PHONE_PRECISION_LOST"),
    ("1.38e-5", None, None, None, "PHONE_PRECISION_LOST"),
    ("1E+999", None, None, None, "PHONE_PRECISION_LOST"),
    ("+86 13812345678.0", None, None, None, "PHONE_INVALID"),  # never 138123456780 "valid"
    ("138.1234.5678", None, "+8613812345678", "mobile", None),  # dots as separators
    ("0755.88888888", None, "+8675588888888", "landline", None),
    ("010-12345678", None, "+861012345678", "landline", None),
    ("(010) 1234 5678", None, "+861012345678", "landline", None),
    ("0755-8888 8888", None, "+8675588888888", "landline", None),
    ("021-62345678", None, "+862162345678", "landline", None),
    # a mobile's shape in a range the metadata calls unassigned: kept (matching, requests), marked
    ("14012345678", None, "+8614012345678", "other", "PHONE_UNASSIGNED"),  # unassigned 140
    ("14112345678", None, "+8614112345678", "other", "PHONE_UNASSIGNED"),
    ("14412345678", None, "+8614412345678", "other", "PHONE_UNASSIGNED"),
    ("17412345678", None, "+8617412345678", "other", "PHONE_UNASSIGNED"),  # 174 not 1740[0-5]
    ("12345678901", None, None, None, "PHONE_INVALID"),
    ("1381234567", None, None, None, "PHONE_INVALID"),  # one digit short
    ("138123456789", None, None, None, "PHONE_INVALID"),  # one digit long
    ("not a phone", None, None, None, "PHONE_UNPARSEABLE"),
    ("+49 30 12345678", None, "+493012345678", "landline", None),
    ("030 12345678", "DE", "+493012345678", "landline", None),  # record's own country
    ("07911 123456", "GB", "+447911123456", "mobile", None),
    ("07911 123456", "XX", None, None, "PHONE_INVALID"),  # unknown region -> CN default
    (None, None, None, None, None),
    ("   ", None, None, None, None),
]


@pytest.mark.parametrize("raw, region, phone, phone_type, reason", CASES)
def test_phone_cases(raw, region, phone, phone_type, reason):
    out = clean_phone(pd.Series([raw], dtype=object), region=pd.Series([region], dtype=object))
    assert out.iloc[0].tolist() == [phone, phone_type, reason]


MOBILES = np.random.default_rng(7).integers(10_000_000_000, 20_000_000_000, 1500).astype(str).tolist()
LANDLINES = ["0" + str(v)[: int(k)] for v, k in zip(np.random.default_rng(8).integers(10**10, 10**11, 1500),
                                                    np.random.default_rng(9).integers(7, 12, 1500))]


@pytest.mark.parametrize("sample", [MOBILES, LANDLINES], ids=["mobile-shaped", "landline-shaped"])
def test_fast_path_agrees_with_phonenumbers(sample):
    nums = pd.Series(sample, dtype=object)
    out = clean_phone(nums)
    for raw, (phone, kind, reason) in zip(nums, out.itertuples(index=False)):
        try:
            parsed = pn.parse(raw, "CN")
        except pn.NumberParseException:  # e.g. carrier-selection prefixes 1259x/1795x leave too few digits
            assert phone is None and reason in ("PHONE_UNPARSEABLE", "PHONE_INVALID"), raw
            continue
        valid = pn.is_valid_number(parsed)
        national = str(parsed.national_number)
        shaped = len(national) == 11 and national[0] == "1" and national[1] in "3456789"
        assert (phone is not None) == (valid or (shaped and reason == "PHONE_UNASSIGNED")), raw
        if valid:
            assert phone == pn.format_number(parsed, pn.PhoneNumberFormat.E164)
            assert kind == {pn.PhoneNumberType.MOBILE: "mobile", pn.PhoneNumberType.FIXED_LINE: "landline"}.get(
                pn.number_type(parsed), "other")
            assert reason is None
        elif phone is not None:  # kept: a mobile's shape the metadata does not know
            assert (phone, kind, reason) == (pn.format_number(parsed, pn.PhoneNumberFormat.E164),
                                             "other", "PHONE_UNASSIGNED")
        else:
            assert reason == "PHONE_INVALID"


def test_repeated_values_and_index_kept():
    s = pd.Series(["13812345678", None, "13812345678", "14012345678"], index=[10, 11, 12, 13], dtype=object)
    out = clean_phone(s)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["phone"].tolist() == ["+8613812345678", None, "+8613812345678", "+8614012345678"]


@pytest.mark.parametrize("region, match", [("ZZ", "not a phone region"), ("cn", "received 'cn'")])
def test_bad_default_region(region, match):
    with pytest.raises(ParamsError, match=match):
        clean_phone(pd.Series(["13812345678"]), default_region=region)
