"""The linkage planner against a hand-tuned ceiling on the webshop_en and membership shapes.

For each shape and seed: ``migration_kit.synthetic.generate`` writes the exports, ``truth.csv``
and a params file that only maps columns into a temporary folder; ``migration_kit.pipeline.dedupe``
runs the product path (intake, cleaning, the planner choosing blocking and comparisons,
linkage); then ``link()`` links the same cleaned records (the run's ``work/std.parquet``) with
the hand-tuned section of ``_shape_specs.py`` (``WEBSHOP_SPEC``, ``MEMBERSHIP_SPEC``).

Printed per shape and seed: records and true pairs; pairwise precision / recall / F1 of the
planner (the product's entities) and of the hand-tuned spec, with candidate pairs and blocking
recall (true pairs among the candidates / true pairs); the gap (hand-tuned F1 - planner F1); the
planner's false-positive pairs (two people in one entity) and missed pairs (one person in two
entities) by the truth's ``trap`` (of the two records) and ``variants`` (of either record), top
5 each. Medians over the seeds at the end.

With ``--ablate``, each difference between the hand-tuned spec and the planner's own plan
(``reports/linkage_plan.yaml`` of the run) is applied ALONE to the planner's plan and linked
again: the hand-tuned blocking, each hand-tuned comparison in place of the planner's, the
hand-tuned conflict rules and conflict columns, and a few finer single changes (see
``FINE_ABLATIONS``). Printed: F1 of each variant per seed and its median change.

Run::

    .venv/bin/python benchmarks/bench_linkage_shapes.py [--shapes webshop_en,membership]
        [--seeds 7,8,9] [--entities 2000] [--ablate] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shape_specs import SHAPE_SPECS

from migration_kit.linkage import LinkageSpec, link, pairwise_metrics
from migration_kit.pipeline import dedupe
from migration_kit.synthetic import generate

Section = dict[str, Any]
Ablation = Callable[[Section, Section], Section]


# ----------------------------------------------------------------------------------- pairs


def _pair_keys(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every within-cluster record pair ``(i, j)``, ``i < j`` (vectorized)."""
    codes = pd.factorize(pd.Series(labels))[0]
    order = np.argsort(codes, kind="stable")
    c = codes[order]
    sizes = np.bincount(c)
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(len(c))
    after = sizes[c] - (pos - start) - 1  # later members of the same cluster
    i = np.repeat(pos, after)
    j = i + np.arange(int(after.sum())) - np.repeat(np.cumsum(after) - after, after) + 1
    a, b = order[i], order[j]
    return np.minimum(a, b), np.maximum(a, b)


def error_pairs(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(false_positive_keys, missed_keys)`` as ``i * n + j`` pair keys."""
    n = len(pred)
    pi, pj = _pair_keys(pred)
    ti, tj = _pair_keys(truth)
    pk, tk = pi * n + pj, ti * n + tj
    return np.setdiff1d(pk, tk), np.setdiff1d(tk, pk)


def by_label(keys: np.ndarray, n: int, values: np.ndarray, top: int = 5) -> str:
    """The pairs counted by the union of their two records' ``;``-separated labels."""
    if not len(keys):
        return "-"
    a, b = values[keys // n], values[keys % n]
    labels = [
        "+".join(sorted(set(filter(None, x.split(";"))) | set(filter(None, y.split(";")))))
        or "(none)"
        for x, y in zip(a, b, strict=True)
    ]
    counts = pd.Series(labels).value_counts().head(top)
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def blocking_recall(i: np.ndarray, j: np.ndarray, truth: np.ndarray) -> float:
    """True pairs among the candidate pairs ``(i, j)`` / all true pairs."""
    codes = pd.factorize(pd.Series(truth))[0]
    sizes = np.bincount(codes).astype(np.int64)
    true = int((sizes * (sizes - 1) // 2).sum())
    return float((codes[i] == codes[j]).sum()) / true if true else 1.0


# ------------------------------------------------------------------------------------- runs


def product_run(shape: str, entities: int, seed: int, folder: Path) -> dict[str, Any]:
    """Generate one set and run ``pipeline.dedupe`` on it; return what the comparison needs."""
    data = folder / f"{shape}_{entities}_{seed}"
    params = data / "params.yaml"
    generate(entities, seed, data, params_path=params, shape=shape)
    out = data / "entities.csv"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        res = dedupe(params, out, runs_dir=data / "runs", run_id="bench")
    run_dir = Path(res["run_dir"])
    std = pd.read_parquet(run_dir / "work" / "std.parquet")
    std = std[[c for c in std.columns if not c.startswith("raw__")]]
    keys = ["source", "record_id"]
    truth = pd.read_csv(data / "truth.csv", dtype=str, keep_default_na=False)
    truth = std[keys].merge(truth, on=keys, how="left", validate="1:1")
    ent = pd.read_csv(out, dtype=str, keep_default_na=False)
    ent = std[keys].merge(ent, on=keys, how="left", validate="1:1")
    pairs = pd.read_parquet(run_dir / "work" / "pairs.parquet", columns=["i", "j"])
    plan = yaml.safe_load((run_dir / "reports" / "linkage_plan.yaml").read_text("utf-8"))
    return {
        "std": std,
        "truth": truth,
        "planner_entities": ent["entity_id"].to_numpy(),
        "planner_pairs": (pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)),
        "plan": plan["linkage"],
    }


def link_metrics(std: pd.DataFrame, section: Section, truth: np.ndarray) -> dict[str, Any]:
    """``link(std, section)``: pairwise metrics, entities, candidates, blocking recall."""
    res = link(std, LinkageSpec.from_dict(section, "linkage (bench)"))
    ent = res.entities["entity_id"].to_numpy()
    i, j = res.pairs["i"].to_numpy(np.int64), res.pairs["j"].to_numpy(np.int64)
    return {
        **pairwise_metrics(ent, truth),
        "entities": ent,
        "cands": len(i),
        "brecall": blocking_recall(i, j, truth),
    }


# -------------------------------------------------------------------------------- ablations


def _comparison(section: Section, name: str) -> dict[str, Any] | None:
    return next((c for c in section["comparisons"] if c["name"] == name), None)


def _with_comparison(plan: Section, hand: Section, name: str) -> Section:
    """The planner's plan with the hand-tuned comparison ``name`` in place of its own (added
    when the plan has none)."""
    out = copy.deepcopy(plan)
    new = copy.deepcopy(_comparison(hand, name))
    names = [c["name"] for c in out["comparisons"]]
    if name in names:
        out["comparisons"][names.index(name)] = new
    else:
        out["comparisons"].append(new)
    out["tf_adjust"] = [c for c in out["tf_adjust"] if _has_exact(out, c)]
    return out


def _has_exact(section: Section, column: str) -> bool:
    return any(
        lv["test"] == "exact" and (lv.get("column") or c["columns"][0]) == column
        for c in section["comparisons"]
        for lv in c["levels"]
    )


def _insert_levels(comparison: str, levels: list[str]) -> Ablation:
    """Insert hand-tuned levels of one comparison into the planner's, each after the level
    that precedes it in the hand-tuned comparison (or first)."""

    def fn(plan: Section, hand: Section) -> Section:
        out = copy.deepcopy(plan)
        mine, theirs = _comparison(out, comparison), _comparison(hand, comparison)
        if mine is None or theirs is None:
            return out
        for name in levels:
            k = [lv["name"] for lv in theirs["levels"]].index(name)
            before = {lv["name"] for lv in theirs["levels"][:k]}
            at = max(
                (n + 1 for n, lv in enumerate(mine["levels"]) if lv["name"] in before), default=0
            )
            mine["levels"].insert(at, copy.deepcopy(theirs["levels"][k]))
        return out

    return fn


def _add_passes(names: list[str]) -> Ablation:
    def fn(plan: Section, hand: Section) -> Section:
        out = copy.deepcopy(plan)
        have = {b["name"] for b in out["blocking"]}
        out["blocking"] += [copy.deepcopy(b) for b in hand["blocking"] if b["name"] in names]
        for b in out["blocking"][len(have) :]:
            b["name"] = b["name"] if b["name"] not in have else b["name"] + "_hand"
        return out

    return fn


def _drop_country(plan: Section, hand: Section) -> Section:
    """Location compared without ``country`` (no ``other_country`` level)."""
    out = copy.deepcopy(plan)
    loc = _comparison(out, "location")
    if loc is not None:
        loc["columns"] = [c for c in loc["columns"] if c != "country"]
        loc["levels"] = [lv for lv in loc["levels"] if lv.get("column") != "country"]
    return out


#: Finer single changes, per shape: (label, transform of the planner's plan).
FINE_ABLATIONS: dict[str, list[tuple[str, Ablation]]] = {
    "webshop_en": [
        ("location without country (planner's levels otherwise)", _drop_country),
        ("given_name + swapped level", _insert_levels("given_name", ["swapped"])),
        ("blocking + full_name, name_swap passes", _add_passes(["full_name", "name_swap"])),
    ],
    "membership": [
        ("given_name + swapped level", _insert_levels("given_name", ["swapped"])),
        (
            "given/family_name + lev50, initial tail levels",
            lambda p, h: _insert_levels("family_name", ["lev50"])(
                _insert_levels("given_name", ["lev50", "initial"])(p, h), h
            ),
        ),
        ("location + address_jw93 level", _insert_levels("location", ["address_jw93"])),
        ("blocking + full_name, name_swap passes", _add_passes(["full_name", "name_swap"])),
    ],
}


def differences(plan: Section, hand: Section) -> list[str]:
    """The parts of ``hand`` that differ from ``plan``: ``blocking``, ``comparison <name>``,
    and the conflict, term-frequency and threshold keys."""
    out = ["blocking"] if _strip_all(plan["blocking"]) != _strip_all(hand["blocking"]) else []
    for c in hand["comparisons"]:
        if _strip(_comparison(plan, c["name"])) != _strip(c):
            out.append(f"comparison {c['name']}")
    for key in ("conflict_rules", "conflict_columns", "tf_adjust", "tf_classes", "upper_threshold"):
        if key in hand and hand[key] != plan.get(key):
            out.append(key)
    return out


def take(part: str, into: Section, source: Section) -> Section:
    """``into`` with ``part`` (a :func:`differences` label) taken from ``source``; a comparison
    ``source`` lacks is dropped from ``into``."""
    if not part.startswith("comparison "):
        return {**copy.deepcopy(into), part: copy.deepcopy(source[part])}
    name = part.removeprefix("comparison ")
    if _comparison(source, name) is not None:
        return _with_comparison(into, source, name)
    out = copy.deepcopy(into)
    out["comparisons"] = [c for c in out["comparisons"] if c["name"] != name]
    out["tf_adjust"] = [c for c in out["tf_adjust"] if _has_exact(out, c)]
    return out


def ablations(shape: str, plan: Section, hand: Section) -> list[tuple[str, Ablation]]:
    """Every single difference between ``hand`` and ``plan`` as a transform of ``plan``."""
    out: list[tuple[str, Ablation]] = [
        (part, lambda p, h, part=part: take(part, p, h)) for part in differences(plan, hand)
    ]
    return out + FINE_ABLATIONS.get(shape, [])


def _strip_all(items: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    return [_strip(x) for x in items]


def _strip(c: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if c is None else {k: v for k, v in c.items() if k != "reason"}


# ---------------------------------------------------------------------------------- output


def _prf(m: dict[str, Any]) -> str:
    return (
        f"P {m['precision']:.4f}  R {m['recall']:.4f}  F1 {m['f1']:.4f}  "
        f"cands {m['cands']:>7}  b.recall {m['brecall']:.4f}"
    )


def _cumulative_order(parts: list[str]) -> list[str]:
    """Conflicts first, then comparisons, then blocking, then the rest."""

    def rank(p: str) -> int:
        kind = p.split()[0]
        return {"conflict_rules": 0, "conflict_columns": 0, "comparison": 1, "blocking": 2}.get(
            kind, 3
        )

    return sorted(parts, key=rank)


def ablate_seed(
    shape: str, std: pd.DataFrame, plan: Section, hand: Section, truth: np.ndarray
) -> dict[str, Any]:
    """F1 of the planner's plan relinked, of each difference alone on it (``alone``), of the
    hand-tuned spec with one part taken back from the plan (``without``), and of the parts
    added to the plan one after the other (``cumulative``)."""

    def f1(section: Section) -> float:
        return float(link_metrics(std, section, truth)["f1"])

    parts = differences(plan, hand)
    alone = {label: f1(fn(plan, hand)) for label, fn in ablations(shape, plan, hand)}
    without = {part: f1(take(part, hand, plan)) for part in parts}
    cumulative, section = {}, copy.deepcopy(plan)
    for part in _cumulative_order(parts):
        section = take(part, section, hand)
        cumulative["+ " + part] = f1(section)
    return {"base": f1(plan), "alone": alone, "without": without, "cumulative": cumulative}


def one_seed(shape: str, entities: int, seed: int, folder: Path, ablate: bool) -> dict[str, Any]:
    run = product_run(shape, entities, seed, folder)
    std, truth_df = run["std"], run["truth"]
    truth = truth_df["entity_id"].to_numpy()
    n = len(std)
    planner = {
        **pairwise_metrics(run["planner_entities"], truth),
        "cands": len(run["planner_pairs"][0]),
        "brecall": blocking_recall(*run["planner_pairs"], truth),
    }
    hand_spec = SHAPE_SPECS[shape]
    hand = link_metrics(std, hand_spec, truth)
    fp, missed = error_pairs(run["planner_entities"], truth)
    traps = truth_df["trap"].to_numpy(dtype=object)
    variants = truth_df["variants"].to_numpy(dtype=object)
    gap = hand["f1"] - planner["f1"]
    print(f"{shape} seed {seed}: {n} records, {planner['true_pairs']} true pairs")
    print(f"  planner     {_prf(planner)}")
    print(f"  hand-tuned  {_prf(hand)}")
    print(f"  gap (hand-tuned - planner) F1 {gap:+.4f}")
    print(f"  planner false positives ({len(fp)}) by trap: {by_label(fp, n, traps)}")
    print(f"      by variants: {by_label(fp, n, variants)}")
    print(f"  planner missed pairs ({len(missed)}) by variants: {by_label(missed, n, variants)}")
    print(f"      by trap: {by_label(missed, n, traps)}")
    row: dict[str, Any] = {
        "planner": planner,
        "hand": hand,
        "gap": gap,
    }
    if ablate:
        row.update(ablate_seed(shape, std, run["plan"], hand_spec, truth))
    return row


def summary(shape: str, rows: list[dict[str, Any]], seeds: list[int]) -> None:
    def med(side: str, key: str) -> float:
        return statistics.median(r[side][key] for r in rows)

    print(f"{shape}: medians over seeds {','.join(map(str, seeds))}")
    for side, label in (("planner", "planner"), ("hand", "hand-tuned")):
        print(
            f"  {label:<11} P {med(side, 'precision'):.4f}  R {med(side, 'recall'):.4f}  "
            f"F1 {med(side, 'f1'):.4f}"
        )
    print(f"  gap F1 {statistics.median(r['gap'] for r in rows):+.4f} (median of the gaps)")
    if "base" not in rows[0]:
        return
    base = statistics.median(r["base"] for r in rows)
    hand = statistics.median(r["hand"]["f1"] for r in rows)
    print(
        f"  planner's plan relinked in this process: F1 median {base:.4f} (hand-tuned {hand:.4f})"
    )
    tables = (
        ("alone", "one difference applied alone to the planner's plan", "base"),
        ("without", "hand-tuned with one part taken back from the planner's plan", "hand"),
        ("cumulative", "parts added to the planner's plan one after the other", "base"),
    )
    for key, title, ref in tables:
        against = "planner" if ref == "base" else "hand-tuned"
        print(f"  {title} (F1 per seed; median change vs {against}):")
        labels = list(dict.fromkeys(k for r in rows for k in r[key]))
        for label in labels:
            vals = [r[key].get(label, float("nan")) for r in rows]
            refs = [r["base"] if ref == "base" else r["hand"]["f1"] for r in rows]
            delta = statistics.median(v - x for v, x in zip(vals, refs, strict=True))
            figures = " ".join(f"{v:.4f}" for v in vals)
            print(f"    {label:<52} {figures}  {delta:+.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    ap.add_argument(
        "--shapes", default="webshop_en,membership", help="comma-separated (default: both)"
    )
    ap.add_argument("--seeds", default="7,8,9", help="comma-separated generator seeds")
    ap.add_argument("--entities", type=int, default=2000, help="people per generated set")
    ap.add_argument(
        "--ablate",
        action="store_true",
        help="apply each hand-tuned difference alone to the planner's plan and relink",
    )
    ap.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (exports, runs); print it"
    )
    args = ap.parse_args(argv)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = sorted(set(shapes) - set(SHAPE_SPECS))
    if unknown:
        ap.error(f"--shapes: unknown {unknown}; known: {sorted(SHAPE_SPECS)}")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    folder = Path(tempfile.mkdtemp(prefix="bench_shapes_"))
    try:
        results = {}
        for shape in shapes:
            results[shape] = [one_seed(shape, args.entities, s, folder, args.ablate) for s in seeds]
        print(f"\n{args.entities} entities per set; pairwise figures against truth.csv")
        for shape in shapes:
            summary(shape, results[shape], seeds)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
