"""Conflict-aware clustering on Spark: distributed connected components, then the local rules
inside each component.

1. Edges are the pairs at or above the upper threshold; each is checked on its own against the
   conflict rules (``mapInPandas`` calling the local
   :func:`~migration_kit.linkage.cluster.records_conflict` on the pair's two records), reviewer
   ``non_match`` pairs are removed and ``match`` pairs added, as the local
   :func:`~migration_kit.linkage.cluster.cluster_pairs` does before its connected components.
2. Connected components by the alternating large-star / small-star algorithm (Kiveris et al.,
   "Connected Components in MapReduce and Beyond", 2014): O(log n) rounds of joins and
   aggregations, each round's edge table checkpointed so the plan stays short; it ends when the
   edges form stars around each component's smallest record.
3. A component of two records is final (its smallest record is its label). A larger one goes,
   with its records' conflict columns, its edges and its ``non_match`` pairs, to one task that
   runs the local :func:`~migration_kit.linkage.cluster.cluster_pairs` on it: the same
   union-find in the same edge order (forced first, then probability descending, ties by
   position), the same "no merge when any record of one side conflicts with any of the other"
   rule. Components are disjoint, so this is exactly the local result.

Example
-------
>>> connected_components(spark, edges).toPandas()  # doctest: +SKIP
   node  root
0     2     1
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...errors import LinkageError
from ..cluster import cluster_pairs, records_conflict
from ..spec import ConflictRule
from .compare import join_sides
from .frames import date_columns, decode, records_frame, split_sides

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["conflict_columns", "connected_components", "spark_cluster"]


def conflict_columns(df: pd.DataFrame, conflicts: Sequence[str | ConflictRule]) -> list[str]:
    """The columns of ``df`` the conflict rules read (their column and ``unless`` columns)."""
    cols: set[str] = set()
    for c in conflicts:
        if isinstance(c, ConflictRule):
            cols |= {c.column, *c.unless}
        else:
            cols.add(c)
    return sorted(cols & set(df.columns))


def _undirected(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return (
        edges.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v"))
        .where(F.col("u") != F.col("v"))
        .distinct()
    )


def _large_star(e: DataFrame) -> DataFrame:
    """Each node's larger neighbours are linked to the smallest node of its neighbourhood."""
    from pyspark.sql import functions as F

    both = e.select(F.col("u").alias("x"), F.col("v").alias("y")).unionAll(
        e.select(F.col("v").alias("x"), F.col("u").alias("y"))
    )
    low = both.groupBy("x").agg(F.least(F.min("y"), F.col("x")).alias("m"))
    return _undirected(
        both.where(F.col("y") > F.col("x"))
        .join(low, "x")
        .select(F.col("y").alias("u"), F.col("m").alias("v"))
    )


def _small_star(e: DataFrame) -> DataFrame:
    """Each node and its smaller neighbours are linked to the smallest of them."""
    from pyspark.sql import functions as F

    down = e.select(F.col("v").alias("x"), F.col("u").alias("y"))  # y < x
    low = down.groupBy("x").agg(F.min("y").alias("m"))
    linked = down.join(low, "x")
    out = linked.select(F.col("y").alias("u"), F.col("m").alias("v")).unionAll(
        low.select(F.col("x").alias("u"), F.col("m").alias("v"))
    )
    return _undirected(out)


def connected_components(spark: SparkSession, edges: DataFrame, max_rounds: int = 100) -> DataFrame:
    """``node, root`` for every node of ``edges`` (``u, v``): root is the smallest node of its
    component.

    Raises
    ------
    LinkageError
        No convergence within ``max_rounds`` (cannot happen for a finite graph: each round at
        least halves the longest path to the root).
    """
    from pyspark.sql import functions as F

    e = _undirected(edges).localCheckpoint()
    for _ in range(max_rounds):
        e = _small_star(_large_star(e)).localCheckpoint()
        # a star forest around the minima: no root is a leaf and every leaf has one root
        ends = e.select(
            F.col("u").alias("node"), F.lit(1).alias("r"), F.lit(0).alias("l")
        ).unionAll(e.select(F.col("v").alias("node"), F.lit(0).alias("r"), F.lit(1).alias("l")))
        per_node = ends.groupBy("node").agg(F.sum("r").alias("r"), F.sum("l").alias("l"))
        bad = per_node.where((F.col("l") > 1) | ((F.col("l") > 0) & (F.col("r") > 0)))
        if bad.limit(1).count() == 0:
            roots = e.select(F.col("u").alias("root")).distinct()
            return e.select(F.col("v").alias("node"), F.col("u").alias("root")).unionAll(
                roots.select(F.col("root").alias("node"), "root")
            )
    raise LinkageError(f"connected components did not converge in {max_rounds} rounds")


def _edge_conflicts(
    spark: SparkSession,
    df: pd.DataFrame,
    edges: DataFrame,
    conflicts: Sequence[str | ConflictRule],
    records: DataFrame,
) -> DataFrame:
    """``edges`` (``i, j, p``) without the pairs whose two records conflict."""
    from pyspark.sql import types as T

    cols = conflict_columns(df, conflicts)
    if not cols:
        return edges
    dates = date_columns(df, cols)
    rules = list(conflicts)
    joined = join_sides(edges.select("i", "j", "p"), records, cols)
    schema = T.StructType([f for f in joined.schema.fields if f.name in ("i", "j", "p")])

    def keep(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            recs, i, j = split_sides(pdf, cols, dates)
            bad = records_conflict(recs, i, j, rules)
            yield pdf.loc[~bad, ["i", "j", "p"]].reset_index(drop=True)

    return joined.mapInPandas(keep, schema)


def spark_cluster(
    spark: SparkSession,
    df: pd.DataFrame,
    i: np.ndarray,
    j: np.ndarray,
    prob: np.ndarray,
    upper: float,
    conflicts: Sequence[str | ConflictRule],
    forced: tuple[np.ndarray, np.ndarray] | None = None,
    forbidden: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Cluster label per record (the smallest record position of its cluster), as
    :func:`~migration_kit.linkage.cluster.cluster_pairs` gives it, computed on Spark.

    Raises
    ------
    LinkageError
        A pair is both a ``match`` and a ``non_match`` decision, or a ``match`` would put two
        ``non_match`` records in one entity.

    Example
    -------
    >>> spark_cluster(spark, df, i, j, prob, 0.95, ("birth_date",)).tolist()  # doctest: +SKIP
    [0, 0, 2]
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    n = len(df)
    empty = np.zeros(0, np.int64)
    fi, fj = (
        (np.asarray(forced[0], np.int64), np.asarray(forced[1], np.int64))
        if forced
        else (empty, empty)
    )
    bi, bj = (
        (np.asarray(forbidden[0], np.int64), np.asarray(forbidden[1], np.int64))
        if forbidden
        else (empty, empty)
    )
    f_key = set((np.minimum(fi, fj) * n + np.maximum(fi, fj)).tolist())
    b_key = np.unique(np.minimum(bi, bj) * n + np.maximum(bi, bj))
    clash = f_key & set(b_key.tolist())
    if clash:
        first = min(clash)
        raise LinkageError(
            f"{len(clash)} review decision pair(s) are marked both 'match' and 'non_match' "
            f"(e.g. record positions {(first // n, first % n)}); keep one decision per pair"
        )
    keep = np.asarray(prob, float) >= upper
    ei, ej, ep = (
        np.asarray(i, np.int64)[keep],
        np.asarray(j, np.int64)[keep],
        np.asarray(prob)[keep],
    )
    if len(b_key):
        ok = ~np.isin(np.minimum(ei, ej) * n + np.maximum(ei, ej), b_key)
        ei, ej, ep = ei[ok], ej[ok], ep[ok]
    labels = np.arange(n, dtype=np.int64)
    if not len(ei) and not len(fi):
        return labels
    cols = conflict_columns(df, conflicts)
    dates = date_columns(df, cols)
    records = records_frame(spark, df, cols).localCheckpoint()
    model_edges = spark.createDataFrame(
        pd.DataFrame({"i": ei, "j": ej, "p": ep.astype(float)}), "i long, j long, p double"
    )
    model_edges = _edge_conflicts(spark, df, model_edges, conflicts, records)
    forced_edges = spark.createDataFrame(
        pd.DataFrame({"i": fi, "j": fj, "p": np.full(len(fi), np.inf)}), "i long, j long, p double"
    )
    edges = model_edges.unionAll(forced_edges).localCheckpoint()
    comp = connected_components(
        spark, edges.select(F.col("i").alias("u"), F.col("j").alias("v"))
    ).localCheckpoint()
    sizes = comp.groupBy("root").agg(F.count("*").alias("size"))
    sized = comp.join(sizes, "root")
    pairs_ = sized.where(F.col("size") == 2).select("node", "root").toPandas()
    labels[pairs_["node"].to_numpy(np.int64)] = pairs_["root"].to_numpy(np.int64)
    big = sized.where(F.col("size") > 2).select("node", "root").localCheckpoint()
    if big.limit(1).count() == 0:
        return labels
    bf = spark.createDataFrame(
        pd.DataFrame({"i": np.minimum(bi, bj), "j": np.maximum(bi, bj)}), "i long, j long"
    )
    at_i = big.select(F.col("node").alias("i"), F.col("root").alias("ri"))
    at_j = big.select(F.col("node").alias("j"), F.col("root").alias("rj"))
    group_edges = (
        edges.join(at_i, "i")
        .select("i", "j", "p", F.col("ri").alias("root"), F.lit(0).alias("kind"))
        .unionAll(
            bf.join(at_i, "i")
            .join(at_j, "j")
            .where(F.col("ri") == F.col("rj"))
            .select(
                "i", "j", F.lit(0.0).alias("p"), F.col("ri").alias("root"), F.lit(1).alias("kind")
            )
        )
    )
    nodes = big.join(records.withColumnRenamed("_pos", "node"), "node").select(
        "root", F.col("node").alias("_pos"), *cols
    )
    rules, thr = list(conflicts), float(upper)

    def per_component(e_pdf: pd.DataFrame, r_pdf: pd.DataFrame) -> pd.DataFrame:
        r_pdf = r_pdf.sort_values("_pos", kind="stable").reset_index(drop=True)
        pos = r_pdf["_pos"].to_numpy(np.int64)
        std = decode(r_pdf[cols], dates) if cols else pd.DataFrame(index=r_pdf.index)
        loc_i = np.searchsorted(pos, e_pdf["i"].to_numpy(np.int64))
        loc_j = np.searchsorted(pos, e_pdf["j"].to_numpy(np.int64))
        p, kind = e_pdf["p"].to_numpy(float), e_pdf["kind"].to_numpy()
        model, frc, fbd = (kind == 0) & np.isfinite(p), (kind == 0) & np.isinf(p), kind == 1
        try:
            lab = cluster_pairs(
                std,
                loc_i[model],
                loc_j[model],
                p[model],
                thr,
                rules,
                (loc_i[frc], loc_j[frc]),
                (loc_i[fbd], loc_j[fbd]),
            )
            error = None
        except LinkageError as exc:
            lab, error = np.arange(len(pos)), str(exc)
        return pd.DataFrame({"node": pos, "label": pos[lab], "error": error})

    out = (
        group_edges.groupBy("root")
        .cogroup(nodes.groupBy("root"))
        .applyInPandas(
            per_component,
            T.StructType(
                [
                    T.StructField("node", T.LongType()),
                    T.StructField("label", T.LongType()),
                    T.StructField("error", T.StringType()),
                ]
            ),
        )
        .toPandas()
    )
    errors = out["error"].dropna()
    if len(errors):
        raise LinkageError(str(errors.iloc[0]))
    labels[out["node"].to_numpy(np.int64)] = out["label"].to_numpy(np.int64)
    return labels
