"""What the field reconciliation (the fidelity check of the quality step) costs beside the run.

Data: a generated retail_cn set of ``--entities`` people (``_data.dataset``, cached; 700,000
people = 926k records is the issue's 1M-scale reference, the default 100,000 keeps it short).
The run goes through the product's own steps in this process (``pipeline.open_run`` on the
generator's params file, which only maps columns; backup, intake, clean, link, scope, quality),
each timed (a scope step that stops on an open request has written its outputs; the benchmark
goes on to quality, as an analyst would after resolving it). Then :func:`migration_kit.quality.fidelity.field_reconciliation` is timed alone on
that run's tables, ``--repeat`` times (inputs read once, before the clock).

Printed: seconds per step, the reconciliation's median seconds, and its share of the run's
seconds through the quality step (handover and report not included, so the share shown is an
upper bound of the share of a whole run). Target: at most 5% at 1M records.

Run::

    .venv/bin/python benchmarks/bench_fidelity.py [--entities 100000] [--seed 11] [--repeat 3]
    .venv/bin/python benchmarks/bench_fidelity.py --entities 700000 --seed 11   # 926k
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import dataset

from migration_kit import pipeline
from migration_kit.errors import LawfulnessError
from migration_kit.quality.fidelity import field_reconciliation

TARGET_SHARE = 0.05


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    params = dataset(args.entities, args.seed)
    with tempfile.TemporaryDirectory(prefix="bench_fidelity_") as tmp:
        ctx = pipeline.open_run(params, run_id="bench", runs_dir=tmp)
        steps: dict[str, float] = {}
        for step in pipeline.STEPS:
            name = pipeline.step_name(step)
            if name in ("handover", "report"):
                continue
            t0 = time.perf_counter()
            try:
                step(ctx)
            except LawfulnessError as err:  # scope wrote everything, then stopped: go on
                print(f"{name} stopped (as a run would): {str(err)[:120]}...")
            steps[name] = time.perf_counter() - t0
        run = ctx.run
        inputs = (
            run.read_table("std"),
            run.read_table("failures"),
            run.read_table("entities"),
            pipeline.transfer_golden(ctx),
            run.read_table("lineage"),
            run.read_table("fields"),
            pipeline.export_frames(ctx)["customers"],
            {m: f"{r.strategy} (with {r.field})" for r in ctx.params.golden.rules for m in r.group},
        )
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            recon = field_reconciliation(*inputs)
            times.append(time.perf_counter() - t0)
        records = len(inputs[0])
    total = sum(steps.values())
    median = statistics.median(times)
    share = median / total
    print(f"set: {params} ({args.entities:,} people, {records:,} records)")
    print("step seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    print(f"run through quality: {total:.1f} s")
    print(
        f"field_reconciliation: median {median:.2f} s over {args.repeat} "
        f"(min {min(times):.2f}, max {max(times):.2f}); {len(recon)} fields, "
        f"{int(recon['unexplained'].sum())} unexplained"
    )
    verdict = "meets" if share <= TARGET_SHARE else "misses"
    print(f"share of the run: {share:.1%} (target <= {TARGET_SHARE:.0%}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
