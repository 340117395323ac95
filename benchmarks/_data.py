"""Benchmark data and the product path.

Data: generate (or reuse) a seeded synthetic rehearsal set of N entities in a cache folder. The
set lives outside the repository, by default in ``<tempdir>/migration_kit_bench/<N>_<seed>/``
(``tempfile.gettempdir()``; override with ``--root`` or the ``MIGRATION_KIT_BENCH_DATA``
environment variable). It is a cache, kept between runs (a 926k-record set takes minutes to
generate): delete the folder to reclaim the space. It is written into a temporary sibling folder
and renamed into place once complete, so an interrupted generation is never reused.
``counts.json`` in the folder records rows per source (the completion marker). By default the
generation runs in a child process so that its memory does not count in the calling
benchmark's peak RSS.

Product path (:func:`run_dedupe`): ``migration-kit dedupe PARAMS --out entities.csv --runs-dir D
--run-id R`` in a child process, as a user runs it (its own wall time and peak RSS:
:func:`child_run`). :class:`ProductRun` holds the entities it wrote and
``reports/linkage_summary.json``: link stage timings, candidate pairs, the planner's
blocking-recall estimate and planning seconds (:func:`plan_seconds` times ``plan_linkage``
alone when a product older than that summary field does not write them).
:func:`blocking_recall` counts the true pairs among the candidate pairs of
``work/pairs.parquet``.

Usage::

    .venv/bin/python benchmarks/_data.py [--entities 760000] [--seed 7] [--root DIR]

Example
-------
>>> params = dataset(2000, 7)          # doctest: +SKIP
>>> params.name, record_count(params)  # doctest: +SKIP
('params.yaml', 2600)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_ROOT",
    "ProductRun",
    "blocking_recall",
    "child_run",
    "dataset",
    "dataset_counts",
    "medians",
    "migration_kit_cmd",
    "plan_seconds",
    "record_count",
    "run_dedupe",
    "time_planning",
]

#: Default cache folder (outside the repository).
DEFAULT_ROOT = Path(
    os.environ.get("MIGRATION_KIT_BENCH_DATA", Path(tempfile.gettempdir()) / "migration_kit_bench")
)
#: Keys of ``counts.json`` that are not customer-record sources.
_NOT_SOURCES = ("entities", "suppression")
_MARKER = "counts.json"


def _generate_here(entities: int, seed: int, folder: Path) -> dict[str, int]:
    """Generate into ``folder`` in this process; return the counts (also written to counts.json)."""
    from migration_kit.synthetic import generate

    res = generate(entities, seed, folder, params_path=folder / "params.yaml")
    counts = {k: int(v) for k, v in res.counts.items()}
    (folder / _MARKER).write_text(json.dumps(counts, indent=2, sort_keys=True), encoding="utf-8")
    return counts


def _rehearsal_keys(params: Path) -> None:
    """A set cached before params said ``keys: {rehearsal: true}`` gets it (synthetic data)."""
    text = params.read_text(encoding="utf-8")
    if "\nkeys:" not in text:
        params.write_text(text.rstrip("\n") + "\nkeys:\n  rehearsal: true\n", encoding="utf-8")


def dataset(
    entities: int,
    seed: int = 7,
    root: Path | str | None = None,
    *,
    subprocess_: bool = True,
    echo=print,
) -> Path:
    """Return the params file of the cached set ``<root>/<entities>_<seed>/``; generate if absent.

    Parameters
    ----------
    entities : int
        Number of synthetic people (records are ~1.3x that).
    seed : int
        Generator seed (same seed, same bytes).
    root : path, optional
        Cache folder; default :data:`DEFAULT_ROOT`.
    subprocess_ : bool
        Generate in a child interpreter (keeps the caller's peak RSS clean). Default True.
    echo : callable
        Progress messages.

    Returns
    -------
    Path
        ``<root>/<entities>_<seed>/params.yaml``.

    Example
    -------
    >>> dataset(40, 3, "/tmp/x", subprocess_=False).name   # doctest: +SKIP
    'params.yaml'
    """
    if not isinstance(entities, int) or entities < 20:
        raise ValueError(
            f"entities: received {entities!r}; give an integer >= 20 (the generator's minimum)"
        )
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: received {seed!r}; give a non-negative integer")
    root = Path(root) if root is not None else DEFAULT_ROOT
    folder = root / f"{entities}_{seed}"
    if (folder / _MARKER).exists() and (folder / "params.yaml").exists():
        _rehearsal_keys(folder / "params.yaml")
        return folder / "params.yaml"
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{entities}_{seed}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    echo(f"generating {entities:,} entities (seed {seed}) into {folder} ...")
    t0 = time.perf_counter()
    try:
        if subprocess_:
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--entities",
                str(entities),
                "--seed",
                str(seed),
                "--into",
                str(tmp),
            ]
            subprocess.run(cmd, check=True)
        else:
            tmp.mkdir(parents=True)
            _generate_here(entities, seed, tmp)
        if folder.exists():  # a concurrent or interrupted run: replace only an incomplete folder
            if (folder / _MARKER).exists():
                shutil.rmtree(tmp, ignore_errors=True)
                return folder / "params.yaml"
            shutil.rmtree(folder)
        tmp.rename(folder)  # params.yaml's paths are relative to its folder: the rename keeps them
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    echo(f"generated in {time.perf_counter() - t0:.1f} s")
    return folder / "params.yaml"


def dataset_counts(params_path: Path | str) -> dict[str, int]:
    """Rows per source of a cached set (``counts.json`` next to the params file)."""
    return json.loads((Path(params_path).parent / _MARKER).read_text(encoding="utf-8"))


def record_count(params_path: Path | str) -> int:
    """Customer records of a cached set (sum over sources, without entities and suppression)."""
    return sum(v for k, v in dataset_counts(params_path).items() if k not in _NOT_SOURCES)


# ---------------------------------------------------------------------------- the product path


def migration_kit_cmd() -> list[str]:
    """The ``migration-kit`` console script next to this interpreter (else ``python -c``)."""
    exe = Path(sys.executable).with_name("migration-kit")
    if exe.exists():
        return [str(exe)]
    code = "import sys; from migration_kit.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code]


#: Runs a command as its own child and reports that child's peak RSS and seconds. A child
#: spawned straight from a large benchmark process would report the parent's high-water RSS
#: (Linux counts the parent's memory image, borrowed between (v)fork and exec, in the child's
#: ``ru_maxrss``); this small interpreter in between keeps the figure the command's own.
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t0 = time.perf_counter()\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "secs = time.perf_counter() - t0\n"
    "kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(json.dumps({'rc': rc, 'seconds': secs, 'maxrss_kib': kib}))\n"
    "sys.exit(rc)\n"
)


def child_run(cmd: list[str], log: Path, *, cwd: Path | None = None) -> tuple[float, float]:
    """Run ``cmd`` with stdout and stderr to ``log``; return ``(seconds, peak_rss_gb)`` of it.

    The peak RSS is the command's own (``ru_maxrss`` of its process, measured by a small
    interpreter in between: see :data:`_MEASURE`), not this process's. A failure raises
    ``RuntimeError`` with the tail of the log.
    """
    figures = log.with_suffix(".rusage.json")
    with open(log, "wb") as out:
        rc = subprocess.call(
            [sys.executable, "-c", _MEASURE, str(figures), *cmd],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
    if rc != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd[:2])} ... exited with {rc}:\n{tail}")
    res = json.loads(figures.read_text(encoding="utf-8"))
    return float(res["seconds"]), res["maxrss_kib"] / 1024 / 1024  # KiB on Linux


@dataclass
class ProductRun:
    """What one ``migration-kit dedupe`` run wrote, and its wall time and peak RSS."""

    run_dir: Path
    entities: Any  # pandas DataFrame: source, record_id, entity_id (the --out CSV)
    summary: dict  # reports/linkage_summary.json
    wall_seconds: float
    peak_rss_gb: float
    plan_yaml: str  # reports/linkage_plan.yaml

    @property
    def link_seconds(self) -> float:
        """Sum of the stage timings of ``linkage_summary.json`` (index, compare, em, score,
        cluster)."""
        return float(sum(self.summary.get("timings", {}).values()))

    @property
    def plan_seconds(self) -> float:
        """``blocking_recall.planning_seconds`` of ``linkage_summary.json`` (nan if absent)."""
        value = (self.summary.get("blocking_recall") or {}).get("planning_seconds")
        return float("nan") if value is None else float(value)

    @property
    def candidates(self) -> int:
        return int(self.summary["counts"]["candidate_pairs"])

    @property
    def recall_estimate(self) -> float:
        est = (self.summary.get("blocking_recall") or {}).get("estimate")
        return float("nan") if est is None else float(est)

    def std(self, columns: list[str] | None = None):
        """The run's ``work/std.parquet`` (the cleaned records the linkage saw, in its order)."""
        import pandas as pd

        return pd.read_parquet(self.run_dir / "work" / "std.parquet", columns=columns)


def run_dedupe(params: Path, workdir: Path, run_id: str = "bench") -> ProductRun:
    """``migration-kit dedupe PARAMS --out W/entities_R.csv --runs-dir W/runs --run-id R``.

    ``workdir`` (W) is the caller's temporary folder; the run folder is
    ``W/runs/<client>/<run_id>``.
    """
    import pandas as pd

    workdir.mkdir(parents=True, exist_ok=True)
    out, runs = workdir / f"entities_{run_id}.csv", workdir / "runs"
    cmd = [
        *migration_kit_cmd(),
        "dedupe",
        str(params),
        "--out",
        str(out),
        "--runs-dir",
        str(runs),
        "--run-id",
        run_id,
    ]
    seconds, rss = child_run(cmd, workdir / f"dedupe_{run_id}.log")
    (run_dir,) = [p for p in runs.glob(f"*/{run_id}") if p.is_dir()]
    reports = run_dir / "reports"
    summary = json.loads((reports / "linkage_summary.json").read_text(encoding="utf-8"))
    entities = pd.read_csv(out, dtype=str, keep_default_na=False)
    plan_yaml = (reports / "linkage_plan.yaml").read_text(encoding="utf-8")
    return ProductRun(run_dir, entities, summary, seconds, rss, plan_yaml)


def time_planning(std, params: Path) -> tuple[float, str]:
    """``plan_linkage(std, params.linkage)`` alone, the call the link step makes.

    Returns ``(seconds, plan yaml)``.
    """
    from migration_kit.linkage.plan import plan_linkage
    from migration_kit.params import load_params

    section = load_params(params).linkage
    t0 = time.perf_counter()
    plan = plan_linkage(std, section)
    return time.perf_counter() - t0, plan.to_yaml()


def plan_seconds(run: ProductRun, params: Path) -> tuple[float, str]:
    """``(planning seconds, where from)``: the product's own figure (``linkage_summary.json``),
    or, when it writes none, ``plan_linkage`` timed alone in this process on the run's std
    (checked to choose the plan the product wrote)."""
    if run.plan_seconds == run.plan_seconds:
        return run.plan_seconds, "linkage_summary.json"
    seconds, yaml = time_planning(run.std(), params)

    def body(text: str) -> str:
        return "\n".join(x for x in text.splitlines() if not x.startswith("#"))

    same = body(yaml) == body(run.plan_yaml)
    return seconds, "plan_linkage timed alone" + ("" if same else " (chose ANOTHER plan)")


def blocking_recall(run_dir: Path, truth) -> tuple[int, int, float]:
    """``(true pairs among the candidate pairs, true pairs, their ratio)``.

    ``truth`` is one true-entity label per row of the run's ``work/std.parquet``, in its order:
    the candidate pairs ``i, j`` of ``work/pairs.parquet`` are row positions of that table.
    """
    import numpy as np
    import pandas as pd

    codes = pd.factorize(pd.Series(list(truth)))[0]
    pairs = pd.read_parquet(run_dir / "work" / "pairs.parquet", columns=["i", "j"])
    i, j = pairs["i"].to_numpy(np.int64), pairs["j"].to_numpy(np.int64)
    found = int((codes[i] == codes[j]).sum())
    sizes = np.bincount(codes).astype(np.int64)
    true = int((sizes * (sizes - 1) // 2).sum())
    return found, true, (found / true if true else 1.0)


def ceiling_figures(std, spec, truth_ids) -> dict:
    """``link(std, spec)`` in this process: a hand-written spec's figures, in the same keys as
    the product path's, beside it (``truth_ids``: the true entity of every std row)."""
    import resource

    import numpy as np
    import pandas as pd

    from migration_kit.linkage import link, pairwise_metrics

    t0 = time.perf_counter()
    res = link(std, spec)
    secs = time.perf_counter() - t0
    truth_ids = np.asarray(truth_ids)
    m = pairwise_metrics(res.entities["entity_id"].to_numpy(), truth_ids)
    codes = pd.factorize(pd.Series(truth_ids))[0]
    i, j = res.pairs["i"].to_numpy(), res.pairs["j"].to_numpy()
    found = int((codes[i] == codes[j]).sum())
    return {
        "records": len(std),
        "cands": res.counts["candidate_pairs"],
        "P": m["precision"],
        "R": m["recall"],
        "F1": m["f1"],
        "tp": m["tp"],
        "pred": m["predicted_pairs"],
        "true": m["true_pairs"],
        "brecall": found / max(m["true_pairs"], 1),
        "found": found,
        "estimate": float("nan"),
        "plan": float("nan"),
        "link": secs,
        "wall": secs,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024,
        "plan_from": "-",
        "stages": res.timings,
    }


def medians(runs: list[dict]) -> dict:
    """Per key, the median over ``runs`` of the numbers (other values: the first run's)."""
    out = dict(runs[0])
    for k, v in runs[0].items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            out[k] = statistics.median(r[k] for r in runs)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=760_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--root", type=Path, default=None, help=f"cache (default {DEFAULT_ROOT})")
    ap.add_argument("--into", type=Path, default=None, help=argparse.SUPPRESS)  # child: here
    args = ap.parse_args(argv)
    if args.into is not None:
        args.into.mkdir(parents=True, exist_ok=True)
        _generate_here(args.entities, args.seed, args.into)
        return
    params = dataset(args.entities, args.seed, args.root)
    print(f"{params}  records={record_count(params):,}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
