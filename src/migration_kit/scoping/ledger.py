"""The seller's cross-border ledger: what left China, per calendar year, across every run.

The 2024 Provisions count individuals per calendar year since 1 January, whoever's run moved
them. The ledger lives in the seller's workspace (``runs/<client>/``, beside the run folders),
one hash-chained line per handover that sent data abroad (:mod:`migration_kit.chain`): run id,
year, recipient country, individuals, sensitive individuals, mechanism and its reference. Counts
only, no personal data. A rerun of the same run id supersedes its earlier line. Transfers made
outside the kit are added by hand in ``policy.crossborder_prior``.

Example
-------
>>> import tempfile, pathlib
>>> ledger = CrossborderLedger(pathlib.Path(tempfile.mkdtemp()) / LEDGER_FILE)
>>> _ = ledger.record(run_id="r1", year=2026, recipient_country="SG", individuals=120,
...                   sensitive_individuals=3, mechanism="standard_contract", reference="SC-1",
...                   time="2026-12-01T00:00:00+00:00")
>>> ledger.year_totals(2026), ledger.year_totals(2026, exclude_run="r1")
({'individuals': 120, 'sensitive_individuals': 3}, {'individuals': 0, 'sensitive_individuals': 0})
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..chain import append_entry, verify_chain

__all__ = ["LEDGER_FIELDS", "LEDGER_FILE", "CrossborderLedger"]

#: The ledger's file name in the seller's workspace (``runs/<client>/``).
LEDGER_FILE = "crossborder_ledger.jsonl"
#: The fields of a ledger line.
LEDGER_FIELDS = (
    "seq",
    "time",
    "run_id",
    "year",
    "recipient_country",
    "individuals",
    "sensitive_individuals",
    "mechanism",
    "reference",
    "prev_hash",
    "entry_hash",
)


class CrossborderLedger:
    """The ledger file at ``path`` (verified on every read and before every append)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def entries(self) -> list[dict[str, Any]]:
        return verify_chain(self.path, LEDGER_FIELDS, "cross-border ledger")

    def year_totals(self, year: int, *, exclude_run: str | None = None) -> dict[str, int]:
        """Individuals and sensitive individuals sent abroad in ``year`` (the latest line of
        each run; ``exclude_run`` leaves one run out, e.g. the one being decided)."""
        latest: dict[str, dict[str, Any]] = {}
        for e in self.entries():
            if e["year"] == year and e["run_id"] != exclude_run:
                latest[e["run_id"]] = e
        return {
            "individuals": sum(int(e["individuals"]) for e in latest.values()),
            "sensitive_individuals": sum(int(e["sensitive_individuals"]) for e in latest.values()),
        }

    def record(
        self,
        *,
        run_id: str,
        year: int,
        recipient_country: str,
        individuals: int,
        sensitive_individuals: int,
        mechanism: str,
        reference: str | None,
        time: str,
    ) -> dict[str, Any]:
        """Append one handover's figures; returns the entry."""
        body = {
            "time": time,
            "run_id": run_id,
            "year": int(year),
            "recipient_country": recipient_country,
            "individuals": int(individuals),
            "sensitive_individuals": int(sensitive_individuals),
            "mechanism": mechanism,
            "reference": reference or "",
        }
        return append_entry(self.path, body, LEDGER_FIELDS, "cross-border ledger")
