"""Intake: read every seller export named in the params, map it, classify its columns.

Recipe: for each source -> :func:`read_table` (encoding detected and validated, SHA-256 recorded)
-> :func:`map_columns` (canonical raw table, unmapped columns aside) -> :func:`intake_flags`
(short rows, cells that look mis-encoded: column ``intake_flags`` of the raw table, which cleaning
writes to the failure table) -> :func:`classify_columns`. The raw files are never modified.

Example
-------
>>> from migration_kit.params import load_params            # doctest: +SKIP
>>> result = run_intake(load_params("params/rehearsal.yaml"))  # doctest: +SKIP
>>> result.inventory[["source", "rows", "encoding"]]          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputError
from ..schema import DEFAULT_SENSITIVE_FIELDS, INTAKE_FLAGS
from .classify import FIELD_CLASSES, classify_columns, detect_kind, profile_column
from .encoding import suspect_encoding
from .mapping import RAW_PREFIX, intake_flags, map_columns
from .readers import FileInfo, detect_encoding, read_table
from .spec import SourceSpec, SuppressionSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Params

__all__ = [
    "FIELD_CLASSES",
    "RAW_PREFIX",
    "FileInfo",
    "IntakeResult",
    "ReadSources",
    "SourceRead",
    "classify_columns",
    "detect_encoding",
    "detect_kind",
    "intake_flags",
    "map_columns",
    "profile_column",
    "raw_columns",
    "raw_fields",
    "read_source",
    "read_suppression",
    "read_table",
    "run_intake",
    "suspect_encoding",
]


@dataclass
class IntakeResult:
    """Everything intake produces.

    raw : one row per input row (source, record_id, row_number, raw__<field>, intake_flags).
    inventory : one row per source file (source, file, format, encoding, sha256, bytes, rows,
        columns).
    classification : one row per column of every source (see :func:`classify_columns`).
    extras : ``source, record_id`` and ``<source>.<column>`` for the unmapped columns a source lists
        in ``transfer_unmapped`` (the only unmapped data that travels, on the record map).
    """

    raw: pd.DataFrame
    inventory: pd.DataFrame
    classification: pd.DataFrame
    extras: pd.DataFrame | None = None

    @property
    def unmapped(self) -> pd.DataFrame:
        """The classification rows of columns the mapping does not use."""
        return self.classification[~self.classification["mapped"]].reset_index(drop=True)


def read_source(
    spec: SourceSpec, sensitive_fields: tuple[str, ...] = DEFAULT_SENSITIVE_FIELDS
) -> tuple[pd.DataFrame, pd.DataFrame, FileInfo, pd.DataFrame]:
    """Read and map one source: ``(raw, unmapped_columns, file_info, classification)``.

    ``raw`` carries :data:`~migration_kit.schema.INTAKE_FLAGS` (see :func:`intake_flags`). A short
    row that lacks the id column itself is an error (the record could not be named).
    """
    df, info = read_table(
        spec.path,
        format=spec.format,
        encoding=spec.encoding,
        sheet=spec.sheet,
        delimiter=spec.delimiter,
        ragged_rows=spec.ragged_rows,
        merged_cells=spec.merged_cells,
    )
    headers = [str(c) for c in df.columns]
    if info.short_rows and spec.id_column in headers:
        at = headers.index(spec.id_column)
        no_id = [(row, fields) for row, fields in info.short_rows if fields <= at]
        if no_id:
            row, fields = no_id[0]
            raise InputError(
                spec.path.name,
                f"row has {fields} fields where the header has {len(headers)}: it lacks the id "
                f"column ({len(no_id)} such rows); fix the row (a lost delimiter or quote?) and "
                "export again",
                row=row,
                column=spec.id_column,
            )
    raw, unmapped = map_columns(df, spec.name, spec.path.name, spec.id_column, spec.columns)
    raw[INTAKE_FLAGS] = intake_flags(raw, headers, spec.columns, info.short_rows, info.encoding)
    classes = classify_columns(
        spec.name, df, spec.id_column, spec.columns, spec.transfer_unmapped, sensitive_fields
    )
    return raw, unmapped, info, classes


#: What :func:`read_source` returns for one source.
SourceRead = tuple[pd.DataFrame, pd.DataFrame, FileInfo, pd.DataFrame]
#: Reads the sources given, with the sensitive fields: one :data:`SourceRead` each, in order.
ReadSources = Callable[[Sequence[SourceSpec], tuple[str, ...]], list[SourceRead]]


def run_intake(
    params: Params,
    read_sources: ReadSources | None = None,
) -> IntakeResult:
    """Read every source of ``params`` into one raw table, with inventory and classification.

    ``read_sources(specs, sensitive_fields)`` returns :func:`read_source`'s result for each spec
    in order (default: one after the other here; the pipeline shares them between processes).
    """
    sensitive = tuple(params.policy.sensitive_fields)
    reads = (
        read_sources(params.sources, sensitive)
        if read_sources is not None
        else [read_source(spec, sensitive) for spec in params.sources]
    )
    raws, infos, classes, extras = [], [], [], []
    for spec, (raw, unmapped, info, cls) in zip(params.sources, reads, strict=True):
        raws.append(raw)
        if spec.transfer_unmapped:
            missing = [c for c in spec.transfer_unmapped if c not in unmapped.columns]
            if missing:
                from ..errors import ParamsError

                raise ParamsError(
                    f"sources[{spec.name}].transfer_unmapped",
                    f"{missing[0]!r} is not an unmapped column of {spec.path.name}; "
                    f"unmapped columns: {', '.join(unmapped.columns) or 'none'}",
                )
            part = unmapped[list(spec.transfer_unmapped)].rename(
                columns={c: f"{spec.name}.{c}" for c in spec.transfer_unmapped}
            )
            extras.append(
                pd.concat([raw[["source", "record_id"]], part.reset_index(drop=True)], axis=1)
            )
        classes.append(cls)
        infos.append(
            {
                "source": spec.name,
                "file": spec.path.name,
                "format": info.format,
                "encoding": info.encoding or "",
                "sheets": ";".join(info.sheets),
                "sha256": info.sha256,
                "bytes": info.bytes,
                "rows": info.rows,
                "columns": info.columns,
                "mapped_fields": len(spec.columns),
            }
        )
    fields = raw_fields(c for r in raws for c in r.columns)
    raw = pd.concat([r.reindex(columns=raw_columns(fields)) for r in raws], ignore_index=True)
    # fields a source does not map arrive as NaN from reindex: make them None like the mapped ones
    gaps = [f for f in fields if any(f not in r.columns for r in raws)]
    if gaps:
        raw[gaps] = raw[gaps].astype(object).where(raw[gaps].notna(), None)
    inventory = pd.DataFrame(infos)
    return IntakeResult(
        raw=raw,
        inventory=inventory,
        classification=pd.concat(classes, ignore_index=True),
        extras=pd.concat(extras, ignore_index=True) if extras else None,
    )


def raw_fields(columns: Iterable[object]) -> list[str]:
    """The distinct ``raw__<field>`` names among ``columns``, in canonical field order.

    Example
    -------
    >>> raw_fields(["raw__phone", "source", "raw__full_name", "raw__phone"])
    ['raw__full_name', 'raw__phone']
    """
    order = list(FIELD_CLASSES)
    names = {str(c) for c in columns if str(c).startswith(RAW_PREFIX)}
    return sorted(names, key=lambda c: order.index(c[len(RAW_PREFIX) :]))


def raw_columns(fields: Sequence[str]) -> list[str]:
    """The raw table's columns: keys, the ``raw__`` fields (:func:`raw_fields`), intake's flags.

    Example
    -------
    >>> raw_columns(["raw__phone"])
    ['source', 'record_id', 'row_number', 'raw__phone', 'intake_flags']
    """
    return ["source", "record_id", "row_number", *fields, INTAKE_FLAGS]


def read_suppression(spec: SuppressionSpec) -> pd.DataFrame:
    """Read a suppression list as text.

    Columns: ``request_id, request_type, raw__phone, raw__email, raw__id_number``.

    ``request_type`` is the raw text of ``request_column`` (empty cells get the spec's
    ``default_request_type``); the scoping stage maps synonyms such as 删除 / 撤回同意 / opt-out
    and rejects unknown ones (:func:`migration_kit.scoping.suppression.normalize_suppression`).
    """
    df, _info = read_table(spec.path, format=spec.format, encoding=spec.encoding, sheet=spec.sheet)
    if spec.id_column:
        id_column = spec.id_column
    else:  # no request ids in the file: number the rows
        id_column, df = "__row", df.assign(__row=[f"R{i + 1}" for i in range(len(df))])
    columns = {
        **spec.columns,
        **({"request": (spec.request_column,)} if spec.request_column else {}),
    }
    raw, _ = map_columns(df, "suppression", spec.path.name, id_column, columns)
    out = pd.DataFrame({"request_id": raw["record_id"].to_numpy()})
    req = (
        raw["raw__request"]
        if "raw__request" in raw
        else pd.Series(None, index=raw.index, dtype=object)
    )
    out["request_type"] = req.fillna(spec.default_request_type).to_numpy()
    for field in ("phone", "email", "id_number"):
        col = RAW_PREFIX + field
        out[col] = raw[col].to_numpy() if col in raw else None
    return out
