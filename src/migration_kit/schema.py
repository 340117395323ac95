"""The canonical schema every source is mapped onto.

Example
-------
>>> "phone" in CANONICAL_FIELDS
True
"""

from __future__ import annotations

__all__ = ["CANONICAL_FIELDS", "DATE_FIELDS", "FAILURE_COLUMNS", "KEY_COLUMNS", "STD_COLUMNS"]

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
