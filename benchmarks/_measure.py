"""Shared by the benchmarks that time a child process: its wall time and its process tree's peak
RSS (the child, its workers and, for the workbook, the notebook kernel), sampled every 0.2 s."""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any


def tree_rss(proc: Any) -> int:
    """Bytes resident in ``proc`` (a psutil.Process) and all its children, 0 once it is gone."""
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_sampled(cmd: Sequence[str], *, cwd: str, env: Mapping[str, str] | None = None,
                quiet: bool = False) -> tuple[int, float, int]:
    """Run ``cmd``; return its exit code, wall seconds and the tree's peak RSS in bytes."""
    import psutil

    peak = [0]
    t0 = time.perf_counter()
    child = subprocess.Popen(list(cmd), cwd=cwd, env=None if env is None else dict(env),
                             stdout=subprocess.DEVNULL if quiet else None)
    proc = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(proc))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = child.wait()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    return rc, wall, peak[0]


def median_dict(dicts: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Key by key, the median over the dicts that have the key (first-seen key order)."""
    keys = list(dict.fromkeys(k for d in dicts for k in d))
    return {k: statistics.median(d[k] for d in dicts if k in d) for k in keys}
