"""Exclusions that add up to the headline, and the transfer and merge codes kept apart.

A record can be excluded for several reasons at once (an erasure request on a customer whose
activity is also too old): counting it under each reason gives a table that sums to more than
"N excluded". :func:`exclusion_breakdown` counts every excluded record once, under its first
reason in the rule table's order (:data:`~migration_kit.scoping.rules.RULES`, the report order:
requests before retention before age), and says how many records carry each reason at all. The
legal-basis codes of transferred records and the merge code go to :func:`transfer_breakdown`.

Example
-------
>>> log = pd.DataFrame({"reason_codes": ["ERASURE_REQUEST;RETENTION_EXPIRED",
...                                      "RETENTION_EXPIRED", "MINOR_UNDER_14"]})
>>> t = exclusion_breakdown(log)
>>> t[["reason_code", "records", "records_with_reason"]].values.tolist()
[['ERASURE_REQUEST', 1, 1], ['RETENTION_EXPIRED', 1, 2], ['MINOR_UNDER_14', 1, 1]]
>>> int(t["records"].sum()) == len(log)
True
"""

from __future__ import annotations

import pandas as pd

from ..codes import split_codes
from ..deals import DEAL_TABLE
from ..scoping.rules import MERGED_CODE, RULES

__all__ = [
    "EXCLUSION_COLUMNS",
    "EXCLUSION_ORDER",
    "NO_CODE",
    "exclusion_breakdown",
    "is_exclusion_code",
    "transfer_breakdown",
]

#: Exclusion reason codes in precedence order (the rule table's report order).
EXCLUSION_ORDER: tuple[str, ...] = tuple(r.code for r in RULES if r.kind == "exclude")
#: Shown for an excluded record without a reason code (the scope step never writes one).
NO_CODE = "(no reason code)"
#: Columns of :func:`exclusion_breakdown`.
EXCLUSION_COLUMNS = ("reason_code", "meaning", "law", "records", "records_with_reason", "kept")

_RULES = {r.code: r for r in RULES}
_BASIS = {code for d in DEAL_TABLE for code in d.basis_codes}


def _basis_meaning(code: str, deal: str | None) -> str:
    """What a legal-basis code means, for the run's deal type when it has the code."""
    deals = [d for d in DEAL_TABLE if code in d.basis_codes]
    d = next((x for x in deals if x.code == deal), deals[0] if deals else None)
    if d is None:
        return "transferred to the recipient"
    if d.needs_consent and code == d.basis_consent:
        return f"transferred under {d.pipl_article} ({d.label}): separate consent on record"
    if d.needs_consent:
        return (
            f"transferred as part of the business ({d.label}, GB/T 35273-2020 s. 9.3, the basis "
            "policy.asset_sale.basis chose)"
        )
    return f"transferred under {d.pipl_article} ({d.label})"


def is_exclusion_code(code: str) -> bool:
    """Whether ``code`` excludes a record (not a legal basis of a transfer, not the merge code).

    Example
    -------
    >>> is_exclusion_code("ERASURE_REQUEST"), is_exclusion_code("TRANSFER_PIPL_ART22")
    (True, False)
    >>> is_exclusion_code(MERGED_CODE)
    False
    """
    if code == MERGED_CODE or code in _BASIS or code.startswith("TRANSFER_"):
        return False
    rule = _RULES.get(code)
    return rule is None or rule.kind == "exclude"


def _rank(code: str) -> tuple[int, str]:
    return (
        (EXCLUSION_ORDER.index(code), code)
        if code in EXCLUSION_ORDER
        else (len(EXCLUSION_ORDER), code)
    )


def exclusion_breakdown(log: pd.DataFrame) -> pd.DataFrame:
    """Excluded records by reason, each record counted once.

    Parameters
    ----------
    log : DataFrame
        One row per excluded record with ``reason_codes`` (``;``-joined), as the destruction log
        holds them; an optional ``destroyed`` column (``True`` / ``False``) fills ``kept``.

    Returns
    -------
    DataFrame
        :data:`EXCLUSION_COLUMNS`, one row per first reason, in precedence order: ``records``
        (each record once: the column sums to ``len(log)``), ``records_with_reason`` (records
        carrying the code at all), ``kept`` (of ``records``, those the seller retains rather than
        destroys), ``meaning`` and ``law`` from the rule table.

    Example
    -------
    >>> log = pd.DataFrame({"reason_codes": ["HELD_AGE_UNKNOWN"], "destroyed": ["False"]})
    >>> exclusion_breakdown(log)[["reason_code", "records", "kept"]].values.tolist()
    [['HELD_AGE_UNKNOWN', 1, 1]]
    """
    codes = [[c for c in split_codes(cell) if is_exclusion_code(c)] for cell in log["reason_codes"]]
    first = [min(cs, key=_rank) if cs else NO_CODE for cs in codes]
    kept = (
        log["destroyed"].astype(str).str.lower().ne("true").to_numpy()
        if "destroyed" in log.columns
        else [False] * len(log)
    )
    any_count: dict[str, int] = {}
    for cs in codes:
        for c in set(cs):
            any_count[c] = any_count.get(c, 0) + 1
    frame = pd.DataFrame({"reason_code": first, "kept": kept})
    rows = []
    for code, grp in frame.groupby("reason_code", sort=False):
        rule = _RULES.get(str(code))
        rows.append(
            {
                "reason_code": str(code),
                "meaning": rule.description if rule else "",
                "law": rule.article if rule else "",
                "records": len(grp),
                "records_with_reason": any_count.get(str(code), len(grp)),
                "kept": int(grp["kept"].sum()),
            }
        )
    out = pd.DataFrame(rows, columns=list(EXCLUSION_COLUMNS))
    shown = [str(c) for c in out["reason_code"]]
    order = sorted(range(len(out)), key=lambda i: _rank(shown[i]))
    return out.iloc[order].reset_index(drop=True)


def transfer_breakdown(by_reason: pd.DataFrame, deal: str | None = None) -> pd.DataFrame:
    """The legal-basis and merge rows of ``exclusions_by_reason`` (``reason_code, count``), with
    what each means (for the deal type ``deal`` when given); exclusion codes are left out.

    Example
    -------
    >>> t = transfer_breakdown(pd.DataFrame({"reason_code": ["MERGED_DUPLICATE", "MINOR_UNDER_14",
    ...                                                      "TRANSFER_PIPL_ART22"],
    ...                                      "count": [5, 1, 9]}))
    >>> t[["reason_code", "records"]].values.tolist()
    [['TRANSFER_PIPL_ART22', 9], ['MERGED_DUPLICATE', 5]]
    """
    keep = by_reason[~by_reason["reason_code"].astype(str).map(is_exclusion_code)]
    rows = []
    for code, count in zip(keep["reason_code"].astype(str), keep["count"], strict=True):
        meaning = (
            "merged into the representative record of the same customer: travels inside that "
            "customer's golden record, not as a record of its own"
            if code == MERGED_CODE
            else _basis_meaning(code, deal)
        )
        rows.append({"reason_code": code, "meaning": meaning, "records": int(count)})
    out = pd.DataFrame(rows, columns=["reason_code", "meaning", "records"])
    return out.sort_values(
        "reason_code", key=lambda s: s.eq(MERGED_CODE), kind="stable"
    ).reset_index(drop=True)
