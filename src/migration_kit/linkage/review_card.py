"""One review pair as an HTML card: both records side by side (masked), what each comparison found,
and its weight as a bar. Pure functions of a review queue row, so the card is unit-tested and
screenshotted without a browser session; the review app (:mod:`.review_widget`) shows it in an
``ipywidgets.HTML``.

The values come from the review queue, which :func:`~migration_kit.linkage.review.review_queue`
masked with :mod:`migration_kit.masking`; everything is HTML-escaped again here.

Example
-------
>>> row = {"source_a": "pos", "record_id_a": "M1", "source_b": "web", "record_id_b": "W7",
...        "request_on": "b", "match_probability": "0.62", "match_weight": "0.7",
...        "name_a": "王**", "name_b": "王*", "level_name": "pinyin", "w_name": "11.9"}
>>> html = pair_card_html(row, position=1, total=1533)
>>> "1 of 1,533" in html and "王**" in html and "pinyin" in html
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

__all__ = [
    "COMPARED_FIELDS",
    "FIELD_LABELS",
    "KEY_HELP",
    "card_document",
    "comparisons_of",
    "pair_card_html",
    "pair_card_text",
]

#: Queue field stem -> label on the card.
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "phone": "Phone",
    "email": "E-mail",
    "id_number": "ID number",
    "birth_year": "Birth year",
    "gender": "Gender",
    "address": "Address",
    "postcode": "Postcode",
    "district": "District",
    "city": "City",
    "country": "Country",
    "organization": "Organization",
}
#: Comparison name -> the queue fields it compares (a comparison not listed shows its weight only).
COMPARED_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "full_name": ("name",),
    "given_name": ("name",),
    "family_name": ("name",),
    "birth_date": ("birth_year",),
    "phone": ("phone",),
    "email": ("email",),
    "id_number": ("id_number",),
    "location": ("address", "postcode", "district", "city", "country"),
    "address": ("address",),
    "postcode": ("postcode",),
    "city": ("city",),
    "gender": ("gender",),
    "organization": ("organization",),
}
#: The keys the review app and the terminal review take, in the order shown.
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("m", "match"),
    ("n", "non-match"),
    ("s", "skip / unsure"),
    ("x", "clear"),
    ("j", "next"),
    ("k", "previous"),
)

_POS, _NEG, _MUTED = "#1a7f37", "#c62828", "#6b7280"
_REQUEST = {
    "a": "withdrawal or erasure request on record A",
    "b": "withdrawal or erasure request on record B",
    "both": "requests on both records",
}
_DECIDED = {"match": ("match", _POS), "non_match": ("non-match", _NEG)}


def comparisons_of(columns: Sequence[str]) -> list[str]:
    """The comparisons a queue carries weights for (``w_<c>`` columns), in column order.

    Example
    -------
    >>> comparisons_of(["pair_id", "w_name", "level_name", "w_phone", "decision"])
    ['name', 'phone']
    """
    return [c[2:] for c in columns if c.startswith("w_")]


def _num(value: object) -> float:
    try:
        out = float(str(value))
    except ValueError:
        return 0.0
    return out if math.isfinite(out) else 0.0


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _bar(weight: float, scale: float) -> str:
    """A diverging bar: right and green for evidence for a match, left and red against."""
    frac = min(abs(weight) / scale, 1.0) if scale > 0 else 0.0
    width = f"{50 * frac:.1f}%"
    color = _POS if weight > 0 else _NEG
    left = "50%" if weight > 0 else f"calc(50% - {width})"
    bar = (
        f'<div style="position:absolute;top:3px;bottom:3px;left:{left};width:{width};'
        f'background:{color};border-radius:2px"></div>'
        if weight
        else ""
    )
    return (
        '<div style="display:flex;align-items:center;gap:8px">'
        '<div style="position:relative;flex:1;height:16px;background:#f3f4f6;border-radius:3px">'
        '<div style="position:absolute;top:0;bottom:0;left:50%;border-left:1px solid #9ca3af">'
        f"</div>{bar}</div>"
        f'<span style="width:4.5em;text-align:right;font-variant-numeric:tabular-nums;'
        f'color:{color if weight else _MUTED}">{weight:+.1f}</span></div>'
    )


def _values(row: Mapping[str, object], stems: Sequence[str], side: str) -> str:
    shown = []
    for stem in stems:
        value = str(row.get(f"{stem}_{side}", "") or "")
        label = f'<span style="color:{_MUTED}">{_e(FIELD_LABELS.get(stem, stem))}</span> '
        text = _e(value) if value else f'<span style="color:{_MUTED}">—</span>'
        shown.append(f"<div>{label if len(stems) > 1 else ''}{text}</div>")
    return "".join(shown) or f'<span style="color:{_MUTED}">(not shown)</span>'


def _td(content: str, extra: str = "") -> str:
    return f'<td style="padding:6px 10px;border-top:1px solid #e5e7eb;{extra}">{content}</td>'


def pair_card_html(
    row: Mapping[str, object],
    *,
    position: int,
    total: int,
    decided: str = "",
    decided_count: int | None = None,
    scale: float | None = None,
    band: tuple[float, float] | None = None,
    note: str = "",
) -> str:
    """The card of one queue row as an HTML fragment (inline styles, no script).

    Parameters
    ----------
    row : mapping
        A review queue row (``source_a, record_id_a, ...``, ``<stem>_a/_b``, ``level_<c>``,
        ``w_<c>``, ``match_probability``, ``match_weight``, ``request_on``); strings or numbers.
    position, total : int
        "``position`` of ``total``" (1-based).
    decided : str, optional
        The decision saved for this pair (``match`` / ``non_match``), empty if none.
    decided_count : int, optional
        Pairs of the queue decided so far (shown beside the position).
    scale : float, optional
        Weight shown as a full half-bar (default: the largest absolute weight of the row, >= 1);
        give the queue's largest so bars compare across pairs.
    band : (float, float), optional
        The review band (lower, upper threshold on the probability), shown beside it.
    note : str, optional
        One line under the header (the last action, say).

    Returns
    -------
    str
        HTML: header (position, request flag, probability, decision), one row per comparison
        (its level, both records' values, the weight bar), the fields no comparison uses, the
        model's total, and the keys.

    Example
    -------
    >>> row = {"source_a": "pos", "record_id_a": "M1", "source_b": "web", "record_id_b": "W7",
    ...        "match_probability": 0.5, "match_weight": 0.0, "phone_a": "138****5678",
    ...        "phone_b": "<b>", "level_phone": "exact", "w_phone": 17.1}
    >>> html = pair_card_html(row, position=2, total=3, decided="match")
    >>> "&lt;b&gt;" in html and "2 of 3" in html and ">match<" in html
    True
    """
    comps = comparisons_of(list(row.keys()))
    weights = {c: _num(row.get(f"w_{c}", 0)) for c in comps}
    if scale is None or scale <= 0:
        scale = max([1.0, *(abs(w) for w in weights.values())])
    prob, total_w = _num(row.get("match_probability")), _num(row.get("match_weight"))
    request = str(row.get("request_on", "") or "")
    head = [
        f'<span style="font-size:18px;font-weight:600">Pair {position:,} of {total:,}</span>',
    ]
    if decided_count is not None:
        head.append(f'<span style="color:{_MUTED}">{decided_count:,} decided</span>')
    if request:
        head.append(
            f'<span style="background:#fdecea;color:{_NEG};border:1px solid #f5c2c0;'
            f'border-radius:10px;padding:1px 9px">{_e(_REQUEST.get(request, request))}</span>'
        )
    band_txt = f" · review band {band[0]:.2f}–{band[1]:.2f}" if band else ""
    head.append(
        f"<span>match probability <b>{prob:.2f}</b>{band_txt} · weight {total_w:+.1f}</span>"
    )
    label, color = _DECIDED.get(decided, ("undecided", _MUTED))
    chip_bg = "#fff" if decided else "#f9fafb"
    head.append(
        f'<span style="margin-left:auto;border:1px solid {color};color:{color};'
        f'background:{chip_bg};border-radius:10px;padding:1px 10px;font-weight:600">'
        f"{_e(label)}</span>"
    )
    header = (
        '<div style="display:flex;flex-wrap:wrap;align-items:center;gap:14px;'
        'padding:10px 12px;background:#f9fafb;border-bottom:1px solid #e5e7eb">'
        + "".join(head)
        + "</div>"
    )
    note_html = (
        f'<div style="padding:6px 12px;color:{_MUTED};border-bottom:1px solid #e5e7eb">'
        f"{_e(note)}</div>"
        if note
        else ""
    )
    th = f'<th style="text-align:left;padding:6px 10px;color:{_MUTED};font-weight:500'
    rec_a = f"A · {_e(row.get('source_a', ''))} {_e(row.get('record_id_a', ''))}"
    rec_b = f"B · {_e(row.get('source_b', ''))} {_e(row.get('record_id_b', ''))}"
    rows = [
        f'<tr>{th};width:13%">Comparison</th>{th};width:11%">Level found</th>'
        f'{th};width:24%">{rec_a}</th>{th};width:24%">{rec_b}</th>'
        f'{th}">Weight <span style="color:{_NEG}">◀ against</span> · '
        f'<span style="color:{_POS}">for ▶</span></th></tr>'
    ]
    used: set[str] = set()
    for comp in comps:
        stems = [s for s in COMPARED_FIELDS.get(comp, ()) if f"{s}_a" in row]
        used.update(stems)
        level = str(row.get(f"level_{comp}", "") or "")
        w = weights[comp]
        level_html = (
            f'<span style="color:{_POS if w > 0 else _NEG if w < 0 else _MUTED}">{_e(level)}</span>'
            if level
            else f'<span style="color:{_MUTED}">missing value</span>'
        )
        rows.append(
            "<tr>"
            + _td(f"<b>{_e(comp.replace('_', ' '))}</b>")
            + _td(level_html)
            + _td(_values(row, stems, "a"))
            + _td(_values(row, stems, "b"))
            + _td(_bar(w, scale))
            + "</tr>"
        )
    rest = [s for s in FIELD_LABELS if s not in used and f"{s}_a" in row]
    rest = [s for s in rest if str(row.get(f"{s}_a", "") or "") or str(row.get(f"{s}_b", "") or "")]
    for stem in rest:
        grey = f"color:{_MUTED}"
        rows.append(
            "<tr>"
            + _td(_e(FIELD_LABELS[stem]), grey)
            + _td("not compared", grey)
            + _td(_values(row, [stem], "a"))
            + _td(_values(row, [stem], "b"))
            + _td("")
            + "</tr>"
        )
    prior = total_w - sum(weights.values())
    rows.append(
        "<tr>"
        + _td("<b>model</b>")
        + _td(f'<span style="color:{_MUTED}">prior, term frequency</span>')
        + _td("")
        + _td(f'<span style="color:{_MUTED}">total weight {total_w:+.1f} → p = {prob:.2f}</span>')
        + _td(_bar(prior, scale))
        + "</tr>"
    )
    table = (
        '<table style="width:100%;border-collapse:collapse;table-layout:fixed">'
        + "".join(rows)
        + "</table>"
    )
    keys = " ".join(
        f'<span style="margin-right:12px"><kbd style="border:1px solid #d1d5db;border-radius:3px;'
        f'padding:0 5px;background:#fff">{k}</kbd> {_e(what)}</span>'
        for k, what in KEY_HELP
    )
    footer = (
        f'<div style="padding:8px 12px;color:{_MUTED};border-top:1px solid #e5e7eb">{keys}</div>'
    )
    return (
        '<div class="mk-review-card" style="font-family:system-ui,-apple-system,\'Segoe UI\','
        "'Noto Sans CJK SC','PingFang SC',sans-serif;font-size:14px;color:#111827;"
        'border:1px solid #d1d5db;border-radius:8px;overflow:hidden;max-width:1200px">'
        + header
        + note_html
        + table
        + footer
        + "</div>"
    )


def card_document(fragment: str, title: str = "Review pair") -> str:
    """A standalone HTML page around a card (for a screenshot or a browser).

    Example
    -------
    >>> card_document("<p>x</p>").startswith("<!DOCTYPE html>")
    True
    """
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title></head>"
        f'<body style="margin:24px;background:#fff">{fragment}</body></html>'
    )


def pair_card_text(
    row: Mapping[str, object], *, position: int, total: int, decided: str = ""
) -> str:
    """The card of one queue row as plain text for a terminal (values as masked in the queue).

    Example
    -------
    >>> row = {"source_a": "pos", "record_id_a": "M1", "source_b": "web", "record_id_b": "W7",
    ...        "request_on": "b", "match_probability": "0.62", "match_weight": "0.7",
    ...        "phone_a": "138****5678", "phone_b": "138****5678", "level_phone": "exact",
    ...        "w_phone": "17.1"}
    >>> print(pair_card_text(row, position=1, total=2))
    Pair 1 of 2 · withdrawal or erasure request on record B · p=0.62 · weight +0.7 · undecided
      comparison   level      A pos M1          B web W7          weight
      phone        exact      138****5678       138****5678        +17.1
    """
    comps = comparisons_of(list(row.keys()))
    request = str(row.get("request_on", "") or "")
    head = [f"Pair {position:,} of {total:,}"]
    if request:
        head.append(_REQUEST.get(request, request))
    head.append(f"p={_num(row.get('match_probability')):.2f}")
    head.append(f"weight {_num(row.get('match_weight')):+.1f}")
    head.append(_DECIDED.get(decided, ("undecided", ""))[0])
    a = f"A {row.get('source_a', '')} {row.get('record_id_a', '')}"
    b = f"B {row.get('source_b', '')} {row.get('record_id_b', '')}"
    lines = [" · ".join(head), f"  {'comparison':<12} {'level':<10} {a:<17} {b:<17} weight"]
    used: set[str] = set()
    for comp in comps:
        stems = [s for s in COMPARED_FIELDS.get(comp, ()) if f"{s}_a" in row]
        used.update(stems)
        level = str(row.get(f"level_{comp}", "") or "") or "missing"
        filled = [s for s in stems if row.get(f"{s}_a") or row.get(f"{s}_b")] or stems[:1]
        va = " / ".join(str(row.get(f"{s}_a", "") or "-") for s in filled)
        vb = " / ".join(str(row.get(f"{s}_b", "") or "-") for s in filled)
        w = _num(row.get(f"w_{comp}", 0))
        lines.append(f"  {comp:<12} {level:<10} {va:<17} {vb:<17} {w:+6.1f}")
    for stem in FIELD_LABELS:
        va, vb = (str(row.get(f"{stem}_{side}", "") or "") for side in "ab")
        if stem not in used and f"{stem}_a" in row and (va or vb):
            lines.append(f"  {stem:<12} {'(shown)':<10} {va or '-':<17} {vb or '-':<17}")
    return "\n".join(lines)
