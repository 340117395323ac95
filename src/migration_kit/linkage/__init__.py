"""Record linkage core (stage 3): blocking -> multi-level comparison -> Fellegi-Sunter (EM, term
frequencies) -> conflict-aware clustering -> deterministic entity ids.

Example
-------
>>> from migration_kit.linkage import LinkageSpec
>>> LinkageSpec.default().upper_threshold
0.95
"""
from __future__ import annotations

from .blocking import BlockingIndex, block_pairs
from .cluster import cluster_pairs, records_conflict
from .compare import LevelCompare, compare_levels
from .metrics import pairwise_metrics
from .model import FellegiSunter, plot_match_weights, plot_weight_histogram, tf_adjustment
from .pipeline import DECISION_COLUMNS, LinkageResult, entity_ids, link
from .spec import BlockingRule, Comparison, Level, LinkageSpec

__all__ = [
    "BlockingRule", "Comparison", "Level", "LinkageSpec", "BlockingIndex", "block_pairs",
    "LevelCompare", "compare_levels", "FellegiSunter", "tf_adjustment", "plot_match_weights",
    "plot_weight_histogram", "cluster_pairs", "records_conflict", "link", "LinkageResult",
    "entity_ids", "DECISION_COLUMNS", "pairwise_metrics",
]
