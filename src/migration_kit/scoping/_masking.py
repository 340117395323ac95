"""Masking helpers used by scoping: :mod:`migration_kit.masking` when present, else a minimal fallback.

The shared ``masking`` module is the one to use (docs/architecture.md). This shim only keeps the
scoping stage importable and testable while that module is not in the tree; the fallback follows
the same signatures (``mask_value(field, v)``, ``keyed_hash(key, v)`` ...).

Example
-------
>>> mask_value("phone", "+8613812345678")[:3]
'+86'
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pandas as pd

__all__ = ["mask_value", "mask_series", "keyed_hash", "keyed_hash_series", "USING_SHARED_MASKING"]

try:  # pragma: no cover - depends on the tree
    from migration_kit.masking import keyed_hash, keyed_hash_series, mask_series, mask_value  # type: ignore

    USING_SHARED_MASKING = True
except ImportError:  # pragma: no cover - depends on the tree
    USING_SHARED_MASKING = False

    def _mask(field: str, v: str) -> str:
        if field == "phone":
            return v[:3] + "*" * max(len(v) - 5, 0) + v[-2:] if len(v) > 5 else "*" * len(v)
        if field == "email":
            local, _, domain = v.partition("@")
            return (local[:1] + "***@" + domain) if domain else "***"
        if field == "id_number":
            return v[:2] + "*" * max(len(v) - 3, 0) + v[-1:] if len(v) > 3 else "*" * len(v)
        return v[:1] + "*" * max(len(v) - 1, 1) if v else v

    def mask_value(field: str, v: Any) -> Any:  # type: ignore[misc]
        """Mask one personal value for display (fallback)."""
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            return v
        return _mask(field, str(v))

    def mask_series(field: str, s: pd.Series) -> pd.Series:  # type: ignore[misc]
        """Mask a Series per unique value (fallback)."""
        uniq = pd.Series(s.dropna().unique())
        return s.map(dict(zip(uniq, (mask_value(field, u) for u in uniq))))

    def keyed_hash(key: bytes, v: Any) -> str:  # type: ignore[misc]
        """HMAC-SHA256 hex of ``str(v)`` under ``key`` (fallback)."""
        return hmac.new(bytes(key), str(v).encode("utf-8"), hashlib.sha256).hexdigest()

    def keyed_hash_series(key: bytes, s: pd.Series) -> pd.Series:  # type: ignore[misc]
        """Keyed hash of every value of a Series (fallback)."""
        return s.map(lambda v: keyed_hash(key, v))
