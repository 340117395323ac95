"""Notification roster: every transferred customer, how to reach them, and the notice
(PIPL Art. 22, 23, 39; GDPR Art. 14).

Channel: ``sms`` for a Chinese mobile (E.164 ``+861[3-9]`` + 9 digits), else ``email``, else
``post`` when an address is known, else ``none`` (``contact_missing`` True: counted in the
report, which gives them a public notice). The message is the notice of
:mod:`migration_kit.scoping.notices` in the customer's language, for the deal, the recipient's
country and the customer's region (the seller's own text where ``policy.notification.templates``
gives one). ``due_by`` (datetime64): the transfer date for everyone (PIPL Art. 22 wants the
customer told before the move, which also meets GDPR Art. 14(3)(a)).

The roster holds plaintext contact values: it only leaves the run folder encrypted (handover stage).

Example
-------
>>> roster = build_roster(golden, result.entity_dispositions, policy, deal)   # doctest: +SKIP
>>> roster.columns.tolist()                                                    # doctest: +SKIP
['entity_id', 'channel', 'contact', 'language', 'message', 'due_by', 'flags', 'contact_missing']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import schema
from .notices import NOTICE_LANGUAGES, NoticeContext, notice
from .policy import PolicySpec

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = ["CN_MOBILE", "ROSTER_COLUMNS", "build_roster", "notice_context", "render_messages"]

ROSTER_COLUMNS = list(schema.ROSTER_COLUMNS)
#: A Chinese mobile number in E.164 (already validated by the cleaning stage).
CN_MOBILE = r"^\+861[3-9]\d{9}$"


def notice_context(policy: PolicySpec, deal: Deal, fields: pd.DataFrame | None) -> NoticeContext:
    """The facts the notices state, from the policy, the deal and the field plan.

    Example
    -------
    >>> import datetime as dt
    >>> from migration_kit.params import Deal
    >>> deal = Deal.from_dict({"type": "merger", "seller": {"name": "S Co", "contact": "s@s"},
    ...                        "recipient": {"name": "R Co", "contact": "400-1", "country": "CN"}})
    >>> notice_context(PolicySpec(transfer_date=dt.date(2026, 1, 1)), deal, None).basis
    'art22'
    """
    from ..deals import deal_type
    from ..intake.classify import FIELD_CLASSES
    from .crossborder import gdpr_basis

    new = policy.new_purposes()
    lawful = [p for p in policy.purposes if p not in new]
    exported = [] if fields is None else list(fields.loc[fields["exported"], "field"])
    country = getattr(deal.recipient, "country", None) or "CN"
    consent = deal_type(deal.type).needs_consent and policy.asset_sale.basis == "separate_consent"
    basis_text = gdpr_basis(country, policy)
    safeguard = (
        "none"
        if basis_text.startswith("none")
        else "adequacy"
        if "adequacy" in basis_text
        else "scc"
    )
    return NoticeContext(
        deal=deal.type,
        seller=deal.seller.name,
        recipient=deal.recipient.name,
        contact=deal.recipient.contact,
        date=policy.transfer_date.isoformat() if policy.transfer_date else "",
        purposes=tuple(lawful),
        methods=tuple(m for p in lawful if (m := policy.purpose_methods.get(p))),
        categories=tuple(FIELD_CLASSES[f][0] for f in exported if f in FIELD_CLASSES),
        new_purposes=tuple(new),
        country=country,
        abroad=country != "CN",
        basis="consent" if consent else "art22",
        safeguard=safeguard,
        retention_years=policy.retention_years,
    )


def render_messages(
    policy: PolicySpec, deal: Deal, fields: pd.DataFrame | None = None
) -> dict[tuple[str, bool], str]:
    """(language, EEA resident) -> the notice text (one text per language and case).

    Example
    -------
    >>> import datetime as dt
    >>> from migration_kit.params import Deal
    >>> deal = Deal.from_dict({"type": "merger", "seller": {"name": "S Co", "contact": "s@s"},
    ...                        "recipient": {"name": "R Co", "contact": "400-1", "country": "CN"}})
    >>> texts = render_messages(PolicySpec(transfer_date=dt.date(2026, 1, 1)), deal)
    >>> "R Co" in texts[("en", False)] and "Beschwerde" in texts[("de", True)]
    True
    """
    ctx = notice_context(policy, deal, fields)
    values = {
        "recipient_name": deal.recipient.name,
        "recipient_contact": deal.recipient.contact,
        "seller_name": deal.seller.name,
        "seller_contact": deal.seller.contact,
        "transfer_date": ctx.date,
    }
    out = {}
    for lang in {*NOTICE_LANGUAGES, *policy.notification.templates}:
        for eea in (False, True):
            own = policy.notification.templates.get(lang)
            out[(lang, eea)] = own.format_map(values) if own else notice(ctx, lang, eea=eea)
    return out


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series(None, index=df.index, dtype=object)
    s = df[name].astype(object)
    return s.where(s.notna() & (s.astype(str).str.strip() != ""), None)


def build_roster(
    golden: pd.DataFrame,
    entity_dispositions: pd.DataFrame,
    policy: PolicySpec,
    deal: Deal,
    fields: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per transferred customer (sorted by ``entity_id``); see module docstring.

    Parameters
    ----------
    golden : DataFrame
        Golden records (``phone``, ``email``, ``address``, ``country`` ...).
    entity_dispositions : DataFrame
        From :func:`~migration_kit.scoping.disposition.decide`.
    policy : PolicySpec
    deal : params.Deal
    fields : DataFrame, optional
        The field plan (the categories a notice names).

    Returns
    -------
    DataFrame
        Columns :data:`ROSTER_COLUMNS`; empty for a share sale (nothing moves).

    Example
    -------
    >>> build_roster(golden, ent, policy, deal)["channel"].tolist()   # doctest: +SKIP
    ['sms', 'email', 'none']
    """
    ent = entity_dispositions[entity_dispositions["disposition"] == "transferred"]
    g = ent[["entity_id", "region", "flags"]].merge(
        golden.drop_duplicates("entity_id"), on="entity_id", how="left", suffixes=("", "_golden")
    )
    g = g.sort_values("entity_id", kind="mergesort").reset_index(drop=True)
    phone, email = _col(g, "phone"), _col(g, "email")
    address = _col(g, "address")
    sms = phone.astype("string").str.match(CN_MOBILE).fillna(False).to_numpy(dtype=bool)
    has_email, has_post = email.notna().to_numpy(), address.notna().to_numpy()
    channel = np.select([sms, has_email, has_post], ["sms", "email", "post"], "none")
    contact = np.select(
        [sms, has_email, has_post],
        [phone.to_numpy(), email.to_numpy(), address.to_numpy()],
        np.array(None, dtype=object),  # np.select makes the default an array anyway
    )
    country = _col(g, "country")
    langs = {c: policy.notification.language_for(c) for c in country.dropna().unique()}
    language = country.map(langs).fillna(policy.notification.language_for(None))
    messages = render_messages(policy, deal, fields)
    eea = (g["region"].to_numpy() == "EEA").tolist()
    message = [messages[(lang, e)] for lang, e in zip(language.tolist(), eea, strict=True)]
    date = policy.require_date()
    due = np.full(len(g), np.datetime64(date, "ns"))
    return pd.DataFrame(
        {
            "entity_id": g["entity_id"].to_numpy(),
            "channel": channel,
            "contact": contact,
            "language": language.to_numpy(),
            "message": np.array(message, dtype=object),
            "due_by": due.astype("datetime64[ns]"),
            "flags": g["flags"].to_numpy(),
            "contact_missing": channel == "none",
        },
        columns=ROSTER_COLUMNS,
    )
