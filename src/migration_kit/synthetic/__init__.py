"""Synthetic rehearsal data: realistic seller exports with a hidden truth (``migration-kit synth``).

Faker builds small value pools once; numpy samples them for every record, so a million entities
take seconds. The output is a set of exports that differ the way real systems do, a suppression
list, ``truth.csv`` (entity of every record, compliance flags, traps, injected defects) and a
params file ready for the pipeline. ``generate(..., shape=...)`` writes another client shape
instead (:data:`SHAPES`: ``retail_cn``, the default, ``webshop_en``, ``membership``).

Example
-------
>>> import tempfile, pathlib
>>> from migration_kit.synthetic import generate
>>> res = generate(50, 7, pathlib.Path(tempfile.mkdtemp()))
>>> res.counts["entities"]
50
"""

from __future__ import annotations

from .generate import SHAPES, TRUTH_COLUMNS, generate
from .rates import TRANSFER_DATE, SynthRates, SynthResult
from .shapes import SHAPE_TRUTH_COLUMNS

__all__ = [
    "SHAPES",
    "SHAPE_TRUTH_COLUMNS",
    "TRANSFER_DATE",
    "TRUTH_COLUMNS",
    "SynthRates",
    "SynthResult",
    "generate",
]
