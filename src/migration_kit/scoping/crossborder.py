"""Cross-border figures: which PIPL mechanism applies, and the GDPR notice duty and transfer basis.

PIPL Art. 38-40 and the Provisions on Promoting and Regulating Cross-Border Data Flows (CAC,
March 2024), counted per calendar year since 1 January (``policy.crossborder_prior`` adds transfers
already made this year). ``pipl_mechanism`` is one of :data:`MECHANISMS`:

- ``none``: the recipient is in China;
- ``security_assessment`` (Art. 7; PIPL Art. 40): the seller operates critical information
  infrastructure or exports important data (``policy.crossborder``), or 1,000,000+ individuals'
  personal information, or 10,000+ individuals' sensitive personal information;
- ``standard_contract`` or ``certification`` (Art. 8; PIPL Art. 38(1)2-3, the seller's choice in
  ``policy.crossborder.mechanism``): 100,000 - 999,999 individuals, or sensitive personal
  information of fewer than 10,000 individuals;
- ``exempt``: an Art. 5 exemption the seller declares (``contract``: necessary to conclude or
  perform a contract the individual is party to, 5(3); ``hr``: cross-border HR management, 5(4);
  ``emergency``: to protect life, health or property in an emergency, 5(5)), or fewer than
  100,000 individuals and no sensitive personal information (5(6)).

Any mechanism other than ``none`` or ``exempt`` needs its filing or approval on record:
:func:`check_crossborder` stops the run until ``policy.crossborder_reference`` gives it.

An individual counts as "leaving China" when transferred, resident in CN (or of unknown country:
the seller is a domestic company) and the recipient's country is not CN. An individual counts as
sensitive when an exported sensitive field (e.g. ``id_number``) is filled, or when a minor under
14 (PIPL Art. 28). Ordinary counts include the sensitive individuals (their other data leaves too).

Example
-------
>>> pipl_mechanism(120_000, 0)
'standard_contract'
>>> pipl_mechanism(50, 10_000)
'security_assessment'
>>> pipl_mechanism(50, 0, critical_infrastructure=True)
'security_assessment'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import LawfulnessError
from .policy import PolicySpec

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = [
    "EXEMPTIONS",
    "MECHANISMS",
    "ORDINARY_HIGH",
    "ORDINARY_LOW",
    "SENSITIVE_HIGH",
    "check_crossborder",
    "crossborder_summary",
    "gdpr_basis",
    "pipl_mechanism",
]

ORDINARY_LOW = 100_000
ORDINARY_HIGH = 1_000_000
SENSITIVE_HIGH = 10_000


#: Every value of ``pipl_mechanism``.
MECHANISMS = ("none", "exempt", "standard_contract", "certification", "security_assessment")
#: Art. 5 exemptions a seller may declare (``policy.crossborder.exemption``): code -> article.
EXEMPTIONS = {
    "contract": "Provisions 2024 Art. 5(3) (necessary for a contract with the individual)",
    "hr": "Provisions 2024 Art. 5(4) (cross-border human resources management)",
    "emergency": "Provisions 2024 Art. 5(5) (emergency protection of life, health, property)",
}
_ARTICLE = {
    "none": "PIPL Art. 38 not engaged (recipient in China)",
    "exempt": "Provisions 2024 Art. 5(6) (under 100,000 individuals, no sensitive information)",
    "standard_contract": "PIPL Art. 38(1)3; Provisions 2024 Art. 8 (standard contract, filed "
    "with the provincial CAC)",
    "certification": "PIPL Art. 38(1)2; Provisions 2024 Art. 8 (personal information protection "
    "certification)",
    "security_assessment": "PIPL Art. 38(1)1, 40; Provisions 2024 Art. 7 (CAC security assessment)",
}


def pipl_mechanism(
    individuals: int,
    sensitive_individuals: int,
    *,
    critical_infrastructure: bool = False,
    important_data: bool = False,
    exemption: str | None = None,
    choice: str = "standard_contract",
) -> str:
    """The PIPL export mechanism for a year's cumulative counts and the seller's answers (see
    the module docstring); ``choice`` is what the seller uses where Art. 8 leaves it open."""
    if critical_infrastructure or important_data:
        return "security_assessment"
    if exemption is not None:
        return "exempt"
    if individuals >= ORDINARY_HIGH or sensitive_individuals >= SENSITIVE_HIGH:
        return "security_assessment"
    if individuals >= ORDINARY_LOW or sensitive_individuals > 0:
        return choice
    return "exempt"


def check_crossborder(summary: dict[str, Any], reference: str | None) -> None:
    """Stop (one line, :class:`~migration_kit.errors.LawfulnessError`) while a mechanism that
    needs a filing or approval has no reference on record.

    Example
    -------
    >>> check_crossborder({"pipl_mechanism": "exempt"}, None)
    >>> check_crossborder({"pipl_mechanism": "standard_contract", "recipient_country": "SG",
    ...                    "individuals_leaving_cn_ytd": 120000}, None)
    Traceback (most recent call last):
    ...
    migration_kit.errors.LawfulnessError: handover stopped (PIPL Art. 38(1)3; ...
    """
    mechanism = summary["pipl_mechanism"]
    if mechanism in ("none", "exempt") or (reference and reference.strip()):
        return
    raise LawfulnessError(
        f"handover stopped ({_ARTICLE[mechanism]}): "
        f"{summary.get('individuals_leaving_cn_ytd', 0):,} individuals this year leave China "
        f"for {summary.get('recipient_country')} under {mechanism!r}, and no filing or approval "
        "is on record; complete it, then give its number in policy.crossborder_reference "
        "(or, where an Art. 5 exemption applies, declare it in policy.crossborder.exemption)"
    )


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
    ledger_prior: Mapping[str, int] | None = None,
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
    ledger_prior : mapping, optional
        ``individuals, sensitive_individuals`` other runs of this seller sent abroad this year
        (:class:`~migration_kit.scoping.ledger.CrossborderLedger`).

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
    ledger = dict(ledger_prior or {})
    prior = {
        k: int(policy.crossborder_prior.get(k, 0)) + int(ledger.get(k, 0))
        for k in ("individuals", "sensitive_individuals")
    }
    n_ytd, s_ytd = n + prior["individuals"], s + prior["sensitive_individuals"]
    eea = int((moving & (ent["region"] == "EEA").to_numpy()).sum())
    date = policy.transfer_date
    cb = policy.crossborder
    mechanism = (
        pipl_mechanism(
            n_ytd,
            s_ytd,
            critical_infrastructure=cb.critical_infrastructure,
            important_data=cb.important_data,
            exemption=cb.exemption,
            choice=cb.mechanism,
        )
        if abroad
        else "none"
    )
    return {
        "recipient_country": country,
        "cross_border": bool(abroad),
        "individuals_leaving_cn": n,
        "sensitive_individuals_leaving_cn": s,
        "individuals_leaving_cn_ytd": n_ytd,
        "prior_individuals_from_ledger": int(ledger.get("individuals", 0)),
        "prior_individuals_from_params": int(policy.crossborder_prior.get("individuals", 0)),
        "sensitive_individuals_leaving_cn_ytd": s_ytd,
        "pipl_mechanism": mechanism,
        "pipl_article": EXEMPTIONS[cb.exemption]
        if (mechanism == "exempt" and cb.exemption)
        else _ARTICLE[mechanism],
        "pipl_reference": policy.crossborder_reference,
        "critical_infrastructure": cb.critical_infrastructure,
        "important_data": cb.important_data,
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
