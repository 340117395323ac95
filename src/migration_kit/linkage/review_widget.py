"""The review app in JupyterLab: one pair at a time through the whole masked queue, decided by key.

It pages through every pair of ``reports/review_queue.csv`` in the queue's order (a withdrawal or
erasure request on one record first, then the most uncertain), shows "Pair N of M" and the pair's
card (:func:`~migration_kit.linkage.review_card.pair_card_html`: every compared field side by side,
masked, with the level each comparison found and its weight as a bar), and saves each decision at
once into the client's decisions file (:func:`~migration_kit.linkage.review_store.save_decision`,
atomic), where every later run of the client applies it.

Keys: ipywidgets has no page-wide key handler (and ipyevents is not a dependency), so the app has a
key box: click into it once, then type ``m`` match, ``n`` non-match, ``s`` skip / unsure, ``x``
clear the decision, ``j`` next, ``k`` previous; each key acts at once and the box empties itself.
The buttons do the same with the mouse.

Outside a live notebook frontend (papermill, nbval, a plain Python process)
:func:`live_frontend` is false and :func:`queue_summary` gives the plain summary the notebook
shows instead of a widget, so executed notebooks hold no widget state and stay deterministic.

Example
-------
>>> app = ReviewApp(Path("reports/review_queue.csv"),
...                 Path("params/reviews/rehearsal.csv"))            # doctest: +SKIP
>>> app.widget                                                       # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..artifacts import ARTIFACTS
from ..runfolder import unescape_formulas
from .review import pair_id
from .review_card import KEY_HELP, pair_card_html
from .review_store import decided, save_decision

if TYPE_CHECKING:  # pragma: no cover
    import ipywidgets

__all__ = [
    "QueueSummary",
    "ReviewApp",
    "live_frontend",
    "queue_summary",
    "read_queue",
    "review_widget",
]

_KEY = ("source_a", "record_id_a", "source_b", "record_id_b")
_ACTIONS = {"m": "match", "n": "non_match", "x": ""}


def live_frontend() -> bool:
    """True inside an IPython kernel whose current cell was sent by an interactive frontend.

    JupyterLab (and Notebook 7, VS Code) send ``allow_stdin: true`` with every cell, since they
    can answer ``input()``; papermill / nbclient and nbval execute with ``allow_stdin: false``.

    Example
    -------
    >>> live_frontend()     # a plain Python process
    False
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    return bool(getattr(kernel, "_allow_stdin", False))


def read_queue(
    queue_path: str | os.PathLike, columns: Collection[str] | None = None
) -> pd.DataFrame:
    """The review queue CSV as strings, in its order (formula escapes undone); ``columns``:
    only those of them the file has.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "q.csv"
    >>> _ = p.write_text("pair_id,source_a,decision\\nab,pos,\\n")
    >>> read_queue(p).values.tolist()
    [['ab', 'pos', '']]
    """
    wanted = None if columns is None else set(columns)
    usecols = None if wanted is None else (lambda c: c in wanted)
    return unescape_formulas(
        pd.read_csv(queue_path, dtype=str, keep_default_na=False, usecols=usecols)
    )


def _pair_ids(queue: pd.DataFrame) -> list[str]:
    return [pair_id(*k) for k in zip(*(queue[c] for c in _KEY), strict=True)]


@dataclass(frozen=True)
class QueueSummary:
    """What the notebook shows of the review queue when no frontend can show the app.

    Example
    -------
    >>> QueueSummary(1533, 12, 0, "../params/reviews/rehearsal.csv")
    1,533 pairs to review (12 with a withdrawal or erasure request on one record), 0 decided. \
Open this notebook in JupyterLab to review them; decisions are saved to \
../params/reviews/rehearsal.csv and every later run of the client applies them.
    """

    pairs: int
    with_request: int
    decided: int
    saved_to: str
    stale: int = 0

    @property
    def text(self) -> str:
        if not self.pairs:
            return "No pairs to review: every pair is above or below the review band."
        out = (
            f"{self.pairs:,} pairs to review ({self.with_request:,} with a withdrawal or erasure "
            f"request on one record), {self.decided:,} decided. Open this notebook in JupyterLab "
            f"to review them; decisions are saved to {self.saved_to} and every later run of the "
            "client applies them."
        )
        if self.stale:
            out += (
                f" {self.stale:,} saved decision(s) name records or pairs this run does not have:"
                f" see {ARTIFACTS['review_decisions_stale'].path}."
            )
        return out

    def __repr__(self) -> str:
        return self.text


def queue_summary(
    queue_path: str | os.PathLike,
    decisions_path: str | os.PathLike,
    *,
    saved_to: str | None = None,
    stale: int = 0,
) -> QueueSummary:
    """Counts of the queue: pairs, pairs with a request on one record, pairs decided in the file.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "q.csv"
    >>> _ = p.write_text("source_a,record_id_a,source_b,record_id_b,request_on\\n"
    ...                  "pos,1,web,7,b\\npos,2,web,8,\\n")
    >>> s = queue_summary(p, p.parent / "d.csv", saved_to="d.csv")
    >>> s.pairs, s.with_request, s.decided
    (2, 1, 0)
    """
    queue = read_queue(queue_path, columns=(*_KEY, "request_on"))  # counts need no more
    done = decided(decisions_path)
    ids = _pair_ids(queue) if len(queue) and done else []
    req = queue["request_on"] if "request_on" in queue.columns else pd.Series([], dtype=str)
    return QueueSummary(
        pairs=len(queue),
        with_request=int(req.isin(["a", "b"]).sum()),
        decided=sum(1 for p in ids if p in done),
        saved_to=saved_to if saved_to is not None else str(decisions_path),
        stale=stale,
    )


class ReviewApp:
    """The review app over one run's queue, saving into ``decisions_path``.

    Parameters
    ----------
    queue_path : path
        The run's ``reports/review_queue.csv`` (masked).
    decisions_path : path
        The client's decisions file (created on the first decision).
    run_id : str, optional
        Recorded with each decision (``decided_on_run``).
    band : (float, float), optional
        The review band, shown on the card.
    stale : int, optional
        Saved decisions the run could not use as given (shown until the first key).

    Example
    -------
    >>> app = ReviewApp(queue, decisions, run_id="r1")     # doctest: +SKIP
    >>> app.press("m")                                      # doctest: +SKIP
    """

    def __init__(
        self,
        queue_path: str | os.PathLike,
        decisions_path: str | os.PathLike,
        *,
        run_id: str = "",
        band: tuple[float, float] | None = None,
        stale: int = 0,
    ) -> None:
        import ipywidgets as w

        self.queue = read_queue(queue_path)
        self.decisions_path = Path(decisions_path)
        self.run_id, self.band = run_id, band
        self.ids = _pair_ids(self.queue) if len(self.queue) else []
        self.saved = decided(self.decisions_path)
        weights = self.queue[[c for c in self.queue.columns if c.startswith("w_")]]
        numeric = weights.apply(pd.to_numeric, errors="coerce").abs()
        self.scale = max(1.0, float(numeric.max().max())) if not numeric.empty else 1.0
        undecided = [i for i, p in enumerate(self.ids) if p not in self.saved]
        self.position = undecided[0] if undecided else 0
        self.note = (
            f"{stale:,} saved decision(s) name records or pairs this run does not have: see "
            f"{ARTIFACTS['review_decisions_stale'].path}"
            if stale
            else ""
        )
        self.card = w.HTML()
        self.key_box = w.Text(
            placeholder="click here, then type m / n / s / x / j / k",
            continuous_update=True,
            layout=w.Layout(width="22em"),
        )
        self.key_box.observe(self._on_key, names="value")
        buttons = []
        for key, label, style in (
            ("k", "◀ previous (k)", ""),
            ("m", "match (m)", "success"),
            ("n", "non-match (n)", "danger"),
            ("s", "skip (s)", ""),
            ("x", "clear (x)", "warning"),
            ("j", "next (j) ▶", ""),
        ):
            button = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
            button.on_click(lambda _b, key=key: self.press(key))
            buttons.append(button)
        self.buttons = buttons
        self.widget = w.VBox([self.card, w.HBox([*buttons, self.key_box])])
        self._render()

    # -- actions ---------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        """Act on one key (see :data:`~migration_kit.linkage.review_card.KEY_HELP`)."""
        key = key.strip().lower()[-1:] if key.strip() else ""
        if not len(self.queue) or not key:
            return
        if key in _ACTIONS:
            self._decide(_ACTIONS[key])
        elif key in ("s", "j"):
            self.note = "skipped" if key == "s" else ""
            self._move(+1)
        elif key == "k":
            self.note = ""
            self._move(-1)
        else:
            self.note = f"key {key!r} does nothing here; " + ", ".join(
                f"{k} {what}" for k, what in KEY_HELP
            )
        self._render()

    def _on_key(self, change: dict[str, object]) -> None:  # a callback, not notebook logic
        value = str(change.get("new") or "")
        if value:
            self.key_box.value = ""
            self.press(value[-1])

    def _decide(self, decision: str) -> None:
        row = self.queue.iloc[self.position]
        save_decision(
            self.decisions_path, {c: str(row[c]) for c in _KEY}, decision, run_id=self.run_id
        )
        pid = self.ids[self.position]
        if decision:
            self.saved[pid] = decision
        else:
            self.saved.pop(pid, None)
        what = {"match": "match", "non_match": "non-match", "": "decision cleared"}[decision]
        self.note = f"pair {self.position + 1:,}: {what}, saved to {self.decisions_path.name}"
        if decision:
            self._move(+1)

    def _move(self, step: int) -> None:
        self.position = min(max(self.position + step, 0), len(self.queue) - 1)

    def _render(self) -> None:
        if not len(self.queue):
            self.card.value = "<p>No pairs to review.</p>"
            return
        self.card.value = pair_card_html(
            {str(k): v for k, v in self.queue.iloc[self.position].items()},
            position=self.position + 1,
            total=len(self.queue),
            decided=self.saved.get(self.ids[self.position], ""),
            decided_count=sum(1 for p in self.ids if p in self.saved),
            scale=self.scale,
            band=self.band,
            note=self.note,
        )

    @property
    def current(self) -> dict[str, str]:
        """The record keys of the pair shown."""
        row = self.queue.iloc[self.position]
        return {c: str(row[c]) for c in _KEY}


def review_widget(
    queue_path: str | os.PathLike,
    decisions_path: str | os.PathLike,
    *,
    run_id: str = "",
    band: tuple[float, float] | None = None,
) -> ipywidgets.VBox:
    """The app's widget (see :class:`ReviewApp`).

    Example
    -------
    >>> review_widget(Path("reports/review_queue.csv"),
    ...               Path("params/reviews/rehearsal.csv"))           # doctest: +SKIP
    """
    return ReviewApp(queue_path, decisions_path, run_id=run_id, band=band).widget
