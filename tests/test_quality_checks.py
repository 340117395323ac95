"""Each registered quality check on small tables written as data."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import InputError
from migration_kit.quality.checks import REGISTRY, CheckContext, CheckResult, register_check

T, F = True, False
ID_M = "110105199003071234"  # born 1990-03-07, 17th digit 3 -> male


def _table(cols: dict) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"source": cols.pop("source", ["pos"] * n), "record_id": [str(i + 1) for i in range(n)]}
    return pd.DataFrame({**base, **cols})


def _fail(rows):
    return pd.DataFrame([{"stage": "clean", "source": "pos", "record_id": r, "field": f, "check": f,
                          "value_masked": "***", "reason_code": code} for r, f, code in rows],
                        columns=["stage", "source", "record_id", "field", "check", "value_masked", "reason_code"])


D = pd.Timestamp

# (id, check, field, params, columns, failures (record_id, field, reason) or None, applicable, failing)
CASES = [
    ("not_null raw counts", "not_null", "phone", {"use_raw": True},
     {"phone": ["+8613800000001", None, None], "raw__phone": ["138", "  ", "12"]}, [], [T, T, T], [F, T, F]),
    ("not_null std only", "not_null", "phone", {"use_raw": False},
     {"phone": ["+8613800000001", None, None], "raw__phone": ["138", "  ", "12"]}, [], [T, T, T], [F, T, T]),
    ("not_null column absent", "not_null", "email", {"use_raw": True}, {"phone": ["1", None]}, [], [T, T], [T, T]),
    ("valid needs a failure row", "valid", "phone", {"reasons": [], "exclude_reasons": []},
     {"raw__phone": ["138", "abc", None, "N/A"], "phone": ["+8613800000001", None, None, None]},
     [("2", "phone", "PHONE_INVALID")], [T, T, F, T], [F, T, F, F]),
    ("valid without failures table", "valid", "phone", {"reasons": [], "exclude_reasons": []},
     {"raw__phone": ["138", "abc", None, "N/A"], "phone": ["+8613800000001", None, None, None]},
     None, [T, T, F, T], [F, T, F, T]),
    ("valid ignores cross-field reasons", "valid", "id_number",
     {"reasons": [], "exclude_reasons": ["ID_BIRTH_MISMATCH"]},
     {"raw__id_number": ["x", "y"], "id_number": [None, None]},
     [("1", "id_number", "ID_BIRTH_MISMATCH"), ("2", "id_number", "ID_CHECKSUM")], [T, T], [F, T]),
    ("valid after (no raw)", "valid", "phone", {"reasons": [], "exclude_reasons": []},
     {"phone": ["+8613800000001", None]}, None, [T, F], [F, F]),
    ("failure_reason filters codes", "failure_reason", "created_at", {"reasons": ["DATE_FUTURE"]},
     {"created_at": [D("2020-01-01"), None, None]},
     [("2", "created_at", "DATE_FUTURE"), ("3", "created_at", "DATE_UNPARSEABLE")], [T, T, F], [F, T, F]),
    ("unique across sources", "unique", "phone", {"scope": "all"},
     {"source": ["pos", "web", "pos", "pos"], "phone": ["a", "a", "b", None]}, [], [T, T, T, F], [F, T, F, F]),
    ("unique within source ignores other sources", "unique", "phone", {"scope": "source"},
     {"source": ["pos", "web", "pos", "pos"], "phone": ["a", "a", "b", None]}, [], [T, T, T, F], [F, F, F, F]),
    ("unique within source", "unique", "email", {"scope": "source"},
     {"email": ["x@y.cn", "x@y.cn", "x@y.cn"]}, [], [T, T, T], [F, T, T]),
    ("not_before", "not_before", "last_activity_at", {"other": "created_at"},
     {"created_at": [D("2020-01-01"), D("2020-01-01"), None],
      "last_activity_at": [D("2019-12-31"), D("2020-01-01"), D("2021-01-01")]}, [], [T, T, F], [T, F, F]),
    ("non_negative", "non_negative", "total_spent", {},
     {"total_spent": [-1.0, 0.0, np.nan, 5.0]}, [], [T, T, F, T], [T, F, F, F]),
    ("non_negative Int64", "non_negative", "order_count", {},
     {"order_count": pd.array([-2, None, 3], dtype="Int64")}, [], [T, F, T], [T, F, F]),
    ("recent 3 years", "recent", "last_activity_at", {"years": 0.0},
     {"last_activity_at": [D("2020-12-31"), D("2021-01-01"), None]}, [], [T, T, F], [T, F, F]),
    ("recent 1 year param", "recent", "last_activity_at", {"years": 1.0},
     {"last_activity_at": [D("2022-12-31"), D("2023-06-01")]}, [], [T, T], [T, F]),
    ("id_birth_match", "id_birth_match", "birth_date", {"id_field": "id_number", "reason": "ID_BIRTH_MISMATCH"},
     {"id_number": [ID_M, ID_M, None, ID_M, "12345"],
      "birth_date": [D("1990-03-07"), D("1990-03-08"), D("1990-03-07"), None, D("1990-03-07")]},
     [("3", "id_number", "ID_BIRTH_MISMATCH")], [T, T, T, F, F], [F, T, T, F, F]),
    ("id_gender_match", "id_gender_match", "gender", {"id_field": "id_number", "reason": "ID_GENDER_MISMATCH"},
     {"id_number": [ID_M, ID_M, ID_M, ID_M[:16] + "2X", None], "gender": ["M", "F", None, "F", "M"]},
     [], [T, T, F, T, F], [F, T, F, F, F]),
    ("in_province", "in_province", "city", {"province_field": "province"},
     {"province": ["浙江省", "广东省", "浙江省", "北京市", None, "火星省"],
      "city": ["杭州市", "杭州市", "未知市", "北京市", "杭州市", "杭州市"]}, [], [T, T, F, T, F, F], [F, T, F, F, F, F]),
]


@pytest.mark.parametrize("check,fld,params,cols,fails,applicable,failing", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_check_table(check, fld, params, cols, fails, applicable, failing):
    ctx = CheckContext.build(_table(dict(cols)), failures=None if fails is None else _fail(fails),
                             reference_date=date(2024, 1, 1), timeliness_years=3)
    res = REGISTRY[check].fn(ctx, fld, {**REGISTRY[check].params, **params})
    assert res.applicable.tolist() == applicable
    assert (res.failing & res.applicable).tolist() == failing


def test_entity_unique_counts_records_beyond_the_first_of_each_entity():
    std = _table({"phone": ["a", "b", "c", "d"]})
    ent = pd.DataFrame({"source": ["pos"] * 3, "record_id": ["1", "2", "3"], "entity_id": ["E1", "E1", "E2"]})
    res = REGISTRY["entity_unique"].fn(CheckContext.build(std, entities=ent), "entity_id", {})
    assert res.applicable.tolist() == [T, T, T, F]  # record 4 has no entity
    assert res.failing.tolist() == [F, T, F, F]
    none = REGISTRY["entity_unique"].fn(CheckContext.build(std), "entity_id", {})
    assert not none.applicable.any()


def test_first_occurrence_does_not_depend_on_row_order():
    std = _table({"source": ["web", "pos"], "phone": ["a", "a"]})
    for t in (std, std.iloc[::-1]):
        res = REGISTRY["unique"].fn(CheckContext.build(t), "phone", {"scope": "all"})
        flagged = t.reset_index(drop=True)["source"][res.failing].tolist()
        assert flagged == ["web"]  # ("pos", ...) sorts first, so the web record is the duplicate


def test_duplicate_keys_are_rejected():
    std = pd.DataFrame({"source": ["pos", "pos"], "record_id": ["1", "1"]})
    with pytest.raises(InputError, match="1 rows repeat the key.*deduplicate"):
        CheckContext.build(std)


def test_register_check_adds_to_registry():
    @register_check("test_always_fails", flag=True)
    def _always(ctx, fld, params):
        ones = np.ones(ctx.n, dtype=bool)
        return CheckResult(ones, ones & params["flag"])

    try:
        assert REGISTRY["test_always_fails"].params == {"flag": True}
        res = REGISTRY["test_always_fails"].fn(CheckContext.build(_table({"phone": ["a"]})), "phone", {"flag": True})
        assert res.failing.tolist() == [T]
    finally:
        REGISTRY.unregister("test_always_fails")


@pytest.mark.parametrize("values", [
    [" a ", "", "  ", "\u3000", "\x1c\x1f", "\x85", "x\u200b", "\u200b", None, "王"],
    [1, " ", "a", None],  # not all text: pandas' way
])
def test_raw_present_is_not_blank_after_strip(values):
    from migration_kit.quality.checks import _present

    s = pd.Series(values, dtype=object)
    expected = s.notna().to_numpy() & s.str.strip().ne("").to_numpy(dtype=bool)
    assert _present(s, True).tolist() == expected.tolist()
