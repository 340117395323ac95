"""Intake: read every seller export named in the params, map it, classify its columns.

Recipe: for each source -> :func:`read_table` (encoding detected and validated, SHA-256 recorded)
-> :func:`map_columns` (canonical raw table, unmapped columns aside) -> :func:`classify_columns`.
The raw files are never modified.

Example
-------
>>> from migration_kit.params import load_params            # doctest: +SKIP
>>> result = run_intake(load_params("params/rehearsal.yaml"))  # doctest: +SKIP
>>> result.inventory[["source", "rows", "encoding"]]          # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..params import Params, SourceSpec, SuppressionSpec
from .classify import FIELD_CLASSES, classify_columns, detect_kind, profile_column
from .mapping import RAW_PREFIX, map_columns
from .readers import FileInfo, detect_encoding, read_table, sha256_file

__all__ = [
    "IntakeResult",
    "run_intake",
    "read_source",
    "read_suppression",
    "read_table",
    "map_columns",
    "classify_columns",
    "detect_kind",
    "detect_encoding",
    "profile_column",
    "sha256_file",
    "FileInfo",
    "FIELD_CLASSES",
    "RAW_PREFIX",
]


@dataclass
class IntakeResult:
    """Everything intake produces.

    raw : one row per input row (source, record_id, row_number, raw__<field>).
    inventory : one row per source file (source, file, format, encoding, sha256, bytes, rows, columns).
    classification : one row per column of every source (see :func:`classify_columns`).
    """

    raw: pd.DataFrame
    inventory: pd.DataFrame
    classification: pd.DataFrame

    @property
    def unmapped(self) -> pd.DataFrame:
        """The classification rows of columns the mapping does not use."""
        return self.classification[~self.classification["mapped"]].reset_index(drop=True)


def read_source(spec: SourceSpec) -> tuple[pd.DataFrame, pd.DataFrame, FileInfo, pd.DataFrame]:
    """Read and map one source: ``(raw, unmapped_columns, file_info, classification)``."""
    df, info = read_table(spec.path, format=spec.format, encoding=spec.encoding, sheet=spec.sheet,
                          delimiter=spec.delimiter)
    raw, unmapped = map_columns(df, spec.name, spec.path.name, spec.id_column, spec.columns)
    classes = classify_columns(spec.name, df, spec.id_column, spec.columns, spec.transfer_unmapped)
    return raw, unmapped, info, classes


def run_intake(params: Params) -> IntakeResult:
    """Read every source of ``params`` into one raw table, with inventory and classification."""
    raws, infos, classes = [], [], []
    for spec in params.sources:
        raw, _unmapped, info, cls = read_source(spec)
        raws.append(raw)
        classes.append(cls)
        infos.append({"source": spec.name, "file": spec.path.name, "format": info.format,
                      "encoding": info.encoding or "", "sheets": ";".join(info.sheets), "sha256": info.sha256,
                      "bytes": info.bytes, "rows": info.rows, "columns": info.columns,
                      "mapped_fields": len(spec.columns)})
    fields = sorted({c for r in raws for c in r.columns if c.startswith(RAW_PREFIX)},
                    key=lambda c: list(FIELD_CLASSES).index(c[len(RAW_PREFIX):]))
    raw = pd.concat([r.reindex(columns=["source", "record_id", "row_number", *fields]) for r in raws],
                    ignore_index=True)
    raw[fields] = raw[fields].astype(object).where(raw[fields].notna(), None)
    inventory = pd.DataFrame(infos)
    return IntakeResult(raw=raw, inventory=inventory, classification=pd.concat(classes, ignore_index=True))


def read_suppression(spec: SuppressionSpec) -> pd.DataFrame:
    """Read a suppression list: ``request_id, request_type, raw__phone, raw__email, raw__id_number``.

    Request types recognised in ``request_column``: erasure (删除, 删除请求, erase, erasure, delete)
    and withdrawn_consent (撤回, 撤回同意, withdraw, withdrawn, opt-out); anything else is an error
    naming the row.
    """
    df, _info = read_table(spec.path, format=spec.format, encoding=spec.encoding, sheet=spec.sheet)
    ids = df[spec.id_column] if spec.id_column and spec.id_column in df.columns else pd.Series(
        [f"R{i + 1}" for i in range(len(df))])
    out = pd.DataFrame({"request_id": ids.astype(str).to_numpy()})
    if spec.request_column:
        if spec.request_column not in df.columns:
            from .mapping import _missing_column

            raise _missing_column(spec.path.name, spec.request_column, list(df.columns), "request column")
        kinds = df[spec.request_column].astype(str).str.strip().str.lower()
        mapped = kinds.map(_REQUEST_WORDS)
        bad = mapped.isna() & (kinds != "")
        if bad.any():
            from ..errors import InputError

            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise InputError(spec.path.name, f"unknown request type {kinds[bad].iloc[0]!r}; expected one of "
                                             f"{', '.join(sorted(set(_REQUEST_WORDS)))}", row=row,
                             column=spec.request_column)
        out["request_type"] = mapped.fillna(spec.default_request_type).to_numpy()
    else:
        out["request_type"] = spec.default_request_type
    _raw, _ = map_columns(df.assign(__rid=out["request_id"].to_numpy()), "suppression", spec.path.name, "__rid",
                          spec.columns)
    for field in ("phone", "email", "id_number"):
        out[RAW_PREFIX + field] = _raw[RAW_PREFIX + field].to_numpy() if RAW_PREFIX + field in _raw else None
    return out


_REQUEST_WORDS = {
    "删除": "erasure", "删除请求": "erasure", "删除申请": "erasure", "erasure": "erasure", "erase": "erasure",
    "delete": "erasure", "deletion": "erasure",
    "撤回": "withdrawn_consent", "撤回同意": "withdrawn_consent", "撤销同意": "withdrawn_consent",
    "withdraw": "withdrawn_consent", "withdrawn": "withdrawn_consent", "withdrawn_consent": "withdrawn_consent",
    "opt-out": "withdrawn_consent", "opt_out": "withdrawn_consent",
}
