"""An ipywidgets form over the masked review queue; saves the analyst's decisions as a CSV that the
next run reads back (``reports/review_decisions.csv``), overriding the model.

Example
-------
>>> review_widget(Path("reports/review_queue.csv"),
...               Path("reports/review_decisions.csv"))                 # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from ..runfolder import escape_formulas, unescape_formulas
from .review import DECISIONS

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["review_widget"]

_SHOWN = ("name", "phone", "email", "birth_year", "city")
_KEY = ["source_a", "record_id_a", "source_b", "record_id_b"]


def review_widget(
    queue_path: Path, decisions_path: Path, *, limit: int = 25
) -> ipywidgets.VBox | None:
    """A form with one row per uncertain pair (masked values side by side) and a Save button.

    Returns None when ipywidgets is missing or the queue is empty.
    """
    try:
        import ipywidgets as w
    except ImportError:
        return None
    queue = unescape_formulas(pd.read_csv(queue_path, dtype=str, keep_default_na=False))
    if queue.empty:
        return None
    prior = pd.DataFrame(columns=[*_KEY, "decision"])
    if Path(decisions_path).exists():
        prior = unescape_formulas(pd.read_csv(decisions_path, dtype=str, keep_default_na=False))
        queue = (
            queue.drop(columns="decision")
            .merge(prior[[*_KEY, "decision"]], on=_KEY, how="left")
            .fillna({"decision": ""})
        )
    rows, pickers = [], []
    for rec in queue.head(limit).itertuples(index=False):
        cells = " | ".join(
            f"{getattr(rec, f + '_a', '')} / {getattr(rec, f + '_b', '')}" for f in _SHOWN
        )
        flag = f" request on {rec.request_on}" if getattr(rec, "request_on", "") else ""
        picker = w.Dropdown(
            options=["", *DECISIONS], value=rec.decision or "", layout=w.Layout(width="9em")
        )
        pickers.append(picker)
        prob = float(cast(str, rec.match_probability))  # the queue is read with dtype=str
        rows.append(w.HBox([w.Label(f"p={prob:.2f}{flag}"), picker, w.Label(cells)]))
    status = w.Label("")
    save = w.Button(description="Save decisions")

    def _save(_button: object) -> None:  # a callback, not notebook logic
        shown = queue.head(limit)[_KEY].copy()
        shown["decision"] = [p.value for p in pickers]
        # decisions on pairs not shown here (further down the queue, or from an earlier queue)
        # are kept
        kept = prior.merge(shown[_KEY], on=_KEY, how="left", indicator=True)
        kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
        out = pd.concat([kept, shown[shown["decision"] != ""]], ignore_index=True)
        tmp = Path(decisions_path).with_suffix(".part")
        escape_formulas(out).to_csv(tmp, index=False, encoding="utf-8")
        tmp.replace(decisions_path)
        status.value = f"saved {len(out)} decisions; rerun the deduplication step to apply them"

    save.on_click(_save)
    return w.VBox([*rows, w.HBox([save, status])])
