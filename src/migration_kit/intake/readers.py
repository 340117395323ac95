"""Readers: turn one seller export (CSV, XLSX, Parquet) into a table of strings, untouched.

Every cell is read as text (``dtype=str``, no NA guessing) so nothing is silently converted; the
cleaning stage decides what a value means. Headers are stripped of stray whitespace. The raw file
is never modified: its SHA-256, size, row count and the encoding used are recorded.

Encodings: UTF-8, UTF-8 with BOM and GBK/GB18030 are detected when not declared. A declared or
guessed encoding is validated: undecodable bytes fail naming the row, and a file declared GBK that
is in fact valid UTF-8 with non-ASCII text fails instead of producing mojibake. Cells a wrong codec
decodes without error are found after mapping (:mod:`migration_kit.intake.encoding`).

Damage pandas would pass silently is refused or reported, never read as if whole:

* CSV: a NUL byte inside a field, a header twice, a row with a value past the header's last
  column (pandas drops it, or shifts the whole table one column when it is the first row) are
  errors; a row with fewer fields than the header is an error or, with ``ragged_rows='flag'``,
  read with its missing fields empty and listed in :attr:`FileInfo.short_rows` (intake gives it
  ``ROW_SHORT``). Empty fields past the header's end (a delimiter closing every line) lose nothing.
* XLSX: merged cells hold their value in the first cell only; they are an error naming the sheet
  and the ranges, or (``merged_cells='fill'``) every cell of a range takes that value. A quick scan
  of the sheets' XML for ``mergeCell`` spares the exact look-up (python-calamine's
  ``merged_cell_ranges``, a second parse of the sheet) when there are none.
* Parquet: float32 columns are written in their own precision (``1.3812346e+10``), so a phone
  number that lost digits in the float cannot read as an exact 11-digit number.

Example
-------
>>> table, info = read_table(Path("synthetic_data/rehearsal/pos_members.csv"))  # doctest: +SKIP
>>> info.encoding, info.rows                                                   # doctest: +SKIP
('utf-8-sig', 2471)
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._spec import check_choice
from ..errors import InputError
from .spec import MERGED_CELLS, RAGGED_ROWS

__all__ = ["FileInfo", "detect_encoding", "read_table", "sniff_delimiter"]

_GB_ALIASES = {"gbk", "gb2312", "gb18030", "cp936", "936"}


@dataclass(frozen=True)
class FileInfo:
    """What was read: for the inventory, the manifest and the audit log."""

    path: str
    format: str
    sha256: str
    bytes: int
    rows: int
    columns: int
    encoding: str | None
    sheets: tuple[str, ...] = ()
    #: CSV rows read with fewer fields than the header (``ragged_rows='flag'``): ``(row, fields)``,
    #: the row as numbered in the raw table (1-based), the fields it had.
    short_rows: tuple[tuple[int, int], ...] = ()


def _row_of_offset(data: bytes, offset: int) -> int:
    """Data row number (header = row 0) of a byte offset."""
    return data.count(b"\n", 0, offset)


def detect_encoding(data: bytes, path: str, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding_used)``.

    Tries, in order, the declared encoding, or: UTF-16 with a byte-order mark, UTF-8 with BOM,
    UTF-8, GB18030 (a superset of GBK). NUL bytes without a UTF-16 mark are refused (they would
    decode as GB18030 garbage). Raises :class:`InputError` naming the row of the first undecodable
    byte.
    """
    if declared:
        enc = declared.lower().replace("_", "-")
        # a GBK declaration on a file that is really UTF-8 would decode to mojibake without error
        if (enc in _GB_ALIASES or enc.startswith("gb")) and any(b >= 0x80 for b in data[:65536]):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise InputError(
                    path,
                    f"declared encoding {declared!r} but the file is valid UTF-8 with non-ASCII "
                    "text; decoding it as GBK would produce mojibake. Set encoding: utf-8 "
                    "(or remove it)",
                )
        try:
            return data.decode(enc if enc not in ("utf-8", "utf8") else "utf-8-sig"), declared
        except LookupError:
            raise InputError(
                path, f"unknown encoding {declared!r}; use utf-8, utf-8-sig, gbk or gb18030"
            ) from None
        except UnicodeDecodeError as exc:
            row = _row_of_offset(data, exc.start)
            raise InputError(
                path,
                f"bytes {data[exc.start : exc.start + 4]!r} at offset {exc.start} are not valid "
                f"{declared}; check the file's encoding or set another one",
                row=row,
            ) from None
    if data.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    ):  # Excel's "Unicode text" export: UTF-16 with BOM
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"file starts with a UTF-16 byte-order mark but byte offset {exc.start} is not "
                "UTF-16; export it again",
            ) from None
    if b"\x00" in data[:65536]:
        raise InputError(
            path,
            "file contains NUL bytes: probably UTF-16 without a byte-order mark or a binary "
            "file; declare encoding: utf-16-le (or utf-16-be), or re-export as UTF-8 CSV",
            row=_row_of_offset(data, data.index(b"\x00")),
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"file starts with a UTF-8 BOM but byte offset {exc.start} is not UTF-8",
                row=_row_of_offset(data, exc.start),
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf_exc:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            row = _row_of_offset(data, utf_exc.start)
            raise InputError(
                path,
                f"undecodable bytes at offset {utf_exc.start}: neither UTF-8 nor GBK/GB18030; "
                "declare the source's encoding",
                row=row,
            ) from None


def _clean_headers(df: pd.DataFrame, path: str) -> pd.DataFrame:
    headers = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    seen: set[str] = set()
    for h in headers:
        if h in seen:
            raise InputError(
                path, f"header {h!r} appears twice; rename one of the columns", row=0, column=h
            )
        seen.add(h)
    df.columns = headers
    return df


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what pandas' parser ends a line on (not \u2028, \x1c ...)


def _blank(line: str) -> bool:
    """A line pandas skips (``skip_blank_lines``): spaces and tabs only."""
    return not line.strip(" \t")


@dataclass(frozen=True)
class _Rows:
    """Field counts of a CSV's rows against its header (rows as pandas reads them)."""

    names: list[str]  # the header, stripped
    records: int  # non-blank rows after the header
    short: list[tuple[int, int, int]]  # (table row 1-based, file row, fields) per short row
    long: tuple[int, int] | None  # (file row, fields): first row with a value beyond the header


def _scan_rows(text: str, delimiter: str) -> _Rows:
    """Count every row's fields: rows with fewer fields than the header, the first one whose extra
    fields hold a value, and the number of rows (blank lines skipped, as pandas does). File rows
    are lines after the header (the header is row 0; a quoted line break counts as a line)."""
    short: list[tuple[int, int, int]] = []
    long: tuple[int, int] | None = None
    records = 0
    if '"' not in text:  # no quoting: a row's fields are its delimiters plus one
        lines = _LINE_BREAK.split(text)
        first = next((i for i, line in enumerate(lines) if not _blank(line)), 0)
        names = [h.replace("\ufeff", "").strip() for h in lines[first].split(delimiter)]
        width = len(names)
        for n, line in enumerate(lines[first + 1 :], start=1):
            fields = line.count(delimiter) + 1
            if fields == 1 and _blank(line):
                continue
            records += 1
            if fields < width:
                short.append((records, n, fields))
            elif (
                fields > width
                and long is None
                and line.split(delimiter)[width:] != [""] * (fields - width)
            ):
                long = (n, fields)
        return _Rows(names, records, short, long)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    for header in reader:
        if header and not (len(header) == 1 and header[0] and _blank(header[0])):
            break
    names = [h.replace("\ufeff", "").strip() for h in header]
    width, skip = len(names), reader.line_num - 1
    for record in reader:  # quoted fields may hold delimiters and line breaks
        fields = len(record)
        if fields <= 1 and (not record or (record[0] and _blank(record[0]))):
            continue
        records += 1
        if fields < width:
            short.append((records, reader.line_num - 1 - skip, fields))
        elif fields > width and long is None and any(f for f in record[width:]):
            long = (reader.line_num - 1 - skip, fields)
    return _Rows(names, records, short, long)


def _check_csv_text(text: str, path: str, delimiter: str, ragged_rows: str) -> _Rows:
    """Refuse what pandas would pass silently: a NUL byte inside a field (it cuts the field short),
    a header that appears twice (pandas renames it ``name.1``), a row with more fields than the
    header holding a value there (pandas would drop it, or shift the whole table when it is the
    first row) and, with ``ragged_rows='error'``, a row with fewer fields than the header (pandas
    fills the missing fields with empty text; with ``'flag'`` those rows are returned). Extra
    fields that are all empty (a delimiter at the end of the line) lose nothing and are ignored.
    Errors name the row (the header is row 0) and the column, never a value."""
    rows = _scan_rows(text, delimiter)
    names = rows.names
    nul = text.find("\x00")
    if nul >= 0:
        row = text.count("\n", 0, nul)
        line = text[text.rfind("\n", 0, nul) + 1 : nul]
        col = line.count(delimiter)
        raise InputError(
            path,
            "a NUL byte inside a field would cut the value short; remove it at the source or "
            "re-export the file",
            row=row,
            column=names[col] if col < len(names) else None,
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(
                path,
                f"header {name!r} appears twice; rename one of the columns",
                row=0,
                column=name,
            )
        seen.add(name)
    width = len(names)
    if rows.long is not None:
        row, fields = rows.long
        raise InputError(
            path,
            f"row has {fields} fields where the header has {width}; the values past the "
            "header's last column would be lost. Fix the row (a stray delimiter or quote?) or "
            "add the missing header, and export again",
            row=row,
        )
    if rows.short and ragged_rows == "error":
        _, row, fields = rows.short[0]
        raise InputError(
            path,
            f"row has {fields} fields where the header has {width} ({len(rows.short)} such "
            "rows in all); the missing fields would be read as empty. Fix the row (a lost "
            "delimiter or quote?) and export again, or set ragged_rows: flag on the source to "
            "read them with ROW_SHORT in the failure table",
            row=row,
        )
    return rows


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV's text (``,``, ``;``, tab or ``|``, from its first 8 KB; ``,``
    when nothing stands out).

    Example
    -------
    >>> sniff_delimiter("id;name\\n1;x\\n")
    ';'
    """
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_csv(
    path: Path, data: bytes, encoding: str | None, delimiter: str | None, ragged_rows: str
) -> tuple[pd.DataFrame, str, tuple[tuple[int, int], ...]]:
    """The table, the encoding used and the short rows ``(row, fields)`` when flagged."""
    text, used = detect_encoding(data, str(path), encoding)
    if not text.strip():
        raise InputError(str(path), "file is empty (no header, no rows); export the source again")
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    rows = _check_csv_text(text, str(path), delimiter, ragged_rows)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
            # never take a first column as the index (pandas does when the first row is one field
            # longer than the header) and ignore the empty fields past the header's end
            index_col=False,
            usecols=range(len(rows.names)) if rows.names else None,
        )
    except pd.errors.ParserError as exc:
        msg = str(exc)
        row = None
        if "line" in msg:
            try:
                row = int(msg.split("line")[1].split(",")[0].strip()) - 1
            except ValueError:
                row = None
        raise InputError(
            str(path), f"malformed CSV ({msg.strip()}); check quoting and delimiters", row=row
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(
            str(path), "file is empty (no header, no rows); export the source again"
        ) from None
    except ValueError as exc:  # e.g. the header pandas finds is not the one counted
        raise InputError(
            str(path), f"malformed CSV ({exc}); check quoting and delimiters"
        ) from None
    if rows.short and rows.records != len(df):  # never flag the wrong records
        raise InputError(
            str(path),
            f"{len(rows.short)} rows have fewer fields than the header, but the rows counted "
            f"({rows.records}) differ from the rows read ({len(df)}), so they cannot be named "
            "safely; set ragged_rows: error to stop at the first one, fix it and export again",
            row=rows.short[0][1],
        )
    return df, used, tuple((table_row, fields) for table_row, _, fields in rows.short)


def _maybe_renamed(book: pd.DataFrame | dict[str, pd.DataFrame]) -> bool:
    """Whether some header looks like pandas' rename of a repeated one (``x`` and ``x.1``)."""
    frames = book.values() if isinstance(book, dict) else [book]
    for df in frames:
        names = {str(c) for c in df.columns}
        if any(
            "." in n and n.rsplit(".", 1)[0] in names and n.rsplit(".", 1)[1].isdigit()
            for n in names
        ):
            return True
    return False


def _check_xlsx_headers(path: Path, sheet: str | None, sheets: list[str | None]) -> None:
    """A header that appears twice in a sheet is an error (pandas would rename it ``name.1``)."""
    heads = pd.read_excel(
        path,
        sheet_name=sheets[0] if sheet is not None else None,
        header=None,
        nrows=1,
        dtype=str,
        engine="calamine",
    )
    for name, head in heads.items() if isinstance(heads, dict) else [(sheet, heads)]:
        if not len(head):
            continue
        seen: set[str] = set()
        for cell in head.iloc[0].tolist():
            text = "" if pd.isna(cell) else str(cell).replace("\ufeff", "").strip()
            if text and text in seen:
                where = f" of sheet {name!r}" if name is not None else ""
                raise InputError(
                    str(path),
                    f"header {text!r}{where} appears twice; rename one of the columns",
                    row=0,
                    column=text,
                )
            seen.add(text)


def _mentions_merges(path: Path) -> bool:
    """Whether a worksheet of the workbook may declare merged cells: a scan of its XML for
    ``mergeCell`` (0.1 s for a 75 MB sheet, a few per cent of reading it). The word in a cell only
    costs the exact check; a workbook that is not a plain zip of worksheets always gets it."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = [
                i
                for i in z.infolist()
                if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")
            ]
            for info in parts:
                with z.open(info) as f:
                    tail = b""
                    while chunk := f.read(1 << 20):
                        if b"mergeCell" in tail + chunk[:16] or b"mergeCell" in chunk:
                            return True
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, KeyError):
        return True
    return not parts


def _merged_ranges(path: Path, names: list[str]) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges of each sheet: ``(first row, first column, last row, last column)``, 0-based
    sheet coordinates (row 0 is the header), sorted."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    for name in names:
        ranges = getattr(book.get_sheet_by_name(name), "merged_cell_ranges", None)
        if ranges is None:  # a python-calamine without merged_cell_ranges: openpyxl (slower)
            import openpyxl

            ws = openpyxl.load_workbook(path, read_only=False)[name]
            ranges = [
                ((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1))
                for r in ws.merged_cells.ranges
            ]
        out[name] = sorted((r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges)
    return out


def _cell_ref(row: int, col: int) -> str:
    """Excel's name of a 0-based cell: ``_cell_ref(4, 1)`` is ``'B5'``."""
    letters, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _merged_cells(
    path: Path, frames: dict[str, pd.DataFrame], merged_cells: str
) -> dict[str, pd.DataFrame]:
    """Refuse merged cells (``'error'``) or give every cell of a range its first cell's value
    (``'fill'``). A merged range keeps its value in its first cell; pandas reads the others as
    empty, so a customer of a merged "city" block would silently lose the city. Data row ``i`` of
    a frame is sheet row ``i + 1`` (pandas reads the sheet from A1, blank rows kept)."""
    if not frames or not _mentions_merges(path):
        return frames
    found = _merged_ranges(path, list(frames))
    out = dict(frames)
    for name, df in frames.items():
        ranges = found.get(name) or []
        if not ranges:
            continue
        refs = [f"{_cell_ref(r0, c0)}:{_cell_ref(r1, c1)}" for r0, c0, r1, c1 in ranges]
        header = [ref for ref, (r0, *_) in zip(refs, ranges, strict=True) if r0 == 0]
        r0, c0 = ranges[0][:2]
        column = str(df.columns[c0]).strip() if c0 < len(df.columns) else None
        if header:
            raise InputError(
                str(path),
                f"sheet {name!r} has merged cells in its header row ({_listed(header)}); every "
                "column needs a header of its own: unmerge them and name each column",
                row=0,
                column=column,
            )
        if merged_cells == "error":
            raise InputError(
                str(path),
                f"sheet {name!r} has {len(refs)} merged cell range(s) ({_listed(refs)}); a merged "
                "range keeps its value in its first cell and the others read as empty. Unmerge "
                "and fill them in Excel, or set merged_cells: fill on the source to copy each "
                "range's first value into all its cells",
                row=r0,
                column=column,
            )
        values = df.to_numpy(dtype=object, copy=True)
        rows, width = values.shape
        for r0, c0, r1, c1 in ranges:
            if r0 - 1 < rows and c0 < width:
                values[r0 - 1 : r1, c0 : c1 + 1] = values[r0 - 1, c0]
        out[name] = pd.DataFrame(values, columns=df.columns)
    return out


def _listed(refs: list[str], most: int = 10) -> str:
    """``'B5:B7, D3:D5'``; beyond ``most``, ``'... and 4 more'``."""
    more = f" and {len(refs) - most} more" if len(refs) > most else ""
    return ", ".join(refs[:most]) + more


def _read_xlsx(
    path: Path, sheet: str | None, merged_cells: str = "error"
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    from python_calamine import CalamineError  # calamine reads xlsx ~20x faster than openpyxl

    try:
        book = pd.read_excel(
            path,
            sheet_name=sheet if sheet is not None else None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="calamine",
        )
    except (CalamineError, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise InputError(
            str(path),
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc}); "
            "re-export it from Excel as .xlsx",
        ) from None
    except ValueError as exc:
        if sheet is not None and "not found" in str(exc).lower():
            names = list(pd.ExcelFile(path, engine="calamine").sheet_names)
            raise InputError(
                str(path), f"sheet {sheet!r} not found; sheets: {', '.join(map(str, names))}"
            ) from None
        raise InputError(str(path), f"cannot read workbook: {exc}") from None
    if _maybe_renamed(book):  # pandas renames a repeated header "x.1": confirm on the raw row
        _check_xlsx_headers(path, sheet, list(book) if isinstance(book, dict) else [sheet])
    if isinstance(book, dict):
        book = _merged_cells(path, {str(k): v for k, v in book.items()}, merged_cells)
    elif sheet is not None:
        book = _merged_cells(path, {sheet: book}, merged_cells)[sheet]
    if isinstance(book, dict):
        frames = [df for df in book.values() if len(df.columns)]
        if not frames:
            raise InputError(str(path), "workbook has no sheet with a header row")
        # all sheets: they must share the same header to be one source
        first = [str(c).strip() for c in frames[0].columns]
        for name, df in book.items():
            if len(df.columns) and [str(c).strip() for c in df.columns] != first:
                raise InputError(
                    str(path),
                    f"sheet {name!r} has different headers from the first sheet; "
                    "name one sheet in the source's `sheet:` key",
                )
        return pd.concat(frames, ignore_index=True), tuple(book)
    return book, (sheet,) if sheet else ()


def _parquet_text(df: pd.DataFrame) -> pd.DataFrame:
    """Parquet columns as text, every number as its own precision writes it: a float32 column's
    13812345678 is ``'1.3812346e+10'`` (the shortest text of that float32: 8 digits), never the
    ``'13812345856.0'`` of its float64 value, which reads as an exact 11-digit number."""
    out = df.astype(object).where(df.notna(), "").astype(str)
    for i, dtype in enumerate(df.dtypes):
        kind = getattr(dtype, "numpy_dtype", dtype)
        if isinstance(kind, np.dtype) and kind.kind == "f" and kind.itemsize < 8:
            arr = df.iloc[:, i].to_numpy(dtype=kind, na_value=np.nan)
            out.iloc[:, i] = np.where(np.isnan(arr), "", arr.astype(str)).astype(object)
    return out


def _refuse_nul(df: pd.DataFrame, path: str) -> None:
    r"""Refuse a cell holding a NUL character: pandas compares and factorizes text only up to a
    NUL (``"a\x00b"`` and ``"a\x00c"`` would be cleaned as one value). The error names the
    row (the header is row 0) and the column, never the value.

    Example
    -------
    >>> _refuse_nul(pd.DataFrame({"a": ["x", "y\x00z"]}), "t.parquet")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    migration_kit.errors.InputError: t.parquet, row 2, column 'a': a NUL character inside a cell...
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for col in df.columns:
        values = df[col]
        if values.dtype != object:
            continue
        try:  # text: Arrow's search (C++), no Python call per cell
            found = pc.match_substring(pa.array(values, type=pa.string(), from_pandas=True), "\x00")
            hit = found.fill_null(False).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed cells (numbers from a sheet)
            hit = values.map(lambda v: isinstance(v, str) and "\x00" in v).to_numpy(dtype=bool)
        if hit.any():
            raise InputError(
                path,
                "a NUL character inside a cell; remove it at the source or re-export the file",
                row=int(np.flatnonzero(hit)[0]) + 1,
                column=str(col),
            )


def read_table(
    path: Path,
    *,
    format: str = "csv",
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    ragged_rows: str = "error",
    merged_cells: str = "error",
) -> tuple[pd.DataFrame, FileInfo]:
    """Read one export as a DataFrame of strings plus a :class:`FileInfo`.

    Parameters
    ----------
    path : Path
        The raw export; it is opened read-only and never modified.
    format : {'csv', 'xlsx', 'parquet'}
    encoding : str, optional
        CSV only; detected when absent.
    sheet : str, optional
        XLSX only; all sheets (same header) when absent.
    delimiter : str, optional
        CSV only; sniffed when absent.
    ragged_rows : {'error', 'flag'}
        CSV only: a row with fewer fields than the header is an error naming it, or is read (its
        missing fields empty) and listed in :attr:`FileInfo.short_rows`. A row with more fields
        than the header, holding a value past the header's end, is always an error.
    merged_cells : {'error', 'fill'}
        XLSX only: merged cells are an error naming the sheet and the ranges, or every cell of a
        range takes its first cell's value (merged header cells are always an error).

    Example
    -------
    >>> df, info = read_table(Path("x.csv"))   # doctest: +SKIP
    """
    check_choice(ragged_rows, RAGGED_ROWS, "read_table.ragged_rows")
    check_choice(merged_cells, MERGED_CELLS, "read_table.merged_cells")
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found; check the source's path in the params file")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(str(path), "file is empty (0 bytes of content); export the source again")
    used: str | None = None
    sheets: tuple[str, ...] = ()
    short: tuple[tuple[int, int], ...] = ()
    if format == "csv":
        df, used, short = _read_csv(path, data, encoding, delimiter, ragged_rows)
    elif format == "xlsx":
        df, sheets = _read_xlsx(path, sheet, merged_cells)
    elif format == "parquet":
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise InputError(
                str(path), f"not a readable Parquet file ({type(exc).__name__}); re-export it"
            ) from None
        df = _parquet_text(df)
    else:
        raise InputError(str(path), f"unknown format {format!r}; use csv, xlsx or parquet")
    df = _clean_headers(df, str(path))
    if len(df) == 0:
        raise InputError(str(path), "file has a header but no data rows")
    if format != "csv":  # a CSV's text is checked before parsing (_check_csv_text)
        _refuse_nul(df, str(path))
    info = FileInfo(
        path=str(path),
        format=format,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        rows=len(df),
        columns=len(df.columns),
        encoding=used,
        sheets=sheets,
        short_rows=short,
    )
    return df.reset_index(drop=True), info
