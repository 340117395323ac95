"""Pre-flight: everything about a run that can be checked before notebook 00, checked at once.

A run should not find a wrong column name in notebook 01, a bad request word in notebook 03 or a
missing transfer date in notebook 04. :func:`preflight` reads the params file and then, without
writing anything, collects every problem it can find into one list:

1. the params file itself (every section parsed by its own spec class; a file that does not parse
   stops here, as nothing else can be checked);
2. every source: the file readable, its header read (CSV in its encoding, XLSX sheets, Parquet
   schema) and every mapped column and the id column present;
3. every suppression list read and parsed (request words, identifiers);
4. every other file the params name (consent registers, guardian consents, review decisions);
5. the keys: a real client names its certificates and the signer's key, and they load and pair;
   only a rehearsal gets throw-away keys;
6. the policy a transfer needs (its transfer date).

It raises :class:`~migration_kit.errors.PreflightError` listing every problem, one line each, or
returns the parsed :class:`~migration_kit.params.Params` and a summary of what was checked.

Example
-------
>>> params, checked = preflight("params/rehearsal.yaml")    # doctest: +SKIP
>>> checked["sources"]                                     # doctest: +SKIP
3
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from .errors import MigrationKitError, PreflightError
from .params import Params, load_params

__all__ = ["preflight", "source_headers"]

#: Bytes of a CSV read to find its header (cut at a line end).
_HEAD_BYTES = 1 << 20


def source_headers(
    path: Path,
    format: str,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
) -> list[str]:
    """The header of a source, read without reading its rows (the first MB of a CSV).

    Example
    -------
    >>> p = Path("/tmp/mk_head.csv"); _ = p.write_text("id,手机\\n1,138\\n", encoding="gbk")
    >>> source_headers(p, "csv")
    ['id', '手机']
    """
    from .errors import InputError
    from .intake import detect_encoding
    from .intake.readers import sniff_delimiter

    if not path.is_file():
        raise InputError(str(path), "file not found; check the source's path in the params file")
    if not os.access(path, os.R_OK):
        raise InputError(str(path), "file is not readable by this user; check its permissions")
    if format == "csv":
        with path.open("rb") as fh:
            data = fh.read(_HEAD_BYTES + 1)
        if len(data) > _HEAD_BYTES:  # cut at the last line end: never inside a character
            data = data[: data.rfind(b"\n", 0, _HEAD_BYTES) + 1] or data[:_HEAD_BYTES]
        text, _used = detect_encoding(data, str(path), encoding)
        if not text.strip():
            raise InputError(str(path), "file is empty (no header, no rows); export it again")
        if delimiter is None:
            delimiter = sniff_delimiter(text)
        lines = (line for line in text.splitlines() if line.strip())
        header = next(csv.reader(lines, delimiter=delimiter), [])
    elif format == "xlsx":
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own types for damaged files
            raise InputError(
                str(path), f"not a readable XLSX workbook ({type(exc).__name__}); re-export it"
            ) from None
        names = [sheet] if sheet else list(book.sheet_names)
        if sheet and sheet not in book.sheet_names:
            raise InputError(
                str(path), f"sheet {sheet!r} not found; sheets: {', '.join(book.sheet_names)}"
            )
        rows = book.get_sheet_by_name(names[0]).to_python(nrows=1) if names else []
        header = [str(v) for v in rows[0]] if rows else []
    elif format == "parquet":
        import pyarrow.parquet as pq

        try:
            header = list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise InputError(
                str(path), f"not a readable Parquet file ({type(exc).__name__}); re-export it"
            ) from None
    else:
        raise InputError(str(path), f"unknown format {format!r}; use csv, xlsx or parquet")
    return [h.strip().lstrip("\ufeff").strip() for h in header]


def _named_files(spec: object, where: str) -> Iterator[tuple[str, Path]]:
    """Every ``Path`` a (frozen dataclass) spec holds, with the dotted key it came from."""
    if not dataclasses.is_dataclass(spec) or isinstance(spec, type):
        return
    for field in dataclasses.fields(spec):
        value = getattr(spec, field.name)
        key = f"{where}.{field.name}"
        if isinstance(value, Path):
            yield key, value
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from _named_files(value, key)


def _check_sources(params: Params, problems: list[str]) -> None:
    from .intake.mapping import map_columns

    for spec in params.sources:
        try:
            headers = source_headers(
                spec.path,
                spec.format,
                encoding=spec.encoding,
                sheet=spec.sheet,
                delimiter=spec.delimiter,
            )
            # the mapping's own column checks, on the header alone
            map_columns(pd.DataFrame(columns=headers), spec.name, spec.path.name, spec.id_column,
                        spec.columns)  # fmt: skip
        except MigrationKitError as exc:
            problems.append(f"sources.{spec.name}: {exc}")


def _check_suppression(params: Params, problems: list[str]) -> int:
    from .intake import read_suppression
    from .schema import SUPPRESSION_FIELDS
    from .scoping.suppression import normalize_suppression

    requests = 0
    for i, spec in enumerate(params.suppression):
        try:
            raw = read_suppression(spec)
            columns = {f: f"raw__{f}" for f in SUPPRESSION_FIELDS if f"raw__{f}" in raw}
            normalize_suppression(raw, columns, "request_type", id_column="request_id")
            requests += len(raw)
        except MigrationKitError as exc:
            problems.append(f"suppression[{i}]: {exc}")
    return requests


def _check_files(params: Params, problems: list[str]) -> int:
    seen = {s.path for s in params.sources} | {s.path for s in params.suppression}
    count = 0
    for section in ("policy", "golden", "quality", "linkage"):
        for key, path in _named_files(getattr(params, section), section):
            if path in seen:
                continue
            seen.add(path)
            count += 1
            if not path.is_file():
                problems.append(f"{key}: file not found: {path}")
            elif not os.access(path, os.R_OK):
                problems.append(f"{key}: {path} is not readable by this user")
    return count


def _check_decisions(params: Params, problems: list[str]) -> None:
    from .linkage.review import read_decisions

    path = params.golden.decisions
    if path and Path(path).is_file():
        try:
            read_decisions(path)
        except MigrationKitError as exc:
            problems.append(f"golden.decisions: {exc}")


def _check_keys(params: Params, problems: list[str]) -> str:
    from .handover.keys import NO_KEYS_SECTION, load_key_material

    if params.keys is None:
        if params.rehearsal_keys:
            return "rehearsal (throw-away keys made per run)"
        problems.append(f"keys: {NO_KEYS_SECTION}")
        return "missing"

    try:
        material = load_key_material(params.keys)
    except MigrationKitError as exc:
        problems.append(f"keys: {exc}")
        return "unusable"
    return f"{len(material.recipients)} recipient(s), signer pinned"


def _check_policy(params: Params, problems: list[str]) -> None:
    from .deals import deal_type

    if deal_type(params.deal.type).transfers:
        try:
            params.policy.require_date()
        except MigrationKitError as exc:
            problems.append(str(exc))


def preflight(params_file: str | os.PathLike) -> tuple[Params, dict[str, object]]:
    """Check everything about a run that can be checked before it starts (see the module doc).

    Parameters
    ----------
    params_file : path
        The client's params file.

    Returns
    -------
    (Params, dict)
        The parsed params, and what was checked (sources, requests, files, keys).

    Raises
    ------
    ParamsError
        The params file does not parse (nothing further can be checked).
    PreflightError
        One or more problems, every one listed on its own line.

    Example
    -------
    >>> preflight("params/client_without_keys.yaml")       # doctest: +SKIP
    Traceback (most recent call last):
    PreflightError: params/client_without_keys.yaml: 1 problem before any work: keys: ...
    """
    params = load_params(Path(params_file))
    problems: list[str] = []
    _check_sources(params, problems)
    requests = _check_suppression(params, problems)
    files = _check_files(params, problems)
    _check_decisions(params, problems)
    keys = _check_keys(params, problems)
    _check_policy(params, problems)
    if problems:
        raise PreflightError(str(params_file), problems)
    return params, {
        "sources": len(params.sources),
        "requests": requests,
        "files": files,
        "keys": keys,
    }
