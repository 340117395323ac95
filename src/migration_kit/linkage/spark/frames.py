"""Records between pandas and Spark: one codec, so every Spark stage sees the local values.

The linkage input (a pandas frame on the driver) goes to Spark as a table with ``_pos`` (the row
position every result refers to) and the columns a stage reads: datetime columns travel as ISO
text (no time-zone conversion can shift a birth date), every other column as text (the
local tests compare values as text too, :class:`~migration_kit.linkage.levels.ColumnData`).
Inside a task, :func:`decode` rebuilds the pandas columns with their local dtypes, so the local
level, key and conflict functions run unchanged on each partition's slice. Dates travel as ISO
text rather than numbers: Arrow hands a nullable long column to pandas as float64, which cannot
hold nanoseconds exactly.

Example
-------
>>> import pandas as pd
>>> dob = pd.to_datetime(["1990-01-02", None])
>>> df = pd.DataFrame({"name_key": ["李娜", None], "birth_date": dob})
>>> enc = encode(df, ["name_key", "birth_date"])
>>> enc["_pos"].tolist(), enc["birth_date"].tolist(), enc["name_key"].tolist()
([0, 1], ['1990-01-02T00:00:00.000000000', None], ['李娜', None])
>>> back = decode(enc, ["birth_date"])
>>> str(back["birth_date"].dtype), back["birth_date"].isna().tolist()
('datetime64[ns]', [False, True])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["date_columns", "decode", "encode", "records_frame", "side_columns", "split_sides"]


def date_columns(df: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The ``columns`` of ``df`` that hold datetime values (they travel as ISO text).

    Example
    -------
    >>> date_columns(pd.DataFrame({"a": ["x"], "d": pd.to_datetime(["2020-01-01"])}), ["a", "d"])
    ['d']
    """
    return [c for c in columns if c in df.columns and pd.api.types.is_datetime64_any_dtype(df[c])]


def encode(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``_pos`` plus ``columns`` of ``df`` in transport form (dates as ISO text, others text)."""
    out: dict[str, object] = {"_pos": np.arange(len(df), dtype=np.int64)}
    for col in columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            iso = np.datetime_as_string(s.to_numpy(dtype="datetime64[ns]"), unit="ns")
            iso_obj = iso.astype(object)
            iso_obj[s.isna().to_numpy()] = None
            out[col] = pd.Series(iso_obj)
        else:
            obj = s.astype(object)
            text = obj.where(obj.isna(), obj.astype(str))
            out[col] = text.where(text.notna(), None).astype(object)
    return pd.DataFrame(out)


def decode(pdf: pd.DataFrame, dates: Sequence[str]) -> pd.DataFrame:
    """Inverse of :func:`encode` on a slice (``dates`` back to datetime64, text kept).

    Example
    -------
    >>> decode(pd.DataFrame({"d": ["1990-01-02T00:00:00.000000000"]}), ["d"])["d"].dt.year.tolist()
    [1990]
    """
    out = pdf.copy()
    for col in dates:
        if col in out.columns:
            out[col] = pd.to_datetime(out[col], format="ISO8601")
    return out


def records_frame(spark: SparkSession, df: pd.DataFrame, columns: Sequence[str]) -> DataFrame:
    """The records as a Spark table ``_pos, columns...`` (see :func:`encode`).

    Example
    -------
    >>> records_frame(spark, df, ["phone"]).columns  # doctest: +SKIP
    ['_pos', 'phone']
    """
    from pyspark.sql import types as T

    enc = encode(df, [c for c in columns if c in df.columns])
    fields = [T.StructField("_pos", T.LongType(), False)]
    fields += [T.StructField(col, T.StringType(), True) for col in enc.columns[1:]]
    return spark.createDataFrame(enc, schema=T.StructType(fields))


def side_columns(columns: Sequence[str], side: str) -> list[str]:
    """Names of ``columns`` on one side of a joined pair table (``a__name`` / ``b__name``).

    Example
    -------
    >>> side_columns(["phone", "email"], "b")
    ['b__phone', 'b__email']
    """
    return [f"{side}__{c}" for c in columns]


def split_sides(
    pdf: pd.DataFrame, columns: Sequence[str], dates: Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A joined pair slice as ``(records, i, j)``: both sides' records stacked (left block then
    right block, local column names and dtypes) and the pairs as positions in it.

    Example
    -------
    >>> pdf = pd.DataFrame({"a__phone": ["1", "2"], "b__phone": ["1", "3"]})
    >>> recs, i, j = split_sides(pdf, ["phone"], [])
    >>> recs["phone"].tolist(), i.tolist(), j.tolist()
    (['1', '2', '1', '3'], [0, 1], [2, 3])
    """
    m = len(pdf)
    left = pdf[side_columns(columns, "a")].set_axis(list(columns), axis=1)
    right = pdf[side_columns(columns, "b")].set_axis(list(columns), axis=1)
    both = decode(pd.concat([left, right], ignore_index=True), dates)
    return both, np.arange(m, dtype=np.int64), np.arange(m, 2 * m, dtype=np.int64)
