"""The one-screen summary for the data protection officer, at the top of the report.

Eight short cards: the deal and its legal basis; ``input = transferred + merged + excluded``;
exclusions by reason (each record once, so they add up to the headline); the withdrawal and
erasure requests and how they were honoured; minors and sensitive data; the cross-border
mechanism and its reference; the quality gates; and what needs a signature. Above them, the
figures the reader must not miss (:mod:`.attention`). Everything is aggregate; every value from
a file or the params is escaped.

Example
-------
>>> html_ = dpo_summary(SummaryFacts(recon={"input": 3, "transferred": 1, "merged": 1,
...                                         "excluded": 1}))
>>> "3 input records = 1 transferred + 1 merged + 1 excluded" in html_
True
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..deals import deal_type
from .attention import DROP_POINTS, NEAR_GATE_POINTS
from .format import count, number

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = ["SummaryFacts", "dpo_summary", "signoff_items"]

#: Request types that exclude a customer, with their reason code (a marketing opt-out only drops
#: marketing).
_EXCLUDING_REQUESTS = {"withdrawn_consent": "WITHDRAWN_CONSENT", "erasure": "ERASURE_REQUEST"}
_REQUEST_WORDS = {
    "withdrawn_consent": "consent withdrawals",
    "erasure": "erasure requests",
    "marketing_optout": "marketing opt-outs",
}


@dataclass(frozen=True)
class SummaryFacts:
    """What the summary reads, all aggregate (tables are the run folder's reports).

    Parameters
    ----------
    recon : mapping
        ``input, transferred, merged, excluded`` (``reconciliation.json``).
    deal : Deal, optional
        The params' deal (None when the report is built without params).
    excluded : DataFrame, optional
        :func:`~migration_kit.report.exclusions.exclusion_breakdown`.
    requests : DataFrame, optional
        ``suppression_requests`` (``request_type, status, records``).
    fields : DataFrame, optional
        ``fields_exported`` (``field, exported, sensitive``).
    age_unknown : DataFrame, optional
        ``age_unknown_by_source`` (``transferred_age_unknown``).
    cross : mapping
        ``crossborder.json``.
    gates : DataFrame, optional
        ``quality_gates`` (``status``).
    gate_flags : sequence of str
        :func:`~migration_kit.report.attention.gate_flags` per gate row.
    attention : sequence of str
        HTML sentences of :mod:`.attention` (already escaped).
    review_pairs, decisions : int
        Pairs left for clerical review, and decisions applied.
    destroyed : bool
        ``migration-kit purge`` has destroyed and certified.
    customers : int
        Customers found by deduplication (golden records, transferred or not).
    children_sources : sequence of str
        ``policy.children_sources``.
    """

    recon: Mapping[str, int]
    deal: Deal | None = None
    excluded: pd.DataFrame | None = None
    requests: pd.DataFrame | None = None
    fields: pd.DataFrame | None = None
    age_unknown: pd.DataFrame | None = None
    cross: Mapping[str, object] = field(default_factory=dict)
    gates: pd.DataFrame | None = None
    gate_flags: Sequence[str] = ()
    attention: Sequence[str] = ()
    review_pairs: int = 0
    decisions: int = 0
    destroyed: bool = False
    children_sources: Sequence[str] = ()
    customers: int = 0


def _e(value: object) -> str:
    return html.escape(str(value))


def _card(title: str, body: str, cls: str = "") -> str:
    return f'<div class="card {cls}"><h3>{_e(title)}</h3>{body}</div>'


def _ul(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


def _deal_card(f: SummaryFacts) -> str:
    d = f.deal
    if d is None:
        return _card("Deal and legal basis", "<p><i>built without the params file</i></p>")
    t = deal_type(d.type)
    seller = _e(d.seller.name) + (f" ({_e(d.seller.country)})" if d.seller.country else "")
    recipient = _e(d.recipient.name) + f" ({_e(d.recipient.country)})"
    return _card(
        "Deal and legal basis",
        f"<p><b>{_e(t.label.capitalize())}</b>: {seller} → {recipient}</p>"
        f"<p>{_e(t.basis_text)}</p>",
    )


def _records_card(f: SummaryFacts) -> str:
    r = f.recon
    if not r:
        return _card("Records", "<p class='bad'>no reconciliation in this run</p>")
    total = r.get("transferred", 0) + r.get("merged", 0) + r.get("excluded", 0)
    ok = total == r.get("input")
    line = (
        f"{number(r.get('input'))} input records = {number(r.get('transferred'))} transferred + "
        f"{number(r.get('merged'))} merged + {number(r.get('excluded'))} excluded"
    )
    verdict = (
        "<p class='ok'>✓ adds up</p>"
        if ok
        else (f"<p class='bad'>✗ does not add up: the three make {number(total)}</p>")
    )
    found = (
        f"<p>{number(f.customers)} distinct customers found by deduplication; "
        f"{number(r.get('transferred'))} of them move to the recipient</p>"
        if f.customers
        else ""
    )
    return _card("Records", f"<p class='big'>{line}</p>{verdict}{found}")


def _exclusions_card(f: SummaryFacts) -> str:
    ex = f.excluded
    if ex is None or ex.empty:
        return _card("Excluded, by reason", "<p>none</p>")
    rows = "".join(
        f"<tr><td><code>{_e(c)}</code></td><td class='num'>{number(n)}</td></tr>"
        for c, n in zip(ex["reason_code"], ex["records"], strict=True)
    )
    total = int(ex["records"].sum())
    rows += f"<tr class='total'><td>excluded</td><td class='num'>{number(total)}</td></tr>"
    return _card(
        "Excluded, by reason",
        f"<table class='mini'>{rows}</table><p class='note'>each record counted once, under its "
        "first reason (section 6)</p>",
    )


def _requests_card(f: SummaryFacts) -> str:
    req = f.requests
    if req is None or req.empty:
        return _card("Requests honoured", "<p>no withdrawal or erasure requests</p>")
    ex = f.excluded
    excluded = (
        {}
        if ex is None or ex.empty
        else dict(zip(ex["reason_code"], ex["records_with_reason"], strict=True))
    )
    items = []
    for kind, grp in req.groupby("request_type", sort=True):
        word = _REQUEST_WORDS.get(str(kind), str(kind).replace("_", " "))
        done = grp["status"].isin(["matched", "matched_by_hand"])
        line = f"{number(int(done.sum()))} of {number(len(grp))} {_e(word)} honoured"
        code = _EXCLUDING_REQUESTS.get(str(kind))
        if code:
            line += (
                f": {count(excluded.get(code, 0), 'record')} of these customers excluded "
                "(every duplicate)"
            )
        else:
            line += ": the customers move without marketing consent"
        other = grp.loc[~done, "status"].value_counts()
        if len(other):
            line += "; " + ", ".join(
                f"<span class='bad'>{number(n)} {_e(s)}</span>" for s, n in other.items()
            )
        items.append(line)
    return _card("Requests honoured", _ul(items))


def _minors_card(f: SummaryFacts) -> str:
    items = []
    ex = f.excluded
    if ex is not None and not ex.empty:
        by = dict(zip(ex["reason_code"], ex["records_with_reason"], strict=True))
        items.append(f"{count(by.get('MINOR_UNDER_14', 0), 'record')} of minors under 14 excluded")
        if "HELD_AGE_UNKNOWN" in by or f.children_sources:
            sources = ", ".join(_e(s) for s in f.children_sources) or "none listed"
            items.append(
                f"{count(by.get('HELD_AGE_UNKNOWN', 0), 'record')} of unknown age held for a "
                f"guardian check (children's sources: {sources})"
            )
    if f.age_unknown is not None and "transferred_age_unknown" in f.age_unknown:
        n = int(pd.to_numeric(f.age_unknown["transferred_age_unknown"], errors="coerce").sum())
        items.append(f"{count(n, 'transferred customer')} without birth date or ID number")
    if f.fields is not None and "sensitive" in f.fields:
        sens = f.fields[f.fields["sensitive"].astype(str) == "True"]
        out = sens[sens["exported"].astype(str) == "True"]["field"].astype(str).tolist()
        kept = sens[sens["exported"].astype(str) != "True"]["field"].astype(str).tolist()
        items.append(
            "sensitive fields: "
            + (
                f"exported {', '.join(f'<code>{_e(x)}</code>' for x in out)}"
                if out
                else "none exported"
            )
            + (f"; dropped {', '.join(f'<code>{_e(x)}</code>' for x in kept)}" if kept else "")
        )
    return _card("Minors and sensitive data", _ul(items) or "<p>no figures</p>")


def _cross_card(f: SummaryFacts) -> str:
    c = f.cross
    if not c:
        return _card("Cross-border", "<p><i>no cross-border summary</i></p>")
    items = []
    if c.get("cross_border"):
        ref = c.get("pipl_reference")
        items.append(
            f"{number(c.get('individuals_leaving_cn', 0))} individuals leave China "
            f"({number(c.get('sensitive_individuals_leaving_cn', 0))} with sensitive data)"
        )
        items.append(
            f"PIPL mechanism: <b>{_e(c.get('pipl_mechanism', ''))}</b> "
            f"({_e(c.get('pipl_article', ''))}); reference: "
            + (f"<b>{_e(ref)}</b>" if ref else "<span class='bad'>none on record</span>")
        )
    else:
        items.append(f"No personal information leaves China: {_e(c.get('pipl_article', ''))}")
    if c.get("eea_individuals"):
        items.append(
            f"{number(c.get('eea_individuals'))} EEA residents: GDPR transfer mechanism "
            f"{_e(c.get('gdpr_basis', ''))}; notice to them due by "
            f"{_e(c.get('gdpr_notice_due_by', '?'))}"
        )
    return _card("Cross-border", _ul(items))


def _gates_card(f: SummaryFacts) -> str:
    g = f.gates
    if g is None or g.empty:
        return _card("Quality gates", "<p class='bad'>no gates checked</p>")
    status = g["status"].astype(str)
    passed = int((status == "pass").sum())
    near = sum(1 for x in f.gate_flags if x == "near")
    parts = [f"{number(passed)} of {number(len(g))} passed"]
    for s in ("fail", "overridden"):
        n = int((status == s).sum())
        if n:
            parts.append(f"<span class='bad'>{number(n)} {'failed' if s == 'fail' else s}</span>")
    if near:
        parts.append(
            f"<span class='warn'>{number(near)} within {number(NEAR_GATE_POINTS)} points of "
            "its limit</span>"
        )
    ok = passed == len(g) and not near
    flags = list(f.gate_flags) or [""] * len(g)
    marks = {"": "✓", "near": "✓", "fail": "✗", "overridden": "✗"}
    rows = "".join(
        f"<tr class='{fl}'><td><code>{_e(gate).replace('.', '.<wbr>')}</code></td>"
        f"<td class='num'>{number(score, 1)}</td><td class='num'>{number(limit, 1)}</td>"
        f"<td>{marks.get(fl, '')}</td></tr>"
        for gate, score, limit, fl in zip(g["gate"], g["score"], g["threshold"], flags, strict=True)
    )
    return _card(
        "Quality gates",
        f"<p class='{'ok' if ok else ''}'>{', '.join(parts)}</p>"
        "<table class='mini gates'><tr><th>gate</th><th class='num'>score</th>"
        f"<th class='num'>limit</th><th></th></tr>{rows}</table>",
    )


def signoff_items(f: SummaryFacts) -> list[str]:
    """What the parties confirm by signing (HTML sentences), the standing items last.

    Example
    -------
    >>> signoff_items(SummaryFacts(recon={}, review_pairs=3))[0]
    '3 uncertain duplicate pairs in clerical review (0 decided)'
    """
    items = []
    if f.review_pairs:
        items.append(
            f"{count(f.review_pairs, 'uncertain duplicate pair')} in clerical review "
            f"({number(f.decisions)} decided)"
        )
    if f.gates is not None and len(f.gates):
        over = f.gates[f.gates["status"].astype(str) == "overridden"]
        for gate, who in zip(over["gate"], over.get("approved_by", ""), strict=False):
            items.append(f"override of gate <code>{_e(gate)}</code> ({_e(who)})")
    if f.requests is not None and len(f.requests):
        hand = f.requests["status"].isin(["matched_by_hand", "overridden"])
        if hand.any():
            items.append(f"{count(int(hand.sum()), 'request')} matched by hand or overridden")
    ex = f.excluded
    if ex is not None and len(ex) and int(ex["kept"].sum()):
        items.append(f"{count(int(ex['kept'].sum()), 'excluded record')} kept by the seller")
    c = f.cross
    if c.get("cross_border") and not c.get("pipl_reference"):
        items.append("the cross-border filing or approval (no reference on record)")
    if c.get("eea_individuals"):
        items.append(
            f"notice to {number(c.get('eea_individuals'))} EEA residents by "
            f"{_e(c.get('gdpr_notice_due_by', '?'))} (GDPR Art. 14)"
        )
    if not f.destroyed:
        items.append("destruction: <code>migration-kit purge</code>, then its certificate")
    items.append("the checklist (section 11) and the signatures (section 12)")
    return items


def dpo_summary(f: SummaryFacts) -> str:
    """The summary section (HTML): what needs attention, then the eight cards.

    Example
    -------
    >>> "Needs attention" in dpo_summary(SummaryFacts(recon={}, attention=["x fell"]))
    True
    """
    if f.attention:
        top = "<div class='attention'><h3>Needs attention</h3>" + _ul(list(f.attention)) + "</div>"
    else:
        top = (
            f"<div class='allclear'>Nothing flagged: no quality figure fell by "
            f"{number(DROP_POINTS)} points or more, no gate failed or passed by less than "
            f"{number(NEAR_GATE_POINTS)} points.</div>"
        )
    sign = _card("Needs sign-off", _ul(signoff_items(f)), "signoff")
    cards = [
        _deal_card(f),
        _records_card(f),
        _exclusions_card(f),
        _requests_card(f),
        _minors_card(f),
        _cross_card(f),
        _gates_card(f),
        sign,
    ]
    return (
        "<section class='summary' id='summary'><h2>Summary for the data protection officer</h2>"
        + top
        + "<div class='cards'>"
        + "".join(cards)
        + "</div></section>"
    )
