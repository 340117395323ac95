"""Readers: turn one seller export (CSV, XLSX, Parquet) into a table of strings, untouched.

Every cell is read as text (``dtype=str``, no NA guessing) so nothing is silently converted; the
cleaning stage decides what a value means. Headers are stripped of stray whitespace. The raw file
is never modified: its SHA-256, size, row count and the encoding used are recorded.

Encodings: UTF-8, UTF-8 with BOM and GBK/GB18030 are detected when not declared. A declared or
guessed encoding is validated: undecodable bytes fail naming the row, and a file declared GBK that
is in fact valid UTF-8 with non-ASCII text fails instead of producing mojibake.

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
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError

__all__ = ["FileInfo", "detect_encoding", "read_table"]

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


def _check_csv_text(text: str, path: str, delimiter: str) -> None:
    """Refuse what pandas would pass silently: a NUL byte inside a field (it cuts the field short),
    a header that appears twice (pandas renames it ``name.1``), a row with fewer fields than the
    header (pandas fills the missing fields with empty text). Errors name the row (the header is
    row 0) and the column, never a value."""
    lines = text.splitlines()
    header = next(csv.reader(lines[:1], delimiter=delimiter), [])
    names = [h.replace("\ufeff", "").strip() for h in header]
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
    if width < 2:
        return
    short = _short_row(text, lines, delimiter, width)
    if short is not None:
        row, fields = short
        raise InputError(
            path,
            f"row has {fields} fields where the header has {width}; the missing fields would "
            "be read as empty. Fix the row (a lost delimiter or quote?) and export again",
            row=row,
        )


def _short_row(text: str, lines: list[str], delimiter: str, width: int) -> tuple[int, int] | None:
    """(line number after the header, fields) of the first non-blank row with fewer fields than
    the header, or None."""
    if '"' not in text:  # no quoting: a row's fields are its delimiters plus one
        for n, line in enumerate(lines[1:], start=1):
            if line.strip() and line.count(delimiter) + 1 < width:
                return n, line.count(delimiter) + 1
        return None
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    for record in reader:  # quoted fields may hold delimiters and line breaks
        if record and any(f.strip() for f in record) and len(record) < width:
            return reader.line_num - 1, len(record)
    return None


def _read_csv(
    path: Path, data: bytes, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, str]:
    text, used = detect_encoding(data, str(path), encoding)
    if not text.strip():
        raise InputError(str(path), "file is empty (no header, no rows); export the source again")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    _check_csv_text(text, str(path), delimiter)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
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
    return df, used


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


def _read_xlsx(path: Path, sheet: str | None) -> tuple[pd.DataFrame, tuple[str, ...]]:
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


def read_table(
    path: Path,
    *,
    format: str = "csv",
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
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

    Example
    -------
    >>> df, info = read_table(Path("x.csv"))   # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found; check the source's path in the params file")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(str(path), "file is empty (0 bytes of content); export the source again")
    used: str | None = None
    sheets: tuple[str, ...] = ()
    if format == "csv":
        df, used = _read_csv(path, data, encoding, delimiter)
    elif format == "xlsx":
        df, sheets = _read_xlsx(path, sheet)
    elif format == "parquet":
        try:
            df = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise InputError(
                str(path), f"not a readable Parquet file ({type(exc).__name__}); re-export it"
            ) from None
        df = df.astype(object).where(df.notna(), "").astype(str)
    else:
        raise InputError(str(path), f"unknown format {format!r}; use csv, xlsx or parquet")
    df = _clean_headers(df, str(path))
    if len(df) == 0:
        raise InputError(str(path), "file has a header but no data rows")
    info = FileInfo(
        path=str(path),
        format=format,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        rows=len(df),
        columns=len(df.columns),
        encoding=used,
        sheets=sheets,
    )
    return df.reset_index(drop=True), info
