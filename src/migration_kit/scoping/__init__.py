"""Stage 4, lawful scoping: which records and customers may move to the buyer, why, and the legal
documents.

Entry point: :func:`decide` -> :class:`ScopingResult` (record and customer dispositions, field plan,
cross-border figures). Documents: :func:`build_roster` (notification roster),
:func:`destruction_log` / :func:`destruction_schedule`, :func:`processing_record`. Data-subject
requests: :func:`lookup`. Rules are data in :mod:`.rules`; the policy is :class:`PolicySpec`.

Example
-------
>>> from migration_kit.scoping import PolicySpec
>>> PolicySpec.from_dict({"transfer_date": "2026-12-31"}).minors
'exclude'
"""

from __future__ import annotations

from .crossborder import crossborder_summary, gdpr_basis, pipl_mechanism
from .destruction import destruction_log, destruction_schedule, record_hash
from .disposition import ScopingResult, decide, entity_features, reconcile
from .lookup import lookup
from .policy import AssetSaleSpec, NotificationSpec, PolicySpec
from .records import processing_record
from .roster import build_roster
from .rules import RULES, RULES_BY_CODE, Rule
from .suppression import match_suppression, normalize_suppression

__all__ = [
    "RULES",
    "RULES_BY_CODE",
    "AssetSaleSpec",
    "NotificationSpec",
    "PolicySpec",
    "Rule",
    "ScopingResult",
    "build_roster",
    "crossborder_summary",
    "decide",
    "destruction_log",
    "destruction_schedule",
    "entity_features",
    "gdpr_basis",
    "lookup",
    "match_suppression",
    "normalize_suppression",
    "pipl_mechanism",
    "processing_record",
    "reconcile",
    "record_hash",
]
