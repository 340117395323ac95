"""``migration-kit review``: lists the queue ("N of M", masked, in review order) and takes decisions
at a prompt, saving each into the client's decisions file."""
from __future__ import annotations

import os
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from migration_kit.cli import cli, main
from migration_kit.linkage.review import pair_id
from migration_kit.linkage.review_store import decided

from .test_pipeline_link import rehearsal_copy

KEY = ["source_a", "record_id_a", "source_b", "record_id_b"]


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """A copy of the rehearsal params with one dedupe run (r1) and its queue."""
    base = tmp_path_factory.mktemp("review")
    params = rehearsal_copy(base)
    runs = base / "runs"
    assert main(["dedupe", str(params), "--runs-dir", str(runs), "--run-id", "r1", "--out", str(base / "e.csv")]) == 0
    queue = pd.read_csv(runs / "rehearsal" / "r1" / "reports" / "review_queue.csv", dtype=str,
                        keep_default_na=False)
    return params, runs, queue


def _ids(queue: pd.DataFrame) -> list[str]:
    return [pair_id(*k) for k in queue[KEY].itertuples(index=False, name=None)]


def test_list_shows_every_pair_masked_in_review_order(reviewed):
    params, runs, queue = reviewed
    result = CliRunner().invoke(cli, ["review", str(params), "--runs-dir", str(runs), "--list"])
    assert result.exit_code == 0, result.output
    head, *rows = result.output.splitlines()
    n = len(queue)
    assert head.startswith(f"run r1: {n} pairs to review (1 with a withdrawal or erasure request on one record), "
                           "0 decided; decisions file: ")
    assert head.endswith(str(params.parent / "reviews" / "rehearsal.csv"))
    assert [r.split()[:3] for r in rows] == [[str(i), "of", str(n)] for i in range(1, n + 1)]
    first = queue.iloc[0]
    assert f"{first.source_a} {first.record_id_a} · {first.source_b} {first.record_id_b}" in rows[0]
    assert first.name_a in rows[0] and first.phone_a in rows[0]
    for raw in pd.read_parquet(runs / "rehearsal" / "r1" / "work" / "std.parquet")["phone"].dropna().head(50):
        assert raw not in result.output and raw[3:] not in result.output


# answers at the prompt -> decisions saved (queue position -> decision)
ANSWERS = [
    ("m\nn\nq\n", {0: "match", 1: "non_match"}),
    ("s\nm\nk\nk\nn\nq\n", {0: "non_match", 1: "match"}),  # skip, decide, back twice, decide
    ("m\nk\nx\nq\n", {}),                                 # decided, then cleared
    ("q\n", {}),
]


@pytest.mark.parametrize("answers, saved", ANSWERS)
def test_prompts_save_each_decision_into_the_client_file(reviewed, tmp_path, answers, saved):
    _, runs, queue = reviewed
    client = rehearsal_copy(tmp_path)  # its own client file
    result = CliRunner().invoke(cli, ["review", str(client), "--runs-dir", str(runs), "--run-id", "r1"],
                                input=answers)
    assert result.exit_code == 0, result.output
    ids = _ids(queue)
    assert decided(tmp_path / "params" / "reviews" / "rehearsal.csv") == {ids[k]: d for k, d in saved.items()}
    assert f"Pair 1 of {len(queue)}" in result.output
    assert result.output.rstrip().endswith(f"{len(saved)} of {len(queue)} pairs decided; every run of rehearsal "
                                           "applies them")


def test_review_starts_at_the_first_undecided_pair(reviewed, tmp_path):
    _, runs, queue = reviewed
    client = rehearsal_copy(tmp_path)
    CliRunner().invoke(cli, ["review", str(client), "--runs-dir", str(runs)], input="m\nm\nq\n")
    result = CliRunner().invoke(cli, ["review", str(client), "--runs-dir", str(runs)], input="q\n")
    assert f"Pair 3 of {len(queue)}" in result.output and "2 decided" in result.output.splitlines()[0]


def test_the_newest_queue_is_reviewed_by_default(reviewed, tmp_path):
    params, runs, _ = reviewed
    old = runs / "rehearsal" / "r1" / "reports" / "review_queue.csv"
    newer = runs / "rehearsal" / "r0" / "reports"
    newer.mkdir(parents=True)
    (newer / "review_queue.csv").write_text(",".join(KEY) + ",request_on\npos,1,web,2,\n", encoding="utf-8")
    os.utime(newer / "review_queue.csv", ns=(old.stat().st_mtime_ns + 10**9,) * 2)
    try:
        result = CliRunner().invoke(cli, ["review", str(params), "--runs-dir", str(runs), "--list"])
        assert result.output.startswith("run r0: 1 pairs to review")
    finally:
        (newer / "review_queue.csv").unlink()
        newer.rmdir()
        newer.parent.rmdir()


@pytest.mark.parametrize("args, message", [
    (["--run-id", "nope"], r"error: .*/rehearsal/nope/reports/review_queue\.csv: this run has no review queue"),
    (["--runs-dir", "EMPTY"], r"error: .*EMPTY/rehearsal: no run of client 'rehearsal' here has a review queue"),
])
def test_missing_run_or_queue_is_one_line(reviewed, tmp_path, capsys, args, message):
    params, runs, _ = reviewed
    args = [str(tmp_path / "EMPTY") if a == "EMPTY" else a for a in args]
    code = main(["review", str(params), "--runs-dir", str(runs), *args] if "--runs-dir" not in args
                else ["review", str(params), *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert re.search(message, err)


def test_help_names_the_keys():
    result = CliRunner().invoke(cli, ["review", "--help"])
    assert result.exit_code == 0 and "--list" in result.output and "decisions file" in result.output
