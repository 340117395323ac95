"""The ``sources:`` and ``suppression:`` entries of a params file: one seller export (or one
list of withdrawal / erasure requests) and how its columns map onto the canonical schema.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "pos.csv").write_text("id,name")
>>> s = SourceSpec.from_dict({"name": "pos", "path": "pos.csv", "id_column": "id",
...                          "columns": {"full_name": "name"}}, "sources[0]", d)
>>> s.format, s.columns
('csv', {'full_name': ('name',)})
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._spec import check_choice, check_keys, check_type, closest, require
from ..errors import ParamsError
from ..schema import CANONICAL_FIELDS, SUPPRESSION_FIELDS

__all__ = [
    "DATE_ORDERS",
    "FORMATS",
    "MERGED_CELLS",
    "RAGGED_ROWS",
    "SLUG",
    "SourceSpec",
    "SuppressionSpec",
]

FORMATS = ("csv", "xlsx", "parquet")
DATE_ORDERS = ("YMD", "MDY", "DMY")
#: ``ragged_rows``: a CSV row with fewer fields than the header gets ``ROW_SHORT`` in the failure
#: table (``flag``, its missing fields null) or stops intake naming the row (``error``).
RAGGED_ROWS = ("flag", "error")
#: ``merged_cells``: an xlsx sheet with merged cells stops intake naming the ranges (``error``) or
#: every cell of a range takes the value of its first cell (``fill``).
MERGED_CELLS = ("error", "fill")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def _columns(data: Any, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    check_type(data, dict, where)
    require(len(data) > 0, where, "no columns mapped; map at least one canonical field to a column")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        if key not in allowed:
            hint = closest(str(key), allowed)
            raise ParamsError(
                f"{where}.{key}",
                f"unknown canonical field {key!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; known fields: {', '.join(allowed)}",
            )
        cols = [value] if isinstance(value, str) else value
        require(
            isinstance(cols, list)
            and bool(cols)
            and all(isinstance(c, str) and c.strip() for c in cols),
            f"{where}.{key}",
            f"received {value!r}; expected a column name or a list of column names",
        )
        out[key] = tuple(c.strip() for c in cols)
    return out


def _path(value: Any, where: str, base_dir: Path) -> Path:
    check_type(value, str, where)
    path = (base_dir / value).resolve()
    if not path.exists():
        raise ParamsError(
            where,
            f"file not found: {path} (paths are relative to the params file's folder {base_dir})",
        )
    if not path.is_file():
        raise ParamsError(where, f"not a file: {path}")
    return path


def _format(data: Mapping[str, Any], path: Path, where: str) -> str:
    fmt = data.get("format")
    if fmt is None:
        found = _EXTENSIONS.get(path.suffix.lower())
        if found is None:
            raise ParamsError(
                f"{where}.format",
                f"cannot tell the format of {path.name} from its extension; "
                f"set format to one of {', '.join(FORMATS)}",
            )
        return found
    return check_choice(fmt, FORMATS, f"{where}.format")


@dataclass(frozen=True)
class SourceSpec:
    """One seller export and how its columns map onto the canonical schema.

    ``ragged_rows`` (:data:`RAGGED_ROWS`, default ``flag``) and ``merged_cells``
    (:data:`MERGED_CELLS`, default ``error``) say what a damaged export does; a row with more
    fields than the header is always an error (its extra values would be lost).

    Parameters
    ----------
    name : str
        Short source name used in every output (lowercase letters, digits, - or _).
    path : str
        The export file, relative to the params file's folder; never modified.
    format : str, optional
        ``csv``, ``xlsx`` or ``parquet``; default from the file's suffix.
    encoding : str, optional
        CSV only, e.g. ``gbk``, ``gb18030``, ``utf-8-sig``; detected and validated when absent.
    delimiter : str, optional
        CSV only, e.g. ``;``; sniffed when absent.
    sheet : str, optional
        XLSX only: the sheet to read; default every sheet (same header).
    id_column : str
        The column holding the record id (unique and non-empty within the source).
    columns : mapping
        Canonical field -> column name, or a list of column names joined by a space (e.g. ``address:
        [Province, Street]``, ``full_name: [Given, Family]``).
    date_order : str, optional
        ``YMD``, ``DMY`` or ``MDY`` for ambiguous dates such as 03/04/2020.
    default_country : str, optional
        ISO2 country assumed for phones without a country code.
    transfer_unmapped : list of str, optional
        Columns mapped to no canonical field that travel to the buyer (on the record map); the
        others never leave the seller.
    ragged_rows : str, optional
        ``error`` (default): a row with fewer fields than the header stops intake naming it;
        ``flag``: read it and flag it ``ROW_SHORT``.
    merged_cells : str, optional
        XLSX only. ``error`` (default) names the merged ranges; ``fill`` gives every cell of a range
        its first cell's value.
    """

    name: str
    path: Path
    format: str
    id_column: str
    columns: dict[str, tuple[str, ...]]
    encoding: str | None = None
    sheet: str | None = None
    date_order: str = "YMD"
    default_country: str | None = None
    delimiter: str | None = None
    transfer_unmapped: tuple[str, ...] = ()
    ragged_rows: str = "flag"
    merged_cells: str = "error"

    KEYS = (
        "name",
        "path",
        "format",
        "encoding",
        "sheet",
        "date_order",
        "id_column",
        "columns",
        "default_country",
        "delimiter",
        "transfer_unmapped",
        "ragged_rows",
        "merged_cells",
    )

    @classmethod
    def from_dict(cls, data: Any, where: str, base_dir: Path) -> SourceSpec:
        check_keys(data, cls.KEYS, where, required=("name", "path", "id_column", "columns"))
        name = check_type(data["name"], str, f"{where}.name")
        require(
            bool(SLUG.match(name)),
            f"{where}.name",
            f"received {name!r}; expected a short lowercase name (letters, digits, - or _)",
        )
        path = _path(data["path"], f"{where}.path", base_dir)
        country = data.get("default_country")
        if country is not None:
            require(
                isinstance(country, str) and len(country) == 2,
                f"{where}.default_country",
                f"received {country!r}; expected an ISO 3166 alpha-2 code such as CN",
            )
        unmapped = data.get("transfer_unmapped") or []
        require(
            isinstance(unmapped, list) and all(isinstance(c, str) for c in unmapped),
            f"{where}.transfer_unmapped",
            f"received {unmapped!r}; expected a list of column names",
        )
        return cls(
            name=name,
            path=path,
            format=_format(data, path, where),
            id_column=str(check_type(data["id_column"], (str, int), f"{where}.id_column")).strip(),
            columns=_columns(data["columns"], f"{where}.columns", CANONICAL_FIELDS),
            encoding=data.get("encoding"),
            sheet=None if data.get("sheet") is None else str(data["sheet"]),
            date_order=check_choice(
                data.get("date_order", "YMD"), DATE_ORDERS, f"{where}.date_order"
            ),
            default_country=country.upper() if country else None,
            delimiter=data.get("delimiter"),
            transfer_unmapped=tuple(unmapped),
            ragged_rows=check_choice(
                data.get("ragged_rows", "flag"), RAGGED_ROWS, f"{where}.ragged_rows"
            ),
            merged_cells=check_choice(
                data.get("merged_cells", "error"), MERGED_CELLS, f"{where}.merged_cells"
            ),
        )


@dataclass(frozen=True)
class SuppressionSpec:
    """A list of withdrawn-consent / erasure requests, matched on any listed field.

    Parameters
    ----------
    path : str
        The request list, relative to the params file's folder.
    format : str, optional
        ``csv``, ``xlsx`` or ``parquet``; default from the suffix.
    encoding : str, optional
        CSV only; detected when absent.
    sheet : str, optional
        XLSX only: the sheet to read.
    id_column : str, optional
        The column holding each request's id (default: requests are numbered R1, R2, ... by row).
    request_column : str, optional
        The column saying what was asked: erasure, withdrawn_consent or marketing_optout, or a
        word that means one of them (the params reference lists every accepted word).
    default_request_type : str, optional
        ``erasure`` (default) or ``withdrawn_consent``, for rows whose request column is empty or
        when there is none.
    columns : mapping
        ``phone``, ``email``, ``id_number`` -> column names: the identifiers matched against every
        record, valid or not.
    """

    path: Path
    format: str
    columns: dict[str, tuple[str, ...]]
    encoding: str | None = None
    sheet: str | None = None
    id_column: str | None = None
    request_column: str | None = None
    default_request_type: str = "erasure"

    KEYS = (
        "path",
        "format",
        "encoding",
        "sheet",
        "id_column",
        "request_column",
        "default_request_type",
        "columns",
    )
    REQUEST_TYPES = ("erasure", "withdrawn_consent")

    @classmethod
    def from_dict(cls, data: Any, where: str, base_dir: Path) -> SuppressionSpec:
        check_keys(data, cls.KEYS, where, required=("path", "columns"))
        path = _path(data["path"], f"{where}.path", base_dir)
        return cls(
            path=path,
            format=_format(data, path, where),
            columns=_columns(data["columns"], f"{where}.columns", SUPPRESSION_FIELDS),
            encoding=data.get("encoding"),
            sheet=None if data.get("sheet") is None else str(data["sheet"]),
            id_column=data.get("id_column"),
            request_column=data.get("request_column"),
            default_request_type=check_choice(
                data.get("default_request_type", "erasure"),
                cls.REQUEST_TYPES,
                f"{where}.default_request_type",
            ),
        )
