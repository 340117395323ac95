"""Dates and timestamps -> ``datetime64[ns]``, vectorized over the distinct values of a Series.

Accepted shapes (after NFKC, ``年``/``月`` -> ``-``, ``日`` dropped):

* ``1990-03-05``, ``1990/3/5``, ``1990.3.5``, ``1990年3月5日``, ``19900305``;
* ``03/05/1990`` and ``05.03.1990`` (year last) read per ``date_order``: ``"MDY"`` or ``"DMY"``;
  with ``"YMD"`` (the default, sources that write year first) a year-last value is read only when
  one of its parts is above 12, otherwise ``DATE_AMBIGUOUS``;
* Excel serial day numbers (origin 1899-12-30, e.g. ``32937`` -> 1990-03-05), accepted only with
  5 digits (10000-73050, i.e. 1927-05-18 .. 2099-12-31) so a bare year such as ``1990`` is not
  misread;
* ISO 8601 timestamps with or without zone (``2023-05-01T10:00:00+08:00``, ``...Z``). Decision:
  zone-aware values are converted to **naive UTC**; naive ones are kept as written. With
  ``keep_time=False`` (birth dates) the calendar date as written is kept and the time dropped, so a
  birth date stamped at local midnight does not move to the previous day.

Reason codes: ``DATE_UNPARSEABLE`` (no shape matched), ``DATE_IMPOSSIBLE`` (a shape matched but no
such day, e.g. 1990-02-30), ``DATE_AMBIGUOUS``, ``DATE_IMPLAUSIBLE`` (before 1900-01-01),
``DATE_FUTURE`` (after ``reference_date``). Invalid values are NaT, except ``DATE_IMPLAUSIBLE``
ones from 1678 on (the first year ``datetime64[ns]`` holds): a record of a person born in 1850 is
odd for a customer file but it is what the source holds, and two records sharing it are strong
evidence for linkage, so the value is kept and flagged (the failure table says so, quality counts
it invalid). Earlier years cannot be held and are NaT.

Example
-------
>>> import datetime as dt, pandas as pd
>>> out = parse_dates(
...     pd.Series(["1990年3月5日", "32937", "1990-02-30"]), reference_date=dt.date(2024, 1, 1)
... )
>>> out["value"].dt.strftime("%Y-%m-%d").tolist(), out["reason"].tolist()
(['1990-03-05', '1990-03-05', nan], [None, None, 'DATE_IMPOSSIBLE'])
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._spec import check_choice
from ._common import extract, fullmatch, normalized_uniques, replace, spread, to_object

__all__ = ["DATE_COLUMNS", "DATE_ORDERS", "parse_dates"]

DATE_ORDERS = ("YMD", "MDY", "DMY")
DATE_COLUMNS = ["value", "reason"]
_MIN = pd.Timestamp(1900, 1, 1)
_YMD = r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
_COMPACT = r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"
_YEAR_LAST = r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})"
_SERIAL = r"(?P<n>\d{5})(?:\.0+)?"
_ISO = (
    r"(?P<local>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s?"
    r"(?:Z|(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2}))?"
)


def _from_parts(y: pd.Series, m: pd.Series, d: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Build dates from integer parts; return (values, impossible mask)."""
    yv, mv, dv = (x.astype("int64").to_numpy() for x in (y, m, d))
    in_range = (yv >= 1678) & (yv <= 2261)
    frame = pd.DataFrame({"year": np.where(in_range, yv, 2000), "month": mv, "day": dv})
    vals = pd.to_datetime(frame, errors="coerce").to_numpy()
    vals[~in_range] = np.datetime64("NaT")
    old = ~in_range & (yv < 1678)  # real but far too old: implausible rather than impossible
    return vals, np.isnat(vals) & ~old


def _ymd(
    parts: pd.DataFrame, date_order: str
) -> tuple[pd.Series, pd.Series, pd.Series, np.ndarray]:
    """Year, month, day and an 'ambiguous' mask from extracted groups (y/m/d or a/b/y)."""
    none = np.zeros(len(parts), dtype=bool)
    if "m" in parts:
        return parts["y"], parts["m"], parts["d"], none
    a, b, y = (parts[c].astype("int64") for c in ("a", "b", "y"))
    if date_order == "MDY":
        return y, a, b, none
    if date_order == "DMY":
        return y, b, a, none
    day_first = (a > 12) & (b <= 12)
    return (
        y,
        b.where(day_first, a),
        a.where(day_first, b),
        ((a <= 12) & (b <= 12) & (a != b)).to_numpy(),
    )


def _parse_unique(u: pa.Array, date_order: str, keep_time: bool) -> tuple[np.ndarray, np.ndarray]:
    """Parse normalized distinct strings; return (datetime64 values, reason codes).

    Each shape is tried only on the values no earlier shape matched (a cheap ``fullmatch`` first,
    the group extraction only on the hits).
    """
    n = len(u)
    val = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    reason = np.full(n, None, dtype=object)
    todo = ~pc.is_null(u).to_numpy(zero_copy_only=False)
    for shape in ("ymd", "iso", "compact", "year_last", "serial"):
        pattern = {
            "ymd": _YMD,
            "iso": _ISO,
            "compact": _COMPACT,
            "year_last": _YEAR_LAST,
            "serial": _SERIAL,
        }[shape]
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        sub = u.take(pa.array(rows))
        hit = fullmatch(sub, pattern)
        if not hit.any():
            continue
        idx, hits = rows[hit], sub.filter(pa.array(hit))
        text = pd.Series(to_object(hits), dtype=object)
        todo[idx] = False
        if shape == "iso":
            # pandas parses zone-aware strings ~10x slower than naive ones: parse the local part,
            # then subtract the offset ourselves (Z or no zone: offset 0).
            parts = extract(hits, _ISO)
            v = pd.to_datetime(
                pd.Series(parts["local"], dtype=object), format="ISO8601", errors="coerce"
            )
            if keep_time:
                sign = np.where(parts["sign"] == "-", -1, 1)
                hh = pd.to_numeric(pd.Series(parts["hh"], dtype=object)).fillna(0).to_numpy()
                mm = pd.to_numeric(pd.Series(parts["mm"], dtype=object)).fillna(0).to_numpy()
                v = v - pd.to_timedelta(sign * (hh * 60 + mm), unit="m")
            else:
                v = v.dt.normalize()
            val[idx] = v.to_numpy()
            reason[idx[v.isna().to_numpy()]] = "DATE_IMPOSSIBLE"
        elif shape == "serial":
            s = pd.to_numeric(text, errors="coerce").to_numpy()
            ok = (s >= 10000) & (s <= 73050)
            val[idx[ok]] = (
                pd.Timestamp(1899, 12, 30) + pd.to_timedelta(s[ok], unit="D")
            ).to_numpy()
            reason[idx[~ok]] = "DATE_UNPARSEABLE"
        else:
            y, m, d, amb = _ymd(pd.DataFrame(extract(hits, pattern)), date_order)
            vals, bad = _from_parts(y, m, d)
            val[idx] = np.where(amb, np.datetime64("NaT"), vals)
            reason[idx[bad & ~amb]] = "DATE_IMPOSSIBLE"
            reason[idx[amb]] = "DATE_AMBIGUOUS"
    reason[todo] = "DATE_UNPARSEABLE"
    return val, reason


def parse_dates(
    s: pd.Series, *, date_order: str = "YMD", reference_date: dt.date, keep_time: bool = True
) -> pd.DataFrame:
    """Parse raw dates into ``datetime64[ns]`` with a reason code per failure.

    Parameters
    ----------
    s : Series
        Raw date strings (None for missing).
    date_order : {"YMD", "MDY", "DMY"}
        How to read year-last values such as ``03/05/1990`` (see module docstring).
    reference_date : date
        Values after this day are ``DATE_FUTURE``.
    keep_time : bool
        Keep the time of timestamps (event fields); False keeps only the written calendar date.

    Returns
    -------
    DataFrame
        ``value`` (datetime64[ns], NaT when invalid or absent) and ``reason``; same index as ``s``.

    Example
    -------
    >>> import datetime as dt, pandas as pd
    >>> parse_dates(
    ...     pd.Series(["03/05/1990"]), date_order="MDY", reference_date=dt.date(2024, 1, 1)
    ... )["value"].tolist()
    [Timestamp('1990-03-05 00:00:00')]
    """
    check_choice(date_order, DATE_ORDERS, "parse_dates.date_order")
    codes, u = normalized_uniques(s)
    u = pc.utf8_trim_whitespace(pc.replace_substring(replace(u, "[年月]", "-"), "日", ""))
    # 1990/3/5 and 1990.3.5 -> 1990-3-5 (only when the year comes first)
    u = replace(u, r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$", r"\1-\2-\3")
    val, reason = _parse_unique(u, date_order, keep_time)
    valid = ~np.isnat(val)
    early = valid & (val < _MIN.to_datetime64())
    limit = (pd.Timestamp(reference_date) + pd.Timedelta(days=1)).to_datetime64()
    future = valid & (val >= limit)
    reason[early], reason[future] = "DATE_IMPLAUSIBLE", "DATE_FUTURE"
    # years below pandas' range come back as NaT without a reason from _from_parts: implausible
    present = ~pc.is_null(u).to_numpy(zero_copy_only=False)
    reason[present & np.isnat(val) & pd.isna(reason)] = "DATE_IMPLAUSIBLE"
    val[future] = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "value": pd.Series(spread(val, codes), index=s.index, dtype="datetime64[ns]"),
            "reason": spread(reason, codes),
        },
        index=s.index,
    )
