"""The params reference (docs/params.md) is generated from the spec classes and cannot drift."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from migration_kit.params import load_params
from migration_kit.params_reference import Section, collect, missing_examples, render

REPO = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("params_reference_script", REPO / "scripts" / "params_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_reference_is_the_generated_one():
    script = _script()
    assert (REPO / "docs" / "params.md").read_text(encoding="utf-8") == script.reference(), (
        "docs/params.md is stale: run .venv/bin/python scripts/params_reference.py")


def test_every_accepted_key_has_an_example_and_a_description():
    script = _script()
    sections = collect(script.EXAMPLES)
    assert missing_examples(sections) == []
    top = {k for s in sections.values() if s.name == "Params" for k in s.allowed}
    assert {"client", "deal", "sources", "suppression", "policy", "linkage", "golden", "quality", "keys"} <= top
    # every key is described, but for the small mappings inside one key (each listed under the key
    # whose description says what they hold)
    inner = {"policy.purposes.<name>", "policy.purposes.order_fulfilment", "policy.crossborder_prior",
             "linkage.tf_classes"}
    undocumented = [f"{s.paths[0]}.{k}" for s in sections.values() for k in s.allowed
                    if not s.described.get(k) and not set(s.paths) & inner]
    assert undocumented == []


@pytest.mark.parametrize("name", ["params_example.yaml", "params_example_planned.yaml"])
def test_the_example_files_are_valid_params(name):
    assert load_params(REPO / "docs" / name).client.startswith("example")


def test_a_key_without_an_example_is_reported():
    sections = {"Deal": Section("Deal", allowed=("type", "seller"), examples={"type": ("x.yaml", "merger")})}
    assert missing_examples(sections) == ["Deal.seller"]
    assert "(none)" in render(sections)


def test_the_readme_points_at_the_reference():
    assert "docs/params.md" in (REPO / "README.md").read_text(encoding="utf-8")
