"""Numbers, hashes and tables as a person reads them: rounded, grouped, wrapped.

The report shows no float noise (``90.02801869916424`` is ``90.0``; ``1810.0`` is ``1,810``), the
same number of decimals down a column, and SHA-256 values in a monospace cell that wraps, so no
table runs past the page. :func:`html_table` is the one table renderer of the report; every cell
is escaped.

Example
-------
>>> number(1810.0), number(90.02801869916424, 1), percent(0.90051), signed(-48.66)
('1,810', '90.0', '90.1 %', '−48.7')
>>> inline("run `migration-kit purge` <now>")
'run <code>migration-kit purge</code> &lt;now&gt;'
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence

import pandas as pd

__all__ = [
    "HASH_RE",
    "column_formatter",
    "count",
    "hash_html",
    "html_table",
    "inline",
    "is_hash",
    "number",
    "percent",
    "signed",
]

#: A hex digest of 32 bytes or more (SHA-256, keyed hashes), optionally ``sha256:``-prefixed.
HASH_RE = re.compile(r"^(sha256:)?[0-9a-f]{32,}$")
_MINUS = "\u2212"  # a real minus sign: "−48.7" reads as negative at a glance, "-48.7" less so


def _float(value: object) -> float | None:
    """``value`` as a finite float, or None for blanks, text, booleans and NaN."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            out = float(text)
        except ValueError:
            return None
    elif isinstance(value, int | float):
        out = float(value)
    else:
        try:
            out = float(value)  # type: ignore[arg-type]  # numpy scalars
        except (TypeError, ValueError):
            return None
    return out if math.isfinite(out) else None


def number(value: object, decimals: int | None = None) -> str:
    """A number for people: grouped thousands, integers without ``.0``, floats rounded.

    Parameters
    ----------
    value : object
        An int, float, numpy scalar or numeric text; anything else is returned as text
        (``None`` and NaN as ``""``).
    decimals : int, optional
        Fixed decimals; default: none for a whole number, else 1.

    Example
    -------
    >>> number(1810.0), number(2643), number(0.5), number(99.919, 2), number(None), number("n/a")
    ('1,810', '2,643', '0.5', '99.92', '', 'n/a')
    """
    f = _float(value)
    if f is None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return str(value)
    if decimals is None:
        decimals = 0 if f.is_integer() else 1
    text = f"{abs(f):,.{decimals}f}"
    negative = f < 0 and float(text.replace(",", "")) != 0
    return (_MINUS if negative else "") + text


def count(n: object, one: str, many: str | None = None) -> str:
    """A count with its noun in the right number.

    Example
    -------
    >>> count(1, "record"), count(1810.0, "record"), count(2, "customer", "customers kept")
    ('1 record', '1,810 records', '2 customers kept')
    """
    f = _float(n)
    return f"{number(n)} {one if f == 1 else (many or one + 's')}"


def percent(share: object, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage with fixed decimals.

    Example
    -------
    >>> percent(1.0), percent(0.03126, 2), percent("")
    ('100.0 %', '3.13 %', '')
    """
    f = _float(share)
    return "" if f is None else f"{number(100 * f, decimals)} %"


def signed(value: object, decimals: int = 1) -> str:
    """A difference with its sign (``+4.8``, ``−48.7``, ``0.0``).

    Example
    -------
    >>> signed(4.778), signed(0.0), signed(-0.01)
    ('+4.8', '0.0', '0.0')
    """
    f = _float(value)
    if f is None:
        return ""
    text = number(f, decimals)
    return "+" + text if f > 0 and text.strip("0.") else text


def is_hash(value: object) -> bool:
    """Whether ``value`` is a hex digest that needs wrapping.

    Example
    -------
    >>> is_hash("ab" * 32), is_hash("R000001")
    (True, False)
    """
    return isinstance(value, str) and bool(HASH_RE.match(value))


def hash_html(value: str) -> str:
    """A digest in full, monospace, wrapping inside its cell (the title repeats it for copying).

    Example
    -------
    >>> hash_html("ab" * 32)[:24]
    '<code class="hash" title'
    """
    v = html.escape(value)
    return f'<code class="hash" title="{v}">{v}</code>'


_CODE = re.compile(r"`([^`]+)`")


def inline(text: str) -> str:
    """Escape ``text`` for HTML and render Markdown-style `` `code` `` spans as ``<code>``.

    Example
    -------
    >>> inline("a `b` c")
    'a <code>b</code> c'
    """
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html.escape(str(text)))


def _is_numeric(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    values = [v for v in series if not (v is None or (isinstance(v, str) and not v.strip()))]
    return bool(values) and all(_float(v) is not None for v in values)


def column_formatter(
    series: pd.Series,
    *,
    decimals: int | None = None,
    as_percent: bool = False,
    as_signed: bool = False,
) -> Callable[[object], str]:
    """The text function for one column: same decimals all the way down.

    A numeric column whose values are all whole shows integers (``1,810``); otherwise it shows
    ``decimals`` (default 1 when the largest value is at least 1, else 3). Booleans read
    ``yes`` / ``no``; other values are text.

    Example
    -------
    >>> f = column_formatter(pd.Series([1.0, 1810.0]))
    >>> f(1810.0)
    '1,810'
    >>> g = column_formatter(pd.Series(["90.02801869916424", "", "100.0"]))
    >>> g("90.02801869916424"), g("")
    ('90.0', '')
    """
    if as_percent:
        return lambda v: percent(v, 1 if decimals is None else decimals)
    values = set(map(str, series.dropna()))
    if values and (pd.api.types.is_bool_dtype(series) or values <= {"True", "False"}):
        return lambda v: {"True": "yes", "False": "no"}.get(str(v), str(v))
    if not _is_numeric(series):
        return lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    floats = [f for f in (_float(v) for v in series) if f is not None]
    whole = all(f.is_integer() for f in floats)
    if decimals is None:
        decimals = (
            0 if whole and not as_signed else (1 if max(map(abs, floats), default=0) >= 1 else 3)
        )
    if as_signed:
        return lambda v: signed(v, decimals)
    return lambda v: number(v, decimals)


def html_table(
    df: pd.DataFrame | None,
    *,
    max_rows: int = 60,
    decimals: Mapping[str, int] | None = None,
    percent_columns: Collection[str] = (),
    signed_columns: Collection[str] = (),
    row_classes: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    raw_html_columns: Collection[str] = (),
    caption: str = "",
) -> str:
    """Render a table: rounded numbers (right-aligned), wrapped hashes, escaped text.

    Parameters
    ----------
    df : DataFrame or None
        None or empty renders as *none*.
    max_rows : int
        Rows shown; a longer table says "first N of M rows".
    decimals, percent_columns, signed_columns
        Per-column number formats (see :func:`column_formatter`).
    row_classes : sequence of str, optional
        A CSS class per row of ``df`` (e.g. ``"flag"`` for a highlighted row).
    labels : mapping, optional
        Header text per column; default the column name with ``_`` as spaces.
    raw_html_columns : collection of str
        Columns whose values are already HTML (built by this package, never from data).
    caption : str
        A caption above the table (escaped).

    Example
    -------
    >>> t = html_table(pd.DataFrame({"rows": [1810.0], "share": [0.5]}), percent_columns=["share"])
    >>> "<td class=\\"num\\">1,810</td>" in t, "50.0 %" in t
    (True, True)
    """
    if df is None or df.empty:
        return "<p><i>none</i></p>"
    decimals = decimals or {}
    labels = labels or {}
    shown = df.head(max_rows)
    formats: dict[str, Callable[[object], str]] = {}
    numeric: dict[str, bool] = {}
    for col in shown.columns:
        key = str(col)
        numeric[key] = key in percent_columns or key in signed_columns or _is_numeric(df[col])
        if key in raw_html_columns:
            formats[key] = str
            numeric[key] = False
        else:
            formats[key] = column_formatter(
                df[col],
                decimals=decimals.get(key),
                as_percent=key in percent_columns,
                as_signed=key in signed_columns,
            )
    num_cls = ' class="num"'
    head = "".join(
        f"<th{num_cls if numeric[str(c)] else ''}>"
        f"{html.escape(labels.get(str(c), str(c).replace('_', ' ')))}</th>"
        for c in shown.columns
    )
    body = []
    for i, row in enumerate(shown.itertuples(index=False, name=None)):
        cells = []
        for col, value in zip(shown.columns, row, strict=True):
            key = str(col)
            if key in raw_html_columns:
                cells.append(f"<td>{value}</td>")
            elif is_hash(value):
                cells.append(f"<td>{hash_html(str(value))}</td>")
            else:
                cls = num_cls if numeric[key] else ""
                cells.append(f"<td{cls}>{html.escape(formats[key](value))}</td>")
        row_cls = row_classes[i] if row_classes is not None else ""
        tr = f'<tr class="{html.escape(row_cls)}">' if row_cls else "<tr>"
        body.append(tr + "".join(cells) + "</tr>")
    more = (
        f"<p class='more'>First {number(len(shown))} of {number(len(df))} rows.</p>"
        if len(df) > len(shown)
        else ""
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"
