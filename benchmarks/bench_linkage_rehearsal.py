"""Accuracy and speed of migration_kit's deduplication on the retail_cn rehearsal data, through
the product path.

Headline (``product``): ``migration-kit dedupe PARAMS --out entities.csv`` in a subprocess on a
params file that only maps columns (no ``linkage:`` section: the planner chooses blocking and
comparisons from the records): the committed set (``params/rehearsal.yaml``) or a generated one
(``--entities N --seed S``, ``migration_kit.synthetic.generate``, cached by ``_data.py``).
Second line (``ceiling``): the hand-tuned reference spec
(``LinkageSpec.from_dict(migration_kit.linkage.defaults.DEFAULT_SPEC)``) with ``link()`` in this
process, on the same cleaned records (the run's ``work/std.parquet``).

Printed: pairwise precision / recall / F1 against the generator's truth (``truth.csv``) overall,
and for the product per trap (truth ``trap``: family_shared_phone, namesake, pinyin_variant)
and per variant label; candidate pairs; blocking recall (true pairs among the candidates / true
pairs) beside the planner's estimate; planning and link seconds; peak RSS.

Per trap / variant, "recall" is measured on the true pairs touching a record with that label and
"precision" on the predicted pairs touching such a record (so a namesake merge shows up as a
precision loss on ``namesake``).

Seconds, all from ``reports/linkage_summary.json``: ``plan`` = ``blocking_recall.planning_seconds``
(a product that does not write it gets ``plan_linkage`` timed alone here instead, said under
the table), ``link`` = the sum of the stage timings. ``wall`` = the whole dedupe process (intake
and cleaning included). Peak RSS: the dedupe process (product), this process (ceiling).
``--repeat N``: medians over N runs.

Run::

    .venv/bin/python benchmarks/bench_linkage_rehearsal.py                # committed set
    .venv/bin/python benchmarks/bench_linkage_rehearsal.py --entities 100000 --seed 11
    .venv/bin/python benchmarks/bench_linkage_rehearsal.py --entities 2000 --seeds 1-10  # spread
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import blocking_recall, ceiling_figures, dataset, medians, plan_seconds, run_dedupe

from migration_kit.linkage import LinkageSpec, pairwise_metrics
from migration_kit.linkage.defaults import DEFAULT_SPEC

ROOT = Path(__file__).resolve().parents[1]


def params_of(entities: int | None, seed: int, root: Path | None) -> Path:
    """The committed set's params (``entities=None``) or a generated (cached) set's."""
    if entities is None:
        return ROOT / "params" / "rehearsal.yaml"
    return dataset(entities, seed, root)


def truth_of(params: Path, std: pd.DataFrame) -> pd.DataFrame:
    """Truth rows (``entity_id, trap, variants``) aligned with ``std``'s rows; ``truth.csv`` is
    next to the set's first export."""
    from migration_kit.params import load_params

    folder = load_params(params).sources[0].path.parent
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["source"] != "suppression"]
    key = std["source"].astype(str) + "\x1f" + std["record_id"].astype(str)
    t = truth.set_index(truth["source"] + "\x1f" + truth["record_id"]).reindex(key.to_numpy())
    missing = int(t["entity_id"].isna().sum())
    if missing:
        print(f"warning: {missing} std rows have no truth row (counted as singletons)")
    t["entity_id"] = np.where(t["entity_id"].isna(), "?" + key.to_numpy(), t["entity_id"])
    return t.reset_index(drop=True)


def _pair_counts(pred: np.ndarray, true: np.ndarray, flag: np.ndarray) -> tuple[int, int, int]:
    """(tp, predicted, true) pairs with at least one flagged record (exact, via group sizes)."""

    def pairs_touching(keys: list[np.ndarray]) -> int:
        df = pd.DataFrame({f"k{n}": k for n, k in enumerate(keys)})
        df["f"] = flag
        g = df.groupby([f"k{n}" for n in range(len(keys))])["f"].agg(["size", "sum"])
        s, f = g["size"].to_numpy(np.int64), g["sum"].to_numpy(np.int64)
        nf = s - f
        return int((s * (s - 1) // 2 - nf * (nf - 1) // 2).sum())

    return pairs_touching([pred, true]), pairs_touching([pred]), pairs_touching([true])


def _prf(tp: int, pp: int, tt: int) -> str:
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P={p:.4f} R={r:.4f} F1={f:.4f} (tp={tp} pred={pp} true={tt})"


def detail(truth: pd.DataFrame, entity: np.ndarray) -> None:
    """Print per trap / per variant pairwise metrics (``entity`` aligned with ``truth``)."""
    pred = pd.factorize(pd.Series(entity))[0]
    true = pd.factorize(truth["entity_id"])[0]
    traps = truth["trap"].fillna("")
    for trap in sorted(x for x in traps.unique() if x):
        print(f"  trap {trap:<22}", _prf(*_pair_counts(pred, true, (traps == trap).to_numpy())))
    variants = truth["variants"].fillna("").str.split(";")
    for lab in sorted({v for vs in variants for v in vs if v}):
        flag = variants.map(lambda vs, lab=lab: lab in vs).to_numpy()
        print(f"  variant {lab:<19}", _prf(*_pair_counts(pred, true, flag)))


def product_once(params: Path, workdir: Path, run_id: str) -> dict:
    """One ``migration-kit dedupe`` run: figures, and the entity of every std row."""
    run = run_dedupe(params, workdir, run_id)
    std = run.std()
    truth = truth_of(params, std)
    key = std["source"].astype(str) + "\x1f" + std["record_id"].astype(str)
    ent = run.entities
    ent_of = pd.Series(
        ent["entity_id"].to_numpy(), index=(ent["source"] + "\x1f" + ent["record_id"]).to_numpy()
    )
    entity = ent_of.reindex(key.to_numpy()).to_numpy()
    m = pairwise_metrics(entity, truth["entity_id"].to_numpy())
    _, _, brecall = blocking_recall(run.run_dir, truth["entity_id"])
    plan_s, plan_from = plan_seconds(run, params)
    return {
        "records": len(std),
        "cands": run.candidates,
        "P": m["precision"],
        "R": m["recall"],
        "F1": m["f1"],
        "tp": m["tp"],
        "pred": m["predicted_pairs"],
        "true": m["true_pairs"],
        "run_dir": str(run.run_dir),
        "brecall": brecall,
        "estimate": run.recall_estimate,
        "plan": plan_s,
        "link": run.link_seconds,
        "wall": run.wall_seconds,
        "rss": run.peak_rss_gb,
        "plan_from": plan_from,
        "entity": entity,
        "truth": truth,
        "std": std,
        "stages": run.summary.get("timings", {}),
    }


def ceiling_once(std: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """``link(std, DEFAULT_SPEC)`` in this process on the product run's std."""
    return ceiling_figures(std, LinkageSpec.from_dict(DEFAULT_SPEC), truth["entity_id"].to_numpy())


def _f(v: float, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if v != v else f"{v:>{width}.{digits}f}"


HEADER = (
    f"{'line':<8} {'records':>8} {'cands':>9} {'P':>7} {'R':>7} {'F1':>7} {'tp':>7} "
    f"{'pred':>7} {'true':>7} {'b.recall':>8} {'estimate':>8} {'plan':>6} {'link':>6} "
    f"{'plan+link':>9} {'wall':>7} {'rss GB':>6}"
)


def row(line: str, m: dict) -> str:
    total = m["link"] + (0.0 if m["plan"] != m["plan"] else m["plan"])
    return (
        f"{line:<8} {m['records']:>8.0f} {m['cands']:>9.0f} {m['P']:>7.4f} {m['R']:>7.4f} "
        f"{m['F1']:>7.4f} {m['tp']:>7.0f} {m['pred']:>7.0f} {m['true']:>7.0f} "
        f"{m['brecall']:>8.4f} {_f(m['estimate'], 8, 4)} {_f(m['plan'], 6, 2)} "
        f"{m['link']:>6.2f} {total:>9.2f} {m['wall']:>7.2f} "
        f"{m['rss']:>6.2f}"
    )


def save_std(args: argparse.Namespace, run: dict, entities: int | None, seed: int) -> None:
    """``--save-std DIR``: keep the run's std table for ``bench_linkage_memory.py``."""
    if args.save_std is None:
        return
    args.save_std.mkdir(parents=True, exist_ok=True)
    tag = "committed" if entities is None else f"{entities}_{seed}"
    target = args.save_std / f"std_{tag}.parquet"
    shutil.copyfile(Path(run["run_dir"]) / "work" / "std.parquet", target)
    print(f"std saved to {target}")


def one_set(args: argparse.Namespace, workdir: Path) -> None:
    params = params_of(args.entities, args.seed, args.root)
    runs = [product_once(params, workdir, f"r{k}") for k in range(args.repeat)]
    product = medians(
        [{k: v for k, v in r.items() if k not in ("entity", "truth", "std")} for r in runs]
    )
    save_std(args, runs[-1], args.entities, args.seed)
    print(f"set: {params}")
    print(HEADER)
    print(row("product", product))
    if {r["plan_from"] for r in runs} != {"linkage_summary.json"}:
        print(f"  note: planning seconds from {', '.join(sorted({r['plan_from'] for r in runs}))}")
    last = runs[-1]
    if not args.no_ceiling:
        std = last["std"]
        print(
            row("ceiling", medians([ceiling_once(std, last["truth"]) for _ in range(args.repeat)]))
        )
    print(f"product stages (s): {last['stages']}")
    print("product per trap / variant:")
    detail(last["truth"], last["entity"])


def spread(args: argparse.Namespace, workdir: Path) -> None:
    """Overall figures for several generated sets (one seed each), then min and median F1."""
    lo, _, hi = args.seeds.partition("-")
    f1 = {"product": [], "ceiling": []}
    print(f"{'seed':>4} " + HEADER)
    for seed in range(int(lo), int(hi or lo) + 1):
        params = params_of(args.entities or 2000, seed, args.root)
        m = product_once(params, workdir, f"seed{seed}")
        save_std(args, m, args.entities or 2000, seed)
        f1["product"].append(m["F1"])
        print(f"{seed:>4} " + row("product", m))
        if not args.no_ceiling:
            c = ceiling_once(m["std"], m["truth"])
            f1["ceiling"].append(c["F1"])
            print(f"{seed:>4} " + row("ceiling", c))
    for line, vals in f1.items():
        if vals:
            print(
                f"{line}: sets={len(vals)} F1 min={min(vals):.4f} "
                f"median={float(np.median(vals)):.4f}"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    ap.add_argument(
        "--entities",
        type=int,
        default=None,
        help="generate a set of N people (default: the committed set)",
    )
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    ap.add_argument(
        "--seeds", default=None, help="e.g. 1-10: overall F1 per generated set, then min / median"
    )
    ap.add_argument(
        "--root",
        type=Path,
        default=None,
        help="cache of generated sets (default: _data.DEFAULT_ROOT)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per line; figures are medians")
    ap.add_argument("--no-ceiling", action="store_true", help="product path only")
    ap.add_argument(
        "--save-std",
        type=Path,
        default=None,
        metavar="DIR",
        help="copy the run's cleaned records to DIR/std_<N>_<seed>.parquet (or "
        "std_committed.parquet), the input of bench_linkage_memory.py",
    )
    ap.add_argument("--keep", action="store_true", help="keep the run folders; print where")
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench_rehearsal_"))
    try:
        if args.seeds:
            spread(args, workdir)
        else:
            one_set(args, workdir)
        print(
            "b.recall: true pairs among candidates / true pairs; estimate: the planner's; "
            "plan: its planning seconds; link: its stage timings (all three from "
            "linkage_summary.json); wall: whole dedupe process; rss: peak of the dedupe "
            "process (ceiling: of this process)"
        )
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
