"""Speed, memory and accuracy of migration_kit's deduplication at scale, through the product path.

Data: a generated retail_cn set of ``--entities`` people (``migration_kit.synthetic.generate``,
the generator behind ``migration-kit synth``; cached by ``_data.py``, generated in a child
process). ``--entities 700000 --seed 11`` is the 926k-record reference; the default (100,000
people, ~132k records) keeps ``make bench`` short.

Headline (``product``): ``migration-kit dedupe PARAMS --out entities.csv`` in a subprocess on
the generator's params file, which only maps columns (no ``linkage:`` section: the planner
chooses). Second line (``ceiling``): the hand-tuned reference spec
(``LinkageSpec.from_dict(migration_kit.linkage.defaults.DEFAULT_SPEC)``), ``link()`` in a child
process on the product run's ``work/std.parquet`` (the same cleaned records).

Printed: records, candidate pairs, pairwise precision / recall / F1 against the generator's
truth, the blocking recall (true pairs among the candidates / true pairs) beside the planner's
estimate, planning + link seconds, wall seconds and peak RSS of each process. Under the table,
the information ceiling of the product's candidate pairs (``_ceiling.py``): the best pairwise F1
an oracle that knows the truth reaches by deciding each evidence class (comparison levels, term
frequency, how common the name is overall and in its city) at once, unconstrained and merging
only classes at least as sure as the run's automatic-merge threshold.

Seconds, all from ``reports/linkage_summary.json``: ``plan`` = ``blocking_recall.planning_seconds``
(the planner's time as the product measures it; a product that does not write it gets
``plan_linkage`` timed alone in a child process instead, said under the table), ``link`` = the
sum of the stage timings (index, compare, em, score, cluster). ``wall``: the whole dedupe
process (intake and cleaning included). Peak RSS: the dedupe process (product), the ceiling's
child process (ceiling).

Run::

    .venv/bin/python benchmarks/bench_linkage_scale.py [--entities 100000] [--seed 11]
    .venv/bin/python benchmarks/bench_linkage_scale.py --entities 700000 --seed 11   # 926k
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _ceiling import information_ceiling
from _data import blocking_recall, child_run, dataset, record_count, run_dedupe, time_planning

from migration_kit.linkage import pairwise_metrics


def _body(plan_yaml: str) -> str:
    return "\n".join(x for x in plan_yaml.splitlines() if not x.startswith("#"))


# ------------------------------------------------------------------ child modes (own peak RSS)


def child_plan(run_dir: Path, params: Path, out: Path) -> None:
    """Time ``plan_linkage`` alone on the run's std (for a product that does not write it);
    compare with the product's plan."""
    std = pd.read_parquet(run_dir / "work" / "std.parquet")
    seconds, yaml = time_planning(std, params)
    product = (run_dir / "reports" / "linkage_plan.yaml").read_text(encoding="utf-8")
    out.write_text(
        json.dumps({"seconds": seconds, "same": _body(yaml) == _body(product)}), encoding="utf-8"
    )


def child_ceiling(run_dir: Path, truth_file: Path, out: Path) -> None:
    """``link(std, DEFAULT_SPEC)`` on the run's std; figures against ``truth_file``'s labels."""
    import pyarrow.parquet as pq

    from migration_kit.linkage import LinkageSpec, link
    from migration_kit.linkage.defaults import DEFAULT_SPEC

    spec = LinkageSpec.from_dict(DEFAULT_SPEC)
    path = run_dir / "work" / "std.parquet"
    have = set(pq.read_schema(path).names)
    std = pd.read_parquet(path, columns=[c for c in spec.used_columns() if c in have])
    t0 = time.perf_counter()
    res = link(std, spec)
    seconds = time.perf_counter() - t0
    truth = pd.read_parquet(truth_file)["label"].to_numpy()
    m = pairwise_metrics(res.entities["entity_id"].to_numpy(), truth)
    codes = pd.factorize(pd.Series(truth))[0]
    i, j = res.pairs["i"].to_numpy(), res.pairs["j"].to_numpy()
    found = int((codes[i] == codes[j]).sum())
    out.write_text(
        json.dumps(
            {
                "records": len(std),
                "cands": int(res.counts["candidate_pairs"]),
                "P": m["precision"],
                "R": m["recall"],
                "F1": m["f1"],
                "tp": int(m["tp"]),
                "pred": int(m["predicted_pairs"]),
                "true": int(m["true_pairs"]),
                "brecall": found / max(int(m["true_pairs"]), 1),
                "link": seconds,
                "stages": res.timings,
            }
        ),
        encoding="utf-8",
    )


def _child(mode: str, workdir: Path, *paths: Path) -> tuple[dict, float, float]:
    out = workdir / f"{mode}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        *[str(p) for p in paths],
        str(out),
    ]
    wall, rss = child_run(cmd, workdir / f"{mode}.log")
    return json.loads(out.read_text(encoding="utf-8")), wall, rss


# ------------------------------------------------------------------ the benchmark


def truth_labels(params: Path, std: pd.DataFrame) -> pd.Series:
    """The generator's true entity of every std row (``truth.csv`` next to the params)."""
    truth = pd.read_csv(
        params.parent / "truth.csv",
        dtype=str,
        keep_default_na=False,
        usecols=["source", "record_id", "entity_id"],
    )
    truth = truth[truth["source"] != "suppression"]
    key = (std["source"].astype(str) + "\x1f" + std["record_id"].astype(str)).to_numpy()
    lab = pd.Series(
        truth["entity_id"].to_numpy(),
        index=(truth["source"] + "\x1f" + truth["record_id"]).to_numpy(),
    ).reindex(key)
    missing = int(lab.isna().sum())
    if missing:
        print(f"warning: {missing} std rows have no truth row (counted as singletons)")
    return pd.Series(np.where(lab.isna(), "?" + key, lab.to_numpy()))


def oracle_lines(run_dir: Path, truth: pd.Series, summary: dict) -> list[str]:
    """The information ceiling of the product's candidate pairs (``_ceiling.py``): the best
    pairwise F1 of an oracle deciding each evidence class, unconstrained and at the run's
    automatic-merge threshold."""
    pairs = pd.read_parquet(run_dir / "work" / "pairs.parquet")
    pairs = pairs[
        [c for c in pairs.columns if c in ("i", "j", "tf_adjustment") or c.startswith("gamma_")]
    ]
    std = pd.read_parquet(run_dir / "work" / "std.parquet", columns=["name_key", "city"])
    upper = float((summary.get("review_band") or {}).get("upper", 0.95))
    lines = []
    for label, floor in (("any class", 0.0), (f"classes >= {upper:g} true", upper)):
        c = information_ceiling(pairs, truth.to_numpy(), std, min_rate=floor)
        lines.append(
            f"information ceiling, oracle merging {label}: P {c['precision']:.4f} "
            f"R {c['recall']:.4f} F1 {c['f1']:.4f} ({c['classes']:,} evidence classes; "
            f"lowest rate merged {c['rate']:.2f})"
        )
    return lines


def _f(v: float, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if v != v else f"{v:>{width}.{digits}f}"


HEADER = (
    f"{'line':<8} {'records':>8} {'cands':>10} {'P':>7} {'R':>7} {'F1':>7} "
    f"{'b.recall':>8} {'estimate':>8} {'plan':>7} {'link':>7} {'plan+link':>9} "
    f"{'wall':>7} {'rss GB':>6}"
)


def row(line: str, m: dict) -> str:
    total = m["link"] + (0.0 if m["plan"] != m["plan"] else m["plan"])
    return (
        f"{line:<8} {m['records']:>8} {m['cands']:>10} {m['P']:>7.4f} {m['R']:>7.4f} "
        f"{m['F1']:>7.4f} {m['brecall']:>8.4f} {_f(m['estimate'], 8, 4)} "
        f"{_f(m['plan'], 7, 2)} {m['link']:>7.2f} {total:>9.2f} "
        f"{m['wall']:>7.2f} {m['rss']:>6.2f}"
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
        default=100_000,
        help="people in the generated set (default 100000; 700000 = 926k records)",
    )
    ap.add_argument("--seed", type=int, default=11, help="generator seed (default 11)")
    ap.add_argument(
        "--root",
        type=Path,
        default=None,
        help="cache of generated sets (default: _data.DEFAULT_ROOT)",
    )
    ap.add_argument("--no-ceiling", action="store_true", help="product path only")
    ap.add_argument("--keep", action="store_true", help="keep the run folder; print where")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, *paths = args.child
        {"plan": child_plan, "ceiling": child_ceiling}[mode](*map(Path, paths))
        return 0

    params = dataset(args.entities, args.seed, args.root)
    print(f"set: {params} ({args.entities:,} people, {record_count(params):,} records)", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    try:
        run = run_dedupe(params, workdir, "scale")
        std = run.std(["source", "record_id"])
        truth = truth_labels(params, std)  # aligned with std's rows (the candidate pairs' i, j)
        skey = (std["source"].astype(str) + "\x1f" + std["record_id"].astype(str)).to_numpy()
        del std
        ent = run.entities
        ekey = (ent["source"] + "\x1f" + ent["record_id"]).to_numpy()
        t_of = pd.Series(truth.to_numpy(), index=skey).reindex(ekey).to_numpy()
        m = pairwise_metrics(ent["entity_id"].to_numpy(), t_of)
        _, _, brecall = blocking_recall(run.run_dir, truth)
        product = {
            "records": len(ent),
            "cands": run.candidates,
            "P": m["precision"],
            "R": m["recall"],
            "F1": m["f1"],
            "brecall": brecall,
            "estimate": run.recall_estimate,
            "plan": run.plan_seconds,
            "link": run.link_seconds,
            "wall": run.wall_seconds,
            "rss": run.peak_rss_gb,
        }
        notes = [f"product stages (s): {run.summary.get('timings')}"]
        if product["plan"] != product["plan"]:  # the product did not write its planning time
            plan, wall, rss = _child("plan", workdir, run.run_dir, params)
            product["plan"] = plan["seconds"]
            notes.append(
                f"planning seconds: linkage_summary.json has none; plan_linkage timed "
                f"alone in a child process: {plan['seconds']:.2f} s (wall {wall:.1f} s "
                f"incl. reading std, peak RSS {rss:.2f} GB); same plan as the "
                f"product: {'yes' if plan['same'] else 'NO'}"
            )
        print(HEADER)
        print(row("product", product), flush=True)
        notes.extend(oracle_lines(run.run_dir, truth, run.summary))
        if not args.no_ceiling:
            truth_file = workdir / "truth_labels.parquet"
            pd.DataFrame({"label": truth.to_numpy()}).to_parquet(truth_file)
            ceil, wall, rss = _child("ceiling", workdir, run.run_dir, truth_file)
            ceil.update(estimate=float("nan"), plan=float("nan"), wall=wall, rss=rss)
            print(row("ceiling", ceil))
            notes.append(f"ceiling stages (s): {ceil['stages']}")
        for note in notes:
            print(note)
        print(
            "b.recall: true pairs among candidates / true pairs; estimate: the planner's; "
            "plan: its planning seconds; link: its stage timings (all three from "
            "linkage_summary.json); wall / rss: the dedupe process (ceiling: its child "
            "process)"
        )
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
