"""Notification roster: every transferred customer, how to reach them, and the message
(PIPL Art. 22; GDPR Art. 14).

Channel: ``sms`` for a Chinese mobile (E.164 ``+861[3-9]`` + 9 digits), else ``email``, else
``post`` when an address is known, else ``none`` (``contact_missing`` True: report these, they
cannot be told). The message is the template of the customer's language (``policy.notification``)
naming the recipient and its contact. ``due_by`` (datetime64): transfer date +
``policy.notice_days`` for EEA residents (GDPR Art. 14(3)(a)), the transfer date itself otherwise
(PIPL Art. 22: tell before the move).

The roster holds plaintext contact values: it only leaves the run folder encrypted (handover stage).

Example
-------
>>> roster = build_roster(golden, result.entity_dispositions, policy, deal)   # doctest: +SKIP
>>> roster.columns.tolist()                                                    # doctest: +SKIP
['entity_id', 'channel', 'contact', 'language', 'message', 'due_by', 'flags', 'contact_missing']
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import schema
from .policy import PolicySpec

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = ["CN_MOBILE", "ROSTER_COLUMNS", "build_roster", "render_messages"]

ROSTER_COLUMNS = list(schema.ROSTER_COLUMNS)
#: A Chinese mobile number in E.164 (already validated by the cleaning stage).
CN_MOBILE = r"^\+861[3-9]\d{9}$"


def render_messages(policy: PolicySpec, deal: Deal) -> dict[str, str]:
    """Language -> rendered message (the template only names the parties, so one text per language).

    Example
    -------
    >>> from migration_kit.params import Deal
    >>> deal = Deal.from_dict({"type": "merger", "seller": {"name": "S Co", "contact": "s@s"},
    ...                        "recipient": {"name": "R Co", "contact": "400-1", "country": "CN"}})
    >>> "R Co" in render_messages(PolicySpec(transfer_date=dt.date(2026, 1, 1)), deal)["en"]
    True
    """
    values = {
        "recipient_name": deal.recipient.name,
        "recipient_contact": deal.recipient.contact,
        "seller_name": deal.seller.name,
        "seller_contact": deal.seller.contact,
        "transfer_date": policy.transfer_date.isoformat() if policy.transfer_date else "",
    }
    return {lang: text.format_map(values) for lang, text in policy.notification.templates.items()}


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series(None, index=df.index, dtype=object)
    s = df[name].astype(object)
    return s.where(s.notna() & (s.astype(str).str.strip() != ""), None)


def build_roster(
    golden: pd.DataFrame, entity_dispositions: pd.DataFrame, policy: PolicySpec, deal: Deal
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
    language = country.map(langs).fillna(policy.notification.language["default"])
    messages = render_messages(policy, deal)
    date = policy.require_date()
    due = np.where(
        g["region"].to_numpy() == "EEA",
        np.datetime64(date + dt.timedelta(days=policy.notice_days), "ns"),
        np.datetime64(date, "ns"),
    )
    return pd.DataFrame(
        {
            "entity_id": g["entity_id"].to_numpy(),
            "channel": channel,
            "contact": contact,
            "language": language.to_numpy(),
            "message": language.map(messages).to_numpy(),
            "due_by": due.astype("datetime64[ns]"),
            "flags": g["flags"].to_numpy(),
            "contact_missing": channel == "none",
        },
        columns=ROSTER_COLUMNS,
    )
