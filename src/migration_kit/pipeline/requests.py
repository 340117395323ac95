"""The withdrawal and erasure requests of a run: read at intake, normalized for matching here,
and every one accounted for (matched, unmatched or unusable). Linkage orders its review queue by
them and scoping decides by them, so both steps read them through this module.

Example
-------
>>> raw, normalized = normalized_suppression(ctx)   # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from ..schema import SUPPRESSION_FIELDS
from .context import RunContext

__all__ = ["normalized_suppression", "suppression_status"]


def normalized_suppression(ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The suppression list as read at intake, and normalized for matching (None when empty)."""
    from ..scoping.suppression import normalize_suppression

    raw = ctx.run.read_table("suppression_raw")
    if not len(raw):
        return raw, None
    columns = {f: f"raw__{f}" for f in SUPPRESSION_FIELDS}
    return raw, normalize_suppression(raw, columns, "request_type", id_column="request_id")


def suppression_status(
    raw: pd.DataFrame, normalized: pd.DataFrame | None, std: pd.DataFrame
) -> pd.DataFrame:
    """Every withdrawal / erasure request accounted for: ``request_id, request_type, status`` with
    status ``matched`` (an identifier is on some record), ``unmatched`` (valid identifiers, no
    record has them) or ``unusable`` (no identifier survived normalization: a person must resolve
    it by hand).

    Example
    -------
    >>> raw = pd.DataFrame({"request_id": ["R1", "R2"], "request_type": ["erasure", "erasure"]})
    >>> norm = pd.DataFrame({"request_id": ["R1"], "request_type": ["erasure"],
    ...                      "phone": ["+8613812345678"], "email": [None], "id_number": [None]})
    >>> std = pd.DataFrame({"phone": ["+8613812345678"], "email": [None], "id_number": [None]})
    >>> suppression_status(raw, norm, std)["status"].tolist()
    ['matched', 'unusable']
    """
    out = raw[["request_id", "request_type"]].drop_duplicates("request_id").reset_index(drop=True)
    matched: set[str] = set()
    usable: set[str] = set()
    if normalized is not None and len(normalized):
        usable = set(normalized["request_id"])
        for field in SUPPRESSION_FIELDS:
            known = set(std[field].dropna()) if field in std else set()
            hit = normalized[field].isin(known) & normalized[field].notna()
            matched |= set(normalized.loc[hit, "request_id"])
    out["status"] = [
        "matched" if r in matched else "unmatched" if r in usable else "unusable"
        for r in out["request_id"]
    ]
    return out
