"""Intake plus standardization of ~1M rehearsal records (target: <= 60 s and <= 4 GB on 2 cores).

Generates (or reuses, see ``_data.py``) a synthetic set of ``--entities`` people (default 760,000,
about 1M records), then times in this one process:

1. ``migration_kit.intake.run_intake(params)`` with its parts (read, map, classify per source, and
   the final concatenation) measured by wrapping the functions it calls;
2. ``migration_kit.clean.standardize`` per source exactly as ``pipeline.step_clean`` does (slice the
   raw table by source, drop all-empty columns, source's ``date_order`` / ``default_country``, the
   run's reference date), then the concatenation of std and failures.

Prints per-stage seconds (median over ``--repeat``), total, records/s and peak RSS
(``resource.getrusage``, GB). The data generation runs in a child process and does not count.

Usage::

    .venv/bin/python benchmarks/bench_intake.py [--entities 760000] [--seed 7] [--repeat 1]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402

import migration_kit.intake as intake_mod  # noqa: E402
from _data import DEFAULT_ROOT, dataset, record_count  # noqa: E402
from migration_kit.clean import standardize  # noqa: E402
from migration_kit.params import Params, load_params  # noqa: E402
from migration_kit.pipeline import RunContext  # noqa: E402

__all__ = ["time_intake", "time_standardize", "peak_rss_gb", "main"]

TARGET_SECONDS = 60.0
TARGET_GB = 4.0


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def _timed(fn: Callable, key_of: Callable[..., str], timings: dict[str, float]) -> Callable:
    """``fn`` that adds its wall time to ``timings[key_of(*args, **kwargs)]``."""
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timings[key_of(*args, **kwargs)] += time.perf_counter() - t0
    return timed


def time_intake(params: Params) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run ``run_intake(params)``; return the raw table and seconds per part.

    The functions run_intake calls (``read_table``, ``map_columns``, ``classify_columns`` in
    :mod:`migration_kit.intake`) are wrapped with clocks for the call and restored afterwards.
    Keys: ``read <source>``, ``map <source>``, ``classify <source>``, ``concat`` (what run_intake
    does after its per-source loop) and ``intake total``.

    Example
    -------
    >>> raw, t = time_intake(load_params("params/rehearsal.yaml"))   # doctest: +SKIP
    >>> next(iter(t))                                                 # doctest: +SKIP
    'read pos'
    """
    by_path = {Path(s.path).resolve(): s.name for s in params.sources}
    keys = {
        "read_table": lambda path, *a, **k: f"read {by_path.get(Path(path).resolve(), Path(path).name)}",
        "map_columns": lambda df, source, *a, **k: f"map {source}",
        "classify_columns": lambda source, *a, **k: f"classify {source}",
    }
    timings: dict[str, float] = defaultdict(float)
    originals = {attr: getattr(intake_mod, attr) for attr in keys}
    try:
        for attr, key_of in keys.items():
            setattr(intake_mod, attr, _timed(originals[attr], key_of, timings))
        t0 = time.perf_counter()
        result = intake_mod.run_intake(params)
        total = time.perf_counter() - t0
    finally:
        for attr, fn in originals.items():
            setattr(intake_mod, attr, fn)
    out = {f"{part} {s.name}": timings.get(f"{part} {s.name}", 0.0)
           for s in params.sources for part in ("read", "map", "classify")}
    out["concat"] = total - sum(timings.values())
    out["intake total"] = total
    return result.raw, out


def time_standardize(raw: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Standardize ``raw`` per source exactly as ``pipeline.step_clean``; return std, failures, seconds.

    Example
    -------
    >>> std, failures, t = time_standardize(raw, params)   # doctest: +SKIP
    >>> "standardize total" in t                            # doctest: +SKIP
    True
    """
    reference_date = RunContext(params=params, run=None).reference_date  # type: ignore[arg-type]
    out: dict[str, float] = {}
    stds, fails = [], []
    t_all = time.perf_counter()
    for spec in params.sources:
        t0 = time.perf_counter()
        part = raw[raw["source"] == spec.name].reset_index(drop=True)
        part = part.dropna(axis=1, how="all") if len(part) else part
        std, failures = standardize(part, date_order=spec.date_order, default_region=spec.default_country or "CN",
                                    reference_date=reference_date)
        out[f"standardize {spec.name} ({len(part):,} rows)"] = time.perf_counter() - t0
        stds.append(std)
        fails.append(failures)
    t0 = time.perf_counter()
    std = pd.concat(stds, ignore_index=True)
    failures = pd.concat(fails, ignore_index=True)
    out["concat std+failures"] = time.perf_counter() - t0
    out["standardize total"] = time.perf_counter() - t_all
    if len(std) != len(raw):
        raise RuntimeError(f"cleaning returned {len(std)} rows for {len(raw)} input rows")
    return std, failures, out


def one_run(params_path: Path) -> dict[str, float]:
    """One timed pass: load params, intake, standardize; return seconds per stage."""
    t0 = time.perf_counter()
    params = load_params(params_path)
    t_params = time.perf_counter() - t0
    cpu0 = time.process_time()
    raw, t_in = time_intake(params)
    rss_intake = peak_rss_gb()
    std, failures, t_std = time_standardize(raw, params)
    stages = {"load params": t_params, **t_in, **t_std}
    stages["TOTAL intake+standardize"] = t_in["intake total"] + t_std["standardize total"]
    stages["_cpu"] = time.process_time() - cpu0
    stages["_rows"] = float(len(raw))
    stages["_failures"] = float(len(failures))
    stages["_rss_after_intake_gb"] = rss_intake
    del raw, std, failures
    return stages


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=760_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="cache folder of generated sets")
    ap.add_argument("--params", type=Path, default=None, help="use this params file instead of a generated set")
    args = ap.parse_args(argv)
    params_path = args.params or dataset(args.entities, args.seed, args.root)
    t0 = time.perf_counter()
    import migration_kit.linkage  # noqa: F401  (load_params imports it: recordlinkage, sklearn)
    t_import = time.perf_counter() - t0
    base_gb = peak_rss_gb()
    runs = [one_run(params_path) for _ in range(max(args.repeat, 1))]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    rows = int(med.pop("_rows"))
    expected = f" (generator says {record_count(params_path):,})" if args.params is None else ""
    n_fail = int(med.pop("_failures"))
    rss_intake = med.pop("_rss_after_intake_gb")
    total = med["TOTAL intake+standardize"]
    cpu = med.pop("_cpu")
    peak = peak_rss_gb()
    print(f"data: {params_path}  records={rows:,}{expected}  failures={n_fail:,}")
    print(f"import migration_kit.linkage (once, not in the total): {t_import:.2f} s")
    print(f"median of {len(runs)} run(s), seconds per stage:")
    for key, secs in med.items():
        print(f"  {key:<44s} {secs:8.2f}")
    print(f"records/s (intake+standardize): {rows / total:,.0f}; CPU time {cpu:.1f} s for {total:.1f} s wall "
          "(wall > CPU: the shared machine was busy)")
    print(f"peak RSS: after imports {base_gb:.2f} GB, after intake {rss_intake:.2f} GB, overall {peak:.2f} GB")
    ok = total <= TARGET_SECONDS and peak <= TARGET_GB
    print(f"target <= {TARGET_SECONDS:.0f} s and <= {TARGET_GB:.0f} GB: {'MET' if ok else 'NOT MET'} "
          f"({total:.1f} s, {peak:.2f} GB)")


if __name__ == "__main__":
    main()
