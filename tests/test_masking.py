"""Masking and keyed hashes: the only way personal values reach a person or a file in plaintext."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.masking import keyed_hash, keyed_hash_series, mask_email, mask_id, mask_name, mask_phone, mask_series, mask_value

CASES = [
    (mask_phone, "+8613812345678", "138****5678"),
    (mask_phone, "138 1234 5678", "138****5678"),
    (mask_phone, "0086-138-1234-5678", "138****5678"),
    (mask_phone, "010-12345678", "010****5678"),
    (mask_phone, "12", "**"),
    (mask_phone, None, ""),
    (mask_email, "Zhang.San@QQ.com", "z***@qq.com"),
    (mask_email, "  a@b.cn ", "a***@b.cn"),
    (mask_email, "not-an-email", "n********"),
    (mask_name, "王鹏磊", "王**"),
    (mask_name, "欧阳娜娜", "欧***"),
    (mask_name, "Penglei Wang", "P*** W***"),
    (mask_name, float("nan"), ""),
    (mask_id, "11010519491231002X", "110105********002X"),
    (mask_id, "123", "1**"),
]


@pytest.mark.parametrize("fn, value, expected", CASES)
def test_maskers(fn, value, expected):
    assert fn(value) == expected


@pytest.mark.parametrize("field, value", [("phone", "+8613812345678"), ("email", "zhang@qq.com"),
                                          ("id_number", "11010519491231002X"), ("full_name", "王鹏磊"),
                                          ("address", "北京市朝阳区建国路1号")])
def test_masked_value_never_contains_the_value(field, value):
    masked = mask_value(field, value)
    assert value not in masked and masked


def test_mask_series_keeps_index_and_blanks_missing():
    s = pd.Series(["+8613812345678", None, "+8613812345678"], index=[5, 6, 7])
    assert mask_series("phone", s).tolist() == ["138****5678", "", "138****5678"]
    assert mask_series("phone", s).index.tolist() == [5, 6, 7]


def test_keyed_hash_depends_on_key_and_is_stable():
    a = keyed_hash(b"k1", "pos:M1")
    assert a == keyed_hash(b"k1", "pos:M1") and len(a) == 64
    assert a != keyed_hash(b"k2", "pos:M1")
    assert keyed_hash_series(b"k1", pd.Series(["pos:M1"])).tolist() == [a]
