"""The console script: --help everywhere, user errors as one line on stderr with exit code 2."""
from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from migration_kit.cli import cli, main

COMMANDS = sorted(cli.commands)


def test_expected_commands_are_registered():
    for name in ("synth", "intake", "dedupe", "run", "rehearsal", "lookup", "keys", "verify", "decrypt", "restore"):
        assert name in cli.commands, f"command {name!r} missing; have {COMMANDS}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_user_error_is_one_line_without_traceback(tmp_path, capsys):
    code = main(["intake", str(tmp_path / "missing.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert "missing.yaml" in err


def test_console_script_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "migration_kit.cli", "intake", str(tmp_path / "x.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")


def test_dedupe_end_to_end_on_the_rehearsal_set(tmp_path, capsys):
    from pathlib import Path

    import pandas as pd

    from migration_kit.linkage.metrics import pairwise_metrics

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "entities.csv"
    code = main(["dedupe", str(repo / "params" / "rehearsal.yaml"), "--out", str(out), "--runs-dir", str(tmp_path),
                 "--run-id", "d"])
    assert code == 0, capsys.readouterr().err
    entities = pd.read_csv(out, dtype=str)
    truth = pd.read_csv(repo / "synthetic_data" / "rehearsal" / "truth.csv", dtype=str)
    truth = truth[truth["source"] != "suppression"]
    assert list(entities.columns) == ["source", "record_id", "entity_id"]
    assert len(entities) == len(truth) and not entities.duplicated(["source", "record_id"]).any()
    both = entities.merge(truth, on=["source", "record_id"], suffixes=("_pred", "_true"))
    assert len(both) == len(truth)
    scores = pairwise_metrics(both["entity_id_pred"].tolist(), both["entity_id_true"].tolist())
    assert scores["precision"] >= 0.998 and scores["f1"] >= 0.992, scores
    for name in ("match_parameters.csv", "match_weights.png", "match_weight_histogram.png", "review_queue.csv"):
        assert (tmp_path / "rehearsal" / "d" / "reports" / name).exists()
