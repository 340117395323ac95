"""Scoping rules as data: each rule has a reason code, a legal article and a vectorized test.

A rule is a :class:`Rule` built from a row of :data:`RULE_TABLE` with :meth:`Rule.from_dict`. Its
``test`` names a predicate in :data:`PREDICATES`: a function of a :class:`RuleContext` (one row per
golden customer, see :func:`~migration_kit.scoping.disposition.entity_features`) returning a boolean
mask. ``kind`` says what a hit means:

- ``exclude``: the customer does not move; every record gets the reason code; ``destroy`` says
  whether the seller's working copy is destroyed (overridable per code by ``policy.destroy``).
- ``flag``: the customer moves, with an obligation attached (notice, re-consent ...).

Example
-------
>>> RULES_BY_CODE["ERASURE_REQUEST"].article
'PIPL Art. 47; GDPR Art. 17'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._spec import check_choice, check_keys, check_type
from ..deals import DEAL_TABLE, DEAL_TYPES
from ..registry import Registry

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal
    from .policy import PolicySpec

__all__ = [
    "MERGED_CODE",
    "PREDICATES",
    "RULES",
    "RULES_BY_CODE",
    "RULE_CODES",
    "RULE_TABLE",
    "Rule",
    "RuleContext",
    "evaluate_rules",
]

RULE_KINDS = ("exclude", "flag")
#: Reason code of every record merged into its customer's representative record.
MERGED_CODE = "MERGED_DUPLICATE"


@dataclass(frozen=True)
class RuleContext:
    """What every predicate sees: per-customer features, the policy and the deal."""

    features: pd.DataFrame
    policy: PolicySpec
    deal: Deal

    @property
    def n(self) -> int:
        return len(self.features)

    def col(self, name: str) -> np.ndarray:
        return self.features[name].to_numpy(dtype=bool)


#: Predicate name -> vectorized test over the customer features; ``needs`` lists the feature
#: columns (of :func:`~migration_kit.scoping.disposition.entity_features`) it reads.
PREDICATES: Registry[Callable[[RuleContext], np.ndarray]] = Registry("scoping predicate")


@PREDICATES.register("always")
def _all(ctx: RuleContext) -> np.ndarray:
    """Every customer."""
    return np.ones(ctx.n, dtype=bool)


@PREDICATES.register("erasure_request", needs=("erasure",))
def _erasure(ctx: RuleContext) -> np.ndarray:
    """An erasure request matches a record of the customer."""
    return ctx.col("erasure")


@PREDICATES.register("withdrawn_consent", needs=("withdrawn",))
def _withdrawn(ctx: RuleContext) -> np.ndarray:
    """A consent withdrawal matches a record of the customer."""
    return ctx.col("withdrawn")


@PREDICATES.register("marketing_optout", needs=("optout",))
def _optout(ctx: RuleContext) -> np.ndarray:
    """A marketing opt-out (退订) matches a record of the customer."""
    return ctx.col("optout")


@PREDICATES.register("retention_expired", needs=("retention_expired",))
def _retention(ctx: RuleContext) -> np.ndarray:
    """No activity for longer than the retention period."""
    return ctx.col("retention_expired")


@PREDICATES.register("minor_without_guardian_consent", needs=("is_minor", "guardian_consent"))
def _minor_without_consent(ctx: RuleContext) -> np.ndarray:
    """A minor, without recorded guardian consent where the policy accepts one."""
    minor = ctx.col("is_minor")
    if ctx.policy.minors == "guardian_consent":
        return minor & ~ctx.col("guardian_consent")
    return minor


@PREDICATES.register("minor_with_guardian_consent", needs=("is_minor", "guardian_consent"))
def _minor_with_consent(ctx: RuleContext) -> np.ndarray:
    """A minor with recorded guardian consent, under a policy that accepts it."""
    return (
        ctx.col("is_minor")
        & ctx.col("guardian_consent")
        & (ctx.policy.minors == "guardian_consent")
    )


@PREDICATES.register("age_unknown_in_children_source", needs=("age_unknown", "children_source"))
def _age_unknown_child(ctx: RuleContext) -> np.ndarray:
    """No birth date and no ID number, and a record in a source aimed at children."""
    return ctx.col("age_unknown") & ctx.col("children_source")


@PREDICATES.register("no_separate_consent", needs=("consent",))
def _no_consent(ctx: RuleContext) -> np.ndarray:
    """No separate consent on record, where the policy's basis is consent."""
    if ctx.policy.asset_sale.basis != "separate_consent":
        return np.zeros(ctx.n, dtype=bool)
    return ~ctx.col("consent")


@PREDICATES.register("new_purpose")
def _new_purpose(ctx: RuleContext) -> np.ndarray:
    """Every customer when a buyer purpose is outside the seller's original purposes (by name
    or by processing method)."""
    return np.full(ctx.n, bool(ctx.policy.new_purposes()), dtype=bool)


@PREDICATES.register("eu_resident", needs=("region",))
def _eu(ctx: RuleContext) -> np.ndarray:
    """The customer lives in the EEA."""
    return (ctx.features["region"] == "EEA").to_numpy(dtype=bool)


@PREDICATES.register("leaves_china", needs=("region",))
def _leaves_china(ctx: RuleContext) -> np.ndarray:
    """Data collected in China (or of unknown origin) goes to a recipient abroad."""
    if (getattr(ctx.deal.recipient, "country", None) or "CN") == "CN":
        return np.zeros(ctx.n, dtype=bool)
    return ctx.features["region"].isin(["CN", "UNKNOWN"]).to_numpy(dtype=bool)


@PREDICATES.register("no_consent_abroad", needs=("consent", "consent_abroad", "region"))
def _no_consent_abroad(ctx: RuleContext) -> np.ndarray:
    """Consent is the basis and the data leaves China, but the consent does not cover that."""
    if ctx.policy.asset_sale.basis != "separate_consent":
        return np.zeros(ctx.n, dtype=bool)
    return _leaves_china(ctx) & ctx.col("consent") & ~ctx.col("consent_abroad")


@dataclass(frozen=True)
class Rule:
    """One scoping rule (see module docstring).

    Example
    -------
    >>> Rule.from_dict({"code": "X", "kind": "flag", "article": "-", "description": "d",
    ...                 "test": "always"}, "r").kind
    'flag'
    """

    code: str
    kind: str
    article: str
    description: str
    test: str
    destroy: bool = False
    deal_types: tuple[str, ...] = DEAL_TYPES

    KEYS = ("code", "kind", "article", "description", "test", "destroy", "deal_types")

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Rule:
        check_keys(
            data, cls.KEYS, where, required=("code", "kind", "article", "description", "test")
        )
        deal_types = tuple(data.get("deal_types", DEAL_TYPES))
        for i, t in enumerate(deal_types):
            check_choice(t, DEAL_TYPES, f"{where}.deal_types[{i}]")
        return cls(
            code=check_type(data["code"], str, f"{where}.code"),
            kind=check_choice(data["kind"], RULE_KINDS, f"{where}.kind"),
            article=check_type(data["article"], str, f"{where}.article"),
            description=check_type(data["description"], str, f"{where}.description"),
            test=PREDICATES.get(data["test"], f"{where}.test").name,
            destroy=check_type(data.get("destroy", False), bool, f"{where}.destroy"),
            deal_types=deal_types,
        )

    def applies(self, deal_type: str) -> bool:
        """Whether this rule is in force for the deal type."""
        return deal_type in self.deal_types

    def mask(self, ctx: RuleContext) -> np.ndarray:
        """Boolean mask over the customers this rule hits (all False when the deal type is out of
        scope)."""
        if not self.applies(ctx.deal.type):
            return np.zeros(ctx.n, dtype=bool)
        out = np.asarray(PREDICATES[self.test].fn(ctx), dtype=bool)
        if out.shape != (ctx.n,):
            raise ValueError(
                f"rule {self.code}: predicate {self.test!r} returned shape {out.shape}, "
                f"expected ({ctx.n},)"
            )
        return out


#: Deal types (:mod:`migration_kit.deals`) a rule may be limited to.
_TRANSFER_DEALS = tuple(d.code for d in DEAL_TABLE if d.transfers)
_NO_TRANSFER_DEALS = tuple(d.code for d in DEAL_TABLE if not d.transfers)
_CONSENT_DEALS = tuple(d.code for d in DEAL_TABLE if d.needs_consent)
#: The rules, in report order. Edit here (as data) to add a rule; the test names a PREDICATES entry.
RULE_TABLE: list[dict[str, Any]] = [
    {
        "code": "SHARE_SALE_NO_TRANSFER",
        "kind": "exclude",
        "test": "always",
        "deal_types": list(_NO_TRANSFER_DEALS),
        "article": "PIPL Art. 22-23 not engaged (controller unchanged)",
        "destroy": False,
        "description": "share sale: the controller does not change; records are retained by the "
        "seller (not destroyed)",
    },
    {
        "code": "ERASURE_REQUEST",
        "kind": "exclude",
        "test": "erasure_request",
        "destroy": True,
        "article": "PIPL Art. 47; GDPR Art. 17",
        "description": "an erasure request matches a phone, e-mail or ID of any record of the "
        "customer",
    },
    {
        "code": "WITHDRAWN_CONSENT",
        "kind": "exclude",
        "test": "withdrawn_consent",
        "destroy": True,
        "article": "PIPL Art. 15, 47(1)3; GDPR Art. 7(3), 17(1)(b)",
        "description": "a consent withdrawal matches any record of the customer (destroyed unless "
        "policy.destroy keeps it)",
    },
    {
        "code": "RETENTION_EXPIRED",
        "kind": "exclude",
        "test": "retention_expired",
        "destroy": True,
        "article": "PIPL Art. 19, 47(1)2; GDPR Art. 5(1)(e)",
        "description": "no activity on any record for longer than policy.retention_years before "
        "the transfer date",
    },
    {
        "code": "MINOR_UNDER_14",
        "kind": "exclude",
        "test": "minor_without_guardian_consent",
        "destroy": True,
        "article": "PIPL Art. 28, 31",
        "description": "under policy.minor_age at the transfer date with no recorded guardian "
        "consent",
    },
    {
        "code": "HELD_AGE_UNKNOWN",
        "kind": "exclude",
        "test": "age_unknown_in_children_source",
        "destroy": False,
        "article": "PIPL Art. 28, 31",
        "description": "no birth date and no ID number, and a record in a source aimed at "
        "children (policy.children_sources): held by the seller for a guardian check",
    },
    {
        "code": "HELD_NO_CONSENT",
        "kind": "exclude",
        "test": "no_separate_consent",
        "destroy": False,
        "deal_types": list(_CONSENT_DEALS),
        "article": "PIPL Art. 23",
        "description": "asset sale: no separate consent in policy.asset_sale.consent_register "
        "(marketing consent does not count); held back by the seller and listed for re-consent",
    },
    {
        "code": "MARKETING_OPTOUT",
        "kind": "flag",
        "test": "marketing_optout",
        "deal_types": list(_TRANSFER_DEALS),
        "article": "PIPL Art. 15, 24(2), 44; GDPR Art. 21(2)-(3)",
        "description": "a marketing opt-out matches a record of the customer: the customer "
        "transfers, its marketing consent goes as refused and marketing-only fields stay behind",
    },
    {
        "code": "HELD_NO_CONSENT_ABROAD",
        "kind": "exclude",
        "test": "no_consent_abroad",
        "destroy": False,
        "deal_types": list(_CONSENT_DEALS),
        "article": "PIPL Art. 39",
        "description": "asset sale to a recipient abroad: the consent on record does not cover "
        "the transfer abroad (register column abroad); held back and listed for re-consent",
    },
    {
        "code": "NOTIFY_RECIPIENT",
        "kind": "flag",
        "test": "always",
        "deal_types": list(_TRANSFER_DEALS),
        "article": "PIPL Art. 22 (name and contact); Art. 23 (asset sale: also purpose, method "
        "and categories, and separate consent)",
        "description": "the customer must be told the recipient's name and contact",
    },
    {
        "code": "EU_NOTICE_ART14",
        "kind": "flag",
        "test": "eu_resident",
        "deal_types": list(_TRANSFER_DEALS),
        "article": "GDPR Art. 14(3)(a)",
        "description": "EEA resident: the recipient must inform within one month "
        "(policy.notice_days)",
    },
    {
        "code": "CN_EXPORT_ART39",
        "kind": "flag",
        "test": "leaves_china",
        "deal_types": list(_TRANSFER_DEALS),
        "article": "PIPL Art. 38-39; Cross-Border Data Flow Provisions 2024",
        "description": "data collected in China goes to a recipient abroad: separate consent and "
        "notice, and the mechanism in the cross-border summary",
    },
    {
        "code": "RECONSENT_NEW_PURPOSE",
        "kind": "flag",
        "test": "new_purpose",
        "deal_types": list(_TRANSFER_DEALS),
        "article": "PIPL Art. 22 (2nd sentence); GDPR Art. 6(4)",
        "description": "a buyer purpose is outside the seller's original purposes: new consent "
        "needed for it",
    },
    {
        "code": "GUARDIAN_CONSENT",
        "kind": "flag",
        "test": "minor_with_guardian_consent",
        "deal_types": list(_TRANSFER_DEALS),
        "article": "PIPL Art. 28, 31",
        "description": "minor moved on the strength of recorded guardian consent",
    },
]
RULES: tuple[Rule, ...] = tuple(
    Rule.from_dict(d, f"RULE_TABLE[{i}]") for i, d in enumerate(RULE_TABLE)
)
RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
RULE_CODES: tuple[str, ...] = tuple(RULES_BY_CODE)


def evaluate_rules(ctx: RuleContext, rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """Evaluate every rule: a boolean DataFrame (one row per customer, one column per code).

    Example
    -------
    >>> import datetime as dt
    >>> from migration_kit.params import Deal
    >>> from migration_kit.scoping.policy import PolicySpec
    >>> f = pd.DataFrame({"erasure": [True, False], "withdrawn": False, "optout": False,
    ...                   "retention_expired": False,
    ...                   "is_minor": False, "guardian_consent": False, "consent": True,
    ...                   "region": "CN", "age_unknown": False, "consent_abroad": False,
    ...                   "children_source": False})
    >>> deal = Deal.from_dict({"type": "merger", "seller": {"name": "S", "contact": "s"},
    ...                        "recipient": {"name": "R", "contact": "r", "country": "CN"}})
    >>> ctx = RuleContext(f, PolicySpec(transfer_date=dt.date(2026, 1, 1)), deal)
    >>> evaluate_rules(ctx)["ERASURE_REQUEST"].tolist()
    [True, False]
    """
    return pd.DataFrame({r.code: r.mask(ctx) for r in rules}, index=ctx.features.index)
