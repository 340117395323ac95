"""Normalized identifier tokens of golden customers (migration_kit.overlap.identifiers)."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.overlap.identifiers import (
    KINDS,
    MAX_VALUES,
    SUBSETS,
    customer_identifiers,
    extra_values,
    identifier_table,
    local_ambiguity,
    subset_name,
    subset_tokens,
)


@pytest.mark.parametrize(
    ("column", "value", "kind", "expected"),
    [
        ("phone", "+8613812345678", "phone", "+8613812345678"),
        ("phone", " +8613812345678 ", "phone", "+8613812345678"),
        ("phone", "13812345678", "phone", None),          # not E.164: cleaning failed, no token
        ("phone", "", "phone", None),
        ("email", "Wang.Wei@Example.CN", "email", "wang.wei@example.cn"),
        ("email", "STRASSE@BEISPIEL.DE", "email", "strasse@beispiel.de"),
        ("email", "no-at-sign", "email", None),
        ("id_number", "11010519491231002x", "id_number", "11010519491231002X"),
        ("id_number", None, "id_number", None),
    ],
)
def test_each_identifier_is_normalized(column, value, kind, expected):
    assert identifier_table(pd.DataFrame({column: [value]}))[kind].iloc[0] == expected


@pytest.mark.parametrize(
    ("name", "birth", "expected"),
    [
        ("王伟", "1990-03-05", "王伟|1990-03-05"),
        ("王 伟", "1990-03-05", "王伟|1990-03-05"),        # spaced
        ("王\u3000伟", "1990-03-05", "王伟|1990-03-05"),    # ideographic space
        ("Anne-Marie O'Neil", "1980-01-02", "annemarieoneil|1980-01-02"),
        ("ＡＢＣ", "1980-01-02", "abc|1980-01-02"),          # full-width folded by NFKC
        ("王伟", None, None),                                # no birth date: no key
        (None, "1990-03-05", None),
    ],
)
def test_name_birth_key(name, birth, expected):
    when = pd.Timestamp(birth) if birth else pd.NaT
    g = pd.DataFrame({"full_name": [name], "birth_date": [when]})
    assert identifier_table(g)["name_birth"].iloc[0] == expected


def test_every_subset_once_by_size():
    assert len(SUBSETS) == 2 ** len(KINDS) - 1
    assert len(set(SUBSETS)) == len(SUBSETS)
    assert [len(s) for s in SUBSETS] == sorted(len(s) for s in SUBSETS)


TABLE = pd.DataFrame(
    {
        "phone": ["+861", "+862", "+861", None],
        "email": ["a@x", None, "a@x", "b@x"],
        "id_number": [None, None, None, None],
        "name_birth": ["n|1", "n|2", None, None],
    }
)


@pytest.mark.parametrize(
    ("subset", "values"),
    [
        (("phone",), [["+861"], ["+862"]]),
        (("email",), [["a@x"], ["b@x"]]),
        (("phone", "email"), [["+861", "a@x"]]),                 # held by rows 0 and 2: once
        (("phone", "name_birth"), [["+861", "n|1"], ["+862", "n|2"]]),
        (("id_number",), []),
        (("phone", "email", "name_birth"), [["+861", "a@x", "n|1"]]),
    ],
)
def test_subset_tokens_are_distinct_and_need_every_kind(subset, values):
    tokens = subset_tokens(TABLE, subset)
    assert [t.split("\x1f")[1:] for t in tokens] == values
    assert all(t.split("\x1f")[0] == subset_name(subset) for t in tokens)


def test_subsets_are_domain_separated():
    one = pd.DataFrame({"phone": ["x"], "email": ["x"], "id_number": [None], "name_birth": [None]})
    assert set(subset_tokens(one, ("phone",))).isdisjoint(subset_tokens(one, ("email",)))


def test_local_ambiguity_counts_customers_sharing_a_value():
    assert local_ambiguity(TABLE) == {"phone": 2, "email": 2, "id_number": 0, "name_birth": 0}


GOLDEN = pd.DataFrame({"entity_id": ["E1", "E2", "E3"],
                       "phone": ["+8613800000002", None, None],
                       "email": ["A@X.CN", None, None]})
RECORDS = pd.DataFrame({
    "source": ["pos", "web", "web", "pos", "app"],
    "record_id": ["1", "2", "3", "4", "5"],
    "phone": ["+8613800000001", "+8613800000002", None, "+8613800000009", "+8613800000007"],
    "email": [None, "a@x.cn", "b@x.cn", None, None],
})
ENTITIES = pd.DataFrame({"source": ["pos", "web", "web", "pos", "app"],
                         "record_id": ["1", "2", "3", "4", "5"],
                         "entity_id": ["E1", "E1", "E2", "E9", "E3"]})


def test_a_customer_holds_its_golden_and_its_records_values():
    ids = customer_identifiers(GOLDEN, RECORDS, ENTITIES)
    assert ids.customers == 3
    got = {(c, k): sorted(g["value"]) for (c, k), g in ids.values.groupby(["customer", "kind"])}
    assert got == {
        (0, "phone"): ["+8613800000001", "+8613800000002"],  # old and new phone
        (0, "email"): ["a@x.cn"],                            # normalized: one value
        (1, "email"): ["b@x.cn"],                            # only on a record
        (2, "phone"): ["+8613800000007"],
    }  # record 4 belongs to an entity that is no golden customer: left out
    assert extra_values(ids)["phone"] == 1
    phone_email = subset_tokens(ids, ("phone", "email"))
    assert [t.split("\x1f")[1:] for t in phone_email] == [
        ["+8613800000001", "a@x.cn"], ["+8613800000002", "a@x.cn"]]


def test_values_per_kind_are_capped():
    golden = pd.DataFrame({"entity_id": ["E1"], "phone": ["+8613800000000"]})
    n = MAX_VALUES + 3
    records = pd.DataFrame({"source": ["s"] * n, "record_id": [str(i) for i in range(n)],
                            "phone": [f"+86138000000{i:02d}" for i in range(1, n + 1)]})
    entities = records[["source", "record_id"]].assign(entity_id="E1")
    values = customer_identifiers(golden, records, entities).values
    assert len(values) == MAX_VALUES
    assert values["value"].iloc[0] == "+8613800000000"  # the golden record's value first
