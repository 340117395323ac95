"""QualitySpec: defaults, overriding checks, and rejection of bad sections with helpful messages."""
from __future__ import annotations

import pytest

from migration_kit.errors import ParamsError
from migration_kit.quality.spec import DEFAULT_CHECKS, CheckSpec, QualitySpec


def test_default_spec_has_unique_names_and_every_dimension():
    spec = QualitySpec.default()
    names = [c.name for c in spec.checks]
    assert len(names) == len(set(names)) == len(DEFAULT_CHECKS)
    assert {c.dimension for c in spec.checks} == {"completeness", "validity", "uniqueness", "consistency",
                                                  "timeliness", "accuracy"}
    known = spec.known_metrics()
    for m in ("overall", "validity", "validity.phone", "phone.unique", "uniqueness.entity_id", "phone.valid"):
        assert m in known
    assert spec.timeliness_years == 3.0 and spec.gates == () and spec.overrides == ()


BAD = [
    ({"gate": []}, r"quality\.gate: unknown key 'gate' \(did you mean 'gates'\?\); known keys: checks, gates"),
    ({"checks": [{"field": "phone", "check": "not_nul", "dimension": "completeness"}]},
     r"checks\[0\]\.check: received 'not_nul' \(did you mean 'not_null'\?\); allowed values: entity_unique, "),
    ({"checks": [{"field": "phone", "check": "not_null", "dimension": "completness"}]},
     r"checks\[0\]\.dimension: received 'completness'.*allowed values: completeness, validity"),
    ({"checks": [{"field": "phon", "check": "not_null", "dimension": "completeness"}]},
     r"checks\[0\]\.field: received 'phon' \(did you mean 'phone'\?\)"),
    ({"checks": [{"name": "phone.valid", "weight": 0}]}, r"checks\[0\]\.weight: received 0\.0; a weight must be > 0"),
    ({"checks": [{"name": "phone.valid", "weight": "high"}]}, r"checks\[0\]\.weight: received 'high' \(str\)"),
    ({"checks": [{"field": "phone", "check": "not_null", "dimension": "completeness", "params": {"scope": "all"}}]},
     r"params\.scope: unknown key 'scope'; known keys: use_raw"),
    ({"checks": [{"name": "phone.unique", "params": {"scope": "global"}}]},
     r"params\.scope: received 'global'; allowed values: all, source"),
    ({"checks": [{"name": "phone.recent", "field": "phone", "check": "recent", "dimension": "timeliness",
                  "params": {"years": "two"}}]}, r"params\.years: received 'two' \(str\); expected int or float"),
    ({"checks": [{"name": "validity.mine", "field": "phone", "check": "not_null", "dimension": "validity"}]},
     r"checks\[0\]\.name: received 'validity\.mine'; a check name must not start with a dimension"),
    ({"checks": [{"name": "phone.nope", "enabled": False}]}, r"no such check to disable; known: "),
    ({"checks": [{"weight": 2}]}, r"a check needs a name"),
    ({"gates": [{"metric": "validity.phon", "min": 95}]},
     r"gates\[0\]\.metric: unknown metric 'validity\.phon' \(did you mean 'validity\.phone'\?\); known metrics: "
     r"overall, completeness, validity"),
    ({"gates": [{"metric": "overall", "min": 120}]}, r"gates\[0\]\.min: received 120\.0; scores are 0-100"),
    ({"gates": [{"metric": "overall"}]}, r"gates\[0\]\.min: required key is missing"),
    ({"gates": [{"metric": "overall", "min": 80}, {"metric": "overall", "min": 90}]},
     r"gates\[1\]\.metric: received 'overall' twice"),
    ({"gates": [{"metric": "overall", "min": 80}], "overrides": [{"gate": "validity", "reason": "x",
                                                                  "approved_by": "y"}]},
     r"overrides\[0\]\.gate: received 'validity'; allowed values: overall"),
    ({"gates": [{"metric": "overall", "min": 80}], "overrides": [{"gate": "overall", "reason": " ",
                                                                  "approved_by": "y"}]},
     r"overrides\[0\]\.reason: received an empty value; an override needs a reason"),
    ({"gates": [{"metric": "overall", "min": 80}], "overrides": [{"gate": "overall", "reason": "ok"}]},
     r"overrides\[0\]\.approved_by: required key is missing"),
    ({"timeliness_years": -1}, r"timeliness_years: received -1\.0; must be > 0"),
    ({"checks": {"a": 1}}, r"quality\.checks: received .*expected list"),
]


@pytest.mark.parametrize("data,match", BAD)
def test_bad_sections_are_rejected(data, match):
    with pytest.raises(ParamsError, match=match):
        QualitySpec.from_dict(data)


GOOD = [
    # (data, check name, attribute, expected)
    ({"checks": [{"name": "phone.valid", "weight": 5}]}, "phone.valid", "weight", 5.0),
    ({"checks": [{"name": "phone.unique", "params": {"scope": "source"}}]}, "phone.unique", "params",
     {"scope": "source"}),
    ({"checks": [{"field": "created_at", "check": "failure_reason", "dimension": "accuracy",
                  "params": {"reasons": ["DATE_FUTURE"]}}]}, "created_at.failure_reason", "params",
     {"reasons": ["DATE_FUTURE"]}),
    ({"checks": [{"name": "phone.recent", "field": "phone", "check": "recent", "dimension": "timeliness"}]},
     "phone.recent", "dimension", "timeliness"),
]


@pytest.mark.parametrize("data,name,attr,expected", GOOD)
def test_checks_override_or_add(data, name, attr, expected):
    spec = QualitySpec.from_dict(data)
    got = {c.name: c for c in spec.checks}[name]
    assert getattr(got, attr) == expected
    others = {c.name: c.weight for c in spec.checks if c.name != name}
    defaults = {d["name"]: d["weight"] for d in DEFAULT_CHECKS if d["name"] != name}
    assert {k: others[k] for k in defaults} == defaults


def test_enabled_false_drops_a_default():
    spec = QualitySpec.from_dict({"checks": [{"name": "email.unique", "enabled": False}]})
    assert "email.unique" not in {c.name for c in spec.checks}
    assert len(spec.checks) == len(DEFAULT_CHECKS) - 1


GATES = [
    ("validity.phone", None, "validity.phone"),
    ("uniqueness.after", "after", "uniqueness"),
    ("overall.before", "before", "overall"),
    ("source.pos", None, "source.pos"),
    ("phone.unique", None, "phone.unique"),
]


@pytest.mark.parametrize("metric,stage,base", GATES)
def test_gate_metric_names(metric, stage, base):
    spec = QualitySpec.from_dict({"gates": [{"metric": metric, "min": 50}],
                                  "overrides": [{"gate": metric, "reason": "known gap", "approved_by": "DPO"}]})
    assert (spec.gates[0].stage, spec.gates[0].base_metric) == (stage, base)
    assert spec.override_for(metric).approved_by == "DPO"


def test_checkspec_default_name():
    c = CheckSpec.from_dict({"field": "email", "check": "unique", "dimension": "uniqueness"}, "w")
    assert (c.name, c.weight, c.params) == ("email.unique", 1.0, {"scope": "all"})
