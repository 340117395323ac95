"""The seller's cross-border ledger: year totals across runs, a rerun supersedes, tampering is found."""
from __future__ import annotations

import pytest

from migration_kit.errors import IntegrityError
from migration_kit.scoping.ledger import LEDGER_FILE, CrossborderLedger

# (run_id, year, individuals, sensitive)
LINES = [("r1", 2026, 100, 2), ("r2", 2026, 50, 0), ("r0", 2025, 999, 9), ("r1", 2026, 120, 3)]

TOTAL_CASES = [  # year, run left out, expected totals
    (2026, None, (170, 3)),   # r1's rerun (120) supersedes its first line (100)
    (2026, "r1", (50, 0)),
    (2026, "r2", (120, 3)),
    (2025, None, (999, 9)),
    (2024, None, (0, 0)),
]


@pytest.fixture
def ledger(tmp_path):
    led = CrossborderLedger(tmp_path / LEDGER_FILE)
    for run_id, year, n, s in LINES:
        led.record(run_id=run_id, year=year, recipient_country="SG", individuals=n, sensitive_individuals=s,
                   mechanism="standard_contract", reference="SC-1", time="2026-12-01T00:00:00+00:00")
    return led


@pytest.mark.parametrize("year,exclude,expected", TOTAL_CASES)
def test_year_totals(ledger, year, exclude, expected):
    totals = ledger.year_totals(year, exclude_run=exclude)
    assert (totals["individuals"], totals["sensitive_individuals"]) == expected


TAMPER_CASES = [  # edit of the file, message
    (lambda lines: [lines[0].replace('"individuals":100', '"individuals":10'), *lines[1:]],
     r"line 1: entry_hash does not match"),
    (lambda lines: [lines[0], *lines[2:]], r"line 2: prev_hash does not match"),
    (lambda lines: lines[:-1] + ["{not json"], r"line 4: not valid JSON"),
]


@pytest.mark.parametrize("edit,match", TAMPER_CASES)
def test_tampering_is_found(ledger, edit, match):
    lines = ledger.path.read_text(encoding="utf-8").splitlines()
    ledger.path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    with pytest.raises(IntegrityError, match=match):
        ledger.year_totals(2026)
    with pytest.raises(IntegrityError):  # never extends a broken chain
        ledger.record(run_id="r9", year=2026, recipient_country="SG", individuals=1, sensitive_individuals=0,
                      mechanism="exempt", reference=None, time="2026-12-02T00:00:00+00:00")


def test_ledger_is_private_to_its_owner(ledger):
    assert ledger.path.stat().st_mode & 0o077 == 0
