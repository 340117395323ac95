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
3. A component of two records is final (its smallest record is its label). Larger ones go, in
   buckets of components (about :data:`NODES_PER_TASK` records each), with their records'
   conflict columns, their edges and their ``non_match`` pairs, to tasks that run the local
   :func:`~migration_kit.linkage.cluster.cluster_pairs` on each bucket: the same
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

__all__ = ["NODES_PER_TASK", "conflict_columns", "connected_components", "spark_cluster"]

#: Records of multi-record components clustered together in one task (at most about this many).
NODES_PER_TASK = 200_000


def conflict_columns(df: pd.DataFrame, conflicts: Sequence[str | ConflictRule]) -> list[str]:
    """The columns of ``df`` the conflict rules read (their column and ``unless`` columns).

    Example
    -------
    >>> df = pd.DataFrame({"birth_date": [], "gender": [], "phone": []})
    >>> conflict_columns(df, ["birth_date", ConflictRule("gender", "gender", "differ")])
    ['birth_date', 'gender']
    """
    cols: set[str] = set()
    for c in conflicts:
        if isinstance(c, ConflictRule):
            cols |= {c.column, *c.unless}
        else:
            cols.add(c)
    return sorted(cols & set(df.columns))


#: Conflict tests whose verdict depends on which of the two values the table shows first
#: (``tokens_differ`` compares the rests of the two names asymmetrically): a task reproduces the
#: whole table's order of first appearance for their columns (:func:`_anchored`).
ORDER_SENSITIVE = ("tokens_differ",)
_CODE = "_code__"


def _ordered_columns(df: pd.DataFrame, conflicts: Sequence[str | ConflictRule]) -> list[str]:
    return sorted(
        {
            c.column
            for c in conflicts
            if isinstance(c, ConflictRule) and c.test in ORDER_SENSITIVE and c.column in df.columns
        }
    )


def _with_codes(df: pd.DataFrame, cols: list[str], ordered: list[str]) -> pd.DataFrame:
    """``df[cols]`` plus, per order-sensitive column, its codes over the whole table (order of
    first appearance, as the local engine factorizes it)."""
    out = df[cols].copy()
    for c in ordered:
        out[_CODE + c] = pd.factorize(df[c])[0].astype(np.int64)
    return out


def _anchored(recs: pd.DataFrame, ordered: list[str]) -> tuple[pd.DataFrame, int]:
    """``recs`` (without the code columns) after anchor rows that show each order-sensitive
    column's values in the whole table's order, so a slice factorizes them in that order too;
    returns the frame and the number of anchor rows (real records follow them)."""
    anchors = []
    for c in ordered:
        codes = pd.to_numeric(recs[_CODE + c]).to_numpy(np.int64)
        seen = pd.DataFrame({"code": codes, "value": recs[c].to_numpy(dtype=object)})
        seen = seen[seen["code"] >= 0].drop_duplicates("code").sort_values("code")
        anchors.append(pd.DataFrame({c: seen["value"].to_numpy(dtype=object)}))
    body = recs.drop(columns=[_CODE + c for c in ordered])
    if not anchors:
        return body.reset_index(drop=True), 0
    head = pd.concat(anchors, ignore_index=True).reindex(columns=body.columns)
    for col in body.columns:  # anchors are null elsewhere, in the column's own dtype
        head[col] = head[col].astype(body[col].dtype) if col not in ordered else head[col]
    return pd.concat([head, body], ignore_index=True), len(head)


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

    Example
    -------
    >>> edges = spark.createDataFrame([(1, 2), (2, 3), (7, 9)], "u long, v long")  # doctest: +SKIP
    >>> sorted(connected_components(spark, edges).collect())  # doctest: +SKIP
    [Row(node=1, root=1), Row(node=2, root=1), Row(node=3, root=1), Row(node=7, root=7), ...]
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
    ordered = _ordered_columns(df, conflicts)
    shipped = cols + [_CODE + c for c in ordered]
    dates = date_columns(df, cols)
    rules = list(conflicts)
    joined = join_sides(edges.select("i", "j", "p"), records, shipped)
    schema = T.StructType([f for f in joined.schema.fields if f.name in ("i", "j", "p")])

    def keep(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            recs, i, j = split_sides(pdf, shipped, dates)
            recs, k = _anchored(recs, ordered)
            bad = records_conflict(recs, i + k, j + k, rules)
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
    ordered = _ordered_columns(df, conflicts)
    shipped = cols + [_CODE + c for c in ordered]
    dates = date_columns(df, cols)
    records = records_frame(spark, _with_codes(df, cols, ordered), shipped).localCheckpoint()
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
    n_big = big.count()
    if n_big == 0:
        return labels
    # components go to tasks in buckets (one local clustering per bucket, not per component:
    # components are disjoint, so clustering their union is clustering each)
    parts = int(spark.conf.get("spark.sql.shuffle.partitions") or 4)
    n_buckets = max(parts, n_big // NODES_PER_TASK + 1)
    big = big.withColumn("bucket", F.col("root") % n_buckets)
    bf = spark.createDataFrame(
        pd.DataFrame({"i": np.minimum(bi, bj), "j": np.maximum(bi, bj)}), "i long, j long"
    )
    at_i = big.select(
        F.col("node").alias("i"), F.col("root").alias("ri"), F.col("bucket").alias("bk")
    )
    at_j = big.select(F.col("node").alias("j"), F.col("root").alias("rj"))
    group_edges = (
        edges.join(at_i, "i")
        .select("i", "j", "p", F.col("bk").alias("bucket"), F.lit(0).alias("kind"))
        .unionAll(
            bf.join(at_i, "i")
            .join(at_j, "j")
            .where(F.col("ri") == F.col("rj"))
            .select(
                "i", "j", F.lit(0.0).alias("p"), F.col("bk").alias("bucket"), F.lit(1).alias("kind")
            )
        )
    )
    nodes = big.join(records.withColumnRenamed("_pos", "node"), "node").select(
        "bucket", F.col("node").alias("_pos"), *shipped
    )
    rules, thr = list(conflicts), float(upper)

    def per_bucket(e_pdf: pd.DataFrame, r_pdf: pd.DataFrame) -> pd.DataFrame:
        r_pdf = r_pdf.sort_values("_pos", kind="stable").reset_index(drop=True)
        pos = r_pdf["_pos"].to_numpy(np.int64)
        std = decode(r_pdf[shipped], dates) if cols else pd.DataFrame(index=r_pdf.index)
        std, k = _anchored(std, ordered)
        loc_i = np.searchsorted(pos, e_pdf["i"].to_numpy(np.int64)) + k
        loc_j = np.searchsorted(pos, e_pdf["j"].to_numpy(np.int64)) + k
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
            lab, error = lab[k:] - k, None  # anchors are singletons, real records follow them
        except LinkageError as exc:
            lab, error = np.arange(len(pos)), str(exc)
        return pd.DataFrame({"node": pos, "label": pos[lab], "error": error})

    out = (
        group_edges.groupBy("bucket")
        .cogroup(nodes.groupBy("bucket"))
        .applyInPandas(
            per_bucket,
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
