"""Cross-border figures: which PIPL mechanism applies, and the GDPR notice duty and transfer basis.

PIPL thresholds follow the Provisions on Promoting and Regulating Cross-Border Data Flows (CAC,
March 2024), counted per calendar year since 1 January (``policy.crossborder_prior`` adds transfers
already made this year):

- security assessment (Art. 7): 1,000,000+ individuals' personal information, or 10,000+
  individuals' sensitive personal information;
- standard contract or certification (Art. 8): 100,000 - 999,999 individuals, or any sensitive
  personal information below 10,000 individuals;
- exempt (Art. 5(4)): under 100,000 individuals and no sensitive personal information.

An individual counts as "leaving China" when transferred, resident in CN (or of unknown country:
the seller is a domestic company) and the recipient's country is not CN. An individual counts as
sensitive when an exported sensitive field (e.g. ``id_number``) is filled, or when a minor under
14 (PIPL Art. 28). Ordinary counts include the sensitive individuals (their other data leaves too).

Example
-------
>>> pipl_mechanism(120_000, 0)
'standard contract or certification'
>>> pipl_mechanism(50, 10_000)
'security assessment (CAC)'
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .policy import PolicySpec

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = [
    "ORDINARY_HIGH",
    "ORDINARY_LOW",
    "SENSITIVE_HIGH",
    "crossborder_summary",
    "gdpr_basis",
    "pipl_mechanism",
]

ORDINARY_LOW = 100_000
ORDINARY_HIGH = 1_000_000
SENSITIVE_HIGH = 10_000


def pipl_mechanism(individuals: int, sensitive_individuals: int) -> str:
    """The PIPL export mechanism for a year's cumulative counts (see module docstring)."""
    if individuals >= ORDINARY_HIGH or sensitive_individuals >= SENSITIVE_HIGH:
        return "security assessment (CAC)"
    if individuals >= ORDINARY_LOW or sensitive_individuals > 0:
        return "standard contract or certification"
    return "exempt"


def gdpr_basis(recipient_country: str | None, policy: PolicySpec) -> str:
    """GDPR transfer basis for EEA residents' data going to ``recipient_country``.

    Example
    -------
    >>> gdpr_basis("CN", PolicySpec(transfer_date=None))
    'standard contractual clauses (GDPR Art. 46(2)(c))'
    """
    if recipient_country in policy.eu_countries:
        return "none needed: recipient inside the EEA"
    if recipient_country in policy.adequacy_countries:
        return "adequacy decision (GDPR Art. 45)"
    return "standard contractual clauses (GDPR Art. 46(2)(c))"


def crossborder_summary(
    entity_dispositions: pd.DataFrame,
    features: pd.DataFrame,
    golden: pd.DataFrame,
    fields: pd.DataFrame,
    policy: PolicySpec,
    deal: Deal,
) -> dict[str, Any]:
    """Aggregate cross-border figures for the transferred customers (numbers only, no personal
    data).

    Parameters
    ----------
    entity_dispositions : DataFrame
        ``entity_id, disposition, region`` (from :func:`~migration_kit.scoping.disposition.decide`).
    features : DataFrame
        Entity features indexed by ``entity_id`` (``is_minor``).
    golden : DataFrame
        Golden records (to see which exported sensitive fields are filled).
    fields : DataFrame
        The field plan (``field, exported, sensitive``).

    Returns
    -------
    dict
        ``recipient_country``, ``individuals_leaving_cn``, ``sensitive_individuals_leaving_cn``,
        ``..._ytd`` (with prior transfers), ``pipl_mechanism``, ``eea_individuals``, ``gdpr_basis``,
        ``gdpr_notice_due_by`` (ISO date or None), ``sensitive_fields_exported``.

    Example
    -------
    >>> summary = crossborder_summary(ent, feats, golden, fields, policy, deal)  # doctest: +SKIP
    >>> summary["pipl_mechanism"]                                               # doctest: +SKIP
    'exempt'
    """
    country = getattr(deal.recipient, "country", None) or "CN"
    ent = entity_dispositions.set_index("entity_id")
    moving = (ent["disposition"] == "transferred").to_numpy()
    abroad = country != "CN"
    leaving = moving & ent["region"].isin(["CN", "UNKNOWN"]).to_numpy() & abroad
    sens_fields = fields.loc[fields["exported"] & fields["sensitive"], "field"].tolist()
    gold = golden.drop_duplicates("entity_id").set_index("entity_id").reindex(ent.index)
    has_sensitive = (
        gold[sens_fields].notna().any(axis=1).to_numpy()
        if sens_fields
        else np.zeros(len(ent), bool)
    )
    minor = features["is_minor"].reindex(ent.index).fillna(False).to_numpy(dtype=bool)
    sensitive = leaving & (has_sensitive | minor)
    n, s = int(leaving.sum()), int(sensitive.sum())
    n_ytd = n + int(policy.crossborder_prior.get("individuals", 0))
    s_ytd = s + int(policy.crossborder_prior.get("sensitive_individuals", 0))
    eea = int((moving & (ent["region"] == "EEA").to_numpy()).sum())
    date = policy.transfer_date
    return {
        "recipient_country": country,
        "cross_border": bool(abroad),
        "individuals_leaving_cn": n,
        "sensitive_individuals_leaving_cn": s,
        "individuals_leaving_cn_ytd": n_ytd,
        "sensitive_individuals_leaving_cn_ytd": s_ytd,
        "pipl_mechanism": pipl_mechanism(n_ytd, s_ytd) if abroad else "none: recipient in China",
        "pipl_reference": "PIPL Art. 38-39; Provisions on Promoting and Regulating Cross-Border "
        "Data Flows (2024) Art. 5, 7, 8",
        "sensitive_fields_exported": sens_fields,
        "eea_individuals": eea,
        "gdpr_basis": gdpr_basis(country, policy)
        if eea
        else "not applicable: no EEA residents transferred",
        "gdpr_notice": "GDPR Art. 14(3)(a): inform within one month" if eea else None,
        "gdpr_notice_due_by": (date + dt.timedelta(days=policy.notice_days)).isoformat()
        if (eea and date)
        else None,
    }
