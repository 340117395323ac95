"""Each comparison level of the default spec, as data tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LinkageError, ParamsError
from migration_kit.linkage import LinkageSpec, compare_levels
from migration_kit.linkage.levels import ColumnData, run_test

SPEC = LinkageSpec.default()
COMP = {c.name: c for c in SPEC.comparisons}


def _level(comp: str, a: dict, b: dict) -> str:
    c = COMP[comp]
    df = pd.DataFrame([a, b])
    for col in ("birth_date",):
        if col in df.columns:
            df[col] = pd.to_datetime(df[col])
    code = int(compare_levels(df, np.array([0]), np.array([1]), [c])[0, 0])
    return "null" if code < 0 else c.level_names[code]


CASES = [
    ("name", {"name_key": "王鹏磊", "pinyin_key": "penglei wang", "given_name": "鹏磊"}, {"name_key": "王鹏磊", "pinyin_key": "penglei wang", "given_name": "鹏磊"}, "exact"),
    ("name", {"name_key": "王鹏磊", "pinyin_key": "penglei wang", "given_name": "鹏磊"}, {"name_key": "wang penglei", "pinyin_key": "penglei wang", "given_name": "penglei"}, "pinyin"),
    ("name", {"name_key": "王鹏磊", "pinyin_key": "penglei wang", "given_name": "鹏磊"}, {"name_key": "王鹏雷", "pinyin_key": "penglei wang", "given_name": "鹏雷"}, "pinyin"),
    ("name", {"name_key": "张伟", "pinyin_key": "wei zhang", "given_name": "伟"}, {"name_key": "张玮", "pinyin_key": "wei zhan", "given_name": "玮"}, "lev88"),
    # two family members: JW's prefix bonus would call these close, Levenshtein does not
    ("name", {"name_key": "高健", "pinyin_key": "gao jian", "given_name": "健"}, {"name_key": "高花静", "pinyin_key": "gao huajing", "given_name": "花静"}, "else"),
    ("name", {"name_key": "王伟", "pinyin_key": "wang wei", "given_name": "伟"}, {"name_key": "王文", "pinyin_key": "wang wen", "given_name": "文"}, "else"),
    # honorific stripped (危老师 -> 危): family equal, given missing on one side
    ("name", {"name_key": "危", "pinyin_key": "wei", "family_name": "危", "given_name": None},
     {"name_key": "危芝琴", "pinyin_key": "wei zhiqin", "family_name": "危", "given_name": "芝琴"}, "family_only"),
    ("name", {"name_key": "危芝", "pinyin_key": "wei zhi", "family_name": "危", "given_name": "芝"},
     {"name_key": "危芝琴", "pinyin_key": "wei zhiqin", "family_name": "危", "given_name": "芝琴"}, "else"),
    # two contacts recorded by family name only share a family name, not a full name
    ("name", {"name_key": "阎", "pinyin_key": "yan", "family_name": "阎", "given_name": None},
     {"name_key": "阎", "pinyin_key": "yan", "family_name": "阎", "given_name": None}, "family_only"),
    ("name", {"name_key": "李娜", "pinyin_key": "li na", "given_name": "娜"}, {"name_key": "王伟", "pinyin_key": "wang wei", "given_name": "伟"}, "else"),
    ("name", {"name_key": None, "pinyin_key": None}, {"name_key": "王伟", "pinyin_key": "wang wei", "given_name": "伟"}, "null"),
    ("birth_date", {"birth_date": "1990-05-04"}, {"birth_date": "1990-05-04"}, "exact"),
    ("birth_date", {"birth_date": "1990-05-04"}, {"birth_date": "1990-04-05"}, "transposed"),
    ("birth_date", {"birth_date": "1990-05-04"}, {"birth_date": "1990-05-14"}, "one_part"),
    ("birth_date", {"birth_date": "1990-12-30"}, {"birth_date": "1991-01-02"}, "within_1y"),
    ("birth_date", {"birth_date": "1965-01-01"}, {"birth_date": "1995-07-12"}, "else"),
    ("birth_date", {"birth_date": None}, {"birth_date": "1995-07-12"}, "null"),
    ("phone", {"phone": "+8613812345678"}, {"phone": "+8613812345678"}, "exact"),
    ("phone", {"phone": "+8613812345678"}, {"phone": "+8615912345678"}, "last8"),
    ("phone", {"phone": "+8613812345678"}, {"phone": "+8613812345679"}, "one_digit"),
    ("phone", {"phone": "+8613812345678"}, {"phone": "+8613987654321"}, "else"),
    ("phone", {"phone": "+8613812345678"}, {"phone": "+861381234567"}, "else"),
    # a landline against a mobile: its own level, not a disagreement
    ("phone", {"phone": "+8613812345678", "phone_type": "mobile"}, {"phone": "+862874325892", "phone_type": "landline"}, "other_type"),
    ("phone", {"phone": "+8613812345678", "phone_type": "mobile"}, {"phone": "+8613987654321", "phone_type": "mobile"}, "else"),
    ("phone", {"phone": "+8613812345678", "phone_type": None}, {"phone": "+862874325892", "phone_type": "landline"}, "else"),
    # school contact 刘老师 -> 刘 whose email spells the other record's full name (either order)
    ("name", {"name_key": "刘", "pinyin_key": "liu", "email": "zhiyingliu4869@139.com"},
     {"name_key": "刘芝莹", "pinyin_key": "liu zhiying", "email": None, "given_name": "芝莹"}, "email_name"),
    ("name", {"name_key": "刘芝莹", "pinyin_key": "liu zhiying", "email": None, "given_name": "芝莹"},
     {"name_key": "刘", "pinyin_key": "liu", "email": "Liu_ZhiYing@qq.com"}, "email_name"),
    ("name", {"name_key": "刘", "pinyin_key": "liu", "email": "zhiyingliu4869@139.com"},
     {"name_key": "刘芝", "pinyin_key": "liu zhi", "email": None, "given_name": "芝"}, "else"),
    ("name", {"name_key": "刘", "pinyin_key": "liu", "email": "1237921466@qq.com"},
     {"name_key": "刘芝莹", "pinyin_key": "liu zhiying", "email": None, "given_name": "芝莹"}, "else"),
    ("email", {"email": "li.na@qq.com"}, {"email": "li.na@qq.com"}, "exact"),
    ("email", {"email": "li.na@qq.com"}, {"email": "li.na@163.com"}, "local"),
    ("email", {"email": "li.na@qq.com"}, {"email": "li.ma@qq.com"}, "edit1"),
    ("email", {"email": "li.na@qq.com"}, {"email": "wang@163.com"}, "else"),
    ("id_number", {"id_number": "11010519491231002X"}, {"id_number": "11010519491231002X"}, "exact"),
    ("id_number", {"id_number": "11010519491231002X"}, {"id_number": "110105194912310021"}, "else"),
    ("location", {"city": "北京市"}, {"city": "北京市"}, "city"),
    ("location", {"address": "朝阳区建国路88号", "city": "北京市"}, {"address": "朝阳区建国路88号", "city": "北京市"}, "address"),
    ("location", {"address": "朝阳区建国路88号3单元"}, {"address": "朝阳区建国路88号4单元"}, "address_close"),
    ("location", {"postcode": "100020", "city": "北京市"}, {"postcode": "100020", "city": "北京市"}, "postcode"),
    ("location", {"postcode": "100020"}, {"postcode": "200020"}, "else"),
    ("location", {"postcode": "100020", "city": "上海市"}, {"city": "北京市"}, "else"),
    ("location", {"postcode": "100020"}, {"city": "北京市"}, "null"),  # no column known on both sides
    # a member's address in China against an overseas shipping address: its own level
    ("location", {"address": "朝阳区建国路88号", "city": "北京市", "country": "CN"},
     {"address": "78085 Elizabeth Motorway", "country": "GB"}, "other_country"),
    ("location", {"address": "朝阳区建国路88号", "country": "CN"}, {"address": "海淀区中关村大街1号", "country": "CN"}, "else"),
]


@pytest.mark.parametrize("comp,a,b,expected", CASES)
def test_default_levels(comp, a, b, expected):
    assert _level(comp, a, b) == expected


def test_level_matrix_shape_and_dtype():
    df = pd.DataFrame({"phone": ["+8613812345678", None, "+8613812345678"], "email": [None, None, "x@y.cn"]})
    out = compare_levels(df, np.array([0, 0, 1]), np.array([1, 2, 2]), [COMP["phone"], COMP["email"]])
    assert out.dtype == np.int8
    assert out.tolist() == [[-1, -1], [len(COMP["phone"].levels), -1], [-1, -1]]  # exact: best code


def test_date_test_on_strings_raises():
    with pytest.raises(LinkageError, match="needs datetime64"):
        run_test("date_transposed", ColumnData(pd.Series(["1990-01-02"] * 2), "dob"), [0], [1])


@pytest.mark.parametrize("data,match", [
    ({"comparisons": [{"name": "x", "columns": ["phone"], "levels": [{"name": "a", "test": "jaro"}]}]}, "allowed values"),
    ({"comparisons": [{"name": "x", "columns": ["phone"], "levels": [{"name": "a", "test": "suffix"}]}]}, "needs a numeric threshold"),
    ({"blocking": [{"name": "x", "keys": ["phone:last"]}]}, "column:transform"),
    ({"upper_threshhold": 0.9}, "did you mean 'upper_threshold'"),
    ({"upper_threshold": 0.4, "lower_threshold": 0.5}, "lower_threshold <= upper_threshold"),
    ({"tf_adjust": ["email_x"]}, "allowed values"),
    ({"conflict_columns": ["hair"]}, "allowed values"),
    ({"comparisons": [{"name": "x", "columns": ["family_name"], "levels": [{"name": "a", "test": "partial"}]}]},
     "needs 'missing: <column>'"),
    ({"comparisons": [{"name": "x", "columns": ["phone"], "levels": [
        {"name": "a", "test": "exact", "missing": "email"}]}]}, "no other test takes it"),
    ({"m_floor": 0.5}, "give 0 \\(no floor\\) up to 0.1"),
    ({"pseudo_count": -1}, "must be >= 0"),
    ({"tf_smoothing": "yes"}, "expected bool"),
    ({"comparisons": [{"name": "x", "columns": ["phone"], "levels": [
        {"name": "a", "test": "exact", "neutral": "yes"}]}]}, "levels\\[0\\].neutral.*expected bool"),
    ({"comparisons": [{"name": "x", "columns": ["phone"], "levels": [
        {"name": "a", "test": "exact", "needs": 3}]}]}, "levels\\[0\\].needs.*expected list"),
    ({"conflict_rules": [{"name": "x", "column": "pinyin_key", "test": "names"}]}, "conflict_rules\\[0\\].test"),
    ({"conflict_rules": {"name": "x"}}, "expected list"),
    ({"comparisons": [{"name": "x", "columns": ["email"], "levels": [{"name": "a", "test": "email_name"}]}]},
     "need 'other: <column>'"),
    ({"comparisons": [{"name": "x", "columns": ["email"], "levels": [
        {"name": "a", "test": "exact", "other": "pinyin_key"}]}]}, "levels\\[0\\].other.*no other test takes it"),
])
def test_spec_rejects(data, match):
    with pytest.raises(ParamsError, match=match):
        LinkageSpec.from_dict(data)


@pytest.mark.parametrize("fam,given,expected", [
    (["危", "危"], ["芝琴", None], [True]),
    (["危", "危"], ["芝琴", "芝"], [False]),   # both given names known: not a partial name
    (["危", "章"], ["芝琴", None], [False]),   # family differs
    ([None, "危"], ["芝琴", None], [False]),   # null never passes
])
def test_partial_level(fam, given, expected):
    out = run_test("partial", ColumnData(pd.Series(fam, dtype=object)), [0], [1],
                   missing=ColumnData(pd.Series(given, dtype=object)))
    assert out.tolist() == expected


@pytest.mark.parametrize("emails,names,expected", [
    (["zhiyingliu88@qq.com", None], ["liu", "liu zhiying"], [True]),
    (["liu.zhiying@qq.com", "a@b.cn"], ["liu", "liu zhiying"], [True]),
    (["zy.liu@qq.com", None], ["liu", "liu zhiying"], [False]),        # initials are not the name
    (["liu@qq.com", None], ["liu", "liu"], [False]),                   # < 2 name tokens, < 4 letters
    ([None, None], ["liu zhiying", "liu zhiying"], [False]),           # null never passes
])
def test_email_name_level(emails, names, expected):
    out = run_test("email_name", ColumnData(pd.Series(emails, dtype=object)), [0], [1],
                   other=ColumnData(pd.Series(names, dtype=object)))
    assert out.tolist() == expected


def test_email_name_without_other_column_raises():
    with pytest.raises(LinkageError, match="needs the 'other' column"):
        run_test("email_name", ColumnData(pd.Series(["a@b", "c@d"]), "email"), [0], [1])


def test_partial_without_missing_column_raises():
    with pytest.raises(LinkageError, match="needs the 'missing' column"):
        run_test("partial", ColumnData(pd.Series(["a", "a"]), "family_name"), [0], [1])


SWAP_CASES = [  # (given, family, expected level hit for pair 0-1)
    (["kale", "tschirn"], ["tschirn", "kale"], True),
    (["hannah", "mihal"], ["mihal", "hannsh"], True),       # a typo on one side still swaps
    (["kale", "kale"], ["tschirn", "tschirn"], False),     # equal, not swapped
    (["kale", None], ["tschirn", "kale"], False),          # a null never passes
    (["kale", "tschirn"], ["tschirn", "smith"], False),    # one direction only
]


@pytest.mark.parametrize("given, family, expected", SWAP_CASES)
def test_swapped_level(given, family, expected):
    g, f = ColumnData(pd.Series(given, dtype=object)), ColumnData(pd.Series(family, dtype=object))
    assert run_test("swapped", g, np.array([0]), np.array([1]), 0.9, other=f).tolist() == [expected]


def test_swapped_without_other_column_raises():
    with pytest.raises(LinkageError, match="'swapped'.*needs the 'other' column"):
        run_test("swapped", ColumnData(pd.Series(["a", "b"])), np.array([0]), np.array([1]), 0.9)


@pytest.mark.parametrize("src, expected", [(None, 4), ([0, 1, 0, 1, 0], 2)])
def test_swapped_pairs_counts_exact_swaps(src, expected):
    from migration_kit.linkage.levels import swapped_pairs
    g = ColumnData(pd.Series(["kale", "tschirn", "kale", "ann", "tschirn"], dtype=object))
    f = ColumnData(pd.Series(["tschirn", "kale", "tschirn", "ann", "kale"], dtype=object))
    # swaps: 0-1, 2-1, 0-4, 2-4 (0-2, 1-4 are equal, 3 only with itself); cross-source: 0-1, 2-1
    got = swapped_pairs(g, f, None if src is None else np.array(src))
    assert got == expected


def test_swapped_level_requires_other():
    from migration_kit.linkage.spec import Level
    lv = {"name": "sw", "test": "swapped", "threshold": 0.9}
    with pytest.raises(ParamsError, match=r"received other=None with test 'swapped'.*other: <column>"):
        Level.from_dict(lv, "c.levels[0]")
    assert Level.from_dict({**lv, "other": "family_name"}, "c.levels[0]").other == "family_name"
