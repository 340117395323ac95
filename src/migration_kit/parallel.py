"""Both cores where it pays: the sources of a step shared between this process and worker
processes, results in source order (the same tables as one process makes); and a stream of
jobs made one after another here (the parts of an export) finished beside the making.

A step hands :func:`map_balanced` a top-level function (spawn-safe: a worker imports it by
name) and one argument tuple per source with its size in rows. Small inputs (fewer than
:data:`POOL_MIN_ROWS` rows in all) stay in this process: a worker costs about a second to
start and its arguments and results cross a pipe. Otherwise the jobs are taken largest first
by whichever lane is free next: this process starts with the largest (it crosses no pipe), each
worker of a ``spawn`` process pool is fed by a thread of this process, so a source slower per
row than its size says (foreign phones, long addresses) cannot hold the step up while another
lane idles (926k records: cleaning 12.6 s -> 9.3 s against dealing the sources by size).
``MIGRATION_KIT_WORKERS`` sets the number of lanes (``1``: everything here); by default one per
idle core (``/proc/stat`` over a fifth of a second tells; a run that just ended does not count,
as it would in the load average), at most one per source.

:func:`map_pipelined` takes jobs from an iterator this process fills (each made here, say a
part's CSV bytes) and finishes each (encrypt, checksum, write) in one worker process while this
one makes the next; when the worker is behind by ``depth`` jobs, this process finishes the job
itself, so neither lane waits long on the other.

:func:`side_job` gives a step's independent half to one worker for the length of the step: the
worker runs ``first(*args)`` as the step begins and keeps what it made, then, when the step has
written what the rest needs, ``second(kept, *args)``. The worker reads its inputs from the run
folder and writes its output there itself, so nothing large crosses a pipe (926k records:
scoping's keyed-hash lookup index, 7 s, beside the dispositions).

Example
-------
>>> map_balanced(divmod, [(7, 2), (9, 4)], sizes=[1, 1])
[(3, 1), (2, 1)]
>>> map_pipelined(divmod, iter([(7, 2), (9, 4)]), total=2)
[(3, 1), (2, 1)]
>>> with side_job(sum, [1, 2], total=2) as job:
...     job.then(divmod, 2)()
(1, 1)
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = [
    "POOL_MIN_ROWS",
    "WORKERS_ENV",
    "SideJob",
    "map_balanced",
    "map_pipelined",
    "release_heap",
    "side_job",
]

#: Below this many rows in all, a step's sources are handled in this process.
POOL_MIN_ROWS = 200_000
#: The environment variable that sets the number of lanes (``1``: no worker process).
WORKERS_ENV = "MIGRATION_KIT_WORKERS"

R = TypeVar("R")
K = TypeVar("K")


def _workers() -> int:
    """``MIGRATION_KIT_WORKERS``, else one lane per idle core (this process takes one): a worker
    pays only on a core nobody else uses (on a busy machine it costs its start-up and the
    pickling of its arguments and results, about a fifth more CPU, and finishes later)."""
    given = os.environ.get(WORKERS_ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    cores = os.cpu_count() or 1
    busy = _busy_cores(cores)
    if busy is None:  # neither /proc/stat nor a load average: every core
        return cores
    return max(1, min(cores, int(cores - busy + 0.5)))  # the idle cores, this process on one


def _busy_cores(cores: int, window: float = 0.2) -> float | None:
    """Cores busy now, other processes' work: the CPU time ``/proc/stat`` counts as not idle
    over ``window`` seconds (this process waits meanwhile), else the one-minute load average
    less this process (which lags a minute behind: a run just finished still counts)."""
    import time

    def ticks() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                parts = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = parts[3] + (parts[4] if len(parts) > 4 else 0)  # idle + iowait
        return sum(parts), idle

    first = ticks()
    if first is not None:
        time.sleep(window)
        second = ticks()
        if second is not None and second[0] > first[0]:
            total, idle = second[0] - first[0], second[1] - first[1]
            return cores * (total - idle) / total
    try:
        return max(0.0, os.getloadavg()[0] - 1.0)
    except OSError:
        return None


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
        Lanes (default ``MIGRATION_KIT_WORKERS``, else the idle cores: :func:`_workers`).
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
    least = POOL_MIN_ROWS if min_total is None else min_total
    small = sum(sizes) < least or len(jobs) <= 1  # decided before measuring the idle cores
    n = 1 if small else min(len(jobs), workers if workers is not None else _workers())
    results: dict[int, R] = {}
    if n <= 1:
        for i in range(len(jobs)):
            results[i] = fn(*jobs[i])
            if on_done is not None:
                on_done(i, results[i])
        return [results[i] for i in range(len(jobs))]
    return _shared(fn, jobs, sizes, n, on_done)


def _shared(
    fn: Callable[..., R],
    jobs: Sequence[tuple[object, ...]],
    sizes: Sequence[int],
    n: int,
    on_done: Callable[[int, R], None] | None,
) -> list[R]:
    """Greedy list scheduling: the jobs largest first, each to whichever lane is free next
    (this process or one of ``n - 1`` workers, each fed by a thread of this process), so a
    source slower per row than its size says cannot hold the step up. Results in job order."""
    pending = deque(sorted(range(len(jobs)), key=lambda i: (-sizes[i], i)))
    lock = threading.Lock()
    remote: dict[int, R] = {}
    failed: list[int] = []

    def take() -> int | None:
        with lock:
            return pending.popleft() if pending else None

    def feed(pool: ProcessPoolExecutor) -> None:
        while (i := take()) is not None:
            try:
                value = pool.submit(fn, *jobs[i]).result()
            except Exception:  # the job again here: its own error, with its type
                with lock:
                    failed.append(i)
                continue
            with lock:
                remote[i] = value

    results: dict[int, R] = {}

    def collect() -> None:
        with lock:
            arrived = sorted(set(remote) - set(results))
            got = {i: remote[i] for i in arrived}
        for i in arrived:
            results[i] = got[i]
            if on_done is not None:
                on_done(i, got[i])

    first = take()  # the largest stays here: it crosses no pipe
    pool_of = ProcessPoolExecutor(max_workers=n - 1, mp_context=get_context("spawn"))
    with pool_of as pool, _main_hidden():  # the workers start here
        feeders = [threading.Thread(target=feed, args=(pool,)) for _ in range(n - 1)]
        for t in feeders:
            t.start()
        try:
            i = first
            while i is not None:
                results[i] = fn(*jobs[i])
                if on_done is not None:
                    on_done(i, results[i])
                collect()
                i = take()
        except BaseException:
            with lock:  # an error here: the workers take no further job
                pending.clear()
            raise
        finally:
            for t in feeders:
                t.join()
    collect()
    for i in sorted(failed):
        results[i] = fn(*jobs[i])
        if on_done is not None:
            on_done(i, results[i])
    return [results[i] for i in range(len(jobs))]


def map_pipelined(
    fn: Callable[..., R],
    jobs: Iterable[tuple[object, ...]],
    *,
    total: int,
    depth: int = 2,
    workers: int | None = None,
    min_total: int | None = None,
) -> list[R]:
    """``[fn(*job) for job in jobs]``, each job finished in one worker process while this one
    makes the next (``jobs`` is consumed lazily), or here while the worker is ``depth`` jobs
    behind.

    Parameters
    ----------
    fn : callable
        A module-level function (a spawned worker imports it) of picklable arguments with a
        small, picklable result; it must give the same result wherever it runs.
    jobs : iterable of tuples
        The arguments of each call, made as they are asked for.
    total : int
        The size of the whole stream (rows): a worker pays only from ``min_total`` on.
    depth : int
        Jobs the worker may have waiting before this process finishes one itself (each held
        in memory until it is done).
    workers : int, optional
        Lanes (default ``MIGRATION_KIT_WORKERS``, else the idle cores); ``1``: all here.
    min_total : int, optional
        Below this ``total`` everything runs here (default :data:`POOL_MIN_ROWS`).

    Returns
    -------
    list
        The results in job order. A job that fails in the worker runs again here, so its
        error is raised with its own type and traceback.

    Example
    -------
    >>> map_pipelined(pow, ((n, 2) for n in range(4)), total=10**9, workers=1)
    [0, 1, 4, 9]
    """
    least = POOL_MIN_ROWS if min_total is None else min_total
    lanes = 1 if total < least else (workers if workers is not None else _workers())
    if lanes <= 1:
        return [fn(*job) for job in jobs]
    slots: list[Future[R] | tuple[R]] = []  # a future of the worker's, or a result made here
    waiting: dict[int, tuple[object, ...]] = {}  # slot -> its job, until the worker is done
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool,
        _main_hidden(),
    ):
        for job in jobs:
            for k in [k for k in waiting if _succeeded(slots[k])]:
                del waiting[k]  # the job's arguments (a part's bytes) need not stay
            if sum(not _finished(slots[k]) for k in waiting) < depth:
                waiting[len(slots)] = job
                slots.append(pool.submit(fn, *job))
            else:
                slots.append((fn(*job),))
        results: list[R] = []
        for k, slot in enumerate(slots):
            if isinstance(slot, tuple):
                results.append(slot[0])
                continue
            try:
                results.append(slot.result())
            except Exception:  # the job again here: its own error, with its type
                results.append(fn(*waiting[k]))
    return results


class SideJob(Generic[K]):
    """A job in two halves, the first begun in a worker (see :func:`side_job`)."""

    def __init__(self, first: Callable[..., K], args: tuple[object, ...], lanes: int) -> None:
        self._first, self._args = first, args
        self._conn: Connection | None = None
        self._process: Any = None
        #: Whether the worker made the result (False: both halves ran here), once it is asked.
        self.made_in_worker = False
        self._started = lanes > 1
        if lanes > 1:
            spawn = get_context("spawn")
            here, there = spawn.Pipe()
            self._process = spawn.Process(target=_serve, args=(there,), daemon=True)
            with _main_hidden():
                self._process.start()
            there.close()
            here.send((first, args))
            self._conn = here

    @property
    def in_worker(self) -> bool:
        """Whether the first half was given to a worker process (False: both halves run here;
        :attr:`made_in_worker` tells, once the result is in, whether the worker made it)."""
        return self._started

    def then(self, second: Callable[..., R], *args: object) -> Callable[[], R]:
        """Send the second half, ``second(kept, *args)`` (``kept``: what the first half made),
        to the worker that made ``kept``; returns a function that waits for its result. With no
        worker, or when the worker failed or died, both halves run here when it is asked for
        (an error raised with its own type)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.send((second, args))
            except OSError:  # the worker died: both halves here
                conn.close()
                conn = None

        def result() -> R:
            if conn is not None:
                try:
                    first_ok, second_ok = conn.recv(), conn.recv()
                    if first_ok[0] and second_ok[0]:
                        self.made_in_worker = True
                        return second_ok[1]
                except (EOFError, OSError):  # the worker died: both halves here
                    pass
                finally:
                    conn.close()
                    self.close()
            return second(self._first(*self._args), *args)

        return result

    def close(self) -> None:
        """Stop the worker (a step that fails before ``then`` does not wait for it)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None

    def __enter__(self) -> SideJob[K]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def side_job(
    first: Callable[..., K],
    *args: object,
    total: int,
    workers: int | None = None,
    min_total: int | None = None,
) -> SideJob[K]:
    """Begin ``first(*args)`` in a worker process now; :meth:`SideJob.then` finishes the job
    there with what it made (and returns a function that waits for its result).

    Parameters
    ----------
    first : callable
        A module-level function of picklable arguments (a spawned worker imports it); what it
        returns stays in the worker.
    *args
        Its arguments: small (a run folder, not its tables; the worker reads them itself).
    total : int
        The size of the job (rows): a worker pays only from ``min_total`` on.
    workers : int, optional
        Lanes (default ``MIGRATION_KIT_WORKERS``, else the idle cores); ``1``: all here, both
        halves when ``then`` is called.
    min_total : int, optional
        Below this ``total`` everything runs here (default :data:`POOL_MIN_ROWS`).

    Returns
    -------
    SideJob
        Use it as a context manager: leaving it stops the worker.

    Example
    -------
    >>> with side_job(sorted, [3, 1, 2], total=10**9, workers=1) as job:
    ...     done = job.then(list.index, 3)   # sent; this process goes on meanwhile
    ...     done()
    2
    """
    least = POOL_MIN_ROWS if min_total is None else min_total
    lanes = 1 if total < least else (workers if workers is not None else _workers())
    return SideJob(first, args, min(lanes, 2))


def release_heap() -> None:
    """Collect garbage and hand freed heap back to the OS (glibc's ``malloc_trim``; elsewhere
    only the collection): a process that freed many small objects (a step's DataFrames) would
    otherwise keep their fragments."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _serve(conn: Connection) -> None:
    """A side job's worker: the first half, then the second with what the first made; each
    answered ``(ok, value)`` (an error is not sent: the caller runs the job again itself)."""
    try:
        first, args = conn.recv()
        try:
            kept, ok = first(*args), True
        except Exception:
            kept, ok = None, False
        release_heap()  # what the first half freed, given back while the worker waits
        conn.send((ok, None))
        second, more = conn.recv()
        if not ok:
            conn.send((False, None))
            return
        try:
            conn.send((True, second(kept, *more)))
        except Exception:
            conn.send((False, None))
    except (EOFError, OSError):  # the caller went away
        return
    finally:
        conn.close()


def _finished(slot: Future[R] | tuple[R]) -> bool:
    return isinstance(slot, tuple) or slot.done()


def _succeeded(slot: Future[R] | tuple[R]) -> bool:
    """Done in the worker without an error (a failed job keeps its arguments: it runs again)."""
    return isinstance(slot, Future) and slot.done() and slot.exception() is None


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
