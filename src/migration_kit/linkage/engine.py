"""The linkage engine seam: the one interface through which :func:`.pipeline.link` does its work.

:func:`~migration_kit.linkage.pipeline.link` is a recipe (validate the input, index, compare,
train, predict, apply review decisions, cluster, assemble the result); every stage that computes
on the records calls one method of a :class:`LinkageEngine`, one method per concept (as Splink
splits its linker into training / inference / clustering namespaces):

============  =======================================================  ====================
method        concept                                                  returns
============  =======================================================  ====================
``index``     blocking: candidate pairs, oversized-block report        :class:`CandidatePairs`
``compare``   comparison vectors (level per pair and comparison)       :class:`ComparisonVectors`
``train``     Fellegi-Sunter m, u and lambda (EM, random-pair u)       :class:`TrainedModel`
``predict``   term-frequency adjusted match weight and probability     :class:`Scores`
``cluster``   conflict-aware clusters and deterministic entity ids     :class:`Clusters`
============  =======================================================  ====================

The results are plain dataclasses of numpy arrays and pandas frames in row-position terms (row
``k`` of the input table), so :func:`.link` and the result it builds do not depend on the engine.
An engine may return a subclass carrying its own handles (e.g. a distributed table) as long as the
documented fields are filled. Engines are registered by name in :data:`ENGINES` (the project's
:class:`~migration_kit.registry.Registry`); :func:`get_engine` resolves a name, importing the
built-in engine modules first. The local numpy engine is :class:`.local.LocalEngine` (``local``);
the Spark engine is :class:`.spark.engine.SparkEngine` (``spark``, pyspark imported only when
it runs); another engine registers itself the same way (``@ENGINES.register(name)`` on its class,
its module added to ``_BUILTIN_MODULES``) and :func:`.link` reaches it by name.

Example
-------
>>> import pandas as pd
>>> from migration_kit.linkage.spec import LinkageSpec
>>> df = pd.DataFrame({"source": ["pos", "web", "web"], "record_id": ["1", "1", "2"],
...                    "name_key": ["王鹏磊", "王鹏磊", "李娜"], "pinyin_key": ["a b", "a b", "c"],
...                    "phone": ["+8613812345678", "+8613812345678", "+8613900000000"]})
>>> spec, engine = LinkageSpec.default(), get_engine("local")
>>> isinstance(engine, LinkageEngine)
True
>>> pairs = engine.index(df, spec)
>>> vectors = engine.compare(df, spec, pairs)
>>> trained = engine.train(df, spec, vectors)
>>> scores = engine.predict(df, spec, pairs, vectors, trained)
>>> clusters = engine.cluster(df, spec, pairs, scores)
>>> len(pairs), vectors.levels.shape == (len(pairs), len(spec.comparisons))
(1, True)
>>> scores.match_probability.shape, sorted(trained.counts), clusters.labels.shape
((1,), ['em_converged', 'em_iterations', 'lambda'], (3,))
>>> [e[:2] for e in clusters.entity_id]
['E0', 'E0', 'E0']
>>> get_engine("locl")
Traceback (most recent call last):
migration_kit.errors.ParamsError: engine: received 'locl' (did you mean 'local'?); ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..errors import ParamsError
from ..registry import Registry

if TYPE_CHECKING:
    from .levels import ColumnData
    from .model import FellegiSunter
    from .spec import LinkageSpec

__all__ = [
    "ENGINES",
    "CandidatePairs",
    "Clusters",
    "ComparisonVectors",
    "LinkageEngine",
    "PositionPairs",
    "Scores",
    "TrainedModel",
    "get_engine",
]

#: Record pairs as row positions ``(i, j)`` (e.g. reviewer ``match`` / ``non_match`` decisions).
PositionPairs = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class CandidatePairs:
    """Index stage: the record pairs to compare.

    Attributes
    ----------
    i, j : numpy.ndarray
        Row positions (int64) of each pair, ``i < j``, sorted by ``(i, j)``.
    rule : numpy.ndarray
        Name of the first blocking rule that produced each pair (object).
    report : pandas.DataFrame
        Skipped oversized blocks (:data:`.blocking.REPORT_COLUMNS`).
    counts : dict
        ``pairs_<rule>``: new pairs each blocking rule contributed, in rule order.
    """

    i: np.ndarray
    j: np.ndarray
    rule: np.ndarray
    report: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.i)


@dataclass(frozen=True, eq=False)
class ComparisonVectors:
    """Compare stage: the comparison level of every candidate pair.

    Attributes
    ----------
    levels : numpy.ndarray
        ``int8`` matrix ``(n_pairs, n_comparisons)``: ``-1`` null, ``0`` else, ``k`` best.
    columns : dict of str to ColumnData
        Per-column data the engine built for comparing, reused by ``train`` and ``predict``
        (the local engine: factorized :class:`~.levels.ColumnData`); engine-specific.
    """

    levels: np.ndarray
    columns: dict[str, ColumnData] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """Train stage: the fitted Fellegi-Sunter model.

    Attributes
    ----------
    model : FellegiSunter
        m, u, lambda and EM diagnostics (``n_iter``, ``converged``).
    u_random : list of numpy.ndarray
        Level shares among random record pairs, per comparison (the u start value).
    """

    model: FellegiSunter
    u_random: list[np.ndarray] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int | float | bool]:
        """``em_iterations``, ``em_converged`` and ``lambda`` for :attr:`.LinkageResult.counts`."""
        return {
            "em_iterations": self.model.n_iter,
            "em_converged": self.model.converged,
            "lambda": self.model.lam,
        }


@dataclass(frozen=True, eq=False)
class Scores:
    """Predict stage: one value per candidate pair (float arrays, pair order)."""

    tf_adjustment: np.ndarray
    match_weight: np.ndarray
    match_probability: np.ndarray


@dataclass(frozen=True, eq=False)
class Clusters:
    """Cluster stage: one value per input record (row order).

    Attributes
    ----------
    labels : numpy.ndarray
        Cluster label (the smallest row position of the cluster), int64.
    entity_id : pandas.Series
        ``E`` + 7-digit rank of each cluster's smallest ``(source, record_id)``.
    """

    labels: np.ndarray
    entity_id: pd.Series


@runtime_checkable
class LinkageEngine(Protocol):
    """What :func:`.link` needs from an engine: one method per linkage concept.

    ``df`` is the linkage input (RangeIndex, unique ``(source, record_id)``, the columns of
    :meth:`.LinkageSpec.used_columns` present in the data); every row position in the results
    refers to it. Methods must not modify ``df``.
    """

    def index(self, df: pd.DataFrame, spec: LinkageSpec) -> CandidatePairs:
        """Candidate pairs of the spec's blocking rules (``link_type`` honoured)."""
        ...

    def compare(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        *,
        progress: bool = False,
    ) -> ComparisonVectors:
        """Level of every candidate pair in every comparison of the spec."""
        ...

    def train(
        self, df: pd.DataFrame, spec: LinkageSpec, vectors: ComparisonVectors
    ) -> TrainedModel:
        """Fit m, u and lambda (EM on the candidates; u per ``spec.u_source``)."""
        ...

    def predict(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        vectors: ComparisonVectors,
        trained: TrainedModel,
    ) -> Scores:
        """Match weight and probability of every candidate pair (term frequencies applied)."""
        ...

    def cluster(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        scores: Scores,
        *,
        forced: PositionPairs | None = None,
        forbidden: PositionPairs | None = None,
    ) -> Clusters:
        """Entities: pairs at or above ``spec.upper_threshold`` joined unless a conflict rule or a
        ``forbidden`` (reviewer ``non_match``) pair separates them; ``forced`` pairs always join."""
        ...


#: Linkage engines by name; each entry's function builds the engine (no arguments).
ENGINES: Registry[Callable[[], LinkageEngine]] = Registry("linkage engine")

#: Modules (in this package) that register the built-in engines, imported before a look-up.
_BUILTIN_MODULES = ("local", "spark.engine")


def get_engine(engine: str | LinkageEngine, where: str = "engine") -> LinkageEngine:
    """The engine registered as ``engine`` (built fresh), or ``engine`` itself when it is one.

    Parameters
    ----------
    engine : str or LinkageEngine
        A name in :data:`ENGINES` or an engine object.
    where : str
        Where the name came from, for the error message.

    Raises
    ------
    ParamsError
        Unknown name (the known ones are listed) or an object that is not an engine.
    """
    for mod in _BUILTIN_MODULES:
        importlib.import_module(f".{mod}", __package__)
    if isinstance(engine, str):
        return ENGINES.get(engine, where).fn()
    if not isinstance(engine, LinkageEngine):
        raise ParamsError(where, _not_an_engine(engine))
    return engine


def _not_an_engine(value: Any) -> str:
    return (
        f"received {type(value).__name__}; expected an engine name ({', '.join(ENGINES.names())}) "
        "or an object with index, compare, train, predict and cluster methods"
    )
