"""The migration as a recipe: one module per step, each reading what the earlier steps left in
the run folder and writing its own outputs (declared in :mod:`migration_kit.artifacts`) plus one
audit entry.

Steps, in :data:`STEPS` order (notebook ``NN`` calls its step)::

    backup   (01) encrypted copy of the raw exports, before anything else touches them
    intake   (01) raw, suppression_raw; inventory, classification
    clean    (02) std, failures; failure_counts
    link     (03) entities, golden, lineage, pairs; review_queue, match parameters, charts
    scope    (04) dispositions, roster, fields; destruction log, certificate, processing record
    quality  (05) quality_* reports, charts; gates enforced
    handover (06) encrypted parts, manifest.json, manifest.json.p7s, audit log copy
    report   (07) report.html

Modules: :mod:`.context` (RunContext, open_run, keys, releasing memory), one module per step,
:mod:`.requests` (the suppression requests both link and scope read), :mod:`.exports` (what
leaves for the buyer: quality checks it, handover sends it), :mod:`.run` (STEPS,
run_all, dedupe), :mod:`.parallel` (a step's sources over every core) and :mod:`.progress`
(a line per stage on stderr).

Example
-------
>>> from migration_kit import pipeline
>>> [pipeline.step_name(s) for s in pipeline.STEPS][:4]
['backup', 'intake', 'clean', 'link']
>>> ctx = pipeline.open_run("params/rehearsal.yaml", run_id="demo")   # doctest: +SKIP
>>> pipeline.run_all(ctx)                                               # doctest: +SKIP
"""

from __future__ import annotations

from .backup import step_backup
from .clean import step_clean
from .context import RunContext, Step, StepResult, key_material, open_run, releases_memory
from .exports import EXPORT_TABLES, export_frames, transfer_golden
from .handover import step_handover
from .intake import step_intake
from .link import read_decisions, resolve_linkage, step_link
from .prepare import step_prepare
from .quality import step_quality
from .report import step_report
from .requests import normalized_suppression, suppression_status
from .run import DEDUPE_STEPS, STEPS, dedupe, run_all, step_name
from .scope import step_scope

__all__ = [
    "DEDUPE_STEPS",
    "EXPORT_TABLES",
    "STEPS",
    "RunContext",
    "Step",
    "StepResult",
    "dedupe",
    "export_frames",
    "key_material",
    "normalized_suppression",
    "open_run",
    "read_decisions",
    "releases_memory",
    "resolve_linkage",
    "run_all",
    "step_backup",
    "step_clean",
    "step_handover",
    "step_intake",
    "step_link",
    "step_name",
    "step_prepare",
    "step_quality",
    "step_report",
    "step_scope",
    "suppression_status",
    "transfer_golden",
]
