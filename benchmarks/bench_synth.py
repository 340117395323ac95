"""Benchmark `migration-kit synth`: wall time and peak RSS of generate() for N entities.

Usage::

    .venv/bin/python benchmarks/bench_synth.py [N=1000000] [--repeats R] [--seed S]

Prints the per-phase timing of the last run, the median wall time over the repeats, the peak
resident set size of the process (resource.getrusage) and the output size. The output goes into a
temporary folder that is deleted afterwards.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from migration_kit.synthetic import generate  # noqa: E402
from migration_kit.synthetic.pools import build_pools  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("entities", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    build_pools(0)
    print(f"pools (Faker, once per process): {time.perf_counter() - t0:.2f} s")
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix="bench_synth_"))
        try:
            t, c = time.perf_counter(), time.process_time()
            res = generate(args.entities, args.seed, out)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            size = sum(p.stat().st_size for p in out.iterdir())
        finally:
            shutil.rmtree(out, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    records = sum(v for k, v in res.counts.items() if k not in ("entities", "suppression"))
    print(f"entities={args.entities:,} records={records:,} suppression={res.counts['suppression']:,}")
    print(f"generate median {statistics.median(times):.2f} s over {len(times)} run(s)  "
          f"({records / statistics.median(times):,.0f} records/s); CPU median {statistics.median(cpu):.2f} s "
          "(wall > CPU means the shared machine was busy)")
    print(f"peak RSS {peak_mb:,.0f} MB   output {size / 1e6:,.1f} MB")


if __name__ == "__main__":
    main()
