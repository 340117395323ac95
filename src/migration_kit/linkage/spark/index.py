"""Blocking on Spark: one join per pass, the passes united and their pairs deduplicated.

The same :class:`~migration_kit.linkage.spec.BlockingRule` list as the local engine
(:func:`~migration_kit.linkage.blocking.block_pairs`), with the same results:

- every key (plain or ``column:transform``) is derived per partition by the local
  :func:`~migration_kit.linkage.blocking.block_key` (``mapInPandas``), as text, once for all passes;
- the equality passes together are one self-join on ``(pass, key tuple)`` (``a._pos < b._pos``)
  over the blocks of 2 to ``max_block_size`` records, sized by one window; larger blocks are
  skipped and reported (masked key of the block's first record, as locally);
- a sorted-neighbourhood pass (``window``) sorts on the keys' text then the row position, numbers
  the rows consecutively (per-partition offsets, no single-partition window) and joins each row
  with the next ``window - 1``;
- a cross pass (``cross_keys``) joins the side-0 key tuple with each record's alternatives
  (deduplicated per record), blocks of more than ``max_block_size`` entries skipped;
- ``link_only`` keeps pairs whose sources differ;
- the union keeps each pair once with the first rule (in rule order) that found it.

Example
-------
>>> pairs, report, counts = spark_block_pairs(spark, df, spec.blocking, 200)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..blocking import REPORT_COLUMNS, _mask_key, _parse_key, block_key
from ..spec import BlockingRule
from .frames import date_columns, decode, records_frame

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["block_keys_frame", "spark_block_pairs"]

_SEP = "\x1f"  # joins the parts of a key tuple (cross passes)


def _key_name(n: int) -> str:
    return f"k{n}"


def _key_text(values: pd.Series) -> pd.Series:
    """Key values as the local engine orders and compares them (``str`` of each value)."""
    out = pd.Series([None] * len(values), index=values.index, dtype=object)
    ok = values.notna().to_numpy()
    if ok.any():
        out[ok] = np.asarray(values[ok], dtype=object).astype(str)
    return out


def block_keys_frame(
    spark: SparkSession, df: pd.DataFrame, keys: Sequence[str], source: bool = False
) -> DataFrame:
    """``_pos, k0, k1, ...`` (one text column per key of ``keys``, null where unusable) and, with
    ``source``, the record's ``source``: the keys every pass joins on, derived once.

    Example
    -------
    >>> block_keys_frame(spark, df, ["phone", "phone:last4"]).columns  # doctest: +SKIP
    ['_pos', 'k0', 'k1']
    """
    from pyspark.sql import types as T

    cols = sorted({_parse_key(k)[0] for k in keys} & set(df.columns))
    if source:
        cols = sorted({*cols, "source"})
    dates = date_columns(df, cols)
    recs = records_frame(spark, df, cols)
    names = [_key_name(n) for n in range(len(keys))]
    fields = [T.StructField("_pos", T.LongType(), False)]
    fields += [T.StructField(n, T.StringType(), True) for n in names]
    if source:
        fields.append(T.StructField("source", T.StringType(), True))
    key_list = list(keys)

    def derive(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            rec = decode(pdf, dates).reset_index(drop=True)
            out = {"_pos": rec["_pos"].to_numpy(np.int64)}
            for name, key in zip(names, key_list, strict=True):
                out[name] = _key_text(block_key(rec, key)).to_numpy(dtype=object)
            if source:
                out["source"] = rec["source"].to_numpy(dtype=object)
            yield pd.DataFrame(out)

    return recs.mapInPandas(derive, T.StructType(fields))


def _not_null(cols: Sequence[str]) -> Column:
    from pyspark.sql import functions as F

    cond = F.lit(True)
    for c in cols:
        cond = cond & F.col(c).isNotNull()
    return cond


def _equal_passes(
    keys: DataFrame, passes: list[tuple[int, list[str], int]]
) -> tuple[DataFrame, DataFrame]:
    """Within-block pairs of all equality passes at once, and their skipped blocks.

    ``passes``: ``(rule index, key columns, max block size)``. One long table holds a row per
    record and pass (the pass's key tuple as an array, rows with a null key left out); a window
    over ``(rule_idx, key)`` sizes the blocks, so one shuffle serves every pass and the self-join
    on the same columns reuses its partitioning. Skipped blocks: ``rule_idx, _first, _n``.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    entries = [
        F.when(
            _not_null(cols),
            F.struct(F.lit(r).cast("int").alias("rule_idx"), F.array(*cols).alias("bkey")),
        )
        for r, cols, _ in passes
    ]
    caps = F.create_map(*[x for r, _, cap in passes for x in (F.lit(r), F.lit(cap))])
    long = (
        keys.select("_pos", F.explode(F.array(*entries)).alias("e"))
        .where(F.col("e").isNotNull())
        .select("_pos", "e.rule_idx", F.xxhash64("e.bkey").alias("_h"), "e.bkey")
    )
    # the key's hash leads the block key: sorting and joining compare longs first, the key
    # tuple itself only between equal hashes (so blocks stay exact)
    block = ["rule_idx", "_h", "bkey"]
    w = Window.partitionBy(*block)
    sized = (
        long.select(
            "_pos",
            *block,
            F.count("*").over(w).alias("_n"),
            F.min("_pos").over(w).alias("_first"),
            caps[F.col("rule_idx")].alias("_cap"),
        )
        .where(F.col("_n") >= 2)  # most keys are one record's: none of them is kept
        .localCheckpoint()
    )
    big = sized.where((F.col("_n") > F.col("_cap")) & (F.col("_pos") == F.col("_first")))
    kept = sized.where(F.col("_n") <= F.col("_cap"))
    a = kept.select(F.col("_pos").alias("i"), *block)
    b = kept.select(F.col("_pos").alias("j"), *block)
    pairs = a.join(b, block).where(F.col("i") < F.col("j"))
    return pairs.select("i", "j", "rule_idx"), big.select("rule_idx", "_first", "_n")


def _window_pass(spark: SparkSession, keys: DataFrame, cols: list[str], window: int) -> DataFrame:
    """Sorted neighbourhood: rows numbered in (keys, position) order, each paired with the next
    ``window - 1`` rows."""
    from pyspark.sql import functions as F

    kt = keys.select("_pos", *cols).where(_not_null(cols))
    ordered = kt.orderBy(*cols, "_pos").select(
        "_pos",
        *cols,
        F.spark_partition_id().alias("_part"),
        F.monotonically_increasing_id().alias("_mid"),
    )
    ordered = ordered.localCheckpoint()  # partition ids and ids fixed once
    sizes = {
        int(r["_part"]): int(r["_n"])
        for r in ordered.groupBy("_part").count().withColumnRenamed("count", "_n").collect()
    }
    offsets, total = [], 0
    for part in sorted(sizes):
        offsets.append((part, total))
        total += sizes[part]
    if not offsets:
        return spark.createDataFrame([], "i long, j long")
    off = spark.createDataFrame(offsets, "_part int, _off long")
    first = ordered.groupBy("_part").agg(F.min("_mid").alias("_m0"))
    ranked = (
        ordered.join(F.broadcast(off), "_part")
        .join(F.broadcast(first), "_part")
        .select("_pos", (F.col("_off") + F.col("_mid") - F.col("_m0")).alias("_rank"))
    )
    out: DataFrame | None = None
    for d in range(1, window):
        a = ranked.select(F.col("_pos").alias("a"), (F.col("_rank") + d).alias("_rank"))
        b = ranked.select(F.col("_pos").alias("b"), "_rank")
        near = a.join(b, "_rank").select(
            F.least("a", "b").alias("i"), F.greatest("a", "b").alias("j")
        )
        out = near if out is None else out.unionAll(near)
    return out if out is not None else spark.createDataFrame([], "i long, j long")


def _cross_pass(
    keys: DataFrame, side0: list[str], sides1: list[list[str]], cap: int
) -> tuple[DataFrame, DataFrame]:
    """Side-0 key tuple against each record's alternatives (one entry per record and key)."""
    from pyspark.sql import functions as F

    def entries(cols: list[str]) -> DataFrame:
        return keys.where(_not_null(cols)).select("_pos", F.concat_ws(_SEP, *cols).alias("_key"))

    s0 = entries(side0)
    s1 = None
    for alt in sides1:
        e = entries(alt)
        s1 = e if s1 is None else s1.unionAll(e)
    assert s1 is not None  # a cross pass has at least one alternative
    s1 = s1.distinct()
    n0 = s0.groupBy("_key").agg(F.count("*").alias("_n0"), F.min("_pos").alias("_first"))
    n1 = s1.groupBy("_key").agg(F.count("*").alias("_n1"))
    blocks = n0.join(n1, "_key").select("_key", (F.col("_n0") + F.col("_n1")).alias("_n"), "_first")
    big = blocks.where(F.col("_n") > cap).select("_first", "_n")
    ok = blocks.where(F.col("_n") <= cap).select("_key")
    a = s0.join(ok, "_key", "left_semi").select(F.col("_pos").alias("a"), "_key")
    b = s1.join(ok, "_key", "left_semi").select(F.col("_pos").alias("b"), "_key")
    pairs = a.join(b, "_key").where(F.col("a") != F.col("b"))
    return pairs.select(F.least("a", "b").alias("i"), F.greatest("a", "b").alias("j")), big


def spark_block_pairs(
    spark: SparkSession,
    df: pd.DataFrame,
    rules: Sequence[BlockingRule],
    max_block_size: int = 200,
    link_type: str = "dedupe_and_link",
) -> tuple[DataFrame, pd.DataFrame, dict[str, int]]:
    """Union of the blocking passes on Spark (see the module docstring).

    Parameters
    ----------
    spark : SparkSession
    df : pandas.DataFrame
        The linkage input (RangeIndex: ``_pos`` is the row position).
    rules : sequence of BlockingRule
    max_block_size : int
        Default cap for rules without their own.
    link_type : {"dedupe_and_link", "link_only"}

    Returns
    -------
    (pairs, report, counts)
        ``pairs``: Spark table ``i, j, rule_idx`` (each pair once, the first rule that found it),
        checkpointed; ``report``: skipped blocks (:data:`.blocking.REPORT_COLUMNS`, masked keys);
        ``counts``: ``pairs_<rule>``, new pairs per rule.

    Example
    -------
    >>> frame, report, counts = spark_block_pairs(spark, df, [BlockingRule("phone", ("phone",))])
    ... # doctest: +SKIP
    >>> counts  # doctest: +SKIP
    {'pairs_phone': 1}
    """
    from pyspark.sql import functions as F

    all_keys: list[str] = []
    for rule in rules:
        for k in (*rule.keys, *(x for alt in rule.cross_keys for x in alt)):
            if k not in all_keys:
                all_keys.append(k)
    link_only = link_type == "link_only"
    keys = block_keys_frame(spark, df, all_keys, source=link_only).localCheckpoint()
    col = {k: _key_name(n) for n, k in enumerate(all_keys)}
    equal = [
        (r, [col[k] for k in rule.keys], rule.max_block_size or max_block_size)
        for r, rule in enumerate(rules)
        if not rule.window and not rule.cross_keys
    ]
    union, skipped = _equal_passes(keys, equal) if equal else (None, None)
    for r_idx, rule in enumerate(rules):
        cap = rule.max_block_size or max_block_size
        if rule.window:
            pairs = _window_pass(spark, keys, [col[k] for k in rule.keys], rule.window)
        elif rule.cross_keys:
            pairs, big = _cross_pass(
                keys,
                [col[k] for k in rule.keys],
                [[col[k] for k in a] for a in rule.cross_keys],
                cap,
            )
            big = big.withColumn("rule_idx", F.lit(r_idx).cast("int")).select(
                "rule_idx", "_first", "_n"
            )
            skipped = big if skipped is None else skipped.unionAll(big)
        else:
            continue
        pairs = pairs.withColumn("rule_idx", F.lit(r_idx).cast("int"))
        union = pairs if union is None else union.unionAll(pairs)
    report = []
    for r in [] if skipped is None else skipped.orderBy("rule_idx", "_first").collect():
        rule = rules[int(r["rule_idx"])]
        cap = rule.max_block_size or max_block_size
        report.append(
            (
                rule.name,
                _mask_key(df, rule.keys, int(r["_first"])),
                int(r["_n"]),
                f"skipped (> {cap})",
            )
        )
    if union is None:
        union = spark.createDataFrame([], "i long, j long, rule_idx int")
    if link_only:  # the same pairs leave every pass, so filtering the union is the same
        src = keys.select("_pos", "source")
        sa = src.select(F.col("_pos").alias("i"), F.col("source").alias("_sa"))
        sb = src.select(F.col("_pos").alias("j"), F.col("source").alias("_sb"))
        union = (
            union.join(sa, "i")
            .join(sb, "j")
            .where(F.col("_sa") != F.col("_sb"))
            .select("i", "j", "rule_idx")
        )
    out = union.groupBy("i", "j").agg(F.min("rule_idx").alias("rule_idx")).localCheckpoint()
    per_rule = {
        int(r["rule_idx"]): int(r["count"]) for r in out.groupBy("rule_idx").count().collect()
    }
    counts = {f"pairs_{r.name}": per_rule.get(n, 0) for n, r in enumerate(rules)}
    rep = (
        pd.DataFrame(report, columns=REPORT_COLUMNS)
        .sort_values(["rule", "size", "key_masked"], ascending=[True, False, True], kind="stable")
        .reset_index(drop=True)
    )
    return out, rep, counts
