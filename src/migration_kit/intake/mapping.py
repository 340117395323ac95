"""Column mapping: one read export -> rows of the canonical raw table.

Each input row becomes one output row with ``source``, ``record_id``, ``row_number`` (1-based data
row, the header being row 0) and ``raw__<field>`` for every mapped canonical field, holding the
text exactly as read (several mapped columns are joined by one space). Columns the mapping does not
use are returned separately for the classification report; they do not travel.
:func:`intake_flags` names what intake found damaged in each record's row (a short row, a cell
that looks mis-encoded) for the failure table (column :data:`~migration_kit.schema.INTAKE_FLAGS`).

Example
-------
>>> df = pd.DataFrame({"ID": ["1", "2"], "Name": ["王伟", "李娜"]})
>>> raw, unmapped = map_columns(df, "pos", "pos.csv", "ID", {"full_name": ("Name",)})
>>> list(raw.columns)
['source', 'record_id', 'row_number', 'raw__full_name']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._spec import closest
from ..errors import InputError
from ..masking import mask_text
from ..schema import ROW_FIELD
from .encoding import ENCODING_SUSPECT, suspect_encoding

__all__ = ["RAW_PREFIX", "ROW_SHORT", "intake_flags", "map_columns"]

RAW_PREFIX = "raw__"
#: Reason code of a CSV row with fewer fields than the header (``ragged_rows: flag``).
ROW_SHORT = "ROW_SHORT"


_DATA_LIKE = re.compile(r"\d{5,}|@|^\d{4}[-/年]\d{1,2}")


def _missing_column(file: str, wanted: str, headers: list[str], what: str) -> InputError:
    if any(_DATA_LIKE.search(h) for h in headers):
        # the first row holds values (phones, dates, e-mails), not names: never echo them
        return InputError(
            file,
            f"{what} {wanted!r} not found: the first row looks like data, not a header "
            "(it holds numbers, dates or e-mail addresses); export the file with its header row",
            row=0,
            column=wanted,
        )
    hint = closest(wanted, headers)
    suggestion = f"; did you mean {hint!r}?" if hint else "."
    return InputError(
        file,
        f"{what} {wanted!r} not found in the header{suggestion} Headers: {', '.join(headers)}",
        row=0,
        column=wanted,
    )


def map_columns(
    df: pd.DataFrame, source: str, file: str, id_column: str, columns: dict[str, tuple[str, ...]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply a source's column mapping.

    Parameters
    ----------
    df : DataFrame
        The export as strings (from :func:`~migration_kit.intake.readers.read_table`).
    source : str
        Short source name used in every output.
    file : str
        File name, for error messages.
    id_column : str
        Column holding the record id, unique and non-empty within the source.
    columns : dict
        Canonical field -> tuple of column names (joined by a space when several).

    Returns
    -------
    (raw, unmapped) : tuple of DataFrame
        ``raw`` has one row per input row; ``unmapped`` holds the columns not used (same row order).
    """
    headers = list(df.columns)
    if id_column not in df.columns:
        raise _missing_column(file, id_column, headers, "id column")
    for field, cols in columns.items():
        for col in cols:
            if col not in df.columns:
                raise _missing_column(file, col, headers, f"column mapped to {field}")
    ids = df[id_column].astype(str).str.strip()
    empty = ids == ""
    if empty.any():
        row = int(empty.to_numpy().nonzero()[0][0]) + 1
        raise InputError(
            file,
            f"empty record id ({int(empty.sum())} rows in all); every row needs an id",
            row=row,
            column=id_column,
        )
    dup = ids.duplicated(keep=False)
    if dup.any():
        positions = dup.to_numpy().nonzero()[0]
        first_val = ids.iloc[positions[0]]
        same = (ids == first_val).to_numpy().nonzero()[0] + 1
        raise InputError(
            file,
            f"duplicate record id {mask_text(first_val)!r} in rows {', '.join(map(str, same[:5]))} "
            f"({int(ids[dup].nunique())} ids repeated); record ids must be unique within a source",
            row=int(same[1]) if len(same) > 1 else int(same[0]),
            column=id_column,
        )
    out = pd.DataFrame(
        {
            "source": source,
            "record_id": ids.to_numpy(dtype=object),
            "row_number": range(1, len(df) + 1),
        }
    )
    for field, cols in columns.items():
        if len(cols) == 1:
            values = df[cols[0]].astype(str)
        else:
            parts = [df[c].astype(str).str.strip() for c in cols]
            values = parts[0]
            for part in parts[1:]:
                values = values.str.cat(part, sep=" ")
            values = values.str.strip().str.replace(r"\s{2,}", " ", regex=True)
        out[RAW_PREFIX + field] = values.where(values.str.strip() != "", None).to_numpy(
            dtype=object
        )
    used = {id_column, *(c for cols in columns.values() for c in cols)}
    unmapped = df[[c for c in headers if c not in used]].copy()
    return out, unmapped


def intake_flags(
    raw: pd.DataFrame,
    headers: list[str],
    columns: dict[str, tuple[str, ...]],
    short_rows: tuple[tuple[int, int], ...] = (),
    encoding: str | None = None,
) -> pd.Series:
    """What intake found damaged in each row of a mapped source, for the failure table.

    Items ``CODE:field`` joined by ``;`` (None for an undamaged row), the format of
    :data:`~migration_kit.schema.INTAKE_FLAGS`:

    * ``ROW_SHORT``: the row had fewer fields than the header (pandas read the last ones as
      empty, so they are null): one item per mapped field whose column the row lacks, or one for
      the whole row (field :data:`~migration_kit.schema.ROW_FIELD`) when it lacks unmapped
      columns only;
    * ``ENCODING_SUSPECT``: the field's cell looks decoded with the wrong codec
      (:func:`~migration_kit.intake.encoding.suspect_encoding`; the value is kept as read).

    Parameters
    ----------
    raw : DataFrame
        The source mapped by :func:`map_columns` (``raw__<field>`` columns, one row per table row).
    headers : list of str
        The table's columns in file order.
    columns : dict
        The source's mapping: canonical field -> column names.
    short_rows : tuple of (int, int)
        ``(row, fields)`` of the short rows (``FileInfo.short_rows``).
    encoding : str, optional
        The codec the file was decoded with.

    Returns
    -------
    Series
        Object dtype, aligned with ``raw``.

    Example
    -------
    >>> df = pd.DataFrame({"id": ["1", "2"], "name": ["王伟", "M黮ler"], "phone": ["138", ""]})
    >>> raw, _ = map_columns(df, "s", "s.csv", "id", {"full_name": ("name",), "phone": ("phone",)})
    >>> intake_flags(raw, list(df.columns), {"full_name": ("name",), "phone": ("phone",)},
    ...              short_rows=((2, 2),), encoding="gbk").tolist()
    [None, 'ROW_SHORT:phone;ENCODING_SUSPECT:full_name']
    """
    items: dict[int, list[str]] = {}
    for row, fields in short_rows:
        missing = set(headers[fields:])
        lost = [f for f, cols in columns.items() if any(c in missing for c in cols)]
        items.setdefault(row - 1, []).extend(f"{ROW_SHORT}:{f}" for f in lost or [ROW_FIELD])
    for field in columns:
        if RAW_PREFIX + field in raw.columns:
            for i in np.flatnonzero(suspect_encoding(raw[RAW_PREFIX + field], encoding)):
                items.setdefault(int(i), []).append(f"{ENCODING_SUSPECT}:{field}")
    out = np.full(len(raw), None, dtype=object)
    for pos, parts in items.items():
        out[pos] = ";".join(parts)
    return pd.Series(out, index=raw.index, dtype=object)
