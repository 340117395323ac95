"""Registry: lookup by name, parameter resolution, needs, double registration, describe()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migration_kit.errors import ParamsError
from migration_kit.registry import REQUIRED, Entry, Registry


def _make() -> Registry[Callable[..., Any]]:
    reg: Registry[Callable[..., Any]] = Registry("level test")

    @reg.register("at_least", needs=("value",), threshold=REQUIRED)
    def _at_least(value: float, threshold: float) -> bool:
        """value >= threshold

        More text that is not the description.
        """
        return value >= threshold

    @reg.register("exact", mode="strict")
    def _exact(a: Any, b: Any) -> bool:
        return a == b

    reg.add("always", lambda: True, doc="every pair")
    return reg


def test_entry_holds_function_params_needs_and_first_doc_line() -> None:
    entry = _make().get("at_least", "levels[0].test")
    assert isinstance(entry, Entry)
    assert (entry.name, entry.fn(3, 2), entry.params, entry.needs, entry.doc) == (
        "at_least",
        True,
        {"threshold": REQUIRED},
        ("value",),
        "value >= threshold",
    )
    assert entry.required == ("threshold",)


GET_REJECTS = [  # name, message
    (
        "at_lest",
        r"^levels\[0\]\.test: received 'at_lest' \(did you mean 'at_least'\?\); "
        r"allowed values: at_least, exact, always$",
    ),
    ("nothing_like", r"received 'nothing_like'; allowed values: at_least, exact, always"),
    (None, r"received None; allowed values: at_least"),
]


@pytest.mark.parametrize("name,match", GET_REJECTS)
def test_unknown_name_lists_known_ones(name: Any, match: str) -> None:
    with pytest.raises(ParamsError, match=match):
        _make().get(name, "levels[0].test")


RESOLVE_CASES = [  # name, given, resolved
    ("at_least", {"threshold": 2}, {"threshold": 2}),
    ("exact", None, {"mode": "strict"}),
    ("exact", {}, {"mode": "strict"}),
    ("exact", {"mode": "loose"}, {"mode": "loose"}),
    ("always", None, {}),
]


@pytest.mark.parametrize("name,given,expected", RESOLVE_CASES)
def test_resolve_params_merges_defaults(name: str, given: Any, expected: dict) -> None:
    assert _make().resolve_params(name, given, "levels[0]") == expected


RESOLVE_REJECTS = [  # name, given, message
    (
        "exact",
        {"mod": "x"},
        r"^levels\[0\]\.mod: unknown key 'mod' \(did you mean 'mode'\?\); "
        r"known keys: mode$",
    ),
    ("always", {"threshold": 1}, r"levels\[0\]\.threshold: unknown key 'threshold'; known keys: $"),
    (
        "at_least",
        {},
        r"^levels\[0\]\.threshold: level test 'at_least' needs 'threshold'; "
        r"add 'threshold: <value>'$",
    ),
    ("at_least", {"threshold": None}, r"levels\[0\]\.threshold: level test 'at_least' needs"),
    ("at_lest", {}, r"^levels\[0\]\.test: received 'at_lest' \(did you mean 'at_least'\?\)"),
    # not a mapping: rejected as such, not turned into a dict (a list of pairs used to pass)
    ("exact", ["mode"], r"^levels\[0\]: expected a mapping, received list$"),
    ("exact", [("mode", "loose")], r"^levels\[0\]: expected a mapping, received list$"),
    ("exact", [], r"^levels\[0\]: expected a mapping, received list$"),
]


@pytest.mark.parametrize("name,given,match", RESOLVE_REJECTS)
def test_resolve_params_rejects(name: str, given: Any, match: str) -> None:
    with pytest.raises(ParamsError, match=match):
        _make().resolve_params(name, given, "levels[0]")


REGISTER_TWICE = [  # how the second registration is made
    lambda reg: reg.register("exact")(lambda a, b: a is b),
    lambda reg: reg.add("always", lambda: False),
]


@pytest.mark.parametrize("again", REGISTER_TWICE)
def test_double_registration_is_refused(again: Callable[[Registry], Any]) -> None:
    reg = _make()
    with pytest.raises(ValueError, match=r"level test '(exact|always)' is already registered"):
        again(reg)
    assert len(reg) == 3


def test_unregister_frees_the_name() -> None:
    reg = _make()
    entry = reg.unregister("always")
    assert entry.doc == "every pair"
    assert "always" not in reg and reg.names() == ["at_least", "exact"]
    reg.add("always", lambda: False)
    assert reg["always"].fn() is False


def test_describe_one_row_per_entry_in_registration_order() -> None:
    assert _make().describe() == [
        {
            "name": "at_least",
            "params": {"threshold": REQUIRED},
            "needs": ["value"],
            "doc": "value >= threshold",
        },
        {"name": "exact", "params": {"mode": "strict"}, "needs": [], "doc": ""},
        {"name": "always", "params": {}, "needs": [], "doc": "every pair"},
    ]


def test_container_protocol() -> None:
    reg = _make()
    assert (list(reg), len(reg), "exact" in reg, "nope" in reg) == (
        ["at_least", "exact", "always"],
        3,
        True,
        False,
    )
    assert repr(reg) == "Registry('level test': at_least, exact, always)"
    assert repr(REQUIRED) == "REQUIRED"
