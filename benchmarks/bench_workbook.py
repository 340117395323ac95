"""The whole rehearsal: workbook (8 notebooks, one kernel, papermill) vs every step in-process.

Targets: the committed 2,000-entity set (``params/rehearsal.yaml``) in <= 60 s; a generated set of
``--entities`` people (default 76,000, about 100k records, cached by ``_data.py``) in <= 3 minutes.

Each measured run is a child process of this script (``--child workbook|inprocess``) so that peak
memory is per run: the parent samples the RSS of the child's whole process tree (the child plus
the notebook kernel) every 0.2 s with psutil; the child reports its own ``ru_maxrss`` and the
largest reaped descendant's (``RUSAGE_CHILDREN``, i.e. the kernel). Per-step seconds come from
``<run>/notebooks/steps.json`` (workbook) or from timing each function of
``pipeline.STEPS`` (in-process). The linkage stage's own breakdown (``reports/linkage_summary.json``)
is printed too. With ``--repeat N`` medians are printed. Run folders go to a temporary folder,
deleted afterwards unless ``--keep``.

Usage::

    .venv/bin/python benchmarks/bench_workbook.py [--entities 76000] [--seed 7] [--repeat 1]
        [--sizes small,large] [--modes workbook,inprocess] [--keep]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import DEFAULT_ROOT, dataset, record_count  # noqa: E402
from _measure import median_dict, run_sampled  # noqa: E402

__all__ = ["run_child", "measure", "main"]

TARGETS = {"small": 60.0, "large": 180.0}
MODES = ("workbook", "inprocess")


# -- child side -------------------------------------------------------------------------------
def _raw_rows(run_root: Path) -> int | None:
    import pyarrow.parquet as pq

    raw = run_root / "work" / "raw.parquet"
    return pq.read_metadata(raw).num_rows if raw.exists() else None


def _linkage_timings(run_root: Path) -> dict[str, float]:
    summary = run_root / "reports" / "linkage_summary.json"
    if not summary.exists():
        return {}
    timings = json.loads(summary.read_text(encoding="utf-8")).get("timings", {})
    return {str(k): float(v) for k, v in timings.items() if isinstance(v, (int, float))}


def run_child(mode: str, params_file: Path, runs_dir: Path) -> dict[str, Any]:
    """Run the whole rehearsal once in this process (``inprocess``) or through the workbook.

    Returns ``steps`` (seconds per step or notebook), ``total``, ``records``, ``linkage``
    (the linkage stage's own timings), ``self_rss_gb``, ``children_rss_gb`` and, when a step
    failed, ``error`` (the traceback's last lines).

    Example
    -------
    >>> run_child("inprocess", Path("params/rehearsal.yaml"), Path("/tmp/r"))["records"]   # doctest: +SKIP
    2643
    """
    out: dict[str, Any] = {"mode": mode, "steps": {}}
    root: Path | None = None
    t_all = time.perf_counter()
    try:
        if mode == "workbook":
            from migration_kit.workbook import run_workbook

            try:
                root = run_workbook(params_file, run_id="bench", runs_dir=runs_dir, echo=print)
            finally:
                state = next(iter(runs_dir.glob("*/bench/notebooks/steps.json")), None)
                if state is not None:
                    out["steps"] = json.loads(state.read_text())
                    root = state.parents[1]
        else:
            from migration_kit import pipeline

            t0 = time.perf_counter()
            ctx = pipeline.open_run(params_file, run_id="bench", runs_dir=runs_dir)
            root = ctx.run.root
            out["steps"]["open_run"] = time.perf_counter() - t0
            for step in pipeline.STEPS:
                name = step.__name__.removeprefix("step_")
                t0 = time.perf_counter()
                counts = step(ctx)
                out["steps"][name] = time.perf_counter() - t0
                print(f"  {name}: {out['steps'][name]:.1f} s  {counts}", flush=True)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which prints it
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        out["error"] = "".join(lines).strip().splitlines()[-6:]
    out["total"] = time.perf_counter() - t_all
    out["records"] = _raw_rows(root) if root else None
    out["linkage"] = _linkage_timings(root) if root else {}
    out["self_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    out["children_rss_gb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2
    return out


# -- parent side ------------------------------------------------------------------------------


def measure(mode: str, params_file: Path, keep: bool = False) -> dict[str, Any]:
    """Run one child (``--child mode``) and sample its process tree's RSS; return the child's result
    plus ``tree_peak_gb`` and ``wall`` (the child's whole lifetime, interpreter start included)."""

    runs_dir = Path(tempfile.mkdtemp(prefix=f"bench_workbook_{mode}_"))
    result_file = runs_dir / "result.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--params", str(params_file),
           "--runs-dir", str(runs_dir), "--out", str(result_file)]
    rc, wall, peak = run_sampled(cmd, cwd=str(REPO))
    try:
        result = json.loads(result_file.read_text()) if result_file.exists() else \
            {"error": [f"child exited with {rc} and wrote no result"], "steps": {}, "total": wall}
    finally:
        if keep:
            print(f"  run folder kept: {runs_dir}")
        else:
            shutil.rmtree(runs_dir, ignore_errors=True)
    result["tree_peak_gb"] = peak / 1024**3
    result["wall"] = wall
    return result




def report(label: str, target: float, results: list[dict[str, Any]]) -> None:
    """Print medians of one (set, mode) over its repeats."""
    ok = [r for r in results if "error" not in r]
    for r in results:
        if "error" in r:
            print(f"  FAILED ({r.get('mode')}): last traceback lines:")
            for line in r["error"]:
                print(f"    {line}")
    if not ok:
        return
    steps = median_dict([r["steps"] for r in ok])
    total = statistics.median(r["total"] for r in ok)
    wall = statistics.median(r["wall"] for r in ok)
    records = ok[0]["records"]
    print(f"{label}: records={records:,}  median of {len(ok)} run(s)" if records else label)
    for name, secs in steps.items():
        print(f"  {name:<34s} {secs:8.2f} s  {100 * secs / total:5.1f} %")
    overhead = total - sum(steps.values())
    if overhead > 0.005:
        print(f"  {'(outside steps: start-up)':<34s} {overhead:8.2f} s  {100 * overhead / total:5.1f} %")
    link = median_dict([r["linkage"] for r in ok if r["linkage"]])
    if link:
        print("  linkage stage breakdown (linkage_summary.json): " +
              ", ".join(f"{k} {v:.2f}" for k, v in link.items()))
    print(f"  TOTAL {total:.2f} s (child process incl. interpreter start: {wall:.2f} s)  "
          f"{(records or 0) / total:,.0f} records/s")
    print(f"  peak RSS: process tree (sampled) {max(r['tree_peak_gb'] for r in ok):.2f} GB, "
          f"runner {max(r['self_rss_gb'] for r in ok):.2f} GB, largest child (kernel) "
          f"{max(r['children_rss_gb'] for r in ok):.2f} GB")
    print(f"  target <= {target:.0f} s: {'MET' if total <= target else 'NOT MET'}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=76_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sizes", default="small,large", help="comma list of: small (committed set), large")
    ap.add_argument("--modes", default=",".join(MODES), help=f"comma list of: {', '.join(MODES)}")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="cache folder of generated sets")
    ap.add_argument("--keep", action="store_true", help="keep the run folders")
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    ap.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--runs-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        result = run_child(args.child, args.params, args.runs_dir)
        args.out.write_text(json.dumps(result, indent=2))
        return
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = sorted(set(sizes) - set(TARGETS)) + sorted(set(modes) - set(MODES))
    if bad:
        ap.error(f"unknown size/mode {', '.join(bad)}; sizes: {', '.join(TARGETS)}; modes: {', '.join(MODES)}")
    sets = {"small": REPO / "params" / "rehearsal.yaml"}
    if "large" in sizes:
        sets["large"] = dataset(args.entities, args.seed, args.root)
        print(f"large set: {sets['large']} ({record_count(sets['large']):,} records)")
    print(f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for size in sizes:
        for mode in modes:
            label = f"[{size} / {mode}] {sets[size]}"
            print(f"--- {label}", flush=True)
            results = [measure(mode, sets[size], keep=args.keep) for _ in range(max(args.repeat, 1))]
            report(label, TARGETS[size], results)


if __name__ == "__main__":
    main()
