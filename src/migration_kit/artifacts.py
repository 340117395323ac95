"""Every file a run folder holds, declared once as data.

Each :class:`Artifact` names one file (or a family of files, by a glob pattern) of
``runs/<client>/<run_id>/``: where it lives, which step writes it, what kind of content it holds,
and for tables the columns it must have. Steps write through :class:`~migration_kit.runfolder.
RunFolder` by artifact name (which checks a table's columns when it writes it), ``purge`` destroys
what is declared personal, the plaintext scan reads what is declared masked or aggregate, and
``verify`` finds the manifest, signature and audit log here, so no file name is repeated as a
string across modules.

Privacy classes:

- ``personal``: plaintext personal data (``work/``); purgeable, never leaves the seller.
- ``masked``: shown to people, personal values masked or keyed-hashed.
- ``aggregate``: counts, rates, parameters, hashes of files; no value of any person.
- ``encrypted``: CMS EnvelopedData; opens only with a recipient's key.
- ``signature``: a detached CMS signature.
- ``secret``: key material of the seller (``secrets/``); never exported, never shown.

Example
-------
>>> ARTIFACTS["std"].path, ARTIFACTS["std"].privacy
('work/std.parquet', 'personal')
>>> artifact_for("reports/review_queue.csv").step
'link'
>>> ARTIFACTS["stdd"]
Traceback (most recent call last):
KeyError: "unknown run-folder artifact 'stdd' (did you mean 'std'?); ..."
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from ._spec import closest
from .errors import MigrationKitError
from .schema import (
    ENTITY_COLUMNS,
    ENTITY_DISPOSITION_COLUMNS,
    FAILURE_COLUMNS,
    FIELD_RECONCILIATION_COLUMNS,
    GATE_COLUMNS,
    LINEAGE_COLUMNS,
    RECORD_DISPOSITION_COLUMNS,
    REQUEST_STATUS_COLUMNS,
    ROSTER_COLUMNS,
    SUPPRESSION_RAW_COLUMNS,
)

__all__ = ["ARTIFACTS", "FOLDERS", "PRIVACY", "Artifact", "ArtifactRegistry", "artifact_for"]

Privacy = Literal["personal", "masked", "aggregate", "encrypted", "signature", "secret"]
PRIVACY: tuple[str, ...] = ("personal", "masked", "aggregate", "encrypted", "signature", "secret")
#: The folders of a run folder ("" is the run folder itself).
FOLDERS: tuple[str, ...] = (
    "notebooks",
    "work",
    "reports",
    "handover",
    "backup",
    "seller",
    "stale",
    "secrets",
)


@dataclass(frozen=True)
class Artifact:
    """One file (or glob family) of a run folder.

    Parameters
    ----------
    name : str
        Key steps use (``run.write_table("std", df)``).
    path : str
        Relative to the run folder; may hold ``*`` (``handover/*.csv.cms``).
    step : str
        The step that writes it (``analyst`` for files a person writes).
    privacy : str
        One of :data:`PRIVACY`.
    columns : tuple of str
        For tables: the columns it must have (in this order when ``exact``).
    exact : bool
        The table has exactly ``columns``; otherwise at least them (e.g. one weight column per
        comparison beside the declared ones).
    description : str
    """

    name: str
    path: str
    step: str
    privacy: Privacy
    columns: tuple[str, ...] = ()
    exact: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.privacy not in PRIVACY:
            raise ValueError(f"artifact {self.name}: privacy {self.privacy!r} not in {PRIVACY}")
        folder = self.folder
        if folder and folder not in FOLDERS:
            raise ValueError(f"artifact {self.name}: folder {folder!r} not in {FOLDERS}")
        if (folder == "work") != (self.privacy == "personal"):  # work/ is what purge destroys
            raise ValueError(f"artifact {self.name}: personal data lives in work/ and only there")

    @property
    def folder(self) -> str:
        """First path part (``work``, ``reports`` ...), or ``""`` for the run folder itself."""
        return self.path.split("/", 1)[0] if "/" in self.path else ""

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def is_pattern(self) -> bool:
        return "*" in self.path

    def matches(self, relpath: str) -> bool:
        """Whether a run-folder-relative POSIX path is this artifact."""
        return fnmatch.fnmatchcase(relpath, self.path) if self.is_pattern else relpath == self.path

    def check_columns(self, columns: list[str]) -> None:
        """Raise when a table lacks a declared column (or, for ``exact``, has others or another
        order): the run folder never holds a table of the wrong shape."""
        if not self.columns:
            return
        missing = [c for c in self.columns if c not in columns]
        extra = [c for c in columns if c not in self.columns] if self.exact else []
        if missing or extra or (self.exact and list(columns) != list(self.columns)):
            raise MigrationKitError(
                f"{self.path}: table columns {list(columns)} do not match the declared "
                f"{list(self.columns)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; undeclared {extra}" if extra else "")
                + " (declare the change in migration_kit.artifacts)"
            )


class ArtifactRegistry(Mapping[str, Artifact]):
    """Name -> :class:`Artifact`; unknown names raise listing the nearest."""

    def __init__(self, artifacts: tuple[Artifact, ...]) -> None:
        self._by_name: dict[str, Artifact] = {}
        for a in artifacts:
            if a.name in self._by_name:
                raise ValueError(f"artifact {a.name!r} declared twice")
            self._by_name[a.name] = a

    def __getitem__(self, name: str) -> Artifact:
        try:
            return self._by_name[name]
        except KeyError:
            hint = closest(name, self._by_name)
            raise KeyError(
                f"unknown run-folder artifact {name!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; declared: {', '.join(self._by_name)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def by_privacy(self, *privacy: str) -> list[Artifact]:
        return [a for a in self._by_name.values() if a.privacy in privacy]

    def by_step(self, step: str) -> list[Artifact]:
        return [a for a in self._by_name.values() if a.step == step]


def _a(
    name: str,
    path: str,
    step: str,
    privacy: Privacy,
    description: str,
    columns: tuple[str, ...] = (),
    exact: bool = False,
) -> Artifact:
    return Artifact(name, path, step, privacy, columns, exact, description)


#: Every file of a run folder, in the order the steps write them.
ARTIFACTS = ArtifactRegistry(
    (
        # backup: the raw exports, before anything reads them
        _a("backup_part", "backup/*.cms", "backup", "encrypted", "a raw export, CMS to the seller"),
        _a(
            "backup_manifest",
            "backup/backup_manifest.json",
            "backup",
            "aggregate",
            "file names, sizes and hashes of the backed-up exports",
        ),
        _a(
            "backup_signature",
            "backup/backup_manifest.json.p7s",
            "backup",
            "signature",
            "the seller's signature on the backup manifest",
        ),
        # intake
        _a("raw", "work/raw.parquet", "intake", "personal", "every input row as read, mapped"),
        _a(
            "extras",
            "work/extras.parquet",
            "intake",
            "personal",
            "unmapped columns the params transfer (sources[].transfer_unmapped)",
        ),
        _a(
            "suppression_raw",
            "work/suppression_raw.parquet",
            "intake",
            "personal",
            "withdrawal and erasure requests as read",
            SUPPRESSION_RAW_COLUMNS,
        ),
        _a("inventory", "reports/inventory.csv", "intake", "aggregate", "files, encodings, rows"),
        _a(
            "classification",
            "reports/classification.csv",
            "intake",
            "aggregate",
            "every column's category and sensitivity",
        ),
        # clean
        _a("std", "work/std.parquet", "clean", "personal", "standardized records"),
        _a(
            "failures",
            "work/failures.parquet",
            "clean",
            "personal",
            "one row per failed check",
            FAILURE_COLUMNS,
            exact=True,
        ),
        _a(
            "failure_counts",
            "reports/failure_counts.csv",
            "clean",
            "aggregate",
            "failures per source, field and reason",
        ),
        # link
        _a(
            "entities",
            "work/entities.parquet",
            "link",
            "personal",
            "the entity of every record",
            ENTITY_COLUMNS,
            exact=True,
        ),
        _a(
            "golden",
            "work/golden.parquet",
            "link",
            "personal",
            "one golden record per entity",
            ("entity_id",),
        ),
        _a(
            "lineage",
            "work/lineage.parquet",
            "link",
            "personal",
            "which record gave each golden value",
            LINEAGE_COLUMNS,
            exact=True,
        ),
        _a(
            "pairs",
            "work/pairs.parquet",
            "link",
            "personal",
            "scored candidate pairs",
            ("i", "j", "rule", "match_weight", "match_probability"),
        ),
        _a(
            "review_queue",
            "reports/review_queue.csv",
            "link",
            "masked",
            "pairs between the thresholds, requests first",
        ),
        _a(
            "review_decisions",
            "reports/review_decisions.csv",
            "analyst",
            "masked",
            "decisions of the workbook's own unattended run only (others use the client's file)",
        ),
        _a(
            "review_decisions_stale",
            "reports/review_decisions_stale.csv",
            "link",
            "masked",
            "saved decisions naming a record this run lacks, or a pair it did not compare",
            ("row", "source_a", "record_id_a", "source_b", "record_id_b", "decision", "status"),
        ),
        _a(
            "linkage_plan",
            "reports/linkage_plan.yaml",
            "link",
            "aggregate",
            "the linkage section in use (planned or frozen), every choice with its reason",
        ),
        _a(
            "linkage_passes",
            "reports/linkage_passes.csv",
            "link",
            "aggregate",
            "every candidate blocking pass: pairs, expected matches, chosen or not and why",
        ),
        _a(
            "linkage_comparisons",
            "reports/linkage_comparisons.csv",
            "link",
            "aggregate",
            "the comparisons in use and why",
        ),
        _a(
            "linkage_profile",
            "reports/linkage_profile.csv",
            "link",
            "aggregate",
            "fill, distinct values and script of each field the planner read",
        ),
        _a(
            "match_parameters", "reports/match_parameters.csv", "link", "aggregate", "m, u, weights"
        ),
        _a(
            "blocking_report",
            "reports/blocking_report.csv",
            "link",
            "masked",
            "skipped oversized blocks, keys masked",
        ),
        _a(
            "match_weights_chart",
            "reports/match_weights.png",
            "link",
            "aggregate",
            "weights per comparison level",
        ),
        _a(
            "match_weight_histogram",
            "reports/match_weight_histogram.png",
            "link",
            "aggregate",
            "distribution of pair weights",
        ),
        _a(
            "linkage_summary",
            "reports/linkage_summary.json",
            "link",
            "aggregate",
            "counts and timings",
        ),
        # scope
        _a(
            "record_dispositions",
            "work/record_dispositions.parquet",
            "scope",
            "personal",
            "every record: transferred, merged or excluded, with reasons",
            RECORD_DISPOSITION_COLUMNS,
            exact=True,
        ),
        _a(
            "entity_dispositions",
            "work/entity_dispositions.parquet",
            "scope",
            "personal",
            "every customer's disposition",
            ENTITY_DISPOSITION_COLUMNS,
            exact=True,
        ),
        _a(
            "roster",
            "work/roster.parquet",
            "scope",
            "personal",
            "who is told, how",
            ROSTER_COLUMNS,
            exact=True,
        ),
        _a("fields", "work/fields.parquet", "scope", "personal", "which fields are exported, why"),
        _a(
            "destruction_log",
            "reports/destruction_log.csv",
            "scope",
            "masked",
            "destroyed records by keyed hash",
        ),
        _a(
            "destruction_schedule",
            "reports/destruction_schedule.md",
            "scope",
            "aggregate",
            "what is to be destroyed, why and how (nothing destroyed yet)",
        ),
        _a(
            "processing_record",
            "reports/processing_record.md",
            "scope",
            "aggregate",
            "record of processing (PIPL Art. 55-56; GDPR Art. 30)",
        ),
        _a(
            "crossborder",
            "reports/crossborder.json",
            "scope",
            "aggregate",
            "cross-border figures and mechanism",
        ),
        _a(
            "reconciliation",
            "reports/reconciliation.json",
            "scope",
            "aggregate",
            "input = transferred + merged + excluded",
        ),
        _a(
            "exclusions_by_reason",
            "reports/exclusions_by_reason.csv",
            "scope",
            "aggregate",
            "records per reason code",
        ),
        _a(
            "reconsent_list",
            "seller/reconsent_list.csv.cms",
            "scope",
            "encrypted",
            "customers held back for lack of separate consent (asset sale) with their contact "
            "data, for the seller's re-consent campaign; CMS to the seller",
        ),
        _a(
            "incident_plan",
            "reports/incident_plan.md",
            "scope",
            "aggregate",
            "incident response plan and breach-notice templates (zh, en)",
        ),
        _a(
            "transfer_annex",
            "reports/transfer_annex.md",
            "scope",
            "aggregate",
            "data-transfer annex: what, basis, security, retention, onward transfer (zh, en)",
        ),
        _a(
            "confidentiality_annex",
            "reports/confidentiality_annex.md",
            "scope",
            "aggregate",
            "confidentiality annex for everyone handling the data (zh, en)",
        ),
        _a(
            "lookup_index",
            "reports/lookup_index.csv",
            "scope",
            "masked",
            "keyed hashes of every record's identifiers, its disposition and reasons: answers "
            "access requests after purge",
        ),
        _a(
            "public_notice",
            "reports/public_notice.md",
            "scope",
            "aggregate",
            "the notice to publish for customers without any channel, with their count",
        ),
        _a(
            "notice_send_log",
            "reports/notice_send_log.csv",
            "scope",
            "masked",
            "one row per notice to send (entity id, channel, language, due date): the seller fills "
            "sent_at and status, and names the file in policy.notification.send_log next run",
        ),
        _a(
            "age_unknown_by_source",
            "reports/age_unknown_by_source.csv",
            "scope",
            "aggregate",
            "per source: customers, transferred, transferred of unknown age (no birth date, no ID)",
        ),
        _a(
            "suppression_requests",
            "reports/suppression_requests.csv",
            "scope",
            "masked",
            "every request: matched, unmatched or unusable",
            REQUEST_STATUS_COLUMNS,
            exact=True,
        ),
        _a(
            "fields_exported",
            "reports/fields_exported.csv",
            "scope",
            "aggregate",
            "data minimisation per field",
        ),
        # quality
        _a(
            "record_quality",
            "work/record_quality.parquet",
            "quality",
            "personal",
            "each record's own quality score",
        ),
        _a(
            "quality_compare",
            "reports/quality_compare.csv",
            "quality",
            "aggregate",
            "scores before and after",
        ),
        _a(
            "quality_before_by_check",
            "reports/quality_before_by_check.csv",
            "quality",
            "aggregate",
            "scores per check before",
        ),
        _a(
            "quality_after_by_check",
            "reports/quality_after_by_check.csv",
            "quality",
            "aggregate",
            "scores per check after",
        ),
        _a(
            "quality_by_source",
            "reports/quality_by_source.csv",
            "quality",
            "aggregate",
            "scores per source",
        ),
        _a(
            "record_quality_by_source",
            "reports/record_quality_by_source.csv",
            "quality",
            "aggregate",
            "record scores per source",
        ),
        _a(
            "record_quality_top_reasons",
            "reports/record_quality_top_reasons.csv",
            "quality",
            "aggregate",
            "the checks that lower records most, per source",
        ),
        _a(
            "quality_dimensions_chart",
            "reports/quality_dimensions.png",
            "quality",
            "aggregate",
            "dimensions before and after",
        ),
        _a(
            "quality_failures_chart",
            "reports/quality_failures_by_source.png",
            "quality",
            "aggregate",
            "failing checks by source",
        ),
        _a(
            "field_reconciliation",
            "reports/field_reconciliation.csv",
            "quality",
            "aggregate",
            "every field from source cell to the buyer's table: present, dropped by a named "
            "rule, unexplained",
            FIELD_RECONCILIATION_COLUMNS,
            exact=True,
        ),
        _a(
            "quality_gates",
            "reports/quality_gates.csv",
            "quality",
            "aggregate",
            "every gate: pass, fail or overridden",
            GATE_COLUMNS,
            exact=True,
        ),
        # handover
        _a(
            "handover_part",
            "handover/*.csv.cms",
            "handover",
            "encrypted",
            "a table part, CMS to the buyer",
        ),
        _a(
            "manifest",
            "handover/manifest.json",
            "handover",
            "aggregate",
            "every handover file's hash, rows, reconciliation",
        ),
        _a(
            "manifest_signature",
            "handover/manifest.json.p7s",
            "handover",
            "signature",
            "the seller's signature on the manifest",
        ),
        _a(
            "handover_readme",
            "handover/README.txt",
            "handover",
            "aggregate",
            "how the buyer verifies and decrypts",
        ),
        _a(
            "stale_handover",
            "stale/*",
            "handover",
            "encrypted",
            "an earlier handover moved aside when a rerun failed before its handover step",
        ),
        _a(
            "handover_audit_log",
            "handover/audit_log.jsonl",
            "handover",
            "aggregate",
            "copy of the audit log",
        ),
        _a(
            "manifest_summary",
            "reports/manifest_summary.json",
            "handover",
            "aggregate",
            "files and reconciliation of the manifest",
        ),
        # overlap (before signing: customers buyer and seller share, counts only)
        _a(
            "overlap_key",
            "work/overlap_key.bin",
            "overlap_request",
            "personal",
            "the buyer's PSI key (0600): blinds its identifiers; never leaves its run folder, "
            "purged with the work files",
        ),
        _a(
            "overlap_request_record",
            "reports/overlap_request.json",
            "overlap_request",
            "aggregate",
            "the buyer's request: id, file hash, its set sizes and local ambiguity counts",
        ),
        _a(
            "overlap_request_message",
            "reports/overlap_request.mkov",
            "overlap_request",
            "encrypted",
            "PSI request (rehearsal): the buyer's identifiers as P-256 points blinded by its key",
        ),
        _a(
            "overlap_answer_record",
            "reports/overlap_answer.json",
            "overlap_answer",
            "aggregate",
            "what the seller learnt from a request: its id and the buyer's set sizes",
        ),
        _a(
            "overlap_answer_message",
            "reports/overlap_answer.mkov",
            "overlap_answer",
            "encrypted",
            "PSI answer (rehearsal): the seller's points and the buyer's re-blinded, sorted",
        ),
        _a(
            "overlap_result",
            "reports/overlap_result.json",
            "overlap_result",
            "aggregate",
            "customers shared per identifier and combined, with bounds and method",
        ),
        # report, workbook, purge, keys
        _a("report", "report.html", "report", "masked", "the handover report"),
        _a(
            "audit_log", "audit_log.jsonl", "every step", "aggregate", "hash-chained entry per step"
        ),
        _a("executed_notebook", "notebooks/*.ipynb", "workbook", "masked", "the executed workbook"),
        _a(
            "workbook_steps",
            "notebooks/steps.json",
            "workbook",
            "aggregate",
            "seconds per finished notebook, for --from",
        ),
        _a(
            "workbook_inputs",
            "notebooks/inputs.json",
            "workbook",
            "aggregate",
            "SHA-256 of every source and request list as the run read them, for --from",
        ),
        _a(
            "purge_record",
            "reports/purge_record.json",
            "purge",
            "aggregate",
            "every purged file by name, size and hash",
        ),
        _a(
            "destruction_certificate",
            "reports/destruction_certificate.md",
            "purge",
            "aggregate",
            "the certificate of destruction, written after it happened",
        ),
        _a(
            "destruction_certificate_signature",
            "reports/destruction_certificate.md.p7s",
            "purge",
            "signature",
            "the seller's detached CMS signature on the certificate",
        ),
        _a(
            "hash_key", "secrets/run_hash_key", "scope", "secret", "HMAC key of the destruction log"
        ),
        _a(
            "rehearsal_keys",
            "secrets/keys/*",
            "backup",
            "secret",
            "throw-away rehearsal keys and certificates",
        ),
    )
)


def artifact_for(relpath: str) -> Artifact | None:
    """The artifact a run-folder-relative POSIX path is (exact names before patterns)."""
    exact = [a for a in ARTIFACTS.values() if not a.is_pattern and a.matches(relpath)]
    if exact:
        return exact[0]
    return next((a for a in ARTIFACTS.values() if a.is_pattern and a.matches(relpath)), None)
