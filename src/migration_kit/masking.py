"""The one place that masks personal values and makes keyed hashes.

Everything that leaves the package in plaintext (notebook outputs, logs, reports, exception
messages, the audit log, the destruction log) shows values through these functions only.

Example
-------
>>> mask_phone("+8613812345678")
'138****5678'
>>> mask_email("Zhang.San@QQ.com")
'z***@qq.com'
>>> mask_name("王鹏磊")
'王**'
>>> mask_id("11010519491231002X")
'110105********002X'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = [
    "MASKERS",
    "keyed_hash",
    "keyed_hash_series",
    "mask_cell",
    "mask_email",
    "mask_id",
    "mask_name",
    "mask_phone",
    "mask_series",
    "mask_text",
    "mask_value",
]


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def mask_phone(value: Any) -> str:
    """Keep the first three and last four digits of the national number: ``138****5678``."""
    if _is_missing(value):
        return ""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_email(value: Any) -> str:
    """Keep the first character of the local part and the domain: ``z***@qq.com``."""
    if _is_missing(value):
        return ""
    text = str(value).strip().lower()
    if "@" not in text:
        return mask_text(text)
    local, _, domain = text.rpartition("@")
    return (local[:1] or "*") + "***@" + domain


def mask_name(value: Any) -> str:
    """Keep the first character (the family name in Chinese) and mask the rest.

    For example ``王**`` and ``P*** W***``.
    """
    if _is_missing(value):
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if " " in text and text.isascii():
        return " ".join(part[:1] + "***" for part in text.split())
    return text[:1] + "*" * max(len(text) - 1, 1)


def mask_id(value: Any) -> str:
    """Keep the region (6) and the last four characters of a resident ID: ``110105********002X``."""
    if _is_missing(value):
        return ""
    text = str(value).strip()
    if len(text) >= 12:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return mask_text(text)


def mask_text(value: Any) -> str:
    """Generic mask: first character, then one star per remaining character (at most 8)."""
    if _is_missing(value):
        return ""
    text = str(value)
    if len(text) <= 1:
        return "*"
    return text[:1] + "*" * min(len(text) - 1, 8)


def mask_cell(value: Any) -> str:
    """A received cell value as an error message may quote it: short ASCII words (a mistyped keyword
    such as ``'forget me'``) are shown; anything that could be personal (digits, ``@``, CJK, long
    text) is masked with :func:`mask_text`.

    >>> mask_cell("forget me"), mask_cell("13912345678"), mask_cell("王伟")
    ('forget me', '1********', '王*')
    """
    if _is_missing(value):
        return ""
    text = str(value)
    if len(text) <= 20 and all(ch.isascii() and (ch.isalpha() or ch in " _-") for ch in text):
        return text
    return mask_text(text)


#: Masker per canonical field; fields not listed use :func:`mask_text`.
MASKERS: dict[str, Callable[[Any], str]] = {
    "phone": mask_phone,
    "email": mask_email,
    "full_name": mask_name,
    "given_name": mask_name,
    "family_name": mask_name,
    "name_key": mask_name,
    "id_number": mask_id,
}


def mask_value(field: str, value: Any) -> str:
    """Mask ``value`` the way ``field`` requires (see :data:`MASKERS`)."""
    return MASKERS.get(field, mask_text)(value)


def mask_series(field: str, values: pd.Series) -> pd.Series:
    """Mask a whole column (per unique value); missing values become empty strings."""
    fn = MASKERS.get(field, mask_text)
    lookup = {v: fn(v) for v in pd.unique(values.astype(object)) if not _is_missing(v)}
    return values.astype(object).map(lambda v: "" if _is_missing(v) else lookup[v]).astype(object)


def keyed_hash(key: bytes, value: Any) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, as hex.

    The key is held by the seller, never written out.
    """
    data = b"" if _is_missing(value) else str(value).encode("utf-8")
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def keyed_hash_series(key: bytes, values: pd.Series) -> pd.Series:
    """:func:`keyed_hash` over a column (missing values hash as empty strings)."""
    return pd.Series(
        [keyed_hash(key, v) for v in values.astype(object)], index=values.index, dtype=object
    )
