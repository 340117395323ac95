"""Survivorship rules and golden records: each strategy on small tables, groups, lineage, errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import LinkageError, ParamsError
from migration_kit.linkage.golden import build_golden
from migration_kit.linkage.survivorship import SurvivorshipSpec
from migration_kit.schema import STD_COLUMNS

T = pd.Timestamp

# Three records of one entity E1 plus a singleton E2 (r9). Columns not given are null.
BASE = [
    # source, record_id, last_activity_at, created_at
    ("pos", "r1", T("2021-01-01"), T("2015-03-01")),
    ("web", "r2", T("2023-06-01"), T("2019-01-01")),
    ("crm", "r3", T("2022-01-01"), T("2018-01-01")),
    ("web", "r9", None, T("2020-02-02")),
]


def _tables(**cols):
    std = pd.DataFrame(BASE, columns=["source", "record_id", "last_activity_at", "created_at"])
    for name, values in cols.items():
        std[name] = values
    ent = std[["source", "record_id"]].assign(entity_id=["E1", "E1", "E1", "E2"])
    return std, ent


def _spec(field, strategy, **extra):
    rules = {field: {"strategy": strategy, **extra.pop("rule", {})}}
    return SurvivorshipSpec.from_dict({"rules": rules, **extra})


# field, values for r1 r2 r3 r9, strategy, extra spec keys, expected E1 value, expected E1 lineage record ids
STRATEGY_CASES = [
    ("email", ["a@x.cn", "b@x.cn", "c@x.cn", "z@x.cn"], "most_recent", {}, "b@x.cn", ["r2"]),
    ("email", ["a@x.cn", None, "c@x.cn", None], "most_recent", {}, "c@x.cn", ["r3"]),   # validated_only: null skipped
    ("email", ["a@x.cn", "b@x.cn", "c@x.cn", None], "source_priority",
     {"rule": {"source_order": ["crm", "pos"]}}, "c@x.cn", ["r3"]),
    ("email", ["a@x.cn", "b@x.cn", "c@x.cn", None], "source_priority",
     {"source_priority": ["pos"]}, "a@x.cn", ["r1"]),
    ("organization", ["北京一中", "北京市第一中学", "一中", None], "most_complete", {}, "北京市第一中学", ["r2"]),
    ("gender", ["F", "M", "F", "M"], "most_frequent", {}, "F", ["r3"]),     # mode F; r1/r3 tie: r3 more recent
    ("gender", ["F", "M", None, None], "most_frequent", {"source_priority": ["pos"]}, "F", ["r1"]),  # 1-1: priority
    ("gender", ["F", "M", None, None], "most_frequent", {}, "M", ["r2"]),   # 1-1, no priority: most recent
    ("created_at", None, "min", {}, T("2015-03-01"), ["r1"]),
    ("last_activity_at", None, "max", {}, T("2023-06-01"), ["r2"]),
    ("total_spent", [10.5, None, 4.5, 1.0], "sum", {}, 15.0, ["r3", "r1"]),   # every contributor, by key
    ("marketing_consent", [True, False, True, True], "all_true", {}, False, ["r2"]),
    ("marketing_consent", [True, None, True, None], "all_true", {}, True, ["r3"]),
    ("marketing_consent", [False, True, None, None], "any_true", {}, True, ["r2"]),
    ("marketing_consent", [None, None, None, True], "all_true", {}, pd.NA, []),
]


@pytest.mark.parametrize("field, values, strategy, extra, expected, lineage_ids", STRATEGY_CASES)
def test_strategy_picks_value_and_lineage(field, values, strategy, extra, expected, lineage_ids):
    std, ent = _tables(**({field: values} if values is not None else {}))
    if field == "marketing_consent":
        std[field] = pd.array(values, dtype="boolean")
    res = build_golden(std, ent, _spec(field, strategy, **extra))
    got = res.golden.set_index("entity_id").loc["E1", field]
    if expected is pd.NA:
        assert pd.isna(got)
    else:
        assert got == expected
    lin = res.lineage[(res.lineage["entity_id"] == "E1") & (res.lineage["field"] == field)]
    assert lin["record_id"].astype(str).tolist() == lineage_ids
    assert set(lin["rule"].astype(str)) <= {strategy}


def test_most_recent_ties_go_to_source_priority_then_key():
    # same recency everywhere: the trusted source wins; without a priority the smaller key wins
    std, ent = _tables(email=["a@x.cn", "b@x.cn", "c@x.cn", None])
    std["last_activity_at"] = T("2024-01-01")
    trusted = build_golden(std, ent, _spec("email", "most_recent", source_priority=["web"]))
    plain = build_golden(std, ent, _spec("email", "most_recent"))
    assert (trusted.golden.loc[0, "email"], plain.golden.loc[0, "email"]) == ("b@x.cn", "c@x.cn")


NAME_CASES = [
    # full_name, family, given per r1 r2 r3; expected (full, family, given) and record
    (["王鹏磊", "王鹏", "王磊"], ["王", "王", "王"], ["鹏磊", None, "磊"], ("王鹏磊", "王", "鹏磊"), "r1"),
    (["王鹏", "王鹏磊", "欧阳娜娜"], ["王", None, "欧阳"], ["鹏", None, "娜娜"], ("欧阳娜娜", "欧阳", "娜娜"), "r3"),
]


@pytest.mark.parametrize("full, family, given, expected, record", NAME_CASES)
def test_name_group_comes_from_one_record(full, family, given, expected, record):
    std, ent = _tables(full_name=full + ["李四"], family_name=family + ["李"], given_name=given + ["四"])
    res = build_golden(std, ent)
    row = res.golden.set_index("entity_id").loc["E1"]
    assert (row["full_name"], row["family_name"], row["given_name"]) == expected
    lin = res.lineage[(res.lineage["entity_id"] == "E1")
                      & res.lineage["field"].isin(["full_name", "family_name", "given_name"])]
    assert set(lin["record_id"].astype(str)) == {record}
    assert set(lin["rule"].astype(str)) == {"most_complete", "most_complete (with full_name)"}


def test_group_member_null_in_chosen_record_stays_null():
    # r2 has the most complete address group but no postcode: postcode must not come from r1.
    std, ent = _tables(address=["朝阳路1号", "朝阳路1号院2单元", None, None], city=["北京市", "北京市", None, None],
                       district=[None, "朝阳区", None, None], postcode=["100020", None, None, None])
    row = build_golden(std, ent).golden.set_index("entity_id").loc["E1"]
    assert row["address"] == "朝阳路1号院2单元" and row["district"] == "朝阳区" and pd.isna(row["postcode"])


@pytest.mark.parametrize(
    ("city", "province", "golden_city", "golden_province"),
    [
        ([None, "北京市", None, None], [None, "北京市", None, None], "北京市", "北京市"),
        ([None, None, None, None], [None, "广东省", None, None], None, "广东省"),
        ([None, None, None, None], [None, None, None, None], None, None),
    ],
)
def test_a_city_without_a_street_address_is_kept(city, province, golden_city, golden_province):
    std, ent = _tables(address=[None] * 4, city=city, province=province)
    res = build_golden(std, ent)
    row = res.golden.set_index("entity_id").loc["E1"]
    assert (row["city"] if pd.notna(row["city"]) else None) == golden_city
    assert (row["province"] if pd.notna(row["province"]) else None) == golden_province
    lin = res.lineage[(res.lineage["entity_id"] == "E1") & res.lineage["field"].isin(["city"])]
    assert len(lin) == (1 if golden_city else 0)


def _full_std():
    rng = np.random.default_rng(3)
    n = 60
    std = pd.DataFrame({"source": rng.choice(["pos", "web", "school"], n), "record_id": [f"R{i:03d}" for i in range(n)]})
    for f in STD_COLUMNS:
        std[f] = np.where(rng.random(n) < 0.4, None, f"{f}-{rng.integers(0, 3)}").astype(object)
    for f in ("birth_date", "created_at", "last_activity_at"):
        std[f] = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
        std.loc[rng.random(n) < 0.3, f] = pd.NaT
    std["total_spent"] = np.where(rng.random(n) < 0.3, np.nan, rng.random(n) * 100)
    std["order_count"] = pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 5, n)), dtype="Int64")
    std["marketing_consent"] = pd.array(np.where(rng.random(n) < 0.3, None, rng.random(n) < 0.5), dtype="boolean")
    ent = std[["source", "record_id"]].assign(entity_id=[f"E{k:02d}" for k in rng.integers(0, 25, n)])
    return std, ent


def test_lineage_covers_every_non_null_golden_value_and_points_to_it():
    std, ent = _full_std()
    res = build_golden(std, ent)
    g, lin = res.golden, res.lineage
    assert g["entity_id"].tolist() == sorted(ent["entity_id"].unique())
    long = g.melt(id_vars="entity_id", value_vars=list(STD_COLUMNS), var_name="field").dropna(subset=["value"])
    covered = set(zip(lin["entity_id"].astype(str), lin["field"].astype(str)))
    assert set(zip(long["entity_id"], long["field"])) == covered
    picked = lin[~lin["rule"].astype(str).isin(["sum"])].astype(str)
    by_key = std.set_index(["source", "record_id"])
    gi = g.set_index("entity_id")
    for e, f, s, r in picked[["entity_id", "field", "source", "record_id"]].itertuples(index=False):
        assert by_key.loc[(s, r), f] == gi.loc[e, f]
    assert (g["n_records"].sum(), g["n_records"].tolist()) == (len(std), ent["entity_id"].value_counts().sort_index().tolist())


def test_result_does_not_depend_on_row_order():
    std, ent = _full_std()
    a = build_golden(std, ent)
    perm = np.random.default_rng(0).permutation(len(std))
    b = build_golden(std.iloc[perm], ent.iloc[perm[::-1]])
    pd.testing.assert_frame_equal(a.golden, b.golden)


def test_sum_keeps_integer_dtype_and_sources_are_sorted():
    std, ent = _tables(order_count=pd.array([2, None, 3, None], dtype="Int64"))
    g = build_golden(std, ent).golden.set_index("entity_id")
    assert g.loc["E1", "order_count"] == 5 and pd.isna(g.loc["E2", "order_count"])
    assert str(g["order_count"].dtype) == "Int64"
    assert g["sources"].tolist() == ["crm;pos;web", "web"]


BAD_SPECS = [
    ({"rules": {"phonee": {"strategy": "most_recent"}}}, r"golden\.rules\.phonee: received 'phonee' \(did you mean 'phone'\?\); allowed values: full_name"),
    ({"rules": {"email": {"strategy": "newest"}}}, r"golden\.rules\.email\.strategy: received 'newest'; allowed values: most_recent, most_complete"),
    ({"rules": {"email": {"strategy": "sum"}}}, r"strategy 'sum' needs a number field; 'email' is text"),
    ({"rules": {"email": {"strategy": "source_priority"}}}, r"needs a source_order on the rule or a global source_priority"),
    ({"rules": {"email": {"strategy": "max", "group": ["phone"]}}}, r"strategy 'max' cannot carry a group"),
    ({"rules": {"email": {"strategy": "most_recent", "order": ["a"]}}}, r"golden\.rules\.email\.order: unknown key 'order'; known keys: group, source_order, strategy"),
    ({"rulez": {}}, r"golden\.rulez: unknown key 'rulez' \(did you mean 'rules'\?\); known keys: decisions, rules, source_priority"),
    ({"rules": {"family_name": "most_recent"}}, r"no rule covers full_name, given_name, name_key, pinyin_key; add a rule"),
    ({"rules": {"email": {"strategy": "most_recent", "group": ["phone"]}}}, r"no rule covers phone_type"),
]


@pytest.mark.parametrize("data, message", BAD_SPECS)
def test_bad_spec_is_rejected_with_known_names(data, message):
    with pytest.raises(ParamsError, match=message):
        SurvivorshipSpec.from_dict(data)


def test_default_spec_covers_every_std_column_once():
    spec = SurvivorshipSpec.default()
    fields = [f for r in spec.rules for f in r.fields]
    assert sorted(fields) == sorted(STD_COLUMNS)
    assert spec.rule_for("pinyin_key").field == "full_name" and spec.rule_for("postcode").field == "address"
    assert spec.rule_for("marketing_consent").strategy == "all_true"


def test_decisions_path_resolves_against_params_folder(tmp_path):
    spec = SurvivorshipSpec.from_dict({"decisions": "review/decisions.csv"}, where="golden", base_dir=tmp_path)
    assert spec.decisions == str(tmp_path / "review" / "decisions.csv")
    assert SurvivorshipSpec.from_dict({"decisions": "/abs/d.csv"}, base_dir=tmp_path).decisions == "/abs/d.csv"


BAD_ENTITIES = [
    (lambda e: e.iloc[:3], r"1 std record\(s\) have no entity"),
    (lambda e: pd.concat([e, e.iloc[:1]]), r"entities names 1 record\(s\) twice"),
    (lambda e: e.assign(entity_id=[None, "E1", "E1", "E2"]), r"1 row\(s\) without entity_id"),
    (lambda e: e.drop(columns="entity_id"), r"entities lacks column\(s\) entity_id"),
]


@pytest.mark.parametrize("mutate, message", BAD_ENTITIES)
def test_inconsistent_entities_are_rejected(mutate, message):
    std, ent = _tables()
    with pytest.raises(LinkageError, match=message):
        build_golden(std, mutate(ent))


@pytest.mark.parametrize(
    ("amounts", "total"),
    [([1792.56, 2033.47, None], 3826.03), ([0.1, 0.2, 0.0], 0.3), ([1.005, 3.0, None], 4.005),
     ([19.99] * 3, 59.97)],
)
def test_money_sums_are_exact_in_decimal(amounts, total):
    std, ent = _tables(total_spent=[*amounts, None])
    row = build_golden(std, ent).golden.set_index("entity_id").loc["E1"]
    assert repr(float(row["total_spent"])) == repr(total)
