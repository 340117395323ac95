"""Level-test and conflict-test registries: complete, one signature, needs checked generically."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LinkageError, ParamsError
from migration_kit.linkage.levels import (
    CONFLICT_TESTS,
    CROSS_TESTS,
    LEVEL_TESTS,
    SECOND_COLUMNS,
    ColumnData,
    run_test,
)
from migration_kit.linkage.spec import ConflictRule, Level
from migration_kit.registry import REQUIRED

KINDS = ("dates", "strings")
STRINGS = pd.Series(["liu zhiying", "liu zhiying", "zhiyingliu@qq.com", None], dtype=object)
DATES = pd.to_datetime(pd.Series(["1990-05-04", "1990-04-05", "1990-05-04", None]))
PAIR_I, PAIR_J = np.array([0, 0, 1, 3]), np.array([1, 2, 2, 0])


def _level(name: str) -> dict:
    """The smallest level dict that declares test ``name``."""
    entry = LEVEL_TESTS[name]
    lv: dict = {"name": "lv", "test": name}
    if "threshold" in entry.required:
        lv["threshold"] = 1
    lv.update({k: "second" for k in SECOND_COLUMNS if k in entry.needs})
    return lv


@pytest.mark.parametrize("name", LEVEL_TESTS.names())
def test_every_level_test_is_declared_and_callable(name):
    entry = LEVEL_TESTS[name]
    assert callable(entry.fn) and entry.doc  # no placeholder, a description for the docs
    assert set(entry.params) <= {"threshold"} and all(v is REQUIRED for v in entry.params.values())
    assert set(entry.needs) <= {*SECOND_COLUMNS, *KINDS} and not set(KINDS) <= set(entry.needs)
    lv = Level.from_dict(_level(name), "c.levels[0]")
    col = ColumnData(DATES if "dates" in entry.needs else STRINGS, "col")
    second = ColumnData(STRINGS, "second")
    out = run_test(
        name,
        col,
        PAIR_I,
        PAIR_J,
        lv.threshold,
        missing=second if lv.missing else None,
        other=second if lv.other else None,
    )
    assert out.dtype == bool and out.shape == PAIR_I.shape
    assert not out[-1]  # a null never passes


def test_spec_accepts_exactly_the_registered_level_tests():
    with pytest.raises(
        ParamsError,
        match=r"c\.levels\[0\]\.test: received 'jaro'.*allowed values: "
        + ", ".join(LEVEL_TESTS.names())
        + "$",
    ):
        Level.from_dict({"name": "lv", "test": "jaro"}, "c.levels[0]")
    assert CROSS_TESTS == ("email_name", "swapped")


RUN_REJECTS = [  # test, column, threshold, second columns, message
    ("date_transposed", STRINGS, None, {}, r"'date_transposed' on column 'col' needs datetime64"),
    ("jaro_winkler", DATES, 0.9, {}, r"'jaro_winkler' on date column 'col' is not supported"),
    ("swapped", STRINGS, 0.9, {"other": DATES}, r"'swapped' on date column 'second' is not supp"),
    ("email_name", DATES, None, {"other": STRINGS}, r"'email_name' on date column 'col'"),
    ("swapped", STRINGS, 0.9, {}, r"'swapped' on column 'col' needs the 'other' column"),
    ("partial", STRINGS, None, {}, r"'partial' on column 'col' needs the 'missing' column"),
    ("suffix", STRINGS, None, {}, r"'suffix' on column 'col' needs a numeric threshold"),
    ("date_within_days", DATES, None, {}, r"'date_within_days' on column 'col' needs a numeric"),
]


@pytest.mark.parametrize("test,values,threshold,second,match", RUN_REJECTS)
def test_run_test_checks_needs_generically(test, values, threshold, second, match):
    cols = {k: ColumnData(v, "second") for k, v in second.items()}
    with pytest.raises(LinkageError, match=match):
        run_test(test, ColumnData(values, "col"), PAIR_I, PAIR_J, threshold, **cols)


def test_run_test_rejects_an_unregistered_test():
    with pytest.raises(
        ParamsError, match=r"level test: received 'jaro'; allowed values: exact, jaro_winkler"
    ):
        run_test("jaro", ColumnData(STRINGS, "col"), PAIR_I, PAIR_J)


RULE_FIELDS = {f.name for f in dataclasses.fields(ConflictRule)}


@pytest.mark.parametrize("name", CONFLICT_TESTS.names())
def test_every_conflict_test_is_declared_and_callable(name):
    entry = CONFLICT_TESTS[name]
    assert callable(entry.fn) and entry.doc and set(entry.params) <= RULE_FIELDS
    data = {"name": "r", "column": "c", "test": name}
    if "threshold" in entry.required:
        data["threshold"] = 0.8
    rule = ConflictRule.from_dict(data, "linkage.conflict_rules[0]")
    values = DATES if name == "dates_differ" else STRINGS
    pairs = entry.fn(values, {k: getattr(rule, k) for k in entry.params})
    out = pairs(PAIR_I, PAIR_J)
    assert out.dtype == bool and out.shape == PAIR_I.shape
    assert not out[-1]  # a null never conflicts


def test_conflict_rule_accepts_exactly_the_registered_tests():
    with pytest.raises(ParamsError, match="allowed values: " + ", ".join(CONFLICT_TESTS.names())):
        ConflictRule.from_dict({"name": "r", "column": "c", "test": "differs"}, "r")
