"""Synthetic rehearsal data: realistic seller exports with a hidden truth (``migration-kit synth``).

Faker builds small value pools once; numpy samples them for every record, so a million entities
take seconds. The output is a set of exports that differ the way real systems do, a suppression
list, ``truth.csv`` (entity of every record, compliance flags, traps, injected defects) and a
params file ready for the pipeline.

Example
-------
>>> import tempfile, pathlib
>>> from migration_kit.synthetic import generate
>>> res = generate(50, 7, pathlib.Path(tempfile.mkdtemp()))
>>> res.counts["entities"]
50
"""

from __future__ import annotations

from .generate import TRUTH_COLUMNS, generate
from .rates import TRANSFER_DATE, SynthRates, SynthResult

__all__ = ["TRANSFER_DATE", "TRUTH_COLUMNS", "SynthRates", "SynthResult", "generate"]
