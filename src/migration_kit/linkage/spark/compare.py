"""Comparison levels on Spark: the local level code on each partition of joined pairs.

Each candidate pair is joined with both records' compared columns; ``mapInPandas`` then stacks a
partition's left and right records into one small frame and calls the local
:func:`~migration_kit.linkage.compare.compare_levels` on it (the same :class:`Comparison`
objects, level definitions and tests). The level tests compare values (codes of one factorization,
string similarity, per-value derived keys), never frequencies over the whole table, so a
partition's slice gives each pair the level the whole table would: the results are identical to
the local engine's.

Example
-------
>>> levels = spark_compare(spark, df, spec.comparisons, pairs)  # doctest: +SKIP
>>> levels.columns  # doctest: +SKIP
['i', 'j', 'rule_idx', 'g0', 'g1', ...]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..compare import compare_levels
from ..spec import Comparison
from .frames import date_columns, records_frame, split_sides

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["compared_columns", "join_sides", "level_names", "spark_compare"]


def compared_columns(df: pd.DataFrame, comparisons: Sequence[Comparison]) -> list[str]:
    """The columns of ``df`` that ``comparisons`` read (sorted).

    Example
    -------
    >>> from migration_kit.linkage.spec import LinkageSpec
    >>> df = pd.DataFrame({"phone": [], "email": [], "city": []})
    >>> compared_columns(df, LinkageSpec.default().comparisons)
    ['city', 'email', 'phone']
    """
    cols: set[str] = set()
    for c in comparisons:
        cols |= set(c.columns)
        cols |= {x for lv in c.levels for x in (lv.column, lv.missing, lv.other, *lv.needs) if x}
    return sorted(cols & set(df.columns))


def level_names(n: int) -> list[str]:
    """Names of the level columns of ``n`` comparisons (``g0, g1, ...``).

    Example
    -------
    >>> level_names(3)
    ['g0', 'g1', 'g2']
    """
    return [f"g{c}" for c in range(n)]


def join_sides(pairs: DataFrame, records: DataFrame, columns: Sequence[str]) -> DataFrame:
    """``pairs`` with ``a__<col>`` (record ``i``) and ``b__<col>`` (record ``j``) beside them.

    Example
    -------
    >>> join_sides(pairs, records, ["phone"]).columns  # doctest: +SKIP
    ['j', 'i', 'a__phone', 'b__phone']
    """
    from pyspark.sql import functions as F

    a = records.select(F.col("_pos").alias("i"), *[F.col(c).alias(f"a__{c}") for c in columns])
    b = records.select(F.col("_pos").alias("j"), *[F.col(c).alias(f"b__{c}") for c in columns])
    return pairs.join(a, "i").join(b, "j")


def spark_compare(
    spark: SparkSession,
    df: pd.DataFrame,
    comparisons: Sequence[Comparison],
    pairs: DataFrame,
    records: DataFrame | None = None,
) -> DataFrame:
    """Level of every pair of ``pairs`` (``i, j`` and any other columns, kept) in every comparison.

    Parameters
    ----------
    spark : SparkSession
    df : pandas.DataFrame
        The linkage input (for the column list and dtypes).
    comparisons : sequence of Comparison
    pairs : pyspark.sql.DataFrame
        ``i, j`` (row positions) and optional extra columns (``rule_idx``).
    records : pyspark.sql.DataFrame, optional
        :func:`.frames.records_frame` of the compared columns, reused across calls.

    Returns
    -------
    pyspark.sql.DataFrame
        The columns of ``pairs`` plus one ``int8`` column per comparison (:func:`level_names`).

    Example
    -------
    >>> spark_compare(spark, df, spec.comparisons, pairs).columns[:3]  # doctest: +SKIP
    ['i', 'j', 'g0']
    """
    from pyspark.sql import types as T

    cols = compared_columns(df, comparisons)
    dates = date_columns(df, cols)
    recs = records if records is not None else records_frame(spark, df, cols)
    joined = join_sides(pairs, recs, cols)
    keep = list(pairs.columns)
    names = level_names(len(comparisons))
    schema = T.StructType(
        [f for f in joined.schema.fields if f.name in keep]
        + [T.StructField(n, T.ByteType(), False) for n in names]
    )
    comps = list(comparisons)

    def levels(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            recs_, i, j = split_sides(pdf, cols, dates)
            lv = compare_levels(recs_, i, j, comps)
            out = pdf[keep].reset_index(drop=True)
            for c, name in enumerate(names):
                out[name] = lv[:, c].astype(np.int8)
            yield out

    return joined.mapInPandas(levels, schema)
