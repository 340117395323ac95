"""Phone standardization: data-table cases per country, the possible-but-not-valid rule (kept,
PHONE_UNASSIGNED, counted against validity), agreement of the CN fast path with the per-value rule
and the metadata-block reading behind "possible"."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import numpy as np
import pandas as pd
import phonenumbers as pn
import pytest

from migration_kit.clean.phone import _blocks, _pattern_blocks, _slow, clean_phone
from migration_kit.clean.standardize import standardize
from migration_kit.errors import ParamsError
from migration_kit.quality.per_record import per_record
from migration_kit.quality.score import score
from migration_kit.quality.spec import QualitySpec

U, INV = "PHONE_UNASSIGNED", "PHONE_INVALID"

CASES = [
    # raw, record region (None: the CN default), phone, phone_type, reason
    # -- CN -----------------------------------------------------------------------------------
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
    ("1.38E+10", "GB", None, None, "PHONE_PRECISION_LOST"),  # whatever the region
    ("1E+999", None, None, None, "PHONE_PRECISION_LOST"),
    ("+86 13812345678.0", None, None, None, INV),  # never 138123456780: 12 digits, no 13 block
    ("138.1234.5678", None, "+8613812345678", "mobile", None),  # dots as separators
    ("0755.88888888", None, "+8675588888888", "landline", None),
    ("010-12345678", None, "+861012345678", "landline", None),
    ("(010) 1234 5678", None, "+861012345678", "landline", None),
    ("0755-8888 8888", None, "+8675588888888", "landline", None),
    ("021-62345678", None, "+862162345678", "landline", None),
    ("13800000000", None, "+8613800000000", "mobile", None),  # a placeholder, but valid
    # possible (a CN length, a block in use) but in no range the metadata knows: kept, marked
    ("14012345678", None, "+8614012345678", "other", U),  # unassigned 140
    ("14112345678", None, "+8614112345678", "other", U),
    ("14412345678", None, "+8614412345678", "other", U),
    ("17412345678", None, "+8617412345678", "other", U),  # 174 not 1740[0-5]
    ("+86 174 1234 5678", "CN", "+8617412345678", "other", U),
    ("0791-1123456", "CN", "+867911123456", "other", U),  # Nanchang 0791, an unknown range
    ("07911 123456", "XX", "+867911123456", "other", U),  # unknown region -> CN: the same
    # not possible: nulled
    ("12345678901", None, None, None, INV),  # 11 digits, but no CN number starts 12
    ("1381234567", None, None, None, INV),  # a mobile one digit short: 10 digits, no 13 block
    ("138123456789", None, None, None, INV),  # one digit long
    ("12345678", None, None, None, INV),  # a CN length (8), but no such block
    ("+86 10 1234 567", "CN", None, None, INV),  # Beijing one digit short
    ("not a phone", None, None, None, "PHONE_UNPARSEABLE"),
    # -- GB -----------------------------------------------------------------------------------
    ("07911 123456", "GB", "+447911123456", "mobile", None),  # record's own country
    ("020 7946 0958", "GB", "+442079460958", "landline", None),
    ("07627 489242", "GB", "+447627489242", "other", U),  # 07 block, unknown range
    ("028 5020 7164", "GB", "+442850207164", "other", U),
    ("07911 12345", "GB", None, None, INV),  # 9 digits: a GB length, but not for 79
    ("07579 01892", "GB", None, None, INV),
    ("07911 1234567", "GB", None, None, INV),  # too long
    ("+44 20 7946 095", None, None, None, INV),  # its + wins over the CN default
    ("+44", "GB", None, None, "PHONE_UNPARSEABLE"),
    # -- US -----------------------------------------------------------------------------------
    ("(202) 555-0123", "US", "+12025550123", "other", None),  # valid, fixed line or mobile
    ("1-800-FLOWERS", "US", "+18003569377", "other", None),  # letters on the keypad
    ("(247) 277-8112", "US", "+12472778112", "other", U),  # area code 247: not assigned (yet)
    ("+1 (441) 124-6650", "US", "+14411246650", "other", U),  # Bermuda's 441 is a +1 block
    ("(296) 973-5651", "US", None, None, INV),  # 29x: reserved for expansion, not in use
    ("(378) 185-8648", "US", None, None, INV),  # 37x: reserved
    ("202-555-012", "US", None, None, INV),  # too short
    ("202-555-01234", "US", None, None, INV),  # too long
    ("0000000000", "US", None, None, INV),
    # -- DE -----------------------------------------------------------------------------------
    ("030 12345678", "DE", "+493012345678", "landline", None),
    ("+49 30 12345678", None, "+493012345678", "landline", None),
    ("0152 1538 0521", "DE", "+4915215380521", "mobile", None),
    ("0172 093709721", "DE", "+49172093709721", "other", U),  # 12 digits: a 17 length
    ("01521 538052178", "DE", "+491521538052178", "other", U),
    ("0172 2061 05", "DE", None, None, INV),  # 9 digits: a DE length, but not for 17
    ("030 1", "DE", None, None, INV),  # too short
    # -- SG -----------------------------------------------------------------------------------
    ("9822 4348", "SG", "+6598224348", "mobile", None),
    ("+65 6260 9058", "GB", "+6562609058", "landline", None),
    ("6942 9828", "SG", "+6569429828", "other", U),
    ("9742 998", "SG", None, None, INV),  # too short
    ("9742 99883", "SG", None, None, INV),  # 9 digits: no SG length
    # -- JP -----------------------------------------------------------------------------------
    ("090-3892-7516", "JP", "+819038927516", "mobile", None),
    ("03-1234-5678", "JP", "+81312345678", "landline", None),
    ("090-0217-5576", "JP", "+819002175576", "other", U),
    ("070-0125-4049", "JP", "+817001254049", "other", U),
    ("090-1234-567", "JP", None, None, INV),  # 9 digits: a JP length, but not for 90
    ("090-1234-56789", "JP", None, None, INV),
    # -- missing ------------------------------------------------------------------------------
    (None, None, None, None, None),
    ("   ", "GB", None, None, None),
]


@pytest.mark.parametrize("raw, region, phone, phone_type, reason", CASES)
def test_phone_cases(raw, region, phone, phone_type, reason):
    out = clean_phone(pd.Series([raw], dtype=object), region=pd.Series([region], dtype=object))
    assert out.iloc[0].tolist() == [phone, phone_type, reason]


@pytest.mark.parametrize("raw, region, phone, phone_type, reason", [c for c in CASES if c[4] in (U, INV)])
def test_kept_exactly_when_possible(raw, region, phone, phone_type, reason):
    """Invalid for phonenumbers; kept iff a full length of the plan in a block in use."""
    num = pn.parse(raw, region if region in pn.SUPPORTED_REGIONS else "CN")
    nsn = pn.national_significant_number(num)
    full = pn.is_possible_number_with_reason(num) == pn.ValidationResult.IS_POSSIBLE
    assert not pn.is_valid_number(num)
    assert (reason == U) == (full and (nsn[:2], len(nsn)) in _blocks(num.country_code))
    assert (phone is not None) == (reason == U)


def test_one_frame_of_mixed_regions():
    raw = pd.Series([c[0] for c in CASES], index=range(100, 100 + len(CASES)), dtype=object)
    region = pd.Series([c[1] for c in CASES], index=raw.index, dtype=object)
    out = clean_phone(raw, region=region)
    assert out.index.equals(raw.index)
    assert out.values.tolist() == [list(c[2:]) for c in CASES]


_RNG = np.random.default_rng(7)
MOBILES = _RNG.integers(10_000_000_000, 20_000_000_000, 1500).astype(str).tolist()
PREFIXED = [p + m for p, m in zip(_RNG.choice(["+86", "0086", "86", "+86 "], 500), MOBILES[:500])]
# carrier-selection codes (11xxx, 12xxx, 179xx), alone and followed by 00 (an international call)
CARRIER = [p + str(x).zfill(11 - len(p)) for p, x in zip(_RNG.choice(["179", "11", "12", "1795100", "1260000"], 500),
                                                         _RNG.integers(0, 10**8, 500))]
LANDLINES = ["0" + str(v)[: int(k)] for v, k in zip(np.random.default_rng(8).integers(10**10, 10**11, 1500),
                                                    np.random.default_rng(9).integers(7, 12, 1500))]


@pytest.mark.parametrize("sample", [MOBILES, PREFIXED, CARRIER, LANDLINES],
                         ids=["mobile-shaped", "prefixed", "carrier-codes", "landline-shaped"])
def test_fast_path_agrees_with_per_value_rule(sample):
    """The vectorized CN verdicts are those of phonenumbers.parse value by value."""
    out = clean_phone(pd.Series(sample, dtype=object))
    assert out.values.tolist() == [list(_slow(v.replace(" ", ""), "CN")) for v in sample]
    assert set(out["reason"]) <= {None, U, INV, "PHONE_UNPARSEABLE"}


def test_per_value_rule_on_valid_numbers():
    """Valid numbers: E.164 and type as phonenumbers gives them, no reason (sample of above)."""
    kinds = {pn.PhoneNumberType.MOBILE: "mobile", pn.PhoneNumberType.FIXED_LINE: "landline"}
    valid = [n for n in (pn.parse(r, "CN") for r in MOBILES[:300] + LANDLINES[:300]) if pn.is_valid_number(n)]
    assert len(valid) > 100
    for num in valid:
        expected = (pn.format_number(num, pn.PhoneNumberFormat.E164), kinds.get(pn.number_type(num), "other"), None)
        assert _slow(str(num.national_number), "CN") == expected


def test_repeated_values_and_index_kept():
    s = pd.Series(["13812345678", None, "13812345678", "14012345678"], index=[10, 11, 12, 13], dtype=object)
    out = clean_phone(s)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["phone"].tolist() == ["+8613812345678", None, "+8613812345678", "+8614012345678"]


@pytest.mark.parametrize("region, match", [("ZZ", "not a phone region"), ("cn", "received 'cn'")])
def test_bad_default_region(region, match):
    with pytest.raises(ParamsError, match=match):
        clean_phone(pd.Series(["13812345678"]), default_region=region)


# -- the metadata's blocks ----------------------------------------------------------------------

PATTERNS = [
    # a pattern in phonenumbers' syntax; its (first two digits, length) pairs checked by brute force
    r"1[3-9]\d",
    r"(?:12|3)\d{1,3}",
    r"4?5",
    r"[02-46-9]\d{2}|7",
    r"(?:1(?:0|2[3-5])|6)\d?",
    r"1(?:3\d|4[57])\d{2}|6\d?",
    r"(?:(?:2|3[0-2])\d)?\d{2}",
    r"8\d{0,3}",
    r"9{2}0{0}1",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_blocks_match_brute_force(pattern):
    strings = ("".join(t) for n in range(6) for t in itertools.product("0123456789", repeat=n))
    expected = {(s[:2], len(s)) for s in strings if re.fullmatch(pattern, s)}
    assert {b for b in _pattern_blocks(pattern) if b[1] <= 5} == expected


@pytest.mark.parametrize("pattern, match", [
    (r"1*", "not understood"),
    (r"[^1]2", "not understood"),
    (r"[a-z]", r"class \[a-z\] not understood"),
    (r"(?:12", "unbalanced group"),
    (r"12)", "unbalanced group"),
    (r"?1", "quantifier without atom"),
])
def test_pattern_blocks_refuse_unknown_syntax(pattern, match):
    with pytest.raises(ValueError, match=match):
        _pattern_blocks(pattern)


TYPES = [t for t in vars(pn.PhoneNumberType).values() if isinstance(t, int) and t not in (
    pn.PhoneNumberType.UNKNOWN, pn.PhoneNumberType.FIXED_LINE_OR_MOBILE)]


@pytest.mark.parametrize("country_code", sorted(pn.COUNTRY_CODE_TO_REGION_CODE))
def test_blocks_read_every_country_and_hold_its_valid_numbers(country_code):
    """Every pattern of the installed metadata is read, and every example number of the
    country code is possible (a valid number is never in a block the reading misses)."""
    blocks = _blocks(country_code)
    assert blocks
    regions = pn.COUNTRY_CODE_TO_REGION_CODE[country_code]
    examples = [pn.example_number_for_non_geo_entity(country_code)] if regions == ("001",) else [
        pn.example_number_for_type(r, t) for r in regions for t in TYPES]
    for num in filter(None, examples):
        nsn = pn.national_significant_number(num)
        assert pn.is_valid_number(num) and (nsn[:2], len(nsn)) in blocks, (country_code, nsn)


# -- quality counts a kept, possible-only phone against validity ---------------------------------

RAW = pd.DataFrame({
    "source": ["pos"] * 5,
    "record_id": ["1", "2", "3", "4", "5"],
    "row_number": [1, 2, 3, 4, 5],
    "raw__phone": ["13812345678", "14012345678", "07627 489242", "12345", None],
    "raw__country": [None, None, "GB", None, None],
}, dtype=object)
RAW["row_number"] = RAW["row_number"].astype("int64")


@pytest.fixture(scope="module")
def cleaned():
    return standardize(RAW, reference_date=dt.date(2024, 6, 30))


def test_standardize_keeps_possible_numbers_and_records_them(cleaned):
    std, failures = cleaned
    assert std["phone"].tolist() == ["+8613812345678", "+8614012345678", "+447627489242", None, None]
    assert std["phone_type"].tolist() == ["mobile", "other", "other", None, None]
    assert failures[["record_id", "field", "reason_code"]].values.tolist() == [
        ["2", "phone", U], ["3", "phone", U], ["4", "phone", INV]]


def test_quality_validity_counts_kept_unassigned_as_invalid(cleaned):
    std, failures = cleaned
    s = score(std, QualitySpec.default(), stage="before", reference_date=None, failures=failures)
    row = s.by_check.set_index("check").loc["phone.valid"]
    assert (row["applicable"], row["failing"]) == (4, 3)  # 2 kept but unassigned + 1 nulled
    assert s.metrics()["validity.phone"] == pytest.approx(25.0)
    assert s.metrics()["completeness.phone"] == pytest.approx(80.0)  # the raw value is there
    top = per_record(std, failures, QualitySpec.default())["top_reasons"].tolist()
    assert ["phone.valid:PHONE_UNASSIGNED" in t for t in top] == [False, True, True, False, False]
    assert "phone.valid:PHONE_INVALID" in top[3]
