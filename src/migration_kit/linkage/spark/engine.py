"""The Spark linkage engine (registered as ``spark``): the same spec, the same results, on Spark.

:class:`SparkEngine` implements :class:`~migration_kit.linkage.engine.LinkageEngine` on a
SparkSession (:func:`.session.get_session`: ``linkage.spark.master``, else the environment, else
``local[2]``), consuming the same :class:`~migration_kit.linkage.spec.LinkageSpec` as the local
engine (the planner's output or a frozen section), so the same params give the same plan:

========  ================================================================  ==================
stage     on Spark                                                          on the driver
========  ================================================================  ==================
index     key derivation, one join per pass, union and dedup of the pairs   skipped-block report
compare   joins of both records, local level code per partition             factorized columns
train     random-pair and candidate level vectors grouped and counted       EM on the counts
predict   (none)                                                            TF weights, scores
cluster   edge conflict test, large-star / small-star components,           entity ids
          local union-find per component of more than two records
========  ================================================================  ==================

Scoring stays on the driver: term-frequency weights read value frequencies over all records
(O(records), already on the driver) and the scored pairs are needed there anyway for the pairs
table and the review queue. Golden records are built after linkage by
:func:`~migration_kit.linkage.golden.build_golden` from the entities this engine returns, as for
the local engine. The results are numpy arrays in row-position terms (the engine protocol), with
the Spark tables kept on the returned objects (``frame``).

With ``progress`` each Spark step prints one line with its timing (tqdm's ``write``, as the
pipeline's own stage lines).

Example
-------
>>> from migration_kit.linkage.engine import get_engine
>>> type(get_engine("spark")).__name__
'SparkEngine'
>>> res = link(std, spec, engine=SparkEngine(master="local[2]"))  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..compare import column_data
from ..engine import (
    ENGINES,
    CandidatePairs,
    Clusters,
    ComparisonVectors,
    PositionPairs,
    Scores,
    TrainedModel,
)
from ..local import LocalEngine, _random_pairs, entity_ids, fit_model
from ..spec import LinkageSpec
from .cluster import spark_cluster
from .compare import compared_columns, level_names, spark_compare
from .em import level_shares, order_patterns, pattern_counts
from .frames import records_frame
from .index import spark_block_pairs
from .session import get_session

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkCandidatePairs", "SparkComparisonVectors", "SparkEngine"]


@dataclass(frozen=True, eq=False)
class SparkCandidatePairs(CandidatePairs):
    """:class:`CandidatePairs` plus ``frame``: the Spark table ``i, j, rule_idx``."""

    frame: DataFrame | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class SparkComparisonVectors(ComparisonVectors):
    """:class:`ComparisonVectors` plus ``frame``: the Spark table ``i, j, rule_idx, g0, ...``."""

    frame: DataFrame | None = field(default=None, repr=False)


@ENGINES.register("spark")
class SparkEngine:
    """Link on Apache Spark (see the module docstring).

    Parameters
    ----------
    master : str, optional
        Spark master URL; default from the environment (:func:`.session.resolve_master`).
    conf : mapping, optional
        Extra Spark settings (``linkage.spark.conf``).
    progress : bool
        Print one line per Spark step with its timing.

    Example
    -------
    >>> from migration_kit.linkage.engine import LinkageEngine
    >>> isinstance(SparkEngine(), LinkageEngine)
    True
    """

    def __init__(
        self,
        master: str | None = None,
        conf: Mapping[str, str] | None = None,
        progress: bool = False,
    ) -> None:
        self.master, self.conf, self.progress = master, dict(conf or {}), progress
        self._spark: SparkSession | None = None
        self._records: DataFrame | None = None

    @property
    def spark(self) -> SparkSession:
        """The SparkSession (created or reused on first use)."""
        if self._spark is None:
            with self._step("session"):
                self._spark = get_session(self.master, self.conf)
        return self._spark

    @contextmanager
    def _step(self, what: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        if self.progress:
            from tqdm import tqdm

            tqdm.write(f"  spark {what}: {time.perf_counter() - t0:.1f} s")

    def index(self, df: pd.DataFrame, spec: LinkageSpec) -> CandidatePairs:
        """Blocking passes as Spark joins (:func:`.index.spark_block_pairs`), pairs collected in
        ``(i, j)`` order."""
        spark = self.spark
        with self._step(f"index ({len(spec.blocking)} passes)"):
            frame, report, counts = spark_block_pairs(
                spark, df, spec.blocking, spec.max_block_size, spec.link_type
            )
            pdf = frame.toPandas()
        i, j = pdf["i"].to_numpy(np.int64), pdf["j"].to_numpy(np.int64)
        order = np.lexsort((j, i))
        names = np.array([r.name for r in spec.blocking], dtype=object)
        rule = names[pdf["rule_idx"].to_numpy(np.int64)[order]] if len(names) else names[:0]
        return SparkCandidatePairs(i[order], j[order], rule, report, counts, frame=frame)

    def compare(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        *,
        progress: bool = False,
    ) -> ComparisonVectors:
        """Levels on Spark (:func:`.compare.spark_compare`), collected in pair order; the
        factorized columns for scoring built on the driver."""
        spark, comps = self.spark, spec.comparisons
        frame = self._pairs_frame(pairs)
        with self._step(f"compare ({len(pairs)} pairs)"):
            recs = records_frame(spark, df, compared_columns(df, comps)).localCheckpoint()
            self._records = recs
            levels_frame = spark_compare(spark, df, comps, frame, recs).localCheckpoint()
            names = level_names(len(comps))
            pdf = levels_frame.select("i", "j", *names).toPandas()
        order = np.lexsort((pdf["j"].to_numpy(), pdf["i"].to_numpy()))
        levels = pdf[names].to_numpy(np.int8)[order].reshape(len(pdf), len(comps))
        with self._step("column data"):
            cols = column_data(df, comps)
        return SparkComparisonVectors(levels, cols, frame=levels_frame)

    def train(
        self, df: pd.DataFrame, spec: LinkageSpec, vectors: ComparisonVectors
    ) -> TrainedModel:
        """u's start from random pairs compared and counted on Spark; EM on the candidates'
        level-vector counts (:mod:`.em`); u from all non-matching pairs as locally."""
        spark, comps = self.spark, spec.comparisons
        n_levels = [c.n_levels for c in comps]
        names = level_names(len(comps))
        with self._step("random-pair levels"):
            ra, rb = _random_pairs(df, spec)
            rand = spark.createDataFrame(
                pd.DataFrame({"i": ra.astype(np.int64), "j": rb.astype(np.int64)}),
                "i long, j long",
            )
            rlev = spark_compare(spark, df, comps, rand, self._records)
            u0 = level_shares(*order_patterns(pattern_counts(rlev, names), n_levels), n_levels)
        with self._step("EM on level-vector counts"):
            frame = vectors.frame if isinstance(vectors, SparkComparisonVectors) else None
            if frame is None:
                frame = self._levels_frame(vectors.levels, names)
            table = pattern_counts(frame, names)
            trained = fit_model(df, spec, vectors, u0, patterns=order_patterns(table, n_levels))
        return trained

    def predict(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        vectors: ComparisonVectors,
        trained: TrainedModel,
    ) -> Scores:
        """Model and term-frequency weights on the driver (the local scoring, see the module
        docstring)."""
        return LocalEngine().predict(df, spec, pairs, vectors, trained)

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
        """Distributed conflict-aware components (:func:`.cluster.spark_cluster`), then
        :func:`~migration_kit.linkage.local.entity_ids`."""
        with self._step("connected components"):
            labels = spark_cluster(
                self.spark,
                df,
                pairs.i,
                pairs.j,
                scores.match_probability,
                spec.upper_threshold,
                spec.conflicts,
                forced,
                forbidden,
            )
        return Clusters(labels, entity_ids(df, labels))

    def _pairs_frame(self, pairs: CandidatePairs) -> DataFrame:
        if isinstance(pairs, SparkCandidatePairs) and pairs.frame is not None:
            return pairs.frame
        return self.spark.createDataFrame(
            pd.DataFrame({"i": pairs.i.astype(np.int64), "j": pairs.j.astype(np.int64)}),
            "i long, j long",
        )

    def _levels_frame(self, levels: np.ndarray, names: list[str]) -> DataFrame:
        pdf = pd.DataFrame({n: levels[:, c].astype(np.int8) for c, n in enumerate(names)})
        schema = ", ".join(f"{n} tinyint" for n in names) or "n long"
        return self.spark.createDataFrame(pdf, schema)
