"""The Spark linkage engine beside the local one: time per stage, peak memory, agreement.

For the rehearsal set (``params/rehearsal.yaml``) and for a generated set (default
``--entities 700000 --seed 11``, the 926k-record reference; cached by ``_data.py``):

1. ``migration-kit dedupe`` (local engine) in a child process, as a user runs it: the cleaned
   records (``work/std.parquet``) and the plan it chose (``reports/linkage_plan.yaml``);
2. ``link()`` on those records with that plan, once with ``engine="local"`` and once with
   ``SparkEngine(master)`` (default ``local[2]``), each in its own child process (``--child``):
   seconds per stage (index, compare, em, score, cluster), the wall time of the process (Spark:
   session start included) and its peak RSS (the Python process; Spark's JVM is a process of its
   own, its heap bounded by ``spark.driver.memory``, 4g in local mode);
3. pairwise F1 between the two engines' entities, and of each against the generator's truth.

The same plan goes to both engines (the planner runs once, in step 1), so the figures compare the
engines and nothing else. ``--repeat N`` runs each engine N times and prints medians.

Run::

    .venv/bin/python benchmarks/bench_spark.py                      # 926k (700000 entities)
    .venv/bin/python benchmarks/bench_spark.py --entities 100000    # ~132k, quicker
    .venv/bin/python benchmarks/bench_spark.py --rehearsal-only
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import child_run, dataset, run_dedupe

REPO = Path(__file__).resolve().parents[1]
STAGES = ("index", "compare", "em", "score", "cluster")


def _child(std_path: Path, plan_path: Path, engine: str, master: str, out: Path) -> None:
    """In a child process: link the records with the plan on one engine; write the entities
    (parquet) and the timings (json) next to ``out``."""
    import time

    import pandas as pd
    import yaml

    from migration_kit.linkage import link
    from migration_kit.linkage.section import LinkageSection

    spec = LinkageSection.from_dict(yaml.safe_load(plan_path.read_text())["linkage"]).frozen
    assert spec is not None
    std = pd.read_parquet(std_path, columns=[c for c in spec.used_columns()])
    eng: object = "local"
    t0 = time.perf_counter()
    if engine == "spark":
        from migration_kit.linkage.spark import SparkEngine

        eng = SparkEngine(master=master, progress=True)
        eng.spark  # noqa: B018 - start the session before the clock of the stages
    session = time.perf_counter() - t0
    res = link(std, spec, engine=eng, progress=True)  # type: ignore[arg-type]
    res.entities.to_parquet(out.with_suffix(".parquet"))
    figures = {"timings": res.timings, "session": session, "pairs": len(res.pairs)}
    out.with_suffix(".json").write_text(json.dumps(figures))


def _run_engine(work: Path, run_dir: Path, engine: str, master: str, k: int) -> dict:
    out = work / f"{engine}_{k}"
    cmd = [
        sys.executable,
        __file__,
        "--child",
        str(run_dir / "work" / "std.parquet"),
        str(run_dir / "reports" / "linkage_plan.yaml"),
        engine,
        master,
        str(out),
    ]
    seconds, rss = child_run(cmd, work / f"{engine}_{k}.log")
    figures = json.loads(out.with_suffix(".json").read_text())
    return {**figures, "wall": seconds, "rss": rss, "entities": out.with_suffix(".parquet")}


def _f1(pred, truth) -> float:
    from migration_kit.linkage.metrics import pairwise_metrics

    return float(pairwise_metrics(pred, truth)["f1"])


def compare_engines(params: Path, truth_csv: Path, label: str, master: str, repeat: int) -> None:
    """Steps 1-3 of the module docstring for one params file; prints one table."""
    import pandas as pd

    work = Path(tempfile.mkdtemp(prefix="bench_spark_"))
    try:
        product = run_dedupe(params, work, run_id="plan")
        runs = {
            e: [_run_engine(work, product.run_dir, e, master, k) for k in range(repeat)]
            for e in ("local", "spark")
        }
        med = {
            e: {s: statistics.median(r["timings"][s] for r in rs) for s in STAGES}
            for e, rs in runs.items()
        }
        key = ["source", "record_id"]
        truth = pd.read_csv(truth_csv, dtype=str, keep_default_na=False)[[*key, "entity_id"]]
        ents = {
            e: pd.read_parquet(rs[0]["entities"]).astype({"record_id": str})
            for e, rs in runs.items()
        }
        both = ents["local"].merge(ents["spark"], on=key, suffixes=("_local", "_spark"))
        both = both.merge(truth, on=key, how="left")
        n = len(ents["local"])
        print(
            f"\n== {label}: {n:,} records, {runs['local'][0]['pairs']:,} candidate pairs, "
            f"master {master}, medians of {repeat}"
        )
        print(f"{'stage':<10}{'local s':>10}{'spark s':>10}{'spark/local':>13}")
        for s in STAGES:
            a, b = med["local"][s], med["spark"][s]
            print(f"{s:<10}{a:>10.2f}{b:>10.2f}{(b / a if a else float('nan')):>13.1f}")
        tot = {e: sum(med[e].values()) for e in med}
        ratio = tot["spark"] / tot["local"]
        print(f"{'link':<10}{tot['local']:>10.2f}{tot['spark']:>10.2f}{ratio:>13.1f}")
        sess = statistics.median(r["session"] for r in runs["spark"])
        wall = {e: statistics.median(r["wall"] for r in rs) for e, rs in runs.items()}
        rss = {e: max(r["rss"] for r in rs) for e, rs in runs.items()}
        print(
            f"spark session start {sess:.1f} s; process wall: local {wall['local']:.1f} s, "
            f"spark {wall['spark']:.1f} s; peak RSS (Python process): local {rss['local']:.2f} GB, "
            f"spark driver {rss['spark']:.2f} GB (+ the JVM)"
        )
        between = _f1(both["entity_id_spark"], both["entity_id_local"])
        have = both["entity_id"].notna()
        vs_truth = {
            e: _f1(both.loc[have, f"entity_id_{e}"], both.loc[have, "entity_id"])
            for e in ("local", "spark")
        }
        same = bool((both["entity_id_local"] == both["entity_id_spark"]).all())
        print(
            f"pairwise F1 spark vs local: {between:.6f}; against truth: local "
            f"{vs_truth['local']:.4f}, spark {vs_truth['spark']:.4f}; identical entity ids: {same}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=700_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--rehearsal-only", action="store_true")
    ap.add_argument("--child", nargs=5, metavar=("STD", "PLAN", "ENGINE", "MASTER", "OUT"))
    args = ap.parse_args(argv)
    if args.child:
        std, plan, engine, master, out = args.child
        _child(Path(std), Path(plan), engine, master, Path(out))
        return
    compare_engines(
        REPO / "params" / "rehearsal.yaml",
        REPO / "synthetic_data" / "rehearsal" / "truth.csv",
        "rehearsal set",
        args.master,
        args.repeat,
    )
    if not args.rehearsal_only:
        params = dataset(args.entities, args.seed)
        compare_engines(
            params,
            params.parent / "truth.csv",
            f"synth --entities {args.entities} --seed {args.seed}",
            args.master,
            args.repeat,
        )


if __name__ == "__main__":
    main()
