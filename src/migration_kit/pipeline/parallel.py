"""Both cores where it pays: the sources of a step shared between this process and worker
processes, results in source order (the same tables as one process makes).

A step hands :func:`map_balanced` a top-level function (spawn-safe: a worker imports it by
name) and one argument tuple per source with its size in rows. Small inputs (fewer than
:data:`POOL_MIN_ROWS` rows in all) stay in this process: a worker costs about a second to
start and its arguments and results cross a pipe. Otherwise the sources are dealt largest
first to the least loaded of ``workers`` lanes; lane 0 runs here while the others run in a
``spawn`` process pool, so the step's time is about its largest lane's. ``MIGRATION_KIT_WORKERS``
sets the number of lanes (``1``: everything here); by default one per idle core (the load
average tells), at most one per source.

Example
-------
>>> map_balanced(divmod, [(7, 2), (9, 4)], sizes=[1, 1])
[(3, 1), (2, 1)]
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

__all__ = ["POOL_MIN_ROWS", "WORKERS_ENV", "lanes", "map_balanced"]

#: Below this many rows in all, a step's sources are handled in this process.
POOL_MIN_ROWS = 200_000
#: The environment variable that sets the number of lanes (``1``: no worker process).
WORKERS_ENV = "MIGRATION_KIT_WORKERS"

R = TypeVar("R")


def lanes(sizes: Sequence[int], workers: int | None = None) -> list[list[int]]:
    """Deal job indices to ``workers`` lanes, largest first to the least loaded lane (ties: the
    lower lane); lane 0 is this process's. Empty lanes are dropped.

    Example
    -------
    >>> lanes([467, 354, 75, 30], workers=2)
    [[0], [1, 2, 3]]
    """
    n = max(1, workers if workers is not None else _workers())
    load = [0] * n
    out: list[list[int]] = [[] for _ in range(n)]
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        lane = min(range(n), key=lambda k: (load[k], k))
        out[lane].append(i)
        load[lane] += sizes[i]
    return [sorted(lane) for lane in out if lane]


def _workers() -> int:
    """``MIGRATION_KIT_WORKERS``, else one lane per idle core plus this process's: a worker
    pays only on a core nobody else uses (on a busy machine it costs its start-up and the
    pickling of its arguments and results, about a fifth more CPU, and finishes later)."""
    given = os.environ.get(WORKERS_ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]  # runnable processes, this one included
    except OSError:  # no load average on this platform: every core
        return cores
    return max(1, min(cores, 1 + int(cores - busy)))


def map_balanced(
    fn: Callable[..., R],
    jobs: Sequence[tuple[object, ...]],
    *,
    sizes: Sequence[int],
    workers: int | None = None,
    on_done: Callable[[int, R], None] | None = None,
    min_total: int | None = None,
) -> list[R]:
    """``[fn(*job) for job in jobs]``, the jobs spread over this process and worker processes.

    Parameters
    ----------
    fn : callable
        A module-level function (a spawned worker imports it); it must not depend on state
        of this process beyond its arguments.
    jobs : sequence of tuples
        The arguments of each call (picklable).
    sizes : sequence of int
        Each job's size (rows): the balance, and whether a pool pays (:data:`POOL_MIN_ROWS`).
    workers : int, optional
        Lanes (default ``MIGRATION_KIT_WORKERS``, else the CPU count).
    on_done : callable, optional
        Called with ``(index, result)`` as each job finishes here, and for the workers' jobs
        once collected (progress lines).
    min_total : int, optional
        Below this total of ``sizes`` everything runs here (default :data:`POOL_MIN_ROWS`).

    Returns
    -------
    list
        The results in job order.

    Example
    -------
    >>> map_balanced(pow, [(2, 3), (3, 2)], sizes=[10, 10], workers=1)
    [8, 9]
    """
    n = min(len(jobs), workers if workers is not None else _workers())
    least = POOL_MIN_ROWS if min_total is None else min_total
    plan = lanes(sizes, n) if sum(sizes) >= least and n > 1 else [list(range(len(jobs)))]
    results: dict[int, R] = {}

    def finished(i: int, value: R) -> None:
        results[i] = value
        if on_done is not None:
            on_done(i, value)

    if len(plan) == 1:
        for i in plan[0]:
            finished(i, fn(*jobs[i]))
        return [results[i] for i in range(len(jobs))]
    with ProcessPoolExecutor(max_workers=len(plan) - 1, mp_context=get_context("spawn")) as pool:
        with _main_hidden():  # the workers start here
            futures: list[tuple[int, Future[R]]] = [
                (i, pool.submit(fn, *jobs[i])) for lane in plan[1:] for i in lane
            ]
        for i in plan[0]:
            finished(i, fn(*jobs[i]))
        for i, future in futures:
            try:
                value = future.result()
            except Exception:  # the job again here: its own error, with its type
                value = fn(*jobs[i])
            finished(i, value)
    return [results[i] for i in range(len(jobs))]


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Hide the main module from a spawned worker's preparation: a worker would otherwise run
    the calling script again (one without an ``if __name__ == "__main__"`` guard would start
    the whole run twice). The jobs need only migration_kit's own modules."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {a: getattr(main, a) for a in ("__file__", "__spec__") if hasattr(main, a)}
    try:
        main.__spec__ = None
        if "__file__" in saved:
            del main.__file__
        yield
    finally:
        for attr, value in saved.items():
            setattr(main, attr, value)
