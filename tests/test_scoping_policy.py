"""PolicySpec and the rule table: built from dicts, validated, unknown names rejected."""
from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest

from migration_kit.errors import ParamsError
from migration_kit.scoping.disposition import entity_features
from migration_kit.scoping.policy import PolicySpec
from migration_kit.scoping.rules import PREDICATES, RULE_TABLE, RULES, Rule, RuleContext
from tests.test_scoping_decide import T, make_data, make_deal

GOOD_CASES = [  # data, attribute, expected
    ({"transfer_date": "2026-12-31"}, "transfer_date", dt.date(2026, 12, 31)),
    ({"transfer_date": dt.date(2026, 1, 2)}, "transfer_date", dt.date(2026, 1, 2)),
    ({"transfer_date": dt.datetime(2026, 1, 2, 9)}, "transfer_date", dt.date(2026, 1, 2)),
    ({"transfer_date": "2026-12-31"}, "retention_years", 3),
    ({"transfer_date": "2026-12-31", "retention_years": 0}, "retention_years", None),
    ({"transfer_date": "2026-12-31", "retention_years": None}, "retention_years", None),
    ({"transfer_date": "2026-12-31"}, "minors", "exclude"),
    ({"transfer_date": "2026-12-31", "eu_countries": ["de"]}, "eu_countries", ("DE",)),
    ({"transfer_date": "2026-12-31", "purposes": {"shop": ["phone"]}}, "purposes", {"shop": ("phone",)}),
    ({"transfer_date": "2026-12-31", "destroy": {"WITHDRAWN_CONSENT": False}}, "destroy", {"WITHDRAWN_CONSENT": False}),
]


@pytest.mark.parametrize("data,attr,expected", GOOD_CASES)
def test_policy_from_dict(data, attr, expected):
    assert getattr(PolicySpec.from_dict(data), attr) == expected


BAD_CASES = [  # data, message
    ({}, r"policy.transfer_date: required key is missing"),
    ({"transfer_date": "31/12/2026"}, r"received '31/12/2026'; expected a date as YYYY-MM-DD"),
    ({"transfer_date": "2026-12-31", "minor_agee": 14}, r"unknown key 'minor_agee' \(did you mean 'minor_age'\?\); known keys: .*transfer_date"),
    ({"transfer_date": "2026-12-31", "minors": "drop"}, r"policy.minors: received 'drop'.*allowed values: exclude, guardian_consent"),
    ({"transfer_date": "2026-12-31", "minors": "guardian_consent"}, r"minors: guardian_consent needs guardian_consents"),
    ({"transfer_date": "2026-12-31", "guardian_consents": "nope.csv"}, r"policy.guardian_consents: file not found"),
    ({"transfer_date": "2026-12-31", "retention_years": -1}, r"received -1; expected 0 \(off\)"),
    ({"transfer_date": "2026-12-31", "purposes": {"shop": ["phone_no"]}}, r"policy.purposes.shop\[0\]: received 'phone_no' \(did you mean 'phone'\?\)"),
    ({"transfer_date": "2026-12-31", "purposes": {}}, r"no purpose listed"),
    ({"transfer_date": "2026-12-31", "sensitive_fields": ["idnum"]}, r"sensitive_fields\[0\]: received 'idnum'"),
    ({"transfer_date": "2026-12-31", "notification": {"templates": {"en": "Hi {customer}"}}}, r"received 'customer'.*allowed values: recipient_name"),
    ({"transfer_date": "2026-12-31", "notification": {"language": {"CN": "xx"}}}, r"language.CN: received 'xx', which has no notice; known languages: de, en, es"),
    ({"transfer_date": "2026-12-31", "notification": {"lang": {}}}, r"unknown key 'lang'"),
    ({"transfer_date": "2026-12-31", "asset_sale_basis": {"active_contract_days": 365}},
     r"policy.asset_sale_basis: replaced by policy.asset_sale .* marketing consent and recent activity do not count"),
    ({"transfer_date": "2026-12-31", "asset_sale": {"basis": "consent"}}, r"asset_sale.basis: received 'consent'"),
    ({"transfer_date": "2026-12-31", "asset_sale": {"basis": "business_transfer"}},
     r"asset_sale.legal_opinion: basis business_transfer needs the reference of the legal opinion"),
    ({"transfer_date": "2026-12-31", "asset_sale": {"consent_register": "none.csv"}}, r"consent_register: file not found"),
    ({"transfer_date": "2026-12-31", "children_sources": "school"}, r"children_sources"),
    ({"transfer_date": "2026-12-31", "destroy": {"ERASURE": True}}, r"policy.destroy.ERASURE: received 'ERASURE' \(did you mean 'ERASURE_REQUEST'\?\)"),
    ({"transfer_date": "2026-12-31", "eu_countries": ["Germany"]}, r"eu_countries\[0\]: received 'Germany'; expected ISO2"),
    ({"transfer_date": "2026-12-31", "crossborder_prior": {"people": 3}}, r"unknown key 'people'"),
]


@pytest.mark.parametrize("data,match", BAD_CASES)
def test_policy_rejects(data, match):
    with pytest.raises(ParamsError, match=match):
        PolicySpec.from_dict(data)


def test_guardian_consents_path_relative_to_base_dir(tmp_path):
    (tmp_path / "g.csv").write_text("source,record_id\npos,1\n")
    p = PolicySpec.from_dict({"transfer_date": "2026-12-31", "minors": "guardian_consent", "guardian_consents": "g.csv"},
                             base_dir=tmp_path)
    assert p.guardian_consents == (tmp_path / "g.csv").resolve()


LANG_CASES = [("CN", "zh"), ("DE", "de"), ("FR", "fr"), ("ES", "es"), ("IT", "it"), ("NL", "nl"),
              ("US", "en"), (None, "en")]


@pytest.mark.parametrize("country,lang", LANG_CASES)
def test_language_for(country, lang):
    assert PolicySpec.from_dict({"transfer_date": "2026-12-31"}).notification.language_for(country) == lang


RULE_BAD_CASES = [  # rule dict, message
    ({"code": "X", "kind": "drop", "article": "a", "description": "d", "test": "always"}, r"kind: received 'drop'"),
    ({"code": "X", "kind": "flag", "article": "a", "description": "d", "test": "alway"}, r"test: received 'alway' \(did you mean 'always'\?\)"),
    ({"code": "X", "kind": "flag", "article": "a", "description": "d", "test": "always", "deal_types": ["sale"]}, r"deal_types\[0\]: received 'sale'"),
    ({"code": "X", "kind": "flag", "article": "a", "test": "always"}, r"description: required key is missing"),
    ({"code": "X", "kind": "flag", "article": "a", "description": "d", "test": "always", "when": 1}, r"unknown key 'when'"),
]


@pytest.mark.parametrize("data,match", RULE_BAD_CASES)
def test_rule_from_dict_rejects(data, match):
    with pytest.raises(ParamsError, match=match):
        Rule.from_dict(data, "rule")


def test_rule_table_is_complete_and_unique():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes)) == len(RULE_TABLE)
    assert all(r.article and r.description for r in RULES)


@functools.lru_cache(maxsize=1)
def _features():
    std, entities, golden, supp = make_data()
    policy = PolicySpec.from_dict({"transfer_date": T.isoformat()})
    return entity_features(std, entities, golden, supp, policy)


PREDICATE_POLICIES = [  # policy variant: every predicate branch that reads a column runs
    PolicySpec(transfer_date=T),
    PolicySpec(transfer_date=T, minors="guardian_consent", purposes={"ads": ("phone",)}),
]


@pytest.mark.parametrize("name", PREDICATES.names())
def test_predicate_needs_are_entity_feature_columns(name):
    assert set(PREDICATES[name].needs) <= set(_features().columns)


@pytest.mark.parametrize("policy", PREDICATE_POLICIES)
@pytest.mark.parametrize("name", PREDICATES.names())
def test_predicate_reads_only_what_it_needs(name, policy):
    feats = _features()[list(PREDICATES[name].needs)]  # an undeclared column would be a KeyError
    out = PREDICATES[name].fn(RuleContext(feats, policy, make_deal("merger", country="SG")))
    assert out.shape == (len(feats),) and out.dtype == bool


SENSITIVITY_CASES = [  # policy.sensitive_fields (None: default), field, sensitive, reason starts with
    (None, "id_number", True, "sensitive (PIPL Art. 28"),
    (None, "total_spent", True, "sensitive (GB/T 35273-2020 Annex B"),
    (None, "phone", False, "needed by"),
    (["id_number"], "total_spent", False, "ordinary by policy.sensitive_fields (default sensitive: GB/T"),
    (["id_number", "total_spent", "birth_date"], "birth_date", True,
     "sensitive by policy.sensitive_fields (default ordinary"),
]


@pytest.mark.parametrize("fields,field,sensitive,reason", SENSITIVITY_CASES)
def test_one_sensitivity_list_with_its_source(fields, field, sensitive, reason):
    data = {"transfer_date": "2026-12-31", **({"sensitive_fields": fields} if fields else {})}
    plan = PolicySpec.from_dict(data).field_plan([field]).iloc[0]
    assert (bool(plan["sensitive"]), plan["reason"][: len(reason)]) == (sensitive, reason)


@pytest.mark.parametrize("fields,expected", [(None, "sensitive"), (["id_number"], "ordinary")])
def test_classification_follows_the_same_list(fields, expected):
    from migration_kit.intake import classify_columns
    from migration_kit.schema import DEFAULT_SENSITIVE_FIELDS

    df = pd.DataFrame({"id": ["1"], "spent": ["12.50"]})
    out = classify_columns("pos", df, "id", {"total_spent": ("spent",)}, (),
                           tuple(fields) if fields else DEFAULT_SENSITIVE_FIELDS)
    assert out.set_index("column").at["spent", "sensitivity"] == expected


#: Every rule's legal source, checked one by one (a change of citation is a decision, not a typo).
ARTICLES = {
    "SHARE_SALE_NO_TRANSFER": "PIPL Art. 22-23 not engaged (controller unchanged)",
    "ERASURE_REQUEST": "PIPL Art. 47; GDPR Art. 17",
    "WITHDRAWN_CONSENT": "PIPL Art. 15, 47(1)3; GDPR Art. 7(3), 17(1)(b)",
    "RETENTION_EXPIRED": "PIPL Art. 19, 47(1)2; GDPR Art. 5(1)(e)",
    "MINOR_UNDER_14": "PIPL Art. 28, 31",
    "HELD_AGE_UNKNOWN": "PIPL Art. 28, 31",
    "HELD_NO_CONSENT": "PIPL Art. 23",
    "HELD_NO_CONSENT_ABROAD": "PIPL Art. 39",
    "MARKETING_OPTOUT": "PIPL Art. 15, 24(2), 44; GDPR Art. 21(2)-(3)",
    "NOTIFY_RECIPIENT": "PIPL Art. 22 (name and contact); Art. 23 (asset sale: also purpose, method and "
                        "categories, and separate consent)",
    "EU_NOTICE_ART14": "GDPR Art. 14(3)(a)",
    "CN_EXPORT_ART39": "PIPL Art. 38-39; Cross-Border Data Flow Provisions 2024",
    "RECONSENT_NEW_PURPOSE": "PIPL Art. 22 (2nd sentence); GDPR Art. 6(4)",
    "GUARDIAN_CONSENT": "PIPL Art. 28, 31",
}


@pytest.mark.parametrize("code,article", sorted(ARTICLES.items()))
def test_each_rule_cites_its_article(code, article):
    assert {r.code: r.article for r in RULES}[code] == article


def test_every_rule_has_its_citation_checked():
    assert {r.code for r in RULES} == set(ARTICLES)
