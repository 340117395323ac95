"""Record linkage core (stage 3): blocking -> multi-level comparison -> Fellegi-Sunter (EM, term
frequencies calibrated per frequency class) -> conflict-aware clustering -> deterministic entity
ids, run by a linkage engine (:mod:`.engine`; the local numpy one is :mod:`.local`).

Only :mod:`.spec` is imported eagerly (``load_params`` needs it); every other public name is
resolved on first use (PEP 562 ``__getattr__``), so reading a params file does not import
scipy, rapidfuzz or ``recordlinkage``/scikit-learn (the latter only for the adapters in
:mod:`.rl_compat`).

Example
-------
>>> from migration_kit.linkage import LinkageSpec
>>> LinkageSpec.default().upper_threshold
0.95
"""

from __future__ import annotations

import importlib
from typing import Any

from .spec import BlockingRule, Comparison, ConflictRule, Level, LinkageSpec

#: Public name -> submodule defining it (imported on first access).
_LAZY: dict[str, str] = {
    "BlockingIndex": "rl_compat",
    "LevelCompare": "rl_compat",
    "block_pairs": "blocking",
    "compare_levels": "compare",
    "FellegiSunter": "model",
    "tf_adjustment": "model",
    "plot_match_weights": "model",
    "class_log_odds": "tfclass",
    "plot_weight_histogram": "model",
    "cluster_pairs": "cluster",
    "records_conflict": "cluster",
    "link": "pipeline",
    "LinkageResult": "pipeline",
    "entity_ids": "pipeline",
    "DECISION_COLUMNS": "pipeline",
    "LinkageEngine": "engine",
    "LocalEngine": "local",
    # from .local, so that the built-in engines are registered when ENGINES is first read
    "ENGINES": "local",
    "pairwise_metrics": "metrics",
}

__all__ = ["BlockingRule", "Comparison", "ConflictRule", "Level", "LinkageSpec", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the submodule defining ``name`` on first access (PEP 562)."""
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(
            f"module {__name__!r} has no attribute {name!r}; public names: {sorted(__all__)}"
        )
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
