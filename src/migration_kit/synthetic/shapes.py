"""Client shapes of the rehearsal generator: the registry and what every shape shares.

A *shape* is one kind of client (a Chinese retailer, an English web shop, a membership list):
its own people, sources, headers, variants and traps. Each shape is a function registered in
:data:`SHAPES` (the project's one registry pattern; :mod:`.generate` registers the built-in ones)
that writes the source files, ``truth.csv`` and a params file, and
:func:`~migration_kit.synthetic.generate` looks the shape up by name.

What the shapes other than ``retail_cn`` share lives here: the source declaration
(:class:`SourceFile`), record ids that grow with the date, the CSV/xlsx writers with a delimiter,
the mapping-only params file and the truth table (:data:`SHAPE_TRUTH_COLUMNS`).

Example
-------
>>> import tempfile, pathlib
>>> src = SourceFile("shop", "shop.csv", "Id", {"email": "Mail"})
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = write_source(pd.DataFrame({"Id": ["1"], "Mail": ["a@b.com"]}), d / src.file, src)
>>> p.read_text(encoding="utf-8").splitlines()
['Id,Mail', '1,a@b.com']
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import yaml

from .._spec import check_type, require
from ..registry import Registry
from .rates import TRANSFER_DATE, SynthResult
from .records import label_join
from .writer import write_xlsx

__all__ = [
    "SHAPES",
    "SHAPE_TRUTH_COLUMNS",
    "ShapeFn",
    "SourceFile",
    "check_size",
    "entity_ids",
    "ordered_ids",
    "source_tables",
    "write_mapping_params",
    "write_shape",
    "write_source",
]

#: Columns of ``truth.csv`` for the shapes without a suppression list (``retail_cn`` also has
#: ``withdrawn, erasure, defects``): ``region`` is CN / EU / OTHER as in ``retail_cn``.
SHAPE_TRUTH_COLUMNS: tuple[str, ...] = (
    "source",
    "record_id",
    "entity_id",
    "minor",
    "region",
    "inactive",
    "trap",
    "variants",
)


class ShapeFn(Protocol):
    """Signature of a registered shape: write a data set and return what was written.

    Example
    -------
    >>> from migration_kit.synthetic import generate  # registers the built-in shapes
    >>> SHAPES.get("membership", where="shape").doc
    'German sports club federation: register and hand-keyed yearly renewal forms.'
    """

    def __call__(
        self, entities: int, seed: int, out_dir: Path, *, params_path: Path | None = None
    ) -> SynthResult: ...


#: Shape name -> generator function (``retail_cn``, ``webshop_en``, ``membership``).
SHAPES: Registry[ShapeFn] = Registry("synthetic shape")


@dataclass(frozen=True)
class SourceFile:
    """One source file of a shape and how the params file maps it.

    Attributes
    ----------
    name : str
        Source name (the ``source`` of its records).
    file : str
        File name in the output folder.
    id_column : str
        Header of the record id column.
    columns : dict[str, str | list[str]]
        Canonical field -> header(s), in file column order.
    fmt : {"csv", "xlsx"}
    encoding : str
        CSV encoding (ignored for xlsx).
    delimiter : str
        CSV delimiter.
    sheet : str
        Sheet name (xlsx).
    date_order : {"YMD", "MDY", "DMY"}
    default_country : str
    extra : tuple[str, ...]
        Headers the file also has that the params file leaves unmapped.

    Example
    -------
    >>> SourceFile("shop", "shop.csv", "Id", {"email": "Mail"}).date_order
    'YMD'
    """

    name: str
    file: str
    id_column: str
    columns: Mapping[str, str | list[str]]
    fmt: str = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str = "Sheet1"
    date_order: str = "YMD"
    default_country: str = "GB"
    extra: tuple[str, ...] = field(default_factory=tuple)


def check_size(entities: int, seed: int) -> None:
    """Validate the common arguments (a :class:`~migration_kit.errors.ParamsError` otherwise).

    Example
    -------
    >>> check_size(5, 1)
    Traceback (most recent call last):
    migration_kit.errors.ParamsError: entities: received 5; generate at least 20 entities ...
    """
    check_type(entities, int, "entities")
    check_type(seed, int, "seed")
    require(
        entities >= 20,
        "entities",
        f"received {entities}; generate at least 20 entities so every case can occur",
    )
    require(seed >= 0, "seed", f"received {seed}; use a non-negative integer")


def entity_ids(n: int) -> np.ndarray:
    """Truth entity ids ``T0000001`` ... (as in ``retail_cn``).

    Example
    -------
    >>> entity_ids(2).tolist()
    ['T0000001', 'T0000002']
    """
    return ("T" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)).to_numpy(dtype=object)


def ordered_ids(
    rng: np.random.Generator, dates: np.ndarray, prefix: str, width: int, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Ids that grow with ``dates`` (ties at random), as systems number records.

    Returns the id of each row and the order that sorts the rows by id (the file order).

    Example
    -------
    >>> d = np.array(["2024-02-01", "2024-01-01"], dtype="datetime64[D]")
    >>> ids, order = ordered_ids(np.random.default_rng(0), d, "C", 4, 1)
    >>> ids.tolist(), order.tolist()
    (['C0002', 'C0001'], [1, 0])
    """
    order = np.lexsort((rng.random(len(dates)), dates))
    rank = np.empty(len(dates), dtype=np.int64)
    rank[order] = np.arange(len(dates))
    ids = prefix + pd.Series(start + rank).astype(str).str.zfill(width)
    return ids.to_numpy(dtype=object), order


def _write_csv(table: pd.DataFrame, path: Path, encoding: str, delimiter: str) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([str(c) for c in table.columns])
    cols = []
    for c in table.columns:
        values = table[c].to_numpy(dtype=object)
        missing = pd.isna(values)
        if missing.any():
            values = values.copy()
            values[missing] = ""
        cols.append(values.tolist())
    writer.writerows(zip(*cols, strict=True))
    path.write_bytes(buf.getvalue().encode(encoding, errors="strict"))
    return path


def write_source(table: pd.DataFrame, path: Path, src: SourceFile) -> Path:
    """Write one source table as ``src`` declares it (CSV with its delimiter, or xlsx).

    Example
    -------
    >>> import tempfile, pathlib
    >>> src = SourceFile("m", "m.csv", "Nr", {"city": "Ort"}, encoding="cp1252", delimiter=";")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> write_source(pd.DataFrame({"Nr": ["1"], "Ort": ["Köln"]}), p, src).read_bytes()
    b'Nr;Ort\\n1;K\\xf6ln\\n'
    """
    if src.fmt == "xlsx":
        return write_xlsx(table, path, src.sheet)
    return _write_csv(table, path, src.encoding, src.delimiter)


def write_mapping_params(
    path: Path,
    client: str,
    deal: Mapping[str, Any],
    sources: Sequence[SourceFile],
    files: Mapping[str, Path],
) -> Path:
    """Write a params file that only maps columns (no linkage, golden or quality sections).

    Source paths are written relative to the params file's folder; ``policy`` holds the
    transfer date only.

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> src = SourceFile("shop", "shop.csv", "Id", {"email": "Mail"})
    >>> deal = {"type": "asset_sale", "seller": {"name": "S", "contact": "s@x.example"},
    ...         "recipient": {"name": "B", "contact": "b@x.example", "country": "GB"}}
    >>> p = write_mapping_params(d / "params.yaml", "shop", deal, [src], {"shop": d / "shop.csv"})
    >>> sorted(yaml.safe_load(p.read_text(encoding="utf-8")))
    ['client', 'deal', 'keys', 'policy', 'sources']
    """
    base = path.parent.resolve()

    def rel(p: Path) -> str:
        return Path(os.path.relpath(Path(p).resolve(), base)).as_posix()

    entries: list[dict[str, Any]] = []
    for src in sources:
        entry: dict[str, Any] = {"name": src.name, "path": rel(files[src.name]), "format": src.fmt}
        if src.fmt == "csv":
            entry["encoding"] = src.encoding
            if src.delimiter != ",":
                entry["delimiter"] = src.delimiter
        else:
            entry["sheet"] = src.sheet
        entry.update(
            date_order=src.date_order,
            default_country=src.default_country,
            id_column=src.id_column,
            columns={k: (list(v) if isinstance(v, list) else v) for k, v in src.columns.items()},
        )
        entries.append(entry)
    params = {
        "client": client,
        "deal": dict(deal),
        "sources": entries,
        "policy": {"transfer_date": _dt.date.fromisoformat(TRANSFER_DATE)},
        "keys": {"rehearsal": True},  # synthetic data: throw-away keys per run
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(
        params, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120
    )
    path.write_text(
        "# Params written by `migration-kit synth` (synthetic data, no real person).\n"
        "# Columns only: linkage, survivorship and quality are the pipeline's defaults.\n" + text,
        encoding="utf-8",
    )
    return path


#: Formats one source's records: ``(table, record ids, row order)``.
SourceFormat = Callable[
    [str, pd.DataFrame, np.random.Generator], tuple[pd.DataFrame, np.ndarray, np.ndarray]
]


def source_tables(
    records: pd.DataFrame,
    labels: pd.DataFrame,
    sources: Sequence[str],
    fmt: SourceFormat,
    rng: np.random.Generator,
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per source, the written table and its truth rows (``record_id, eid`` and the labels) in
    the table's row order."""
    tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for name in sources:
        sel = (records["source"] == name).to_numpy()
        sub = records.loc[sel].reset_index(drop=True)
        table, rid, order = fmt(name, sub, rng)
        truth = labels.loc[sel].reset_index(drop=True).iloc[order].reset_index(drop=True)
        truth.insert(0, "eid", sub["eid"].to_numpy()[order])
        truth.insert(0, "record_id", rid[order])
        tables[name] = (table, truth)
    return tables


def write_shape(
    out_dir: Path,
    params_path: Path | None,
    *,
    client: str,
    deal: Mapping[str, Any],
    sources: Sequence[SourceFile],
    tables: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
    entities: pd.DataFrame,
    realised: Mapping[str, float],
) -> SynthResult:
    """Write every source, ``truth.csv`` and the params file of a shape.

    Parameters
    ----------
    out_dir, params_path : Path
        Output folder; params file (default ``out_dir/params.yaml``).
    client : str
        Client slug written into the params file.
    deal : Mapping
        The params ``deal:`` section.
    sources : sequence of SourceFile
    tables : Mapping[str, (DataFrame, DataFrame)]
        Per source name: the file table (file order) and its truth rows (same order) with
        ``record_id, eid`` and boolean label columns (``variants`` joins the true ones).
    entities : pandas.DataFrame
        One row per entity (index = eid): ``entity_id, minor, region, inactive, trap``.
    realised : Mapping[str, float]
        Realised rates for :class:`~migration_kit.synthetic.rates.SynthResult`.

    Returns
    -------
    SynthResult

    Example
    -------
    >>> import tempfile, pathlib
    >>> src = SourceFile("shop", "shop.csv", "Id", {"email": "Mail"})
    >>> table = pd.DataFrame({"Id": ["1", "2"], "Mail": ["a@b.com", "c@d.com"]})
    >>> truth = pd.DataFrame({"record_id": ["1", "2"], "eid": [0, 0], "EMAIL_CASE": [False, True]})
    >>> people = pd.DataFrame({"entity_id": ["T0000001"], "minor": [False], "region": ["EU"],
    ...                        "inactive": [False], "trap": [""]})
    >>> deal = {"type": "merger", "seller": {"name": "S", "contact": "s@x.example"},
    ...         "recipient": {"name": "B", "contact": "b@x.example", "country": "DE"}}
    >>> res = write_shape(pathlib.Path(tempfile.mkdtemp()), None, client="shop", deal=deal,
    ...                   sources=[src], tables={"shop": (table, truth)}, entities=people,
    ...                   realised={})
    >>> res.paths["truth"].read_text().splitlines()[-1]
    'shop,2,T0000001,False,EU,False,,EMAIL_CASE'
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {"entities": len(entities)}
    parts: list[tuple[str, pd.DataFrame]] = []
    for src in sources:
        table, truth = tables[src.name]
        paths[src.name] = write_source(table, out_dir / src.file, src)
        counts[src.name] = len(table)
        labels = {c: truth[c].to_numpy() for c in truth.columns if c not in ("record_id", "eid")}
        eids = truth["eid"].to_numpy()
        part = pd.DataFrame({"source": src.name, "record_id": truth["record_id"].to_numpy()})
        for col in ("entity_id", "minor", "region", "inactive", "trap"):
            part[col] = entities[col].to_numpy()[eids]
        part["variants"] = label_join(labels, len(truth))
        parts.append((src.name, part))
    parts.sort(key=lambda item: item[0])  # by source, then record id (file order)
    truth_all = pd.concat([part for _, part in parts], ignore_index=True)
    paths["truth"] = _write_csv(
        truth_all[list(SHAPE_TRUTH_COLUMNS)], out_dir / "truth.csv", "utf-8", ","
    )
    params_path = Path(params_path) if params_path is not None else out_dir / "params.yaml"
    paths["params"] = write_mapping_params(params_path, client, deal, sources, paths)
    return SynthResult(paths=paths, counts=counts, realised=dict(realised))
