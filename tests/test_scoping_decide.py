"""decide(): every rule, every deal type, suppression on a duplicate, minors, reconciliation."""
from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest

from migration_kit.errors import ScopingError
from migration_kit.params import Deal
from migration_kit.scoping import PolicySpec, decide, reconcile

T = dt.date(2026, 12, 31)
# source, record_id, entity, full_name, phone, email, id_number, birth_date, country, address, created, last, consent
ROWS = [
    ("pos", "1", "E1", "张三", "+8613800000001", "zs@qq.com", "11010519900101123X", None, "CN", None, "2020-01-01", "2026-06-01", True),
    ("web", "1", "E1", "张三", "+8613800000001", "zhangsan@163.com", None, None, "CN", None, "2021-01-01", "2026-05-01", False),
    ("pos", "2", "E2", "李四", "+8613800000002", None, None, None, "CN", None, "2019-01-01", "2022-01-01", True),
    ("pos", "3", "E3", "王小明", "+8613800000003", None, None, "2015-03-01", "CN", None, "2024-01-01", "2026-10-01", True),
    ("web", "2", "E4", "Anna Müller", None, "anna@example.de", None, None, "DE", None, "2026-01-01", "2026-11-01", False),
    ("web", "3", "E5", "赵六", "+8613800000006", "zl@qq.com", None, None, "CN", None, "2024-01-01", "2025-06-01", False),
    ("school", "1", "E6", "钱七", "+8613800000007", None, None, None, "CN", None, "2024-01-01", "2026-09-01", True),
    ("school", "2", "E6", "钱七", None, "qq7@qq.com", None, None, "CN", None, "2024-02-01", "2026-09-02", True),
    ("web", "4", "E7", "孙八", "+8613800000008", None, None, None, "CN", None, "2024-01-01", "2026-12-01", True),
    ("overseas", "1", "E8", "John Smith", None, None, None, None, "US", "1 Main St, Springfield", "2025-01-01", "2026-12-01", True),
]
COLS = ["source", "record_id", "entity_id", "full_name", "phone", "email", "id_number", "birth_date", "country",
        "address", "created_at", "last_activity_at", "marketing_consent"]
SUPPRESSION = [("R1", "erasure", None, "qq7@qq.com", None), ("R2", "withdrawn_consent", "+8613800000008", None, None)]


def make_data(rows=ROWS):
    df = pd.DataFrame(rows, columns=COLS)
    for c in ("birth_date", "created_at", "last_activity_at"):
        df[c] = pd.to_datetime(df[c])
    df["marketing_consent"] = df["marketing_consent"].astype("boolean")
    std = df.drop(columns="entity_id")
    entities = df[["source", "record_id", "entity_id"]]
    golden = df.drop_duplicates("entity_id").drop(columns=["source", "record_id"]).reset_index(drop=True)
    golden["n_records"] = df.groupby("entity_id").size().reindex(golden["entity_id"]).to_numpy()
    supp = pd.DataFrame(SUPPRESSION, columns=["request_id", "request_type", "phone", "email", "id_number"])
    return std, entities, golden, supp


def make_deal(kind="merger", country="CN"):
    return Deal.from_dict({"type": kind, "seller": {"name": "Seller Sports Ltd", "contact": "dpo@seller.example"},
                           "recipient": {"name": "Buyer Retail Ltd", "contact": "400-800-1234", "country": country}})


#: The asset sale's separate consents (PIPL Art. 23): E1 (on one of its records) and E2.
REGISTER = pd.DataFrame({"source": ["pos", "pos"], "record_id": ["1", "2"],
                         "consented_at": ["2026-10-01", "2026-10-02"]})


def run(kind="merger", policy=None, country="CN", **kw):
    std, entities, golden, supp = make_data()
    policy = policy or PolicySpec.from_dict({"transfer_date": T.isoformat()})
    if kind == "asset_sale":
        kw.setdefault("consent_register", REGISTER)
    return decide(std, entities, golden, supp, policy, make_deal(kind, country), **kw)


@functools.lru_cache(maxsize=None)
def cached(kind="merger", country="CN"):
    """Default-policy result, shared by read-only tests (do not mutate)."""
    return run(kind, country=country)


ENTITY_CASES = [  # deal, entity, disposition, reason_codes
    ("merger", "E1", "transferred", "TRANSFER_PIPL_ART22"),
    ("merger", "E2", "excluded", "RETENTION_EXPIRED"),
    ("merger", "E3", "excluded", "MINOR_UNDER_14"),
    ("merger", "E4", "transferred", "TRANSFER_PIPL_ART22"),
    ("merger", "E5", "transferred", "TRANSFER_PIPL_ART22"),
    ("merger", "E6", "excluded", "ERASURE_REQUEST"),
    ("merger", "E7", "excluded", "WITHDRAWN_CONSENT"),
    ("division", "E5", "transferred", "TRANSFER_PIPL_ART22"),
    ("dissolution", "E1", "transferred", "TRANSFER_PIPL_ART22"),
    ("bankruptcy", "E1", "transferred", "TRANSFER_PIPL_ART22"),
    ("asset_sale", "E1", "transferred", "TRANSFER_PIPL_ART23_CONSENT"),
    ("asset_sale", "E4", "excluded", "HELD_NO_CONSENT"),  # recently active: no consent
    ("asset_sale", "E5", "excluded", "HELD_NO_CONSENT"),
    ("asset_sale", "E8", "excluded", "HELD_NO_CONSENT"),  # marketing consent does not count
    ("asset_sale", "E2", "excluded", "RETENTION_EXPIRED"),  # consented, but expired
    ("share_sale", "E1", "excluded", "SHARE_SALE_NO_TRANSFER"),
    ("share_sale", "E6", "excluded", "ERASURE_REQUEST;SHARE_SALE_NO_TRANSFER"),
]


@pytest.mark.parametrize("kind,entity,disposition,reasons", ENTITY_CASES)
def test_entity_disposition_per_rule_and_deal(kind, entity, disposition, reasons):
    ent = cached(kind).entity_dispositions.set_index("entity_id")
    assert (ent.at[entity, "disposition"], ent.at[entity, "reason_codes"]) == (disposition, reasons)


COUNT_CASES = [  # deal, transferred, merged, excluded (records)
    ("merger", 4, 1, 5),
    ("division", 4, 1, 5),
    ("asset_sale", 1, 1, 8),
    ("share_sale", 0, 0, 10),
]


@pytest.mark.parametrize("kind,transferred,merged,excluded", COUNT_CASES)
def test_deal_types_reconcile(kind, transferred, merged, excluded):
    assert cached(kind).reconcile() == {"input": 10, "transferred": transferred, "merged": merged, "excluded": excluded}


DESTROY_CASES = [  # deal, (source, record_id), destroy
    ("merger", ("school", "1"), True),      # erasure matched on the OTHER record of the customer
    ("merger", ("web", "4"), True),         # withdrawn consent
    ("merger", ("pos", "2"), True),         # retention
    ("asset_sale", ("web", "3"), False),    # held back, kept by the seller for re-consent
    ("share_sale", ("pos", "1"), False),    # retained, not destroyed
    ("share_sale", ("school", "2"), True),  # erasure still destroys
    ("merger", ("web", "1"), False),        # merged duplicate moves
]


@pytest.mark.parametrize("kind,key,destroy", DESTROY_CASES)
def test_record_destroy(kind, key, destroy):
    rd = cached(kind).record_dispositions.set_index(["source", "record_id"])
    assert bool(rd.loc[key, "destroy"]) is destroy


def test_suppression_on_one_duplicate_excludes_whole_customer():
    rd = cached("merger").record_dispositions
    e6 = rd[rd["entity_id"] == "E6"]
    assert e6["disposition"].tolist() == ["excluded", "excluded"]
    assert set(e6["reason_codes"]) == {"ERASURE_REQUEST"}


def test_representative_and_merged_into():
    rd = cached("merger").record_dispositions.set_index(["source", "record_id"])
    assert rd.loc[("pos", "1"), "disposition"] == "transferred"
    assert (rd.loc[("web", "1"), "disposition"], rd.loc[("web", "1"), "merged_into"]) == ("merged", "pos:1")


def test_lineage_picks_representative():
    lineage = pd.DataFrame({"entity_id": ["E1", "E1", "E1"], "field": ["phone", "email", "full_name"],
                            "source": ["web", "web", "pos"], "record_id": ["1", "1", "1"], "rule": "x"})
    rd = run("merger", lineage=lineage).record_dispositions.set_index(["source", "record_id"])
    assert (rd.loc[("web", "1"), "disposition"], rd.loc[("pos", "1"), "merged_into"]) == ("transferred", "web:1")


LINEAGE_CASES = [  # lineage rows (entity, source, record_id), expected per-record counts
    ([("E1", "web", "1"), ("E1", "web", "1"), ("E1", "pos", "1")], {("web", "1"): 2, ("pos", "1"): 1}),
    ([("E9", "web", "1"), ("E1", "pos", "1")], {("web", "1"): 0, ("pos", "1"): 1}),  # other entity
    ([("E1", "nowhere", "1"), ("E1", "web", "99")], {("web", "1"): 0, ("pos", "1"): 0}),  # no record
    ([], {("web", "1"): 0, ("pos", "1"): 0}),
]


@pytest.mark.parametrize("rows,expected", LINEAGE_CASES)
@pytest.mark.parametrize("categorical", [False, True])
def test_lineage_counts(rows, expected, categorical):
    """The work table's categorical lineage counts by integer codes what a groupby counts."""
    from migration_kit.scoping.disposition import _lineage_counts

    rec = pd.DataFrame({"source": ["web", "pos", "web"], "record_id": ["1", "1", "2"],
                        "entity_id": ["E1", "E1", "E2"]})
    lineage = pd.DataFrame(rows, columns=["entity_id", "source", "record_id"], dtype=object)
    lineage["field"] = "phone"
    if categorical:
        lineage = lineage.astype("category")
    got = dict(zip(zip(rec["source"], rec["record_id"]), _lineage_counts(rec, lineage).tolist()))
    assert got == {**expected, ("web", "2"): 0}


def _policy(**kw):
    return PolicySpec.from_dict({"transfer_date": T.isoformat(), **kw})


POLICY_CASES = [  # policy overrides, entity, expected reason_codes
    ({"retention_years": 0}, "E2", "TRANSFER_PIPL_ART22"),
    ({"retention_years": 5}, "E2", "TRANSFER_PIPL_ART22"),
    ({"minor_age": 10}, "E3", "TRANSFER_PIPL_ART22"),
    ({"minor_age": 18}, "E3", "MINOR_UNDER_14"),
    ({"destroy": {"WITHDRAWN_CONSENT": False}}, "E7", "WITHDRAWN_CONSENT"),
]


@pytest.mark.parametrize("overrides,entity,reasons", POLICY_CASES)
def test_policy_changes_rules(overrides, entity, reasons):
    ent = run("merger", policy=_policy(**overrides)).entity_dispositions.set_index("entity_id")
    assert ent.at[entity, "reason_codes"] == reasons


def test_withdrawn_kept_when_policy_says_so():
    ent = run("merger", policy=_policy(destroy={"WITHDRAWN_CONSENT": False})).entity_dispositions.set_index("entity_id")
    assert not ent.at["E7", "destroy"]


MINOR_CASES = [  # guardian consent table rows, disposition of E3, flags
    ([], "excluded", ""),
    ([("pos", "3")], "transferred", "GUARDIAN_CONSENT;NOTIFY_RECIPIENT"),
    ([("pos", "1")], "excluded", ""),
]


@pytest.mark.parametrize("consents,disposition,flags", MINOR_CASES)
def test_minors_with_guardian_consent(tmp_path, consents, disposition, flags):
    path = tmp_path / "guardian.csv"
    pd.DataFrame(consents, columns=["source", "record_id"]).to_csv(path, index=False)
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat(), "minors": "guardian_consent",
                                   "guardian_consents": "guardian.csv"}, base_dir=tmp_path)
    ent = run("merger", policy=policy).entity_dispositions.set_index("entity_id")
    assert (ent.at["E3", "disposition"], ent.at["E3", "flags"]) == (disposition, flags)


def test_minor_from_id_number_birth_date():
    rows = [r if r[1] != "3" or r[0] != "pos" else r[:6] + ("11010520150301123X", None) + r[8:] for r in ROWS]
    std, entities, golden, supp = make_data(rows)
    ent = decide(std, entities, golden, supp, _policy(), make_deal()).entity_dispositions.set_index("entity_id")
    assert ent.at["E3", "reason_codes"] == "MINOR_UNDER_14"


FLAG_CASES = [  # deal, recipient country, purposes, entity, flags
    ("merger", "CN", None, "E1", "NOTIFY_RECIPIENT"),
    ("merger", "CN", None, "E4", "EU_NOTICE_ART14;NOTIFY_RECIPIENT"),
    ("merger", "SG", None, "E1", "CN_EXPORT_ART39;NOTIFY_RECIPIENT"),
    ("merger", "SG", None, "E8", "NOTIFY_RECIPIENT"),
    ("merger", "CN", {"profiling": ["phone"]}, "E1", "NOTIFY_RECIPIENT;RECONSENT_NEW_PURPOSE"),
    ("share_sale", "CN", None, "E1", ""),
]


@pytest.mark.parametrize("kind,country,purposes,entity,flags", FLAG_CASES)
def test_flags(kind, country, purposes, entity, flags):
    policy = _policy(**({"purposes": purposes} if purposes else {}))
    ent = run(kind, policy=policy, country=country).entity_dispositions.set_index("entity_id")
    assert ent.at[entity, "flags"] == flags


FIELD_CASES = [  # policy changes, field, exported, reason contains
    ({}, "id_number", False, "not needed by any buyer purpose"),
    ({}, "phone", True, "needed by"),
    ({"purposes": {"kyc": ["full_name", "id_number"]}, "original_purposes": ["kyc"]}, "id_number", True, "needed by kyc"),
    ({"purposes": {"kyc": ["full_name", "id_number"]}, "original_purposes": ["kyc"]}, "phone", False, "not needed"),
    # a new purpose: its fields stay behind until re-consent
    ({"purposes": {"kyc": ["full_name", "id_number"], "shop": ["full_name"]},
      "original_purposes": ["shop"]}, "id_number", False, "needed only by new purpose(s) kyc"),
    # the same purpose name with a new processing method is a new purpose (profiling)
    ({"purposes": {"shop": {"fields": ["full_name", "id_number"], "method": "profiling"}, "post": ["full_name"]},
      "original_purposes": {"shop": {"method": "order handling"}, "post": None}}, "id_number", False,
     "needed only by new purpose(s) shop"),
    ({"purposes": {"shop": {"fields": ["full_name", "id_number"], "method": "order handling"}},
      "original_purposes": {"shop": {"method": "order handling"}}}, "id_number", True, "needed by shop"),
    # a field only marketing needs travels only with marketing consent
    ({"purposes": {"post": ["full_name"], "marketing": ["full_name", "email", "marketing_consent"]},
      "original_purposes": ["post", "marketing"]}, "email", True, "marketing consent is on record"),
]


@pytest.mark.parametrize("changes,field,exported,reason", FIELD_CASES)
def test_minimisation(changes, field, exported, reason):
    res = run("merger", policy=_policy(**changes))
    assert (field in res.exported_fields) is exported
    assert (field in set(res.dropped_fields["field"])) is (not exported)
    assert reason in res.fields.set_index("field").at[field, "reason"]


def test_reconsent_list_asset_sale():
    assert cached("asset_sale").reconsent_list()["entity_id"].tolist() == ["E4", "E5", "E8"]


def test_business_transfer_basis_moves_everyone_with_its_code():
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat(), "asset_sale": {
        "basis": "business_transfer", "legal_opinion": "King & Wood opinion 2026-11-03"}})
    ent = run("asset_sale", policy=policy).entity_dispositions.set_index("entity_id")
    assert ent.at["E4", "reason_codes"] == "TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3"
    assert "HELD_NO_CONSENT" not in set(ent["reason_codes"])


ABROAD_CASES = [  # recipient country, abroad column of E1's consent, E1's reason codes
    ("CN", None, "TRANSFER_PIPL_ART23_CONSENT"),
    ("SG", None, "HELD_NO_CONSENT_ABROAD"),
    ("SG", "no", "HELD_NO_CONSENT_ABROAD"),
    ("SG", "yes", "TRANSFER_PIPL_ART23_CONSENT"),
]


@pytest.mark.parametrize("country,abroad,reasons", ABROAD_CASES)
def test_consent_must_cover_the_transfer_abroad(country, abroad, reasons):
    register = REGISTER if abroad is None else REGISTER.assign(abroad=abroad)
    ent = run("asset_sale", country=country, consent_register=register).entity_dispositions
    assert ent.set_index("entity_id").at["E1", "reason_codes"] == reasons


REGISTER_CASES = [  # register CSV text, error
    ("source,record_id\npos,1\n", r"missing column\(s\) consented_at"),
    ("source,record_id,consented_at\npos,99,2026-10-01\n", r"row 2 names no record of the sources"),
    ("source,record_id,consented_at\npos,1,\n", r"row 2 has no date"),
]


@pytest.mark.parametrize("text,match", REGISTER_CASES)
def test_consent_register_is_checked(text, match, tmp_path):
    from migration_kit.errors import LawfulnessError

    (tmp_path / "reg.csv").write_text(text, encoding="utf-8")
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat(),
                                   "asset_sale": {"consent_register": "reg.csv"}}, base_dir=tmp_path)
    with pytest.raises(LawfulnessError, match=match):
        run("asset_sale", policy=policy, consent_register=None)


RECONCILE_CASES = [  # n_input, dispositions, message
    (3, ["transferred", "merged"], r"input 3 != transferred 1 \+ merged 1 \+ excluded 0"),
    (2, ["transferred", "lost"], r"1 rows have another disposition"),
]


@pytest.mark.parametrize("n,dispositions,match", RECONCILE_CASES)
def test_reconcile_raises(n, dispositions, match):
    with pytest.raises(ScopingError, match=match):
        reconcile(n, pd.DataFrame({"disposition": dispositions}))


def test_result_reconcile_raises_when_tampered():
    res = run("merger")
    res.record_dispositions = res.record_dispositions.iloc[1:]
    with pytest.raises(ScopingError, match="input 10 != transferred"):
        res.reconcile()


BAD_INPUT_CASES = [  # mutation, message
    ("drop_entity_row", r"1 std records without an entity \(first: "),
    ("drop_golden_row", r"entity ids have no golden record \(first: E1\)"),
    ("duplicate_std", r"duplicate \(source, record_id\)"),
    ("duplicate_entity_row", r"entities lists a \(source, record_id\) more than once"),
]


@pytest.mark.parametrize("mutation,match", BAD_INPUT_CASES)
def test_inputs_checked(mutation, match):
    std, entities, golden, supp = make_data()
    if mutation == "drop_entity_row":
        entities = entities.iloc[1:]
    elif mutation == "drop_golden_row":
        golden = golden.iloc[1:]
    elif mutation == "duplicate_entity_row":
        entities = pd.concat([entities.iloc[:-1], entities.iloc[:1]], ignore_index=True)
    else:
        std = pd.concat([std, std.iloc[:1]])
    with pytest.raises(ScopingError, match=match):
        decide(std, entities, golden, supp, _policy(), make_deal())


def test_entities_in_another_order_than_std_decide_the_same():
    std, entities, golden, supp = make_data()
    aligned = decide(std, entities, golden, supp, _policy(), make_deal())
    shuffled = entities.sample(frac=1, random_state=7).reset_index(drop=True)
    assert not shuffled[["source", "record_id"]].equals(entities[["source", "record_id"]])
    other = decide(std, shuffled, golden, supp, _policy(), make_deal())
    pd.testing.assert_frame_equal(other.record_dispositions, aligned.record_dispositions)
    pd.testing.assert_frame_equal(other.entity_dispositions, aligned.entity_dispositions)


def test_decide_needs_transfer_date():
    std, entities, golden, supp = make_data()
    with pytest.raises(Exception, match="transfer_date"):
        decide(std, entities, golden, supp, PolicySpec.default(), make_deal())


def test_deterministic():
    a, b = run("asset_sale"), run("asset_sale")
    pd.testing.assert_frame_equal(a.record_dispositions, b.record_dispositions)
    pd.testing.assert_frame_equal(a.entity_dispositions, b.entity_dispositions)
