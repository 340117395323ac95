"""The ``linkage:`` params section: a frozen spec, or a request for the planner.

A section that declares both ``blocking`` and ``comparisons`` is *frozen*: it is used as written
(any other key missing from it takes its :data:`~.defaults.DEFAULT_SPEC` value), which is how an
analyst pins a plan (paste ``reports/linkage_plan.yaml`` into the params file). Without them the
kit *plans* the linkage from the client's own data (:mod:`.plan`); keys given beside the planner
(``upper_threshold``, ``seed``, ...) override what it would choose, and ``planner:`` tunes it.
``engine: spark`` (with ``spark: {master, conf}``) links on Apache Spark with the same spec.

Example
-------
>>> LinkageSection.from_dict(None).planned
True
>>> s = LinkageSection.from_dict({"upper_threshold": 0.9, "planner": {"pairs_per_record": 10}})
>>> s.planned, dict(s.overrides), s.planner.pairs_per_record
(True, {'upper_threshold': 0.9}, 10.0)
>>> LinkageSection.from_dict({"engine": "spark", "spark": {"master": "local[2]"}}).spark.master
'local[2]'
>>> LinkageSection.from_dict({"blocking": [{"name": "p", "keys": ["phone"]}]})
Traceback (most recent call last):
migration_kit.errors.ParamsError: linkage.comparisons: required key is missing; ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._spec import check_choice, check_keys, check_type, require
from ..errors import ParamsError
from .defaults import DEFAULT_SPEC
from .spec import LinkageSpec

__all__ = ["ENGINE_NAMES", "LinkageSection", "PlannerSpec", "SparkSpec"]


@dataclass(frozen=True)
class PlannerSpec:
    """How the planner chooses (``linkage.planner``).

    Parameters
    ----------
    pairs_per_record : float
        Comparison budget: the blocking passes together give at most this many candidate pairs
        per record.
    min_fill : float
        A field filled on fewer records than this share is not compared or blocked on.
    max_passes : int
        At most this many blocking passes.
    min_gain : float
        A pass is added while it brings at least this share of the matches found so far
        (expected matches, the sum of match probabilities of its new pairs).
    evaluation_pairs : int
        New pairs of a candidate pass scored to estimate its gain (a uniform sample above this).
    sample_records : int
        Larger clients are planned on a uniform sample of this many records (expected matches
        per pair, the quantity passes are chosen by, is the same in a uniform sample); pair
        counts are scaled to all records for the budget, and the passes chosen are counted
        exactly over all records.
    """

    pairs_per_record: float = 20.0
    min_fill: float = 0.02
    max_passes: int = 60
    min_gain: float = 0.0005
    evaluation_pairs: int = 100_000
    sample_records: int = 100_000

    KEYS = (
        "pairs_per_record",
        "min_fill",
        "max_passes",
        "min_gain",
        "evaluation_pairs",
        "sample_records",
    )

    @classmethod
    def from_dict(cls, data: Any, where: str = "linkage.planner") -> PlannerSpec:
        data = {} if data is None else data
        check_keys(data, cls.KEYS, where)
        out = cls()
        kw: dict[str, Any] = {}
        for key in cls.KEYS:
            if key not in data:
                continue
            default = getattr(out, key)
            value = check_type(
                data[key], (int, float) if isinstance(default, float) else int, f"{where}.{key}"
            )
            kw[key] = float(value) if isinstance(default, float) else value
        spec = cls(**kw)
        require(
            spec.pairs_per_record >= 1,
            f"{where}.pairs_per_record",
            f"received {spec.pairs_per_record}; give at least 1 pair per record",
        )
        require(
            0 <= spec.min_fill < 1,
            f"{where}.min_fill",
            f"received {spec.min_fill}; give a share from 0 to 1, e.g. 0.02",
        )
        require(
            spec.max_passes >= 1,
            f"{where}.max_passes",
            f"received {spec.max_passes}; give at least 1",
        )
        require(
            0 <= spec.min_gain < 1,
            f"{where}.min_gain",
            f"received {spec.min_gain}; give a share from 0 to 1, e.g. 0.002",
        )
        require(
            spec.evaluation_pairs >= 1000,
            f"{where}.evaluation_pairs",
            f"received {spec.evaluation_pairs}; give at least 1000",
        )
        return spec


@dataclass(frozen=True)
class SparkSpec:
    """Where the Spark engine runs (``linkage.spark``).

    Parameters
    ----------
    master : str, optional
        Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://...``); default
        from ``MIGRATION_KIT_SPARK_MASTER`` / ``SPARK_MASTER``, else ``local[2]``.
    conf : mapping of str to str
        Extra Spark settings, e.g. ``{spark.executor.memory: 8g}``.

    Example
    -------
    >>> SparkSpec.from_dict({"master": "yarn", "conf": {"spark.executor.cores": 4}}).conf
    {'spark.executor.cores': '4'}
    """

    master: str | None = None
    conf: Mapping[str, str] = field(default_factory=dict)

    KEYS = ("master", "conf")

    @classmethod
    def from_dict(cls, data: Any, where: str = "linkage.spark") -> SparkSpec:
        data = {} if data is None else data
        check_keys(data, cls.KEYS, where)
        master = data.get("master")
        if master is not None:
            check_type(master, str, f"{where}.master")
        conf = check_type(data.get("conf") or {}, dict, f"{where}.conf")
        for key, value in conf.items():
            ok = isinstance(value, str | int | float | bool)
            require(
                isinstance(key, str) and key.startswith("spark.") and ok,
                f"{where}.conf.{key}",
                f"received {type(value).__name__}; expected a Spark setting 'spark.<name>' with a "
                "text, number or true/false value",
            )
        text = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in conf.items()}
        return cls(master, text)


#: Engines a params file may name in ``linkage.engine``.
ENGINE_NAMES = ("local", "spark")


@dataclass(frozen=True)
class LinkageSection:
    """The parsed ``linkage:`` section (see the module docstring).

    ``engine`` (``local`` | ``spark``) and ``spark`` (:class:`SparkSpec`) say where the linkage
    runs, not what it does: they are not part of the spec, so the plan is the same on both.

    Parameters
    ----------
    planner : mapping, optional
        Only without ``blocking`` and ``comparisons``: the planner's budget (``pairs_per_record``
        and the others under ``linkage.planner``).
    engine : str, optional
        ``local`` (default, this process) or ``spark`` (Apache Spark on ``linkage.spark``).
    spark : mapping, optional
        ``master`` and ``conf`` of the Spark engine.
    """

    frozen: LinkageSpec | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    planner: PlannerSpec = field(default_factory=PlannerSpec)
    given: Mapping[str, Any] = field(default_factory=dict)  # the section as written
    engine: str = "local"
    spark: SparkSpec = field(default_factory=SparkSpec)

    @property
    def planned(self) -> bool:
        """Whether the planner chooses blocking and comparisons."""
        return self.frozen is None

    @classmethod
    def default(cls) -> LinkageSection:
        """No section: the planner chooses everything."""
        return cls()

    @classmethod
    def from_dict(cls, data: Any, where: str = "linkage") -> LinkageSection:
        data = {} if data is None else data
        check_keys(data, (*DEFAULT_SPEC, "planner", "engine", "spark"), where)
        runs = {
            "engine": check_choice(data.get("engine", "local"), ENGINE_NAMES, f"{where}.engine"),
            "spark": SparkSpec.from_dict(data.get("spark"), f"{where}.spark"),
        }
        given = {k: v for k, v in data.items() if k not in ("planner", "engine", "spark")}
        if "blocking" in given or "comparisons" in given:
            for key in ("blocking", "comparisons"):
                if key not in given:
                    raise ParamsError(
                        f"{where}.{key}",
                        "required key is missing; a frozen linkage section declares both "
                        "blocking and comparisons (paste reports/linkage_plan.yaml), or neither "
                        "to let the planner choose them",
                    )
            require(
                "planner" not in data,
                f"{where}.planner",
                "a frozen section (blocking and comparisons given) is not planned; drop "
                "'planner' or the blocking and comparisons",
            )
            return cls(frozen=LinkageSpec.from_dict(given, where), given=dict(given), **runs)
        # validate the overrides now (same messages as a frozen section), apply them at planning
        LinkageSpec.from_dict(given, where)
        return cls(
            overrides=dict(given),
            planner=PlannerSpec.from_dict(data.get("planner"), f"{where}.planner"),
            **runs,
        )
