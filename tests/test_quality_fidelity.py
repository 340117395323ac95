"""Field reconciliation: each way a value can go missing, as data; the built-in fidelity gate."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.quality import QualitySpec
from migration_kit.quality.fidelity import FIDELITY_GATE, fidelity_gate, field_reconciliation
from migration_kit.schema import FIELD_RECONCILIATION_COLUMNS

# One customer E1 with records pos/1 and web/2; the baseline loses nothing.
BASE = {
    "std": {"raw__city": ["杭州", "杭州"], "city": ["杭州市", "杭州市"],
            "raw__postcode": ["310000", None], "postcode": ["310000", None],
            "address": ["西湖路1号", None]},
    "golden": {"city": "杭州市", "postcode": "310000", "address": "西湖路1号"},
    "lineage": [("city", "pos", "1", "most_complete (with address)"),
                ("postcode", "pos", "1", "most_complete (with address)"),
                ("address", "pos", "1", "most_complete")],
    "failures": [],
    "exported": {"city": True, "postcode": True, "address": True},
    "export": {"city": "杭州市", "postcode": "310000", "address": "西湖路1号"},
}

# (case, changes to BASE, field, expected counts)
CASES = [
    ("nothing lost", {}, "city",
     {"records_nulled": 0, "golden_lost": 0, "unexplained": 0, "exported_with_value": 1}),
    ("cleaning nulls with a failure entry", {
        "std": {"raw__city": ["杭州", "Hangzhuo"], "city": ["杭州市", None]},
        "failures": [("web", "2", "city", "CITY_UNKNOWN")]}, "city",
     {"records_nulled": 1, "records_nulled_by_rule": 1, "nulled_rules": "CITY_UNKNOWN:1",
      "unexplained": 0}),
    ("cleaning nulls silently", {"std": {"raw__city": ["杭州", "Hangzhuo"], "city": ["杭州市", None]}},
     "city", {"records_nulled": 1, "records_nulled_unexplained": 1, "unexplained": 1}),
    ("golden drops a value no rule explains", {
        "golden": {"city": None, "postcode": "310000", "address": "西湖路1号"},
        "lineage": [("postcode", "pos", "1", "most_complete (with address)")],
        "export": {"city": None, "postcode": "310000", "address": "西湖路1号"}}, "address",
     {"golden_lost": 0, "unexplained": 0}),
    ("golden drops a value with no lineage at all", {
        "golden": {"city": "杭州市", "postcode": "310000", "address": None},
        "lineage": [("city", "pos", "1", "most_recent")],
        "export": {"city": "杭州市", "postcode": "310000", "address": None}}, "address",
     {"golden_lost": 1, "golden_dropped_by_rule": 0, "unexplained": 1}),
    ("a place kept whole leaves another place's postcode out", {
        "std": {"raw__postcode": [None, "NW1"], "postcode": [None, "NW1"]},
        "golden": {"city": "杭州市", "postcode": None, "address": "西湖路1号"},
        "lineage": [("city", "pos", "1", "most_complete (with address)"),
                    ("address", "pos", "1", "most_complete")],
        "export": {"city": "杭州市", "postcode": None, "address": "西湖路1号"}}, "postcode",
     {"golden_lost": 0, "golden_dropped_by_rule": 1, "unexplained": 0}),
    ("golden value unlike its lineage record", {
        "golden": {"city": "宁波市", "postcode": "310000", "address": "西湖路1号"},
        "export": {"city": "宁波市", "postcode": "310000", "address": "西湖路1号"}}, "city",
     {"golden_untraced": 1, "unexplained": 1}),
    ("minimisation drops by its named rule", {
        "exported": {"city": True, "postcode": False, "address": True}}, "postcode",
     {"exported": False, "dropped_by_rule": 1, "drop_rule": "not needed by any buyer purpose",
      "unexplained": 0}),
    ("a formula-like address travels exactly and is counted", {
        "std": {"address": ["=HYPERLINK(\"x\")", None]},
        "golden": {"city": "杭州市", "postcode": "310000", "address": "=HYPERLINK(\"x\")"},
        "export": {"city": "杭州市", "postcode": "310000", "address": "=HYPERLINK(\"x\")"}},
     "address", {"exported_formula_like": 1, "golden_untraced": 0, "unexplained": 0}),
    ("a marketing-only field withheld from a customer who did not consent", {
        "conditions": {"city": "marketing_consent"},
        "export": {"city": None, "postcode": "310000", "address": "西湖路1号"}}, "city",
     {"export_lost": 0, "dropped_by_rule": 1, "drop_rule": "travels only with marketing_consent",
      "unexplained": 0}),
    ("an exported value missing from the buyer's table", {
        "export": {"city": None, "postcode": "310000", "address": "西湖路1号"}}, "city",
     {"export_lost": 1, "unexplained": 1}),
]


GROUPS = {"city": "most_complete (with address)", "postcode": "most_complete (with address)"}


def _frames(changes: dict) -> tuple:
    case = {**BASE, **changes}
    std = pd.DataFrame({"source": ["pos", "web"], "record_id": ["1", "2"],
                        **{**BASE["std"], **changes.get("std", {})}})
    ent = std[["source", "record_id"]].assign(entity_id="E1")
    golden = pd.DataFrame([{"entity_id": "E1", **case["golden"]}])
    lineage = pd.DataFrame([{"entity_id": "E1", "field": f, "source": s, "record_id": r, "rule": rule}
                            for f, s, r, rule in case["lineage"]],
                           columns=["entity_id", "field", "source", "record_id", "rule"])
    failures = pd.DataFrame(case["failures"], columns=["source", "record_id", "field", "reason_code"])
    conditions = changes.get("conditions", {})
    fields = pd.DataFrame([{"field": f, "exported": e, "condition": conditions.get(f, ""),
                            "reason": "needed" if e else "not needed by any buyer purpose"}
                           for f, e in case["exported"].items()])
    export = pd.DataFrame([{"entity_id": "E1", **{f: v for f, v in case["export"].items()
                                                  if case["exported"][f]}}])
    return std, failures, ent, golden, lineage, fields, export, GROUPS


@pytest.mark.parametrize("case, changes, field, expected", CASES, ids=[c[0] for c in CASES])
def test_each_way_a_value_goes_missing(case, changes, field, expected):
    recon = field_reconciliation(*_frames(changes))
    assert list(recon.columns) == list(FIELD_RECONCILIATION_COLUMNS)
    row = recon.set_index("field").loc[field]
    got = {k: (row[k] if isinstance(v, (bool, str)) else int(row[k])) for k, v in expected.items()}
    if "drop_rule" in expected:
        assert expected["drop_rule"] in got["drop_rule"]
        got["drop_rule"] = expected["drop_rule"]
    assert got == expected


def test_fields_nobody_holds_are_not_listed():
    recon = field_reconciliation(*_frames({}))
    assert set(recon["field"]) == {"city", "postcode", "address"}


@pytest.mark.parametrize("changes, status", [
    ({}, "pass"),
    ({"std": {"raw__city": ["杭州", "Hangzhuo"], "city": ["杭州市", None]}}, "fail"),
])
def test_gate_passes_only_without_unexplained_losses(changes, status):
    row = fidelity_gate(field_reconciliation(*_frames(changes)), QualitySpec.default()).iloc[0]
    assert (row["gate"], row["status"]) == (FIDELITY_GATE, status)
    if status == "fail":
        assert row["message"].startswith(
            f"gate {FIDELITY_GATE}: 1 values lost without a named rule (city: 1 records nulled in "
            "cleaning without a failure entry); see reports/field_reconciliation.csv")
        assert "杭州" not in row["message"] and "Hangzhuo" not in row["message"]


def test_gate_override_needs_reason_and_approver():
    spec = QualitySpec.from_dict({"overrides": [{"gate": FIDELITY_GATE, "reason": "cities re-keyed",
                                                 "approved_by": "DPO Zhang"}]})
    recon = field_reconciliation(*_frames({"std": {"raw__city": ["杭州", "x"], "city": ["杭州市", None]}}))
    row = fidelity_gate(recon, spec).iloc[0]
    assert (row["status"], row["override_reason"], row["approved_by"]) == (
        "overridden", "cities re-keyed", "DPO Zhang")
