"""Suppression list: normalization like std, and matching across all records."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.errors import ParamsError, ScopingError
from migration_kit.scoping.suppression import match_suppression, normalize_suppression

NORMALIZE_CASES = [  # raw value, field, request raw, expected (request_type, normalized value)
    ("138 1234 5678", "phone", "erasure", ("erasure", "+8613812345678")),
    ("+86-138-1234-5678", "phone", "删除", ("erasure", "+8613812345678")),
    ("1.3812345678E10", "phone", "withdrawn", ("withdrawn_consent", "+8613812345678")),
    (" Li.Na@QQ.com ", "email", "opt-out", ("withdrawn_consent", "li.na@qq.com")),
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
    ({"phone": "v"}, "t", "forget me", ScopingError, r"row 1: request type 'forget me' is not recognized; allowed: withdrawn_consent, erasure"),
    ({"phone": "v"}, "nope", "erasure", ScopingError, r"request column 'nope' not found"),
]


@pytest.mark.parametrize("cmap,rcol,rval,err,match", NORMALIZE_BAD_CASES)
def test_normalize_rejects(cmap, rcol, rval, err, match):
    with pytest.raises(err, match=match):
        normalize_suppression(pd.DataFrame({"v": ["13812345678"], "t": [rval]}), cmap, rcol)


STD = pd.DataFrame({
    "source": ["a", "a", "b", "b"], "record_id": ["1", "2", "1", "2"],
    "phone": ["+8613800000001", None, "+8613800000002", None],
    "email": [None, "x@y.cn", None, None], "id_number": [None, None, None, "11010519491231002X"],
})
MATCH_CASES = [  # request_type, phone, email, id, expected withdrawn, expected erasure
    ("erasure", "+8613800000001", None, None, [False] * 4, [True, False, False, False]),
    ("withdrawn_consent", None, "x@y.cn", None, [False, True, False, False], [False] * 4),
    ("erasure", None, None, "11010519491231002X", [False] * 4, [False, False, False, True]),
    ("erasure", "+8613899999999", None, None, [False] * 4, [False] * 4),
]


@pytest.mark.parametrize("rtype,phone,email,idn,withdrawn,erasure", MATCH_CASES)
def test_match(rtype, phone, email, idn, withdrawn, erasure):
    sup = pd.DataFrame([("R", rtype, phone, email, idn)], columns=["request_id", "request_type", "phone", "email", "id_number"])
    out = match_suppression(STD, sup)
    assert (out["withdrawn"].tolist(), out["erasure"].tolist()) == (withdrawn, erasure)


def test_match_none_and_bad_table():
    assert not match_suppression(STD, None)[["withdrawn", "erasure"]].to_numpy().any()
    with pytest.raises(ScopingError, match=r"lacks columns \['request_type'"):
        match_suppression(STD, pd.DataFrame({"phone": ["+8613800000001"]}))
