"""The canonical schema every source is mapped onto.

Example
-------
>>> "phone" in CANONICAL_FIELDS
True
"""

from __future__ import annotations

__all__ = [
    "CANONICAL_FIELDS",
    "COUNTRY_GIVEN",
    "DATE_FIELDS",
    "DEFAULT_SENSITIVE_FIELDS",
    "ENTITY_COLUMNS",
    "ENTITY_DISPOSITION_COLUMNS",
    "FAILURE_COLUMNS",
    "FIELD_RECONCILIATION_COLUMNS",
    "FIELD_SENSITIVITY",
    "GATE_COLUMNS",
    "INTAKE_FLAGS",
    "KEY_COLUMNS",
    "LINEAGE_COLUMNS",
    "RECORD_DISPOSITION_COLUMNS",
    "REQUEST_STATUS_COLUMNS",
    "ROSTER_COLUMNS",
    "ROW_FIELD",
    "STD_COLUMNS",
    "SUPPRESSION_FIELDS",
    "SUPPRESSION_RAW_COLUMNS",
]

#: Canonical field names accepted as keys of a source's ``columns:`` mapping.
CANONICAL_FIELDS: tuple[str, ...] = (
    "full_name",
    "given_name",
    "family_name",
    "gender",
    "birth_date",
    "phone",
    "email",
    "id_number",
    "address",
    "province",
    "city",
    "district",
    "postcode",
    "country",
    "organization",
    "created_at",
    "last_activity_at",
    "total_spent",
    "order_count",
    "marketing_consent",
)

#: Columns identifying a record everywhere.
KEY_COLUMNS: tuple[str, ...] = ("source", "record_id")

#: Date-valued canonical fields.
DATE_FIELDS: tuple[str, ...] = ("birth_date", "created_at", "last_activity_at")

#: Standardized columns added by the cleaning stage (see docs/architecture.md).
STD_COLUMNS: tuple[str, ...] = (
    "full_name",
    "family_name",
    "given_name",
    "name_key",
    "pinyin_key",
    "gender",
    "birth_date",
    "phone",
    "phone_type",
    "email",
    "id_number",
    "address",
    "province",
    "city",
    "district",
    "region_code",
    "postcode",
    "country",
    "organization",
    "created_at",
    "last_activity_at",
    "total_spent",
    "order_count",
    "marketing_consent",
)

#: Beside the standardized columns: the country as recorded or read out of the address, without
#: the source's default (linkage evidence; never exported).
COUNTRY_GIVEN = "country_given"

#: Columns of the one failure table every check writes to.
FAILURE_COLUMNS: tuple[str, ...] = (
    "stage",
    "source",
    "record_id",
    "field",
    "check",
    "value_masked",
    "reason_code",
)

#: Intake -> cleaning: the raw table's column naming what intake found damaged in a record's input
#: row, None when nothing: ``CODE:field`` items joined by ``;`` (``ROW_SHORT:phone;ROW_SHORT:email``
#: or ``ENCODING_SUSPECT:full_name``). Cleaning writes one failure row per item, stage ``intake``.
INTAKE_FLAGS = "intake_flags"

#: The ``field`` of a failure row about a whole input row rather than one field (a short row none
#: of whose missing columns is mapped).
ROW_FIELD = "row"

#: The default sensitivity of each canonical field, with its source. The DPO's decision is the
#: params entry ``policy.sensitive_fields``; classification (intake), minimisation and the
#: cross-border counts (scoping) all read that one list, whose default is
#: :data:`DEFAULT_SENSITIVE_FIELDS`. A minor's data is sensitive per record (PIPL Art. 28, 31).
FIELD_SENSITIVITY: dict[str, tuple[str, str]] = {
    **{f: ("ordinary", "PIPL Art. 4 (personal information)") for f in CANONICAL_FIELDS},
    "id_number": (
        "sensitive",
        "PIPL Art. 28 (specific identity); GB/T 35273-2020 Annex B (identity card number)",
    ),
    "total_spent": (
        "sensitive",
        "GB/T 35273-2020 Annex B (personal property information: transaction and consumption "
        "records)",
    ),
}
#: The canonical fields sensitive by default (see :data:`FIELD_SENSITIVITY`).
DEFAULT_SENSITIVE_FIELDS: tuple[str, ...] = tuple(
    f for f, (level, _) in FIELD_SENSITIVITY.items() if level == "sensitive"
)

# -- tables between stages (the run-folder artifacts declare them; see migration_kit.artifacts) --

#: Columns of ``reports/field_reconciliation.csv`` (one row per canonical field).
FIELD_RECONCILIATION_COLUMNS: tuple[str, ...] = (
    "field",
    "records_with_source_value",
    "records_with_clean_value",
    "records_nulled",
    "records_nulled_by_rule",
    "records_nulled_unexplained",
    "nulled_rules",
    "customers_with_value",
    "golden_with_value",
    "golden_dropped_by_rule",
    "golden_drop_rule",
    "golden_lost",
    "golden_untraced",
    "exported",
    "dropped_by_rule",
    "drop_rule",
    "exported_with_value",
    "exported_formula_like",
    "export_lost",
    "unexplained",
)

#: Linkage: the entity of every input record.
ENTITY_COLUMNS: tuple[str, ...] = ("source", "record_id", "entity_id")

#: Linkage: which record gave each golden value, by which survivorship rule.
LINEAGE_COLUMNS: tuple[str, ...] = ("entity_id", "field", "source", "record_id", "rule")

#: Scoping: every record's disposition (transferred | merged | excluded) and reasons.
RECORD_DISPOSITION_COLUMNS: tuple[str, ...] = (
    "source",
    "record_id",
    "entity_id",
    "disposition",
    "merged_into",
    "reason_codes",
    "destroy",
)

#: Scoping: every golden customer's disposition.
ENTITY_DISPOSITION_COLUMNS: tuple[str, ...] = (
    "entity_id",
    "disposition",
    "reason_codes",
    "flags",
    "region",
    "n_records",
    "destroy",
    "representative",
)

#: Scoping: the notification roster (who is told, on which channel, in which language).
ROSTER_COLUMNS: tuple[str, ...] = (
    "entity_id",
    "channel",
    "contact",
    "language",
    "message",
    "due_by",
    "flags",
    "contact_missing",
)

#: Scoping: every withdrawal / erasure request accounted for.
REQUEST_STATUS_COLUMNS: tuple[str, ...] = (
    "request_id",
    "request_type",
    "status",
    "records",
    "override_reason",
    "approved_by",
)

#: Intake: the identifiers a withdrawal / erasure request may carry.
SUPPRESSION_FIELDS: tuple[str, ...] = ("phone", "email", "id_number")

#: Intake: every suppression request as read (identifiers as raw text).
SUPPRESSION_RAW_COLUMNS: tuple[str, ...] = (
    "request_id",
    "request_type",
    *(f"raw__{f}" for f in SUPPRESSION_FIELDS),
)

#: Quality: every gate's outcome (pass, fail or overridden, with who approved it and why).
GATE_COLUMNS: tuple[str, ...] = (
    "gate",
    "stage",
    "metric",
    "score",
    "threshold",
    "status",
    "override_reason",
    "approved_by",
    "message",
)
