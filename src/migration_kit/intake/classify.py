"""Field classification: category and PIPL sensitivity for every mapped and unmapped column.

The declared mapping gives a column its canonical field and so its category. Data-driven detection
backs it: each column's values are tested against value patterns (resident ID, mobile number,
e-mail, bank card, date, money); a column whose values mostly match a pattern is classified by it,
and a mismatch with the declared field, or an unmapped column full of IDs or phones, is flagged.

Categories: identity, contact, transaction, preference, organisation, other.
Sensitivity: ``sensitive`` or ``ordinary``; a mapped column takes its field's sensitivity from the
one list the whole run uses (``policy.sensitive_fields``, default
:data:`~migration_kit.schema.DEFAULT_SENSITIVE_FIELDS`, sources in
:data:`~migration_kit.schema.FIELD_SENSITIVITY`), and values that look like resident IDs or bank
cards make any column sensitive. Any data of a minor under 14 is sensitive too, decided per
record by the scoping stage.

Example
-------
>>> FIELD_CLASSES["id_number"]
('identity', 'sensitive')
>>> detect_kind(pd.Series(["13812345678", "13912345678"]))
('cn_mobile', 1.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import DEFAULT_SENSITIVE_FIELDS, FIELD_SENSITIVITY

__all__ = ["FIELD_CLASSES", "PATTERNS", "classify_columns", "detect_kind", "profile_column"]

#: canonical field -> category.
_CATEGORIES: dict[str, str] = {
    "full_name": "identity",
    "given_name": "identity",
    "family_name": "identity",
    "gender": "identity",
    "birth_date": "identity",
    "id_number": "identity",
    "phone": "contact",
    "email": "contact",
    "address": "contact",
    "province": "contact",
    "city": "contact",
    "district": "contact",
    "postcode": "contact",
    "country": "contact",
    "organization": "organisation",
    "created_at": "transaction",
    "last_activity_at": "transaction",
    "total_spent": "transaction",
    "order_count": "transaction",
    "marketing_consent": "preference",
}
#: canonical field -> (category, default sensitivity: see schema.FIELD_SENSITIVITY)
FIELD_CLASSES: dict[str, tuple[str, str]] = {
    f: (category, FIELD_SENSITIVITY[f][0]) for f, category in _CATEGORIES.items()
}


@dataclass(frozen=True)
class Pattern:
    """A value pattern for data-driven detection."""

    kind: str
    regex: re.Pattern
    category: str
    sensitivity: str


#: Checked in order; the first kind matched by >= ``threshold`` of non-empty values wins.
PATTERNS: tuple[Pattern, ...] = (
    Pattern("cn_resident_id", re.compile(r"^\d{17}[\dXx]$"), "identity", "sensitive"),
    Pattern("bank_card", re.compile(r"^(?:62|4|5)\d{14,18}$"), "transaction", "sensitive"),
    Pattern(
        "cn_mobile",
        re.compile(r"^(?:\+?86[\s-]?|0086[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?:\.0)?$"),
        "contact",
        "ordinary",
    ),
    Pattern("email", re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"), "contact", "ordinary"),
    Pattern(
        "date",
        re.compile(
            r"^(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}/\d{1,2}/\d{4}|(?:19|20)\d{6})"
            r"(?:[ T].*)?$"
        ),
        "transaction",
        "ordinary",
    ),
    Pattern(
        "yes_no",
        re.compile(r"^(?:是|否|yes|no|y|n|true|false|0|1)$", re.I),
        "preference",
        "ordinary",
    ),
    Pattern("cn_postcode", re.compile(r"^[1-8]\d{5}$"), "contact", "ordinary"),
    Pattern("integer", re.compile(r"^-?\d{1,7}$"), "other", "ordinary"),
    Pattern(
        "money",
        re.compile(
            r"^(?:[¥$€£]\s?-?[\d,]+(?:\.\d{1,2})?|-?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|-?\d+\.\d{1,2})$"
        ),
        "transaction",
        "ordinary",
    ),
    Pattern("phone", re.compile(r"^\+?[\d\s()\-.]{7,20}$"), "contact", "ordinary"),
    Pattern("cn_text", re.compile(r"[\u4e00-\u9fff]"), "other", "ordinary"),
)


def detect_kind(
    values: pd.Series, threshold: float = 0.8, sample: int = 2000
) -> tuple[str | None, float]:
    """Return the value kind most of a column's non-empty values match, with the share matched."""
    values = values.dropna()
    if len(values) > 4 * sample:  # sample first: stripping a million cells costs more than the test
        values = values.sample(4 * sample, random_state=0)
    text = values.astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None, 0.0
    if len(text) > sample:
        text = text.sample(sample, random_state=0)
    for pat in PATTERNS:
        share = float(text.str.contains(pat.regex).mean())
        if share >= threshold:
            return pat.kind, round(share, 4)
    return None, 0.0


def profile_column(values: pd.Series) -> dict[str, float | int | str]:
    """Fill rate and shape of a column, without showing values.

    Shapes replace digits with 9, letters with a and CJK characters with 中.
    """
    if len(values) and not values.isna().any():  # text cells: each distinct value stripped once
        codes, uniques = pd.factorize(values)
        stripped = np.array([str(v).strip() for v in uniques], dtype=object)
        kept = stripped != ""
        filled_rows = kept[codes]
        fill_rate = float(filled_rows.mean())
        distinct = int(pd.Series(stripped[kept], dtype=object).nunique())
        first = pd.Series(stripped[codes[filled_rows][:500]], dtype=object)
    else:
        text = values.astype(str).str.strip()
        filled = text != ""
        fill_rate = float(filled.mean()) if len(text) else 0.0
        distinct = int(text[filled].nunique())
        first = text[filled].head(500)
    shapes = (
        first.str.replace(r"\d", "9", regex=True)
        .str.replace(r"[A-Za-z]", "a", regex=True)
        .str.replace(r"[\u4e00-\u9fff]", "中", regex=True)
    )
    top = shapes.value_counts().head(3)
    return {
        "fill_rate": round(fill_rate, 4),
        "distinct": distinct,
        # the index holds the shape strings: str() is a no-op that tells the type checker so
        "shapes": "; ".join(f"{str(s)[:24]} ({n})" for s, n in top.items()),
    }


def _pattern(kind: str | None) -> Pattern | None:
    return next((p for p in PATTERNS if p.kind == kind), None)


_EXPECTED_KINDS = {
    "id_number": {"cn_resident_id"},
    "phone": {"cn_mobile", "phone"},
    "email": {"email"},
}


def classify_columns(
    source: str,
    df: pd.DataFrame,
    id_column: str,
    mapping: dict[str, tuple[str, ...]],
    transfer_unmapped: tuple[str, ...] = (),
    sensitive_fields: tuple[str, ...] = DEFAULT_SENSITIVE_FIELDS,
) -> pd.DataFrame:
    """Classify every column of one export (``sensitive_fields``: ``policy.sensitive_fields``).

    Returns
    -------
    DataFrame
        ``source, column, canonical_field, mapped, category, sensitivity, detected_kind,
        detected_share, fill_rate, distinct, shapes, travels, flag`` — one row per column.
    """
    field_of = {col: field for field, cols in mapping.items() for col in cols}
    rows = []
    for col in df.columns:
        kind, share = detect_kind(df[col])
        prof = profile_column(df[col])
        field = field_of.get(col)
        flag = ""
        if col == id_column:
            category, sensitivity, travels = "other", "ordinary", True
            field = "record_id"
        elif field is not None:
            category = FIELD_CLASSES[field][0]
            sensitivity = "sensitive" if field in sensitive_fields else "ordinary"
            travels = True
            expected = _EXPECTED_KINDS.get(field)
            if expected and kind is not None and kind not in expected:
                flag = f"values look like {kind}, not {field}"
            pat = _pattern(kind)
            if pat is not None and pat.sensitivity == "sensitive" and sensitivity != "sensitive":
                sensitivity = "sensitive"
                flag = f"values look like {kind}: treated as sensitive"
        else:
            pat = _pattern(kind)
            category = pat.category if pat else "other"
            sensitivity = pat.sensitivity if pat else "ordinary"
            travels = col in transfer_unmapped
            if pat is not None and pat.kind in (
                "cn_resident_id",
                "bank_card",
                "cn_mobile",
                "email",
                "phone",
            ):
                flag = (
                    f"unmapped column holds {pat.kind} values ({share:.0%}); "
                    "map it or leave it behind"
                )
        rows.append(
            {
                "source": source,
                "column": col,
                "canonical_field": field,
                "mapped": field is not None,
                "category": category,
                "sensitivity": sensitivity,
                "detected_kind": kind,
                "detected_share": share,
                **prof,
                "travels": travels,
                "flag": flag,
            }
        )
    return pd.DataFrame(rows)
