"""E-mail standardization as a data table."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.clean.email import clean_email

CASES = [
    # raw, email, reason
    ("wang.wei@qq.com", "wang.wei@qq.com", None),
    ("  Wang.Wei@QQ.COM ", "wang.wei@qq.com", None),
    ("ｗａｎｇ＠１６３．ｃｏｍ", "wang@163.com", None),  # full-width letters and @
    ("li+shop@mail.example.co.uk", "li+shop@mail.example.co.uk", None),
    ("zhang_san-1@sub-domain.cn", "zhang_san-1@sub-domain.cn", None),
    ("a..b@qq.com", None, "EMAIL_SYNTAX"),  # double dot in local part
    (".ab@qq.com", None, "EMAIL_SYNTAX"),
    ("ab.@qq.com", None, "EMAIL_SYNTAX"),
    ("ab@qq..com", None, "EMAIL_SYNTAX"),  # double dot in domain
    ("ab@qq", None, "EMAIL_SYNTAX"),  # missing TLD
    ("ab@qq.c", None, "EMAIL_SYNTAX"),  # one-letter TLD
    ("ab@qq.123", None, "EMAIL_SYNTAX"),  # numeric TLD
    ("wang wei@qq.com", None, "EMAIL_SYNTAX"),  # space
    ("wangwei@q q.com", None, "EMAIL_SYNTAX"),
    ("wangwei.qq.com", None, "EMAIL_SYNTAX"),  # no @
    ("a@b@qq.com", None, "EMAIL_SYNTAX"),
    ("ab@-qq.com", None, "EMAIL_SYNTAX"),  # label starts with hyphen
    ("王伟@qq.com", None, "EMAIL_SYNTAX"),  # non-ASCII local part not accepted
    (None, None, None),
    ("", None, None),
]


@pytest.mark.parametrize("raw, email, reason", CASES)
def test_email_cases(raw, email, reason):
    out = clean_email(pd.Series([raw], dtype=object))
    assert out.iloc[0].tolist() == [email, reason]


def test_index_and_columns():
    out = clean_email(pd.Series(["A@QQ.COM", None], index=[5, 6], dtype=object))
    assert out.columns.tolist() == ["email", "reason"]
    assert out.index.tolist() == [5, 6]
    assert out["email"].tolist() == ["a@qq.com", None]
