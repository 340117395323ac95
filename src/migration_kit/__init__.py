"""migration_kit: move a sold company's customer database to its buyer, lawfully, completely and
provably.

The package is the repeatable part; the notebooks in ``notebooks/`` walk an analyst through it.
Stages live in sub-packages (``intake``, ``clean``, ``linkage``, ``scoping``, ``quality``,
``handover``, ``report``); :mod:`migration_kit.pipeline` runs them in order on a run folder.

Example
-------
>>> import migration_kit as mk
>>> mk.load_params("params/rehearsal.yaml").client   # doctest: +SKIP
'rehearsal'
"""

from __future__ import annotations

from ._version import __version__
from .errors import (
    InputError,
    IntegrityError,
    KeyMaterialError,
    LinkageError,
    MigrationKitError,
    ParamsError,
    QualityGateError,
    ScopingError,
    WorkbookError,
)
from .masking import keyed_hash, mask_email, mask_id, mask_name, mask_phone, mask_value
from .params import Params, load_params
from .schema import CANONICAL_FIELDS

__all__ = [
    "CANONICAL_FIELDS",
    "InputError",
    "IntegrityError",
    "KeyMaterialError",
    "LinkageError",
    "MigrationKitError",
    "Params",
    "ParamsError",
    "QualityGateError",
    "ScopingError",
    "WorkbookError",
    "__version__",
    "keyed_hash",
    "load_params",
    "mask_email",
    "mask_id",
    "mask_name",
    "mask_phone",
    "mask_value",
]
