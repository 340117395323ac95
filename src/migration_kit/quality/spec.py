"""The ``quality:`` params section: checks declared as data, gates and overrides.

Metric names (used by gates and by :func:`~migration_kit.quality.score.compare`):

- ``overall``
- ``<dimension>``, e.g. ``validity``
- ``<dimension>.<field>``, e.g. ``validity.phone``
- ``<check name>``; default check names are ``<field>.<check>``, e.g. ``phone.unique``
- ``source.<source>`` (validated when the gate is evaluated, since sources are known only then)

One gate is built in and always evaluated: :data:`FIDELITY_GATE` (no value lost without a named
rule, :mod:`migration_kit.quality.fidelity`); ``overrides`` may name it like any declared gate.

A gate may pin a stage by suffixing ``.before`` / ``.after`` (``uniqueness.after``); an unsuffixed
gate must hold at every stage passed to :func:`~migration_kit.quality.gates.check_gates`.

Example
-------
>>> spec = QualitySpec.from_dict({"gates": [{"metric": "validity.phone", "min": 95}],
...                               "timeliness_years": 2})
>>> spec.gates[0].metric, spec.timeliness_years
('validity.phone', 2.0)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._spec import check_choice, check_keys, check_type, closest, require
from ..errors import ParamsError
from ..registry import REQUIRED
from ..schema import CANONICAL_FIELDS
from .checks import DIMENSIONS, REGISTRY

__all__ = [
    "DEFAULT_CHECKS",
    "FIDELITY_GATE",
    "STAGES",
    "CheckSpec",
    "GateSpec",
    "OverrideSpec",
    "QualitySpec",
]

#: The built-in gate: values lost between the source cells and the buyer's table without a rule.
FIDELITY_GATE = "fidelity.unexplained_losses"

STAGES: tuple[str, ...] = ("before", "after")
_FIELDS: tuple[str, ...] = (*CANONICAL_FIELDS, "entity_id")

# (field, check, dimension, weight, params[, name])
_DEFAULTS: list[tuple[Any, ...]] = [
    ("full_name", "not_null", "completeness", 2.0, {}),
    ("phone", "not_null", "completeness", 2.0, {}),
    ("email", "not_null", "completeness", 1.0, {}),
    ("id_number", "not_null", "completeness", 1.0, {}),
    ("birth_date", "not_null", "completeness", 0.5, {}),
    ("address", "not_null", "completeness", 1.0, {}),
    ("city", "not_null", "completeness", 0.5, {}),
    ("created_at", "not_null", "completeness", 0.5, {}),
    ("phone", "valid", "validity", 2.0, {}),
    ("email", "valid", "validity", 1.0, {}),
    ("id_number", "valid", "validity", 2.0, {}),
    ("birth_date", "valid", "validity", 1.0, {}),
    ("gender", "valid", "validity", 0.5, {}),
    ("address", "valid", "validity", 0.5, {}),
    ("country", "valid", "validity", 0.5, {}),
    ("created_at", "valid", "validity", 0.5, {}),
    ("last_activity_at", "valid", "validity", 0.5, {}),
    ("total_spent", "valid", "validity", 0.5, {}),
    ("order_count", "valid", "validity", 0.5, {}),
    ("phone", "unique", "uniqueness", 1.0, {"scope": "all"}),
    ("email", "unique", "uniqueness", 1.0, {"scope": "all"}),
    ("id_number", "unique", "uniqueness", 1.0, {"scope": "all"}),
    ("phone", "unique", "uniqueness", 1.0, {"scope": "source"}, "phone.unique_in_source"),
    ("email", "unique", "uniqueness", 1.0, {"scope": "source"}, "email.unique_in_source"),
    ("id_number", "unique", "uniqueness", 1.0, {"scope": "source"}, "id_number.unique_in_source"),
    ("entity_id", "entity_unique", "uniqueness", 2.0, {}),
    ("last_activity_at", "not_before", "consistency", 1.0, {"other": "created_at"}),
    ("city", "in_province", "consistency", 1.0, {}),
    ("total_spent", "non_negative", "consistency", 1.0, {}),
    ("order_count", "non_negative", "consistency", 1.0, {}),
    ("birth_date", "id_birth_match", "accuracy", 1.0, {}),
    ("gender", "id_gender_match", "accuracy", 1.0, {}),
    ("last_activity_at", "recent", "timeliness", 1.0, {}),
]

#: The default checks as dicts (what ``quality.checks`` entries look like).
DEFAULT_CHECKS: tuple[dict[str, Any], ...] = tuple(
    {
        "name": d[5] if len(d) > 5 else f"{d[0]}.{d[1]}",
        "field": d[0],
        "check": d[1],
        "dimension": d[2],
        "weight": d[3],
        "params": dict(d[4]),
    }
    for d in _DEFAULTS
)


@dataclass(frozen=True)
class CheckSpec:
    """One check declared as data: ``name`` (unique, a metric), ``field``, registered ``check``,
    ``dimension``, ``weight`` (> 0) and ``params`` (validated against the check's declared params).

    Parameters
    ----------
    name : str, optional
        ``<field>.<check>`` by default; names a default check to change it.
    field : str
        The canonical field checked.
    check : str
        A quality check (see the registry table below).
    dimension : str
        completeness, validity, uniqueness, consistency, timeliness or accuracy.
    weight : float, optional
        Weight in the dimension's score (default 1).
    params : mapping, optional
        The check's parameters (see the registry table).

    Example
    -------
    >>> CheckSpec.from_dict({"field": "phone", "check": "unique", "dimension": "uniqueness",
    ...                      "params": {"scope": "source"}}).name
    'phone.unique'
    """

    name: str
    field: str
    check: str
    dimension: str
    weight: float = 1.0
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "quality.checks[0]") -> CheckSpec:
        check_keys(
            data,
            ("name", "field", "check", "dimension", "weight", "params"),
            where,
            required=("field", "check", "dimension"),
        )
        fld = check_choice(data["field"], _FIELDS, f"{where}.field")
        # the known checks are listed sorted (REGISTRY.get would list them in registration order)
        chk = REGISTRY[check_choice(data["check"], sorted(REGISTRY), f"{where}.check")]
        dim = check_choice(data["dimension"], DIMENSIONS, f"{where}.dimension")
        weight = float(check_type(data.get("weight", 1.0), (int, float), f"{where}.weight"))
        require(
            weight > 0,
            f"{where}.weight",
            f"received {weight!r}; a weight must be > 0 "
            "(to drop a check, leave it out or use enabled: false)",
        )
        raw_params = data.get("params") or {}
        require(
            isinstance(raw_params, Mapping),
            f"{where}.params",
            f"expected a mapping, received {type(raw_params).__name__}",
        )
        params = REGISTRY.resolve_params(chk.name, raw_params, f"{where}.params")
        for k, v in raw_params.items():  # a given value has the type of the check's default
            default = chk.params[k]
            if default is not None and default is not REQUIRED:
                types = (
                    (int, float)
                    if isinstance(default, (int, float)) and not isinstance(default, bool)
                    else type(default)
                )
                check_type(v, types, f"{where}.params.{k}")
        if data["check"] == "unique":
            check_choice(params["scope"], ("all", "source"), f"{where}.params.scope")
        name = data.get("name") or f"{fld}.{data['check']}"
        check_type(name, str, f"{where}.name")
        head = name.split(".", 1)[0]
        require(
            head not in DIMENSIONS
            and head not in ("overall", "source")
            and not name.endswith(tuple(f".{s}" for s in STAGES)),
            f"{where}.name",
            f"received {name!r}; a check name must not start with a "
            "dimension, 'overall' or 'source', nor end with .before/.after "
            "(those are metric names)",
        )
        return cls(name, fld, data["check"], dim, weight, params)


@dataclass(frozen=True)
class GateSpec:
    """A gate: ``metric`` (optionally suffixed ``.before``/``.after``) must score at least
    ``min``.

    Parameters
    ----------
    metric : str
        ``<dimension>[.<field>].<before|after>`` or ``overall.<before|after>``, e.g.
        ``validity.phone.before``.
    min : float
        The least score (0-100) the export needs.
    """

    metric: str
    min: float
    stage: str | None = None

    @property
    def base_metric(self) -> str:
        return self.metric.rsplit(".", 1)[0] if self.stage else self.metric

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str, known: tuple[str, ...]) -> GateSpec:
        check_keys(data, ("metric", "min"), where, required=("metric", "min"))
        metric = check_type(data["metric"], str, f"{where}.metric")
        threshold = float(check_type(data["min"], (int, float), f"{where}.min"))
        require(0 <= threshold <= 100, f"{where}.min", f"received {threshold!r}; scores are 0-100")
        stage = next((s for s in STAGES if metric.endswith(f".{s}")), None)
        base = metric[: -len(stage) - 1] if stage else metric
        if base not in known and not (base.startswith("source.") and len(base) > 7):
            hint = closest(base, known)
            raise ParamsError(
                f"{where}.metric",
                f"unknown metric {base!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; known metrics: {', '.join(known)}, source.<source>, "
                "optionally suffixed .before or .after",
            )
        return cls(metric, threshold, stage)


@dataclass(frozen=True)
class OverrideSpec:
    """An approved exception: gate ``gate`` may fail; ``reason`` and ``approved_by`` are logged.

    Parameters
    ----------
    gate : str
        The gate's metric.
    reason : str
        Why it may fail (audit-logged).
    approved_by : str
        Who approved it (audit-logged).
    """

    gate: str
    reason: str
    approved_by: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str, gates: tuple[str, ...]) -> OverrideSpec:
        check_keys(
            data,
            ("gate", "reason", "approved_by"),
            where,
            required=("gate", "reason", "approved_by"),
        )
        check_choice(data["gate"], gates, f"{where}.gate")
        for key in ("reason", "approved_by"):
            v = check_type(data[key], str, f"{where}.{key}")
            require(
                bool(v.strip()),
                f"{where}.{key}",
                "received an empty value; an override needs a reason and "
                "the name of who approved it",
            )
        return cls(data["gate"], data["reason"].strip(), data["approved_by"].strip())


@dataclass(frozen=True)
class QualitySpec:
    """The ``quality:`` section: ``checks``, ``gates``, ``overrides`` and ``timeliness_years``.

    Parameters
    ----------
    checks : list of mappings, optional
        Change a default check (``name`` plus what changes, ``enabled: false`` to drop it) or add
        one (see ``quality.checks[]``).
    gates : list of mappings, optional
        Scores the export needs (see ``quality.gates[]``).
    overrides : list of mappings, optional
        Gates allowed to fail, each with a reason and an approver (audit-logged).
    timeliness_years : float, optional
        A record active within this many years is timely (default 3).
    """

    checks: tuple[CheckSpec, ...]
    gates: tuple[GateSpec, ...] = ()
    overrides: tuple[OverrideSpec, ...] = ()
    timeliness_years: float = 3.0

    @classmethod
    def default(cls) -> QualitySpec:
        """The default checks, no gates."""
        return cls.from_dict({})

    def known_metrics(self) -> tuple[str, ...]:
        """Metric names a gate may use (besides ``source.<source>``), in a stable order."""
        dims = [d for d in DIMENSIONS if any(c.dimension == d for c in self.checks)]
        dim_fields = sorted({f"{c.dimension}.{c.field}" for c in self.checks})
        return ("overall", *dims, *dim_fields, *sorted(c.name for c in self.checks))

    def override_for(self, gate: str) -> OverrideSpec | None:
        return next((o for o in self.overrides if o.gate == gate), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "quality") -> QualitySpec:
        """Build and validate. ``checks`` entries replace a default of the same ``name`` (keys
        merged over it; ``enabled: false`` drops it) or add a new check.
        """
        data = {} if data is None else data
        check_keys(data, ("checks", "gates", "overrides", "timeliness_years"), where)
        years = float(
            check_type(data.get("timeliness_years", 3.0), (int, float), f"{where}.timeliness_years")
        )
        require(years > 0, f"{where}.timeliness_years", f"received {years!r}; must be > 0")
        merged: dict[str, dict[str, Any]] = {d["name"]: dict(d) for d in DEFAULT_CHECKS}
        sources: dict[str, str] = {n: f"{where}.checks (default {n})" for n in merged}
        entries = check_type(data.get("checks") or [], list, f"{where}.checks")
        for i, entry in enumerate(entries):
            w = f"{where}.checks[{i}]"
            check_type(entry, Mapping, w)
            entry = dict(entry)
            enabled = check_type(entry.pop("enabled", True), bool, f"{w}.enabled")
            name = entry.get("name") or (
                f"{entry.get('field')}.{entry.get('check')}" if "field" in entry else None
            )
            if name is None:
                raise ParamsError(
                    w, "a check needs a name (to change a default) or field, check and dimension"
                )
            if not enabled:
                require(
                    name in merged,
                    f"{w}.name",
                    f"received {name!r}; no such check to disable; known: "
                    f"{', '.join(sorted(merged))}",
                )
                merged.pop(name)
                continue
            base = merged.get(name, {})
            if "params" in entry and base:
                entry["params"] = {**base.get("params", {}), **(entry["params"] or {})}
            merged[name] = {**base, **entry, "name": name}
            sources[name] = w
        checks = tuple(CheckSpec.from_dict(d, sources[n]) for n, d in merged.items())
        spec = cls(checks, (), (), years)
        known = spec.known_metrics()
        gates = tuple(
            GateSpec.from_dict(g, f"{where}.gates[{i}]", known)
            for i, g in enumerate(check_type(data.get("gates") or [], list, f"{where}.gates"))
        )
        names = [g.metric for g in gates]
        for i, n in enumerate(names):
            require(
                n not in names[:i],
                f"{where}.gates[{i}].metric",
                f"received {n!r} twice; declare a gate once",
            )
        overrides = tuple(
            OverrideSpec.from_dict(o, f"{where}.overrides[{i}]", (*names, FIDELITY_GATE))
            for i, o in enumerate(
                check_type(data.get("overrides") or [], list, f"{where}.overrides")
            )
        )
        return cls(checks, gates, overrides, years)
