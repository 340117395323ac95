"""Scale on one machine: ``dedupe`` and the whole ``run`` at about 100k, 300k and 1M records.

Targets (issue 19): ``dedupe`` of the 926k-record set (``synth --entities 700000 --seed 11``) in
<= 30 s and <= 3 GB; the whole ``run`` (the workbook) in <= 90 s and <= 4 GB; the cost per record
flat or falling from 100k to 300k to 1M.

Each measured run is a child process (``--child dedupe|run``) whose process tree's RSS the
parent samples every 0.2 s (psutil: the child, its worker processes and, for ``run``, the
notebook kernel). ``dedupe`` times the steps ``migration-kit dedupe`` runs (``pipeline.DEDUPE_STEPS``:
intake and cleaning in one pass, link; then the entities CSV) one by one, with the link stage's own breakdown from
``reports/linkage_summary.json``; ``run`` is ``migration-kit run`` (papermill, one kernel) with
the seconds of each notebook from ``notebooks/steps.json``. Medians of ``--repeat`` runs
(``--repeat-large`` at the largest size, default 1: a 1M run takes minutes).

The generated sets emit erasure requests for people no record holds; the scope step stops on
them, as it must. The first time a set is used, its open requests are listed under
``policy.requests.overrides`` of a ``params_scale.yaml`` beside the set's params (from a
``dedupe`` of the set), the way an analyst would resolve them.

``--compare DIR`` also runs the source tree ``DIR`` (a ``src`` folder holding ``migration_kit``,
e.g. an export of an earlier commit: ``git archive HEAD src notebooks | tar -x -C /tmp/old``),
alternating with this tree in the same sitting, and prints the ratios (the machine is shared:
only ratios measured side by side mean much).

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--sizes 76000,230000,700000] [--seed 11]
        [--modes dedupe,run] [--repeat 3] [--repeat-large 1] [--compare /tmp/old/src]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import DEFAULT_ROOT, dataset, record_count  # noqa: E402
from _measure import median_dict, run_sampled  # noqa: E402

__all__ = ["main", "measure", "run_child", "scale_params"]

TARGETS = {"dedupe": (30.0, 3.0), "run": (90.0, 4.0)}  # at ~1M records: seconds, GB
MODES = ("dedupe", "run")


# -- child side -------------------------------------------------------------------------------
def _linkage(root: Path) -> dict[str, float]:
    summary = root / "reports" / "linkage_summary.json"
    if not summary.exists():
        return {}
    timings = json.loads(summary.read_text(encoding="utf-8")).get("timings", {})
    return {str(k): float(v) for k, v in timings.items() if isinstance(v, int | float)}


def run_child(mode: str, params_file: Path, runs_dir: Path) -> dict[str, Any]:
    """One ``dedupe`` (its steps timed one by one, as ``pipeline.dedupe`` runs them) or one
    ``run`` (the workbook) in this process; returns ``steps``, ``total``, ``linkage``,
    ``self_rss_gb``, ``children_rss_gb`` and, on failure, ``error``.

    Example
    -------
    >>> params = Path("params/rehearsal.yaml")
    >>> run_child("dedupe", params, Path("/tmp/r"))["steps"]  # doctest: +SKIP
    {'open_run': 0.01, 'intake': 0.3, 'clean': 0.2, 'link': 1.3, 'entities_csv': 0.01}
    """
    import migration_kit

    out: dict[str, Any] = {
        "mode": mode,
        "steps": {},
        "src": str(Path(migration_kit.__file__).parent),
    }
    t_all = time.perf_counter()
    root: Path | None = None
    try:
        if mode == "dedupe":
            from migration_kit import pipeline
            from migration_kit.schema import ENTITY_COLUMNS

            t0 = time.perf_counter()
            ctx = pipeline.open_run(params_file, run_id="bench", runs_dir=runs_dir, progress=True)
            root = ctx.run.root
            out["steps"]["open_run"] = time.perf_counter() - t0
            steps = getattr(  # a tree from before DEDUPE_STEPS (--compare) ran the three
                pipeline,
                "DEDUPE_STEPS",
                (pipeline.step_intake, pipeline.step_clean, pipeline.step_link),
            )
            for step in steps:
                t0 = time.perf_counter()
                step(ctx)
                out["steps"][step.__name__.removeprefix("step_")] = time.perf_counter() - t0
            t0 = time.perf_counter()
            entities = ctx.run.read_table("entities")
            entities[list(ENTITY_COLUMNS)].to_csv(root / "entities.csv", index=False)
            out["steps"]["entities_csv"] = time.perf_counter() - t0
        else:
            from migration_kit.workbook import run_workbook

            try:
                root = run_workbook(params_file, run_id="bench", runs_dir=runs_dir, echo=print)
            finally:
                state = next(iter(runs_dir.glob("*/bench/notebooks/steps.json")), None)
                if state is not None:
                    out["steps"] = json.loads(state.read_text(encoding="utf-8"))
                    root = state.parents[1]
    except BaseException as exc:  # reported to the parent, which prints it
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        out["error"] = "".join(lines).strip().splitlines()[-6:]
    out["total"] = time.perf_counter() - t_all
    out["linkage"] = _linkage(root) if root else {}
    out["self_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    out["children_rss_gb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    return out


# -- parent side ------------------------------------------------------------------------------


def measure(mode: str, params_file: Path, src: Path | None = None) -> dict[str, Any]:
    """One child run (``--child mode``), this tree's code or ``src``'s; adds ``tree_peak_gb``
    and ``wall`` (the child's lifetime) to its result."""

    runs_dir = Path(tempfile.mkdtemp(prefix=f"bench_scale_{mode}_"))
    result_file = runs_dir / "result.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--params",
        str(params_file),
        "--runs-dir",
        str(runs_dir),
        "--out",
        str(result_file),
    ]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    rc, wall, peak = run_sampled(cmd, cwd=str(REPO), env=env, quiet=True)
    try:
        result = (
            json.loads(result_file.read_text(encoding="utf-8"))
            if result_file.exists()
            else {
                "error": [f"child exited with {rc} and wrote no result"],
                "steps": {},
                "total": wall,
            }
        )
    finally:
        shutil.rmtree(runs_dir, ignore_errors=True)
    result["tree_peak_gb"] = peak / 1024**3
    result["wall"] = wall
    return result


def scale_params(params: Path) -> Path:
    """``params_scale.yaml`` beside a generated set's params: its open erasure requests (for
    people no record holds) overridden, so the whole run passes scoping. Made once per set from
    a ``dedupe`` of it (in a child process) and kept."""
    out = params.parent / "params_scale.yaml"
    if out.exists():
        return out
    with tempfile.TemporaryDirectory(prefix="bench_scale_params_") as tmp:
        code = (
            "import sys, json\n"
            "from migration_kit import pipeline\n"
            "from migration_kit.pipeline.requests import normalized_suppression\n"
            "from migration_kit.pipeline.requests import suppression_status\n"
            "ctx = pipeline.open_run(sys.argv[1], run_id='p', runs_dir=sys.argv[2])\n"
            "pipeline.step_intake(ctx); pipeline.step_clean(ctx)\n"
            "std = ctx.run.read_table('std', skip_prefix='raw__',"
            " keep=['raw__phone', 'raw__email', 'raw__id_number'])\n"
            "raw, norm = normalized_suppression(ctx)\n"
            "st = suppression_status(raw, norm, std)\n"
            "ids = sorted(st.loc[st['status'].isin(['unmatched', 'unusable']), 'request_id'])\n"
            "print(json.dumps(ids))\n"
        )
        res = subprocess.run(
            [sys.executable, "-c", code, str(params), tmp],
            cwd=str(REPO),
            check=True,
            capture_output=True,
            text=True,
        )
        ids = json.loads(res.stdout.strip().splitlines()[-1])
    import yaml

    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data.setdefault("policy", {})["requests"] = {
        "overrides": [
            {
                "request_ids": ids,
                "approved_by": "bench_scale",
                "reason": "benchmark: synthetic requests for contacts no record holds",
            }
        ]
    }
    tmp_out = out.with_suffix(".tmp")
    tmp_out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    tmp_out.replace(out)
    return out




def _summary(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    ok = [r for r in results if "error" not in r]
    for r in results:
        if "error" in r:
            print("    FAILED: " + " | ".join(r["error"]))
    if not ok:
        return None
    return {
        "n": len(ok),
        "total": statistics.median(r["total"] for r in ok),
        "steps": median_dict([r["steps"] for r in ok]),
        "linkage": median_dict([r["linkage"] for r in ok if r["linkage"]]),
        "peak_gb": max(r["tree_peak_gb"] for r in ok),
    }


def _print(label: str, s: dict[str, Any], records: int) -> None:
    steps = "  ".join(f"{k} {v:.1f}" for k, v in s["steps"].items())
    print(
        f"  {label}: {s['total']:.1f} s  peak {s['peak_gb']:.2f} GB  "
        f"{1e6 * s['total'] / records:.1f} us/record  (median of {s['n']})"
    )
    print(f"      steps: {steps}")
    if s["linkage"]:
        print("      linkage: " + "  ".join(f"{k} {v:.1f}" for k, v in s["linkage"].items()))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="76000,230000,700000", help="entities per set (comma list)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repeat-large", type=int, default=1, help="repeats at the largest size")
    ap.add_argument("--compare", type=Path, default=None, help="another src tree, run alternately")
    ap.add_argument(
        "--root", type=Path, default=DEFAULT_ROOT, help="cache folder of generated sets"
    )
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    ap.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--runs-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        result = run_child(args.child, args.params, args.runs_dir)
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
        return
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if set(modes) - set(MODES):
        ap.error(f"modes: {', '.join(MODES)}")
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.compare is not None:
        trees.append((f"compare {args.compare}", args.compare.resolve()))
    print(
        f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} cores"
    )
    table: dict[tuple[str, str, int], dict[str, Any]] = {}
    counts: dict[int, int] = {}
    for size in sizes:
        params = dataset(size, args.seed, args.root)
        counts[size] = record_count(params)
        run_params = scale_params(params) if "run" in modes else params
        repeat = args.repeat_large if size == sizes[-1] and len(sizes) > 1 else args.repeat
        print(f"--- {size:,} entities, {counts[size]:,} records ({params.parent})", flush=True)
        for mode in modes:
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
            for _ in range(max(repeat, 1)):
                for name, src in trees:  # alternating: the same load for both
                    runs[name].append(measure(mode, run_params if mode == "run" else params, src))
            for name, _ in trees:
                s = _summary(runs[name])
                if s is not None:
                    table[(name, mode, size)] = s
                    _print(f"{mode} [{name}]", s, counts[size])
            if len(trees) == 2 and all((n, mode, size) in table for n, _ in trees):
                new, old = (table[(n, mode, size)] for n, _ in trees)
                steps = "  ".join(
                    f"{k} {old['steps'][k] / v:.2f}x"
                    for k, v in new["steps"].items()
                    if k in old["steps"] and v > 0
                )
                print(
                    f"  {mode}: speed-up {old['total'] / new['total']:.2f}x "
                    f"(peak {old['peak_gb']:.2f} -> {new['peak_gb']:.2f} GB); per step: {steps}"
                )
    print("=== cost per record (us/record, median total / records)")
    for name, _ in trees:
        for mode in modes:
            cells = [
                f"{counts[size]:,}: {1e6 * table[(name, mode, size)]['total'] / counts[size]:.1f}"
                for size in sizes
                if (name, mode, size) in table
            ]
            print(f"  {mode} [{name}]  " + "  ".join(cells))
    largest = sizes[-1]
    for mode in modes:
        if ("this tree", mode, largest) in table:
            s, (secs, gb) = table[("this tree", mode, largest)], TARGETS[mode]
            met = s["total"] <= secs and s["peak_gb"] <= gb
            print(
                f"target {mode} at {counts[largest]:,} records <= {secs:.0f} s and <= {gb:.0f} GB: "
                f"{s['total']:.1f} s, {s['peak_gb']:.2f} GB: {'MET' if met else 'NOT MET'}"
            )


if __name__ == "__main__":
    main()
