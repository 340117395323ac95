"""Survivorship rules as data: which record of an entity gives each golden value.

A rule names a golden field, a strategy and, for record-picking strategies, an optional ``group``
of further fields that must come from the *same* record (name parts, address parts), so a golden
record never mixes one person's family name with another record's given name.

Strategies
----------
Record-picking (the chosen record gives the value; ties broken by source priority, then recency,
then the smaller ``(source, record_id)`` key):

``most_recent``
    the record with the latest ``last_activity_at`` (``created_at`` when that is null).
``most_complete``
    the record with the most non-null fields of the rule (field plus group), then the longest value.
``source_priority``
    the record from the most trusted source (``source_order`` of the rule, else the spec's
    ``source_priority``); unlisted sources rank after listed ones, tied (recency decides).
``most_frequent``
    the mode of the field among the entity's records.
``max`` / ``min``
    the largest / smallest value (``created_at`` min, ``last_activity_at`` max).
``any_true`` / ``all_true``
    booleans: True if any / only if all stated values are True; the lineage names the deciding
    record.

Aggregating: ``sum`` adds the non-null values (``total_spent``, ``order_count``) exactly (money as
integer minor units of its decimal, counts as int64; a total too large for its type is an error,
never rounded); every record that contributed gets a lineage row.

``validated_only`` is implicit: only non-null standardized values are candidates (cleaning nulled
the invalid ones), so a record whose phone failed validation can never give the golden phone.

Marketing consent: the default is ``all_true``: the golden record says "consented" only if every
record that states consent says yes; one refusal or withdrawal in any source wins. Records with no
statement (null) do not count either way; an entity with no statement at all has null consent,
which scoping must treat as "no consent". This is the privacy-safe reading of PIPL art. 14/15 and
GDPR art. 7(3): a withdrawal is never overridden by an older or parallel yes.

Example
-------
>>> spec = SurvivorshipSpec.from_dict({"rules": {"email": {"strategy": "source_priority",
...                                                         "source_order": ["webshop", "pos"]}}})
>>> spec.rule_for("email").strategy
'source_priority'
>>> spec.rule_for("family_name").field    # grouped under the full_name rule
'full_name'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from .._spec import check_choice, check_keys, check_type, require
from ..errors import ParamsError
from ..schema import STD_COLUMNS

__all__ = [
    "FIELD_KINDS",
    "PICK_STRATEGIES",
    "STRATEGIES",
    "SurvivorshipRule",
    "SurvivorshipSpec",
]

#: Strategies that choose one record per entity (and so can carry a ``group``).
PICK_STRATEGIES: tuple[str, ...] = (
    "most_recent",
    "most_complete",
    "source_priority",
    "most_frequent",
)
#: Every strategy a rule may name.
STRATEGIES: tuple[str, ...] = (*PICK_STRATEGIES, "max", "min", "sum", "any_true", "all_true")

#: Kind of every standardized field: "text", "date", "number" or "bool" (see docs/architecture.md).
FIELD_KINDS: dict[str, str] = {f: "text" for f in STD_COLUMNS}
FIELD_KINDS.update(
    birth_date="date",
    created_at="date",
    last_activity_at="date",
    total_spent="number",
    order_count="number",
    marketing_consent="bool",
)

_KINDS_FOR: dict[str, tuple[str, ...]] = {
    "sum": ("number",),
    "max": ("number", "date"),
    "min": ("number", "date"),
    "any_true": ("bool",),
    "all_true": ("bool",),
}

_RULE_KEYS = ("strategy", "source_order", "group")
_SPEC_KEYS = ("rules", "source_priority", "decisions")


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    check_type(value, (list, tuple), where)
    for i, item in enumerate(value):
        check_type(item, str, f"{where}[{i}]")
    require(
        len(set(value)) == len(value), where, f"received {list(value)!r}: names must not repeat"
    )
    return tuple(value)


@dataclass(frozen=True)
class SurvivorshipRule:
    """How one golden field (and its group) is chosen.

    Parameters
    ----------
    field : str
        The standardized field (one of ``STD_COLUMNS``); for a group, the lead field whose non-null
        value makes a record a candidate.
    strategy : str
        One of ``STRATEGIES``.
    source_order : tuple of str, optional
        Trusted source order for this rule (``source_priority``, and tie-breaks); default: the
        spec's.
    group : tuple of str
        Further fields taken from the same record as ``field`` (pick strategies only).

    Example
    -------
    >>> SurvivorshipRule.from_dict("phone",
    ...                            {"strategy": "most_recent", "group": ["phone_type"]}).fields
    ('phone', 'phone_type')
    """

    field: str
    strategy: str
    source_order: tuple[str, ...] | None = None
    group: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """The lead field followed by the group fields."""
        return (self.field, *self.group)

    @classmethod
    def from_dict(
        cls, field: str, data: Mapping[str, Any], where: str = "golden.rules"
    ) -> SurvivorshipRule:
        """Build and validate a rule from ``{strategy, source_order?, group?}``."""
        here = f"{where}.{field}"
        check_choice(field, STD_COLUMNS, here)
        if isinstance(data, str):  # shorthand: ``email: most_recent``
            data = {"strategy": data}
        check_keys(data, _RULE_KEYS, here, required=("strategy",))
        strategy = check_choice(data["strategy"], STRATEGIES, f"{here}.strategy")
        order = data.get("source_order")
        order = None if order is None else _str_list(order, f"{here}.source_order")
        group = _str_list(data.get("group") or [], f"{here}.group")
        for i, g in enumerate(group):
            check_choice(g, STD_COLUMNS, f"{here}.group[{i}]")
            require(
                g != field,
                f"{here}.group[{i}]",
                f"received {g!r}: the lead field cannot be in its own group",
            )
        if group:
            require(
                strategy in PICK_STRATEGIES,
                f"{here}.group",
                f"strategy {strategy!r} cannot carry a group; use one of: "
                f"{', '.join(PICK_STRATEGIES)}",
            )
        if strategy in _KINDS_FOR:
            kind = FIELD_KINDS[field]
            require(
                kind in _KINDS_FOR[strategy],
                f"{here}.strategy",
                f"strategy {strategy!r} needs a {' or '.join(_KINDS_FOR[strategy])} field; "
                f"{field!r} is {kind}: use one of {', '.join(PICK_STRATEGIES)}",
            )
        return cls(field=field, strategy=strategy, source_order=order, group=group)


_NAME_GROUP = ("family_name", "given_name", "name_key", "pinyin_key")
_ADDRESS_GROUP = ("province", "city", "district", "region_code", "postcode")

#: The default rule set (covers every column of ``STD_COLUMNS`` exactly once).
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "full_name": {"strategy": "most_complete", "group": list(_NAME_GROUP)},
    "gender": {"strategy": "most_frequent"},
    "birth_date": {"strategy": "most_frequent"},
    "phone": {"strategy": "most_recent", "group": ["phone_type"]},
    "email": {"strategy": "most_recent"},
    "id_number": {"strategy": "most_frequent"},
    "address": {"strategy": "most_complete", "group": list(_ADDRESS_GROUP)},
    "country": {"strategy": "most_frequent"},
    "organization": {"strategy": "most_recent"},
    "created_at": {"strategy": "min"},
    "last_activity_at": {"strategy": "max"},
    "total_spent": {"strategy": "sum"},
    "order_count": {"strategy": "sum"},
    "marketing_consent": {"strategy": "all_true"},
}


@dataclass(frozen=True)
class SurvivorshipSpec:
    """The whole survivorship rule set.

    Parameters
    ----------
    rules : tuple of SurvivorshipRule
        Exactly one rule covers each column of ``STD_COLUMNS`` (as lead or group member).
    source_priority : tuple of str
        Global trusted source order (most trusted first); used by ``source_priority`` rules without
        their own order and to break ties everywhere.
    decisions : str, optional
        Path of the review decisions CSV the glue applies before building golden records.

    Example
    -------
    >>> len(SurvivorshipSpec.default().rules)
    14
    """

    rules: tuple[SurvivorshipRule, ...]
    source_priority: tuple[str, ...] = ()
    decisions: str | None = None
    _by_field: dict[str, SurvivorshipRule] = dc_field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for rule in self.rules:
            for f in rule.fields:
                require(
                    f not in seen,
                    f"golden.rules.{rule.field}",
                    f"field {f!r} is already chosen by the rule of {seen.get(f)!r}; "
                    "a field may appear in one rule only",
                )
                seen[f] = rule.field
                self._by_field[f] = rule
            if rule.strategy == "source_priority":
                require(
                    bool(rule.source_order or self.source_priority),
                    f"golden.rules.{rule.field}.source_order",
                    "strategy 'source_priority' needs a source_order on the rule or a global "
                    "source_priority",
                )
        missing = [f for f in STD_COLUMNS if f not in seen]
        require(
            not missing,
            "golden.rules",
            f"no rule covers {', '.join(missing)}; add a rule for each (or a group member) "
            "- a rule you define replaces the whole default rule it overlaps",
        )

    def rule_for(self, field: str) -> SurvivorshipRule:
        """Return the rule that chooses ``field`` (directly or as a group member)."""
        check_choice(field, STD_COLUMNS, "golden.rules")
        return self._by_field[field]

    @classmethod
    def default(cls) -> SurvivorshipSpec:
        """The default rule set (see ``DEFAULT_RULES`` and the module docstring)."""
        return cls.from_dict({})

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any] | None,
        where: str = "golden",
        base_dir: str | os.PathLike | None = None,
    ) -> SurvivorshipSpec:
        """Build from ``{rules?, source_priority?, decisions?}``.

        Given rules replace the default rules they overlap.

        A relative ``decisions`` path is resolved against ``base_dir`` (the params file's folder).

        Raises
        ------
        ParamsError
            Unknown key, field or strategy (listing the known ones), a strategy that does not fit
            the field, a field in two rules, or a field that no rule covers.
        """
        data = {} if data is None else data
        check_keys(data, _SPEC_KEYS, where)
        user = data.get("rules") or {}
        check_type(user, Mapping, f"{where}.rules")
        given = [SurvivorshipRule.from_dict(f, r, f"{where}.rules") for f, r in user.items()]
        taken = {f for r in given for f in r.fields}
        defaults = [
            SurvivorshipRule.from_dict(f, r, f"{where}.rules") for f, r in DEFAULT_RULES.items()
        ]
        kept = [r for r in defaults if not taken.intersection(r.fields)]
        order = _str_list(data.get("source_priority") or [], f"{where}.source_priority")
        decisions = data.get("decisions")
        if decisions is not None:
            check_type(decisions, str, f"{where}.decisions")
            if base_dir is not None and not Path(decisions).is_absolute():
                decisions = str(Path(base_dir) / decisions)
        try:
            return cls(rules=tuple(kept + given), source_priority=order, decisions=decisions)
        except ParamsError as exc:  # re-anchor at ``where``
            raise ParamsError(exc.where.replace("golden", where, 1), exc.detail) from None
