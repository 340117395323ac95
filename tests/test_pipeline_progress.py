"""Progress lines: when they are printed, what they say (counts and seconds, never a value), and
the filter that brings the notebooks' lines to the command line."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from migration_kit.pipeline import open_run, step_clean, step_intake
from migration_kit.pipeline.progress import PROGRESS_ENV, Progress, ProgressEcho, progress_wanted

REPO = Path(__file__).resolve().parents[1]

WANTED_CASES = [  # asked, environment value (None: unset), printed
    (True, None, True),
    (False, None, False),
    (False, "1", True),
    (False, "yes", True),
    (False, "TRUE", True),
    (False, "0", False),
    (False, "", False),
]


@pytest.mark.parametrize("asked,env,expected", WANTED_CASES)
def test_progress_wanted(asked, env, expected, monkeypatch):
    if env is None:
        monkeypatch.delenv(PROGRESS_ENV, raising=False)
    else:
        monkeypatch.setenv(PROGRESS_ENV, env)
    assert progress_wanted(asked) is expected


LINE_CASES = [  # calls, clock readings, lines
    ([("done", "pos", 1000)], [0.0, 1.25], ["clean: pos 1,000 rows in 1.2 s (1.2 s)"]),
    ([("done", "web", None), ("finish", None, 5)], [0.0, 1.0, 3.0],
     ["clean: web in 1.0 s (1.0 s)", "clean: 5 rows in 3.0 s"]),
    ([("start", "plan", None)], [0.0], ["clean: plan ..."]),
]


@pytest.mark.parametrize("calls,clock,lines", LINE_CASES)
def test_progress_lines(calls, clock, lines):
    out = io.StringIO()
    p = Progress("clean", enabled=True, stream=out, clock=iter(clock).__next__)
    for method, what, rows in calls:
        if method == "finish":
            p.finish(rows)
        elif method == "start":
            p.start(what)
        else:
            p.done(what, rows)
    assert out.getvalue().splitlines() == lines


def test_disabled_progress_prints_nothing():
    out = io.StringIO()
    p = Progress("clean", enabled=False, stream=out)
    p.start("x")
    p.done("x", 1)
    p.finish(1)
    assert out.getvalue() == ""


ECHO_CASES = [  # chunks written, lines passed on
    (["intake: pos 10 rows in 0.1 s (0.1 s)\n"], ["intake: pos 10 rows in 0.1 s (0.1 s)"]),
    (["link: 10 ro", "ws in 2.0 s\n"], ["link: 10 rows in 2.0 s"]),  # a line in pieces
    (["UserWarning: something\n", "linkage: em ...\n"], ["linkage: em ..."]),
    (["compare: 50%|#####\rcompare: 100%|##########\n"], []),  # a bar is not a progress line
    (["scope: lookup index 3 rows in 0.0 s (0.1 s)"], []),  # not finished: held back
]


@pytest.mark.parametrize("chunks,lines", ECHO_CASES)
def test_echo_passes_only_progress_lines(chunks, lines):
    out = io.StringIO()
    echo = ProgressEcho(out)
    for chunk in chunks:
        assert echo.write(chunk) == len(chunk)
    assert out.getvalue().splitlines() == lines


LINE = re.compile(r"^(intake|clean): ([a-z_]+ )?([\d,]+ rows )?in \d+\.\d s( \(\d+\.\d s\))?$")


def test_step_lines_name_stages_and_counts_only(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(PROGRESS_ENV, "1")
    ctx = open_run(REPO / "params" / "rehearsal.yaml", run_id="p", runs_dir=tmp_path)
    step_intake(ctx)
    step_clean(ctx)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10  # 4 sources and the step's total, twice
    assert all(LINE.match(line) for line in lines), lines
    assert lines[4] == "intake: 2,643 rows in " + lines[4].split(" in ")[1]
