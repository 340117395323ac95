"""Suppression list: normalization like std, and matching across all records."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LawfulnessError, ParamsError, ScopingError
from migration_kit.scoping.suppression import (
    match_key,
    match_suppression,
    normalize_suppression,
    request_matches,
)

NORMALIZE_CASES = [  # raw value, field, request raw, expected (request_type, normalized value)
    ("138 1234 5678", "phone", "erasure", ("erasure", "+8613812345678")),
    ("+86-138-1234-5678", "phone", "删除", ("erasure", "+8613812345678")),
    ("1.3812345678E10", "phone", "withdrawn", ("withdrawn_consent", "+8613812345678")),
    (" Li.Na@QQ.com ", "email", "opt-out", ("marketing_optout", "li.na@qq.com")),
    (" Li.Na@QQ.com ", "email", "退订", ("marketing_optout", "li.na@qq.com")),
    (" Li.Na@QQ.com ", "email", "撤回", ("withdrawn_consent", "li.na@qq.com")),
    ("ｗａｎｇ＠１６３．ｃｏｍ", "email", "撤回同意", ("withdrawn_consent", "wang@163.com")),
    ("11010519491231002x", "id_number", "Delete", ("erasure", "11010519491231002X")),
    ("1101 0519 4912 3100 2X", "id_number", None, ("erasure", "11010519491231002X")),
    ("13812345678", "phone", "删除请求", ("erasure", "+8613812345678")),
    ("13812345678", "phone", "撤销同意", ("withdrawn_consent", "+8613812345678")),
]


@pytest.mark.parametrize("raw,field,req,expected", NORMALIZE_CASES)
def test_normalize(raw, field, req, expected):
    out = normalize_suppression(pd.DataFrame({"v": [raw], "t": [req]}), {field: "v"}, "t")
    assert (out.at[0, "request_type"], out.at[0, field]) == expected


def test_several_columns_per_field_give_several_rows():
    raw = pd.DataFrame({"id": ["A"], "m": ["13812345678"], "l": ["010-12345678"], "e": ["x@y.cn"]})
    out = normalize_suppression(raw, {"phone": ["m", "l"], "email": "e"}, None, id_column="id",
                                default_request_type="withdrawn_consent")
    assert sorted(out["phone"].dropna()) == ["+861012345678", "+8613812345678"]
    assert set(out["request_id"]) == {"A"} and set(out["request_type"]) == {"withdrawn_consent"}


def test_rows_without_identifier_dropped():
    raw = pd.DataFrame({"v": ["not a phone", None], "t": ["erasure", "erasure"]})
    assert normalize_suppression(raw, {"phone": "v"}, "t").empty


NORMALIZE_BAD_CASES = [  # columns_map, request column, request value, error, message
    ({"phone": "missing"}, None, "erasure", ScopingError, r"column 'missing' \(for phone\) not found"),
    ({"mobile": "v"}, None, "erasure", ParamsError, r"suppression.columns.mobile: received 'mobile'"),
    ({"phone": "v"}, "t", "forget me", ScopingError, r"row 1: request type 'forget me' is not recognized; allowed: erasure, withdrawn_consent, marketing_optout"),
    ({"phone": "v"}, "nope", "erasure", ScopingError, r"request column 'nope' not found"),
]


@pytest.mark.parametrize("cmap,rcol,rval,err,match", NORMALIZE_BAD_CASES)
def test_normalize_rejects(cmap, rcol, rval, err, match):
    with pytest.raises(err, match=match):
        normalize_suppression(pd.DataFrame({"v": ["13812345678"], "t": [rval]}), cmap, rcol)


KEY_CASES = [  # field, raw value, match key (None: nothing to match on)
    ("phone", "+86 138-1234-5678", "13812345678"),
    ("phone", "0086 13812345678", "13812345678"),
    ("phone", "8613812345678", "13812345678"),
    ("phone", "013812345678", "13812345678"),
    ("phone", "140 1234 5678", "14012345678"),  # unassigned range: no E.164, still a key
    ("phone", "1381234567", "1381234567"),  # one digit short: invalid, still a key
    ("phone", "010-12345678", "1012345678"),
    ("phone", "+861012345678", "1012345678"),  # the landline's E.164 gives the same key
    ("phone", "n/a", None),
    ("email", " Li.Na@QQ.COM ", "li.na@qq.com"),
    ("email", "li.na@qq", "li.na@qq"),  # no valid domain: still a key
    ("id_number", "1101 0519 4912 3100 2x", "11010519491231002X"),
    ("id_number", "110105194912310021", "110105194912310021"),  # bad check digit: still a key
    ("id_number", "12", None),
]


@pytest.mark.parametrize("field,raw,key", KEY_CASES)
def test_match_key(field, raw, key):
    assert match_key(field, pd.Series([raw], dtype=object)).iloc[0] == key


# A request must find its customer whatever cleaning did to the record's identifier: records
# hold the raw cell (raw__<field>) beside the cleaned value, often nulled.
STD = pd.DataFrame({
    "source": ["a", "a", "b", "b", "b", "b"], "record_id": ["1", "2", "1", "2", "3", "4"],
    "phone": ["+8613800000001", None, "+8613800000002", None, None, None],
    "raw__phone": ["138 0000 0001", None, "13800000002", None, "14012345678", None],
    "email": [None, "x@y.cn", None, None, None, None],
    "raw__email": [None, "X@Y.CN", None, None, None, "li.na@qq"],
    "id_number": [None, None, None, "11010519491231002X", None, None],
    "raw__id_number": [None, None, None, "11010519491231002x", None, None],
})
MATCH_CASES = [  # request type, raw identifier column and value, records hit (erasure / withdrawn / optout)
    ("erasure", "phone", "+8613800000001", [0]),
    ("withdrawn_consent", "email", "x@y.cn", [1]),
    ("erasure", "id_number", "11010519491231002X", [3]),
    ("erasure", "phone", "+8613899999999", []),
    ("erasure", "phone", "+86 140 1234 5678", [4]),  # the record's phone was nulled by cleaning
    ("erasure", "email", "LI.NA@QQ", [5]),  # invalid e-mail on both sides
    ("marketing_optout", "phone", "13800000002", [2]),
]


@pytest.mark.parametrize("rtype,field,value,rows", MATCH_CASES)
def test_match(rtype, field, value, rows):
    sup = normalize_suppression(pd.DataFrame({"v": [value], "t": [rtype]}), {field: "v"}, "t")
    out = match_suppression(STD, sup)
    col = {"erasure": "erasure", "withdrawn_consent": "withdrawn", "marketing_optout": "optout"}[rtype]
    assert list(np.flatnonzero(out[col].to_numpy())) == rows
    others = [c for c in ("erasure", "withdrawn", "optout") if c != col]
    assert not out[others].to_numpy().any()


def test_hand_resolutions_apply_like_matches():
    res = pd.DataFrame({"request_id": ["R9"], "request_type": ["erasure"], "source": ["b"],
                        "record_id": ["3"]})
    out = match_suppression(STD, None, res)
    assert list(np.flatnonzero(out["erasure"].to_numpy())) == [4]


def test_hand_resolution_naming_no_record_is_an_error():
    res = pd.DataFrame({"request_id": ["R9"], "request_type": ["erasure"], "source": ["b"],
                        "record_id": ["99"]})
    with pytest.raises(LawfulnessError, match=r"request 'R9' is matched to record 'b'/'99', which no source holds"):
        match_suppression(STD, None, res)


def test_request_matches_lists_every_record_hit():
    sup = normalize_suppression(pd.DataFrame({"m": ["13800000001"], "e": ["x@y.cn"], "t": ["erasure"]}),
                                {"phone": "m", "email": "e"}, "t")
    assert request_matches(STD, sup)["row"].tolist() == [0, 1]


def test_match_none_and_bad_table():
    assert not match_suppression(STD, None)[["withdrawn", "erasure", "optout"]].to_numpy().any()
    with pytest.raises(ScopingError, match=r"lacks columns \['request_id'"):
        match_suppression(STD, pd.DataFrame({"phone": ["+8613800000001"]}))


KEY_TEXTS = [  # texts the Arrow path (ASCII) and the Python path (Unicode) both see
    "+86 138-1234-5678", "013812345678", "0086 138 1234 5678", "\x1c+44 20 7946 0000\x1f",
    "\x0b0044 20 7946 0000", "+1 (415) 555-0100", "8613812345678", "861381234567",
    "0000861381234567", "+", "00", "+86", "00861", "  ", "", "x", "abc\n", " Li.Na@QQ.COM",
    "a b\x0bc@x", "ab", "1101 0519 4912 3100 2x", "\t+33 1 23 45 67 89",
    "８６１３８１２３４５６７８", "x\u3000y@z", "٣٤٥٦٧٨٩", "＋44 20 7946 0000", None,
]


@pytest.mark.parametrize("field", ["phone", "email", "id_number"])
def test_arrow_keys_equal_python_keys(field):
    from migration_kit.scoping.suppression import _keys, _python_keys

    s = pd.Series(KEY_TEXTS, dtype=object, index=range(10, 10 + len(KEY_TEXTS)))
    fast, slow = _keys(field, s), _python_keys(field, s)
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.index.equals(b.index)
        assert [None if pd.isna(v) else v for v in a] == [None if pd.isna(v) else v for v in b]


def test_record_keys_drop_repeated_keys_of_a_record():
    from migration_kit.scoping.suppression import record_keys

    std = pd.DataFrame({"phone": ["+8613812345678", None], "raw__phone": ["138 1234 5678", "x"],
                        "email": ["a@b.cn", "a@b.cn"], "raw__email": [" A@B.CN", None]})
    keys = record_keys(std)
    assert keys.values.tolist() == [[0, "phone", "13812345678"], [0, "email", "a@b.cn"],
                                    [1, "email", "a@b.cn"]]
    assert keys.index.tolist() == [0, 2, 3]  # the positions drop_duplicates() would keep
