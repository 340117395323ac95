"""Generate a complete rehearsal data set of one client shape (:data:`~.shapes.SHAPES`).

The default shape ``retail_cn`` (a Chinese sports & stationery retailer) writes four seller
exports, a suppression list, truth and params; ``webshop_en`` and ``membership`` are other
clients (:mod:`.shape_webshop`, :mod:`.shape_membership`) whose params only map columns.

Example
-------
>>> import tempfile, pathlib
>>> res = generate(60, 1, pathlib.Path(tempfile.mkdtemp()))
>>> sorted(res.paths)
['overseas', 'params', 'pos', 'school', 'suppression', 'truth', 'web']
>>> SHAPES.names()
['retail_cn', 'webshop_en', 'membership']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._spec import check_type, require
from .people import day_range, make_entities
from .pools import build_pools
from .rates import SynthRates, SynthResult
from .records import DEFECTS, make_records
from .shape_membership import generate_membership
from .shape_webshop import generate_webshop
from .shapes import SHAPES
from .sources import date_strings, entity_addresses, format_source
from .writer import SOURCE_FILES, write_csv, write_params, write_xlsx

__all__ = ["SHAPES", "TRUTH_COLUMNS", "generate", "generate_retail_cn", "suppression_requests"]

TRUTH_COLUMNS: tuple[str, ...] = (
    "source",
    "record_id",
    "entity_id",
    "withdrawn",
    "erasure",
    "minor",
    "region",
    "inactive",
    "trap",
    "defects",
    "variants",
)
_FIELDS = ("phone", "email", "id_number")


def suppression_requests(
    e: pd.DataFrame, r: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build ``suppression.csv`` rows: one request per withdrawn/erasure entity, naming ONE contact.

    The contact is one that literally appears on at least one of the entity's records; for
    entities with several records it is, more often than not, a contact present on only ONE of
    them (the case that only linkage can propagate to the other records).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The file table, and truth rows (``record_id, eid, variants``).

    Example
    -------
    >>> e = pd.DataFrame({"eid": [0], "withdrawn": [True], "erasure": [False],
    ...                   "phone": ["13812345678"], "email": ["a@b.cn"], "id_number": [""],
    ...                   "trap": [""]})
    >>> r = pd.DataFrame({"eid": [0], "phone": ["13812345678"], "email": [""], "id_number": [""]})
    >>> t, _ = suppression_requests(e, r, np.random.default_rng(0))
    >>> t[["类型", "手机号码"]].values.tolist()
    [['撤回同意', '13812345678']]
    """
    sup = e.loc[e["withdrawn"] | e["erasure"]].reset_index(drop=True)
    k = len(sup)
    pos = pd.Series(np.arange(k), index=sup["eid"].to_numpy())
    rr = r.loc[r["eid"].isin(sup["eid"])]
    ent_of = sup.set_index("eid").loc[rr["eid"]]
    counts = np.zeros((k, 3), dtype=np.int64)
    for j, f in enumerate(_FIELDS):
        known = ent_of[f].to_numpy(dtype=object)
        got = rr[f].to_numpy(dtype=object)
        hit = (known != "") & (
            pd.Series(got).str.lower().to_numpy(dtype=object)
            == pd.Series(known).str.lower().to_numpy(dtype=object)
        )
        np.add.at(counts[:, j], pos.loc[rr["eid"].to_numpy()].to_numpy(), hit.astype(np.int64))
    nrec = np.bincount(pos.loc[rr["eid"].to_numpy()].to_numpy(), minlength=k)
    counts[sup["trap"].to_numpy(dtype=object) == "family_shared_phone", 0] = (
        0  # shared phone names two people
    )
    single = (counts == 1) & (nrec[:, None] >= 2)
    prefer = rng.random(k) < 0.6
    score = rng.random((k, 3)) + 2.0 * (counts > 0) + 1.0 * (single & prefer[:, None])
    pick = score.argmax(axis=1)
    matched = counts[np.arange(k), pick] > 0
    values = {
        f: np.where(
            pick == j,
            sup[f].str.lower().to_numpy(dtype=object)
            if f == "email"
            else sup[f].to_numpy(dtype=object),
            "",
        )
        for j, f in enumerate(_FIELDS)
    }
    submitted = day_range(rng, "2026-06-01", "2026-11-20", k)
    order = np.lexsort((rng.random(k), submitted))
    rid = np.empty(k, dtype=object)
    rid[order] = ("R" + pd.Series(np.arange(1, k + 1)).astype(str).str.zfill(6)).to_numpy(
        dtype=object
    )
    table = pd.DataFrame(
        {
            "请求编号": rid,
            "类型": np.where(sup["erasure"], "删除请求", "撤回同意"),
            "手机号码": values["phone"],
            "电子邮箱": values["email"],
            "身份证号": values["id_number"],
            "提交日期": date_strings(submitted, "%Y-%m-%d").to_numpy(dtype=object),
        }
    )
    via = np.array(["VIA_PHONE", "VIA_EMAIL", "VIA_ID"], dtype=object)[pick]
    tag = (
        via
        + np.where(single[np.arange(k), pick], ";SINGLE_RECORD", "")
        + np.where(matched, "", ";UNMATCHED")
    )
    truth = pd.DataFrame({"record_id": rid, "eid": sup["eid"].to_numpy(), "variants": tag})
    return table.iloc[order].reset_index(drop=True), truth


def _realised(e: pd.DataFrame, r: pd.DataFrame) -> dict[str, float]:
    out = {
        "duplicate": float((np.bincount(r["eid"].to_numpy(), minlength=len(e)) > 1).mean()),
        "withdrawn": float(e["withdrawn"].mean()),
        "erasure": float(e["erasure"].mean()),
        "minor": float(e["minor"].mean()),
        "inactive": float(e["inactive"].mean()),
        "eu": float((e["region"] == "EU").mean()),
        "other_foreign": float((e["region"] == "OTHER").mean()),
        "school": float((e["kind"] == "school").mean()),
    }
    for trap in ("family_shared_phone", "namesake", "pinyin_variant"):
        out[trap] = float((e["trap"] == trap).mean())
    combos = r[
        "defects"
    ].value_counts()  # few distinct combinations: count per combination, then split
    for code in DEFECTS:
        hits = sum(int(v) for k, v in combos.items() if code in str(k).split(";"))
        out[f"defect.{code}"] = float(hits / max(len(r), 1))
    return out


def generate(
    entities: int,
    seed: int,
    out_dir: Path,
    *,
    params_path: Path | None = None,
    rates: SynthRates | None = None,
    shape: str = "retail_cn",
) -> SynthResult:
    """Write a synthetic data set of ``entities`` people of one client ``shape`` into ``out_dir``.

    Parameters
    ----------
    entities : int
        Number of real-world people (records are ~1.3x that for ``retail_cn``, ~1.75x for
        ``webshop_en``, ~2.3x for ``membership``).
    seed : int
        Seed; the same seed gives byte-identical files.
    out_dir : Path
        Folder for the source files and ``truth.csv`` (created if needed).
    params_path : Path, optional
        Where to write the params file (default ``out_dir/params.yaml``); source paths in it are
        relative to its folder.
    rates : SynthRates, optional
        Case rates of ``retail_cn`` (defaults of :class:`SynthRates`); other shapes declare their
        own and refuse this argument.
    shape : str
        A name in :data:`SHAPES`: ``retail_cn`` (default), ``webshop_en``, ``membership``.

    Returns
    -------
    SynthResult
        Paths written, row counts per source, realised rates.

    Example
    -------
    >>> import tempfile, pathlib
    >>> generate(40, 3, pathlib.Path(tempfile.mkdtemp())).counts["entities"]
    40
    >>> generate(40, 3, pathlib.Path(tempfile.mkdtemp()), shape="webshop_en").counts["entities"]
    40
    >>> generate(40, 3, pathlib.Path("."), shape="webshop")
    Traceback (most recent call last):
    migration_kit.errors.ParamsError: shape: received 'webshop' (did you mean 'webshop_en'?); ...
    """
    entry = SHAPES.get(shape, "shape")
    if shape == "retail_cn":
        return generate_retail_cn(entities, seed, out_dir, params_path=params_path, rates=rates)
    require(
        rates is None,
        "rates",
        f"rates apply to the retail_cn shape only; shape {shape!r} declares its own",
    )
    return entry.fn(entities, seed, out_dir, params_path=params_path)


def generate_retail_cn(
    entities: int,
    seed: int,
    out_dir: Path,
    *,
    params_path: Path | None = None,
    rates: SynthRates | None = None,
) -> SynthResult:
    """The ``retail_cn`` shape: four exports of a Chinese sports & stationery retailer, a
    suppression list, ``truth.csv`` and a params file with quality gates.

    Parameters are those of :func:`generate`.

    Example
    -------
    >>> import tempfile, pathlib
    >>> generate_retail_cn(40, 3, pathlib.Path(tempfile.mkdtemp())).counts["entities"]
    40
    """
    check_type(entities, int, "entities")
    check_type(seed, int, "seed")
    require(
        entities >= 20,
        "entities",
        f"received {entities}; generate at least 20 entities so every case can occur",
    )
    require(seed >= 0, "seed", f"received {seed}; use a non-negative integer")
    rates = rates or SynthRates()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pools = build_pools(0)  # fixed pools; the numpy seed drives every draw
    e = make_entities(entities, rng, pools, rates)
    r = make_records(e, rng, rates)
    faddr = entity_addresses(rng, e, pools)
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {"entities": entities}
    truth_parts: list[pd.DataFrame] = []
    for name, (fname, fmt, enc, _, _) in SOURCE_FILES.items():
        sub = r.loc[r["source"] == name].reset_index(drop=True)
        ent = e.iloc[sub["eid"].to_numpy()].reset_index(drop=True)
        fa = faddr.iloc[sub["eid"].to_numpy()] if name == "overseas" else None
        table, rid, order = format_source(name, sub, ent, rng, fa)
        path = out_dir / fname
        paths[name] = (
            write_xlsx(table, path) if fmt == "xlsx" else write_csv(table, path, enc or "utf-8")
        )
        counts[name] = len(table)
        truth_parts.append(
            pd.DataFrame(
                {
                    "source": name,
                    "record_id": rid.to_numpy(dtype=object)[order],
                    "eid": sub["eid"].to_numpy()[order],
                    "defects": sub["defects"].to_numpy()[order],
                    "variants": sub["variants"].to_numpy()[order],
                }
            )
        )
    sup_table, sup_truth = suppression_requests(e, r, rng)
    paths["suppression"] = write_csv(sup_table, out_dir / "suppression.csv", "utf-8")
    counts["suppression"] = len(sup_table)
    sup_truth.insert(0, "source", "suppression")
    sup_truth["defects"] = ""
    sup_truth = sup_truth.sort_values("record_id", kind="stable")
    parts = sorted(
        [*truth_parts, sup_truth], key=lambda p: str(p["source"].iloc[0]) if len(p) else ""
    )
    truth = pd.concat(parts, ignore_index=True)  # by source, then record id (file order)
    eids = truth["eid"].to_numpy()
    for col in ("entity_id", "withdrawn", "erasure", "minor", "region", "inactive", "trap"):
        truth[col] = e[col].to_numpy()[eids]
    truth = truth[list(TRUTH_COLUMNS)]
    paths["truth"] = write_csv(truth, out_dir / "truth.csv", "utf-8")
    params_path = Path(params_path) if params_path is not None else out_dir / "params.yaml"
    paths["params"] = write_params(
        params_path, {k: paths[k] for k in SOURCE_FILES}, paths["suppression"]
    )
    return SynthResult(paths=paths, counts=counts, realised=_realised(e, r))


def _retail_cn(
    entities: int, seed: int, out_dir: Path, *, params_path: Path | None = None
) -> SynthResult:
    """Chinese sports & stationery retailer: POS, web shop (GBK), school clubs, overseas shop."""
    return generate_retail_cn(entities, seed, out_dir, params_path=params_path)


SHAPES.add("retail_cn", _retail_cn)
SHAPES.add(
    "webshop_en",
    generate_webshop,
    doc="English web shop (GB/US/AU): accounts, guest orders, newsletter sign-ups.",
)
SHAPES.add(
    "membership",
    generate_membership,
    doc="German sports club federation: register and hand-keyed yearly renewal forms.",
)
