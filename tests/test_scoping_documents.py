"""Roster, destruction log/certificate, processing record, cross-border figures; no plaintext personal data."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from migration_kit.errors import LawfulnessError, ParamsError, ScopingError
from migration_kit.scoping import (PolicySpec, build_roster, destruction_log, destruction_schedule, pipl_mechanism,
                                   processing_record, record_hash)
from migration_kit.scoping.crossborder import check_crossborder, gdpr_basis
from tests.test_scoping_decide import ROWS, SUPPRESSION, T, make_data, make_deal, run

KEY = b"s" * 32

ROSTER_CASES = [  # entity, channel, contact, language, due_by
    ("E1", "sms", "+8613800000001", "zh", pd.Timestamp(T)),
    ("E4", "email", "anna@example.de", "de", pd.Timestamp(T)),  # German, due at the transfer
    ("E5", "sms", "+8613800000006", "zh", pd.Timestamp(T)),
    ("E8", "post", "1 Main St, Springfield", "en", pd.Timestamp(T)),
]


@pytest.fixture(scope="module")
def merger():
    std, entities, golden, supp = make_data()
    return run("merger"), golden


@pytest.mark.parametrize("entity,channel,contact,language,due", ROSTER_CASES)
def test_roster(merger, entity, channel, contact, language, due):
    res, golden = merger
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    r = build_roster(golden, res.entity_dispositions, policy, make_deal()).set_index("entity_id")
    assert tuple(r.loc[entity, ["channel", "contact", "language", "due_by"]]) == (channel, contact, language, due)
    assert "Buyer Retail Ltd" in r.at[entity, "message"] and "400-800-1234" in r.at[entity, "message"]


def test_roster_only_transferred_and_no_contact_flagged(merger):
    res, golden = merger
    g = golden.copy()
    g.loc[g["entity_id"] == "E8", "address"] = None
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    r = build_roster(g, res.entity_dispositions, policy, make_deal())
    assert r["entity_id"].tolist() == ["E1", "E4", "E5", "E8"]
    assert r.set_index("entity_id").loc["E8", ["channel", "contact_missing"]].tolist() == ["none", True]


def test_roster_empty_for_share_sale(merger):
    _, golden = merger
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    assert build_roster(golden, run("share_sale").entity_dispositions, policy, make_deal("share_sale")).empty


def test_destruction_log_covers_every_excluded_record(merger):
    res, _ = merger
    log = destruction_log(res.record_dispositions, KEY, date=T)
    ex = res.record_dispositions[res.record_dispositions["disposition"] == "excluded"]
    assert len(log) == len(ex) == 5
    assert set(log["record_hash"]) == {record_hash(KEY, s, r) for s, r in zip(ex["source"], ex["record_id"])}
    assert log["destroyed"].all() and set(log["date"]) == {"2026-12-31"}


METHOD_CASES = [  # deal, (source, record_id), method starts with
    ("asset_sale", ("web", "3"), "retained by seller"),
    ("share_sale", ("pos", "1"), "retained (not destroyed): share sale"),
    ("merger", ("pos", "2"), "secure deletion"),
]


@pytest.mark.parametrize("kind,key,method", METHOD_CASES)
def test_destruction_methods(kind, key, method):
    log = destruction_log(run(kind).record_dispositions, KEY, date=T).set_index("record_hash")
    assert log.at[record_hash(KEY, *key), "method"].startswith(method)


@pytest.mark.parametrize("key", [b"short", "a string key of some length"])
def test_destruction_key_checked(merger, key):
    with pytest.raises(ScopingError, match="expected at least 16 random bytes"):
        destruction_log(merger[0].record_dispositions, key, date=T)


def test_schedule_counts_and_destroys_nothing(merger):
    log = destruction_log(run("share_sale").record_dispositions, KEY, date=T)
    text = destruction_schedule(log, seller_name="Seller", date=T)
    assert "| SHARE_SALE_NO_TRANSFER | 10 | 5 | 5 |" in text
    assert "| ERASURE_REQUEST | 2 | 2 | 0 |" in text
    assert "Nothing has been destroyed yet" in text and "migration-kit purge" in text
    assert "certificate of destruction" in text.lower() and "destroyed:" not in text.lower()


MECHANISM_CASES = [  # individuals, sensitive, seller's answers, mechanism
    (0, 0, {}, "exempt"), (99_999, 0, {}, "exempt"), (100_000, 0, {}, "standard_contract"),
    (10, 1, {}, "standard_contract"), (999_999, 9_999, {}, "standard_contract"),
    (100_000, 0, {"choice": "certification"}, "certification"),
    (1_000_000, 0, {}, "security_assessment"), (10, 10_000, {}, "security_assessment"),
    (10, 0, {"critical_infrastructure": True}, "security_assessment"),
    (10, 0, {"important_data": True}, "security_assessment"),
    (500_000, 5, {"exemption": "contract"}, "exempt"),
    (500_000, 5, {"exemption": "hr", "important_data": True}, "security_assessment"),
]


@pytest.mark.parametrize("n,s,answers,mechanism", MECHANISM_CASES)
def test_pipl_mechanism(n, s, answers, mechanism):
    assert pipl_mechanism(n, s, **answers) == mechanism


CHECK_CASES = [  # mechanism, reference, stops
    ("none", None, False), ("exempt", None, False), ("standard_contract", None, True),
    ("certification", None, True), ("security_assessment", None, True),
    ("security_assessment", "CAC-2026-00123", False), ("standard_contract", "粤网信备 2026-017", False),
]


@pytest.mark.parametrize("mechanism,reference,stops", CHECK_CASES)
def test_mechanism_needs_its_reference(mechanism, reference, stops):
    summary = {"pipl_mechanism": mechanism, "recipient_country": "SG", "individuals_leaving_cn_ytd": 1810}
    if stops:
        with pytest.raises(LawfulnessError, match=r"^handover stopped \(.*\): 1,810 individuals this year leave "
                           r"China for SG under '" + mechanism + r"'.*policy\.crossborder_reference"):
            check_crossborder(summary, reference)
    else:
        check_crossborder(summary, reference)


POLICY_CB_CASES = [  # policy.crossborder, error
    ({"exemption": "tourism"}, r"policy\.crossborder\.exemption: received 'tourism'"),
    ({"mechanism": "contract"}, r"policy\.crossborder\.mechanism: received 'contract'"),
    ({"critical_infrastructure": "yes"}, r"policy\.crossborder\.critical_infrastructure"),
    ({"ciio": True}, r"unknown key 'ciio'"),
]


@pytest.mark.parametrize("data,match", POLICY_CB_CASES)
def test_crossborder_answers_are_checked(data, match):
    with pytest.raises(ParamsError, match=match):
        PolicySpec.from_dict({"transfer_date": T.isoformat(), "crossborder": data})


GDPR_CASES = [("CN", "standard contractual clauses"), ("DE", "none needed"), ("JP", "adequacy decision"), ("US", "standard")]


@pytest.mark.parametrize("country,basis", GDPR_CASES)
def test_gdpr_basis(country, basis):
    assert gdpr_basis(country, PolicySpec(transfer_date=T)).startswith(basis)


CROSSBORDER_CASES = [  # recipient, purposes, key, expected
    ("CN", None, "pipl_mechanism", "none"),
    ("SG", None, "individuals_leaving_cn", 2),            # E1, E5 (CN); E4 DE and E8 US not counted
    ("SG", None, "pipl_mechanism", "exempt"),
    ("SG", {"kyc": ["full_name", "id_number"]}, "sensitive_individuals_leaving_cn", 1),   # E1 has an ID
    ("SG", {"kyc": ["full_name", "id_number"]}, "pipl_mechanism", "standard_contract"),
    ("SG", None, "eea_individuals", 1),
    ("CN", None, "gdpr_notice_due_by", "2027-01-30"),
]


@pytest.mark.parametrize("country,purposes,key,expected", CROSSBORDER_CASES)
def test_crossborder(country, purposes, key, expected):
    extra = {"purposes": purposes, "original_purposes": list(purposes)} if purposes else {}
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat(), **extra})
    assert run("merger", policy=policy, country=country).crossborder[key] == expected


def test_processing_record_content(merger):
    res, golden = merger
    text = processing_record(res, golden, PolicySpec.from_dict({"transfer_date": T.isoformat()}),
                             make_deal())
    assert "| RETENTION_EXPIRED | 1 | PIPL Art. 19" in text
    assert "| transferred | 4 |" in text and "| id_number | no | yes |" in text


PERSONAL = sorted({str(v) for row in ROWS for v in (row[3], row[4], row[5], row[6], row[9]) if v}
                  | {str(v) for row in SUPPRESSION for v in row[2:] if v})


@pytest.mark.parametrize("kind", ["merger", "asset_sale", "share_sale"])
def test_documents_hold_no_plaintext(kind):
    std, _, golden, _ = make_data()
    res = run(kind, country="SG")
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    log = destruction_log(res.record_dispositions, KEY, date=T)
    docs = {
        "log": log.to_csv(index=False),
        "schedule": destruction_schedule(log, seller_name="Seller", date=T),
        "record": processing_record(res, golden, policy, make_deal(kind, "SG")),
        "crossborder": repr(res.crossborder),
        "dispositions": res.record_dispositions.to_csv(index=False) + res.entity_dispositions.to_csv(index=False),
    }
    assert len(PERSONAL) >= 15
    assert all(v in std.to_csv(index=False) + "qq7@qq.com +8613800000008" for v in PERSONAL)  # control: scan can hit
    for name, text in docs.items():
        leaked = [v for v in PERSONAL if v in text]
        assert not leaked, f"{name} leaks {len(leaked)} personal values"


RECORD_ITEMS = [  # what the processing record must hold (PIPL Art. 55-56; GDPR Art. 30, 35)
    "## Impact assessment (PIPL Art. 55-56; GDPR Art. 35)", "Purposes, lawfulness and necessity",
    "Risks and safeguards", "Assessed by (DPO", "Kept for at least three years (PIPL Art. 56)",
    "## Record of processing (GDPR Art. 30)", "Data protection officer:", "EU representative (GDPR Art. 27)",
    "Categories of data subjects", "Retention:", "Security measures", "transfers to third countries",
]


@pytest.mark.parametrize("item", RECORD_ITEMS)
def test_processing_record_holds_the_required_items(merger, item):
    res, golden = merger
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    assert item in processing_record(res, golden, policy, make_deal())


def test_marketing_counts_only_customers_who_consented(merger):
    res, golden = merger
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    text = processing_record(res, golden, policy, make_deal())
    moved = set(res.entity_dispositions.query("disposition == 'transferred'")["entity_id"])
    g = golden[golden["entity_id"].isin(moved)]
    consented = int(g["marketing_consent"].astype("boolean").fillna(False).sum())
    assert f"| marketing | {consented} |" in text and consented < len(moved)


ANNEX_ITEMS = [  # document, what it must hold
    ("incident", "PIPL Art. 57"), ("incident", "第五十七条"), ("incident", "within 72 hours"),
    ("incident", "Notice to the authority"), ("incident", "Notice to the customers"), ("incident", "400-800-1234"),
    ("transfer", "What is transferred"), ("transfer", "Basis"), ("transfer", "Security"),
    ("transfer", "Retention and deletion"), ("transfer", "Onward transfer"), ("transfer", "Signatures"),
    ("confidentiality", "保密"), ("confidentiality", "survives the end of the agreement"),
]


@pytest.mark.parametrize("doc,item", ANNEX_ITEMS)
def test_annexes_hold_their_items(merger, doc, item):
    from migration_kit.scoping.annexes import confidentiality_annex, incident_plan, transfer_annex

    res, golden = merger
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    text = {"incident": incident_plan(make_deal()), "transfer": transfer_annex(res, golden, policy, make_deal()),
            "confidentiality": confidentiality_annex(make_deal())}[doc]
    assert item in text
