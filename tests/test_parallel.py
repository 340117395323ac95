"""Sources shared between this process and worker processes: balance, order, errors, and the
same tables as one process makes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from migration_kit import parallel
from migration_kit.errors import InputError
from migration_kit.intake import read_table
from migration_kit.parallel import WORKERS_ENV, map_balanced, map_pipelined
from migration_kit.pipeline import open_run, step_clean, step_intake

REPO = Path(__file__).resolve().parents[1]

def test_the_largest_job_stays_here_and_the_others_go_to_a_free_lane():
    pids = map_balanced(os.getpid, [()] * 4, sizes=[5, 100, 7, 6], workers=2, min_total=1)
    assert pids[1] == os.getpid()                      # the largest crosses no pipe
    assert set(pids) - {os.getpid()}                   # a worker took some of the rest


POOL_CASES = [  # sizes, workers, min_total, whether a worker process runs a job
    ([10, 10], 2, 100, False),  # too small in all: everything here
    ([100, 100], 2, 100, True),
    ([100, 100], 1, 100, False),
    ([100], 2, 100, False),  # one job: nothing to share
]


@pytest.mark.parametrize("sizes,workers,min_total,pooled", POOL_CASES)
def test_pool_only_where_it_pays(sizes, workers, min_total, pooled):
    pids = map_balanced(
        os.getpid, [()] * len(sizes), sizes=sizes, workers=workers, min_total=min_total
    )
    assert (set(pids) != {os.getpid()}) is pooled


def test_results_in_job_order_and_reported_once_each():
    seen = []
    out = map_balanced(
        divmod,
        [(7, 2), (9, 4), (5, 5)],
        sizes=[10, 10, 1],
        workers=2,
        min_total=1,
        on_done=lambda i, r: seen.append(i),
    )
    assert out == [(3, 1), (2, 1), (1, 0)]
    assert sorted(seen) == [0, 1, 2]


def test_workers_env_sets_the_lanes(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert map_balanced(os.getpid, [(), ()], sizes=[10, 10], min_total=1) == [os.getpid()] * 2


def test_a_worker_error_is_raised_with_its_own_type():
    jobs = [(REPO / "synthetic_data/rehearsal/pos_members.csv",), (Path("/no/such/export.csv"),)]
    with pytest.raises(InputError, match="file not found"):
        map_balanced(read_table, jobs, sizes=[10, 10], workers=2, min_total=1)


def test_a_script_without_main_guard_runs_once(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "from migration_kit.parallel import map_balanced\n"
        "print('body')\n"
        "print(map_balanced(divmod, [(7, 2), (9, 4)], sizes=[5, 5], workers=2, min_total=1))\n",
        encoding="utf-8",
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["body", "[(3, 1), (2, 1)]"]


def test_clean_in_a_worker_makes_the_same_tables(tmp_path, monkeypatch):
    params = REPO / "params" / "rehearsal.yaml"
    pools = []

    class Pool(parallel.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Pool)
    monkeypatch.setenv(WORKERS_ENV, "2")
    tables = {}
    for name, min_rows in (("here", 10**9), ("pool", 0)):
        monkeypatch.setattr(parallel, "POOL_MIN_ROWS", min_rows)
        ctx = open_run(params, run_id=name, runs_dir=tmp_path)
        step_intake(ctx)
        step_clean(ctx)
        tables[name] = {t: pq.read_table(ctx.run.file(t)) for t in ("std", "failures")}
        assert len(pools) == (name == "pool")
    for t in ("std", "failures"):
        assert tables["here"][t].equals(tables["pool"][t])


PIPELINE_CASES = [  # jobs, total, workers, depth, whether the worker runs a job
    (6, 10, 2, 2, False),   # below min_total (100): all here
    (6, 500, 1, 2, False),  # one lane: all here
    (6, 500, 2, 2, True),
    (1, 500, 2, 1, True),   # a single job still goes to the worker while this one waits
]


def _pid_and(n):
    return os.getpid(), n * n


@pytest.mark.parametrize("n,total,workers,depth,pooled", PIPELINE_CASES)
def test_pipelined_results_in_job_order_wherever_they_ran(n, total, workers, depth, pooled):
    made = []

    def jobs():
        for i in range(n):
            made.append(i)  # consumed lazily: one job made at a time
            yield (i,)

    out = map_pipelined(_pid_and, jobs(), total=total, workers=workers, depth=depth, min_total=100)
    assert [r[1] for r in out] == [i * i for i in range(n)]
    assert made == list(range(n))
    assert any(pid != os.getpid() for pid, _ in out) is pooled


def test_pipelined_worker_error_runs_again_here_with_its_own_type():
    jobs = iter([(REPO / "synthetic_data/rehearsal/pos_members.csv",), (Path("/no/such.csv"),)])
    with pytest.raises(InputError, match="file not found"):
        map_pipelined(read_table, jobs, total=10, workers=2, min_total=1)


IDLE_CASES = [  # cores, cores busy with other work (None: unknown), lanes
    (2, 0.0, 2),  # this process alone: both cores are its lanes
    (2, 0.4, 2),
    (2, 0.6, 1),
    (2, 1.0, 1),  # another process on one core: a worker would only add its overhead
    (2, 4.3, 1),
    (8, 1.0, 7),
    (4, None, 4),
]


@pytest.mark.parametrize("cores,busy,expected", IDLE_CASES)
def test_default_lanes_are_the_idle_cores(cores, busy, expected, monkeypatch):
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(parallel, "_busy_cores", lambda n: busy)
    assert parallel._workers() == expected


def test_busy_cores_are_measured_now_where_proc_stat_tells():
    if not Path("/proc/stat").exists():
        pytest.skip("no /proc/stat here")
    busy = parallel._busy_cores(2, window=0.05)
    assert busy is not None and 0.0 <= busy <= 2.0


@pytest.mark.parametrize("load,expected", [((1.0, 1.0, 1.0), 0.0), ((2.5, 1, 1), 1.5), (None, None)])
def test_without_proc_stat_the_load_average_less_this_process(monkeypatch, load, expected):
    def no_file(*args, **kwargs):
        raise OSError("no /proc/stat")

    def loadavg():
        if load is None:
            raise OSError("no load average")
        return load

    monkeypatch.setattr(parallel, "open", no_file, raising=False)
    monkeypatch.setattr(os, "getloadavg", loadavg)
    assert parallel._busy_cores(2) == expected


def _pid():
    return os.getpid()


def _with_pid(kept, tag):
    return kept, os.getpid(), tag


def _fails_first():
    raise InputError("export.csv", "first half: no such export")


def _fails_second(kept, tag):
    raise InputError("export.csv", f"second half: {tag}")


def _dies_in_a_worker():
    import multiprocessing

    if multiprocessing.parent_process() is not None:  # a worker: gone without a word
        os._exit(3)
    return os.getpid()


SIDE_CASES = [  # total, workers, whether the first half runs in a worker
    (10, 2, False),   # below min_total (100): both halves here
    (500, 1, False),  # one lane: both halves here
    (500, 2, True),
    (500, 8, True),   # one worker whatever the lanes
]


@pytest.mark.parametrize("total,workers,in_worker", SIDE_CASES)
def test_side_job_halves_run_in_one_worker_or_both_here(total, workers, in_worker):
    with parallel.side_job(_pid, total=total, workers=workers, min_total=100) as job:
        assert job.in_worker is in_worker
        done = job.then(_with_pid, "x")
        first, second, tag = done()
    assert job.made_in_worker is in_worker
    assert tag == "x"
    assert first == second                          # the second half ran where the first did
    assert (first != os.getpid()) is in_worker


@pytest.mark.parametrize("first,second,match", [
    (_fails_first, _with_pid, "first half"),
    (_pid, _fails_second, "second half: x"),
])
def test_side_job_error_in_the_worker_is_raised_here_with_its_own_type(first, second, match):
    with parallel.side_job(first, total=500, workers=2, min_total=100) as job:
        assert job.in_worker
        done = job.then(second, "x")
        with pytest.raises(InputError, match=match):
            done()


def test_side_job_whose_worker_dies_runs_both_halves_here():
    with parallel.side_job(_dies_in_a_worker, total=500, workers=2, min_total=100) as job:
        assert job.in_worker
        first, second, _ = job.then(_with_pid, "x")()
    assert first == second == os.getpid()
    assert not job.made_in_worker


def test_side_job_left_before_its_second_half_stops_the_worker():
    with parallel.side_job(_pid, total=500, workers=2, min_total=100) as job:
        process = job._process
        assert process is not None and process.is_alive()
    assert not process.is_alive()


def test_scope_lookup_index_made_in_a_worker_is_the_same_file(tmp_path, monkeypatch):
    from migration_kit.pipeline import scope
    from migration_kit.pipeline.run import STEPS, step_name

    params = REPO / "params" / "rehearsal.yaml"
    monkeypatch.setenv(WORKERS_ENV, "2")
    ctx = open_run(params, run_id="r", runs_dir=tmp_path, decisions_file=tmp_path / "none.csv")
    steps = {step_name(s): s for s in STEPS}
    jobs = []

    def recorded(*args, **kwargs):
        jobs.append(parallel.side_job(*args, **kwargs))
        return jobs[-1]

    monkeypatch.setattr(scope, "side_job", recorded)
    for name in ("intake", "clean", "link"):
        steps[name](ctx)
    made = {}
    for where, min_rows in (("here", 10**9), ("worker", 0)):  # one run: one hash key
        monkeypatch.setattr(parallel, "POOL_MIN_ROWS", min_rows)
        ctx.run.file("lookup_index").unlink(missing_ok=True)
        steps["scope"](ctx)
        made[where] = ctx.run.file("lookup_index").read_bytes()
    assert [job.made_in_worker for job in jobs] == [False, True]
    assert made["here"] == made["worker"]
    assert made["here"].count(b"\n") > 100


def test_link_review_queue_made_in_a_worker_is_the_same_queue(tmp_path, monkeypatch):
    import pandas as pd

    from migration_kit.pipeline import link
    from migration_kit.pipeline.run import STEPS, step_name

    params = REPO / "params" / "rehearsal.yaml"
    monkeypatch.setenv(WORKERS_ENV, "2")
    ctx = open_run(params, run_id="r", runs_dir=tmp_path, decisions_file=tmp_path / "none.csv")
    steps = {step_name(s): s for s in STEPS}
    for name in ("intake", "clean"):
        steps[name](ctx)
    jobs = []

    def recorded(*args, **kwargs):
        jobs.append(parallel.side_job(*args, **kwargs))
        return jobs[-1]

    monkeypatch.setattr(link, "side_job", recorded)
    made = {}
    for where, min_rows in (("here", 10**9), ("worker", 0)):
        monkeypatch.setattr(parallel, "POOL_MIN_ROWS", min_rows)
        counts = steps["link"](ctx)
        made[where] = (counts, pd.read_csv(ctx.run.file("review_queue"), keep_default_na=False))
    assert [job.made_in_worker for job in jobs] == [False, True]
    assert made["here"][0] == made["worker"][0]
    here, there = made["here"][1], made["worker"][1]
    assert len(here) > 10 and (here["request_on"] != "").any()
    pd.testing.assert_frame_equal(here, there, check_exact=False, rtol=1e-12)
