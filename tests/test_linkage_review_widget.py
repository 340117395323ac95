"""The ipywidgets review form: shows the masked queue, saves decisions without losing earlier ones."""
from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")
from migration_kit.linkage.review_widget import review_widget  # noqa: E402

KEY = ["source_a", "record_id_a", "source_b", "record_id_b"]
QUEUE = pd.DataFrame([
    # source_a, record_id_a, source_b, record_id_b, request_on, probability, name_a, name_b, decision
    ("pos", "1", "web", "7", "b", "0.80", "王*", "王*", ""),
    ("pos", "2", "web", "8", "", "0.90", "李*", "李*", ""),
    ("pos", "3", "web", "9", "", "0.60", "张*", "张*", ""),
], columns=[*KEY, "request_on", "match_probability", "name_a", "name_b", "decision"])


def _form(tmp_path, prior: pd.DataFrame | None = None, limit: int = 2):
    qpath, dpath = tmp_path / "review_queue.csv", tmp_path / "review_decisions.csv"
    QUEUE.to_csv(qpath, index=False)
    if prior is not None:
        prior.to_csv(dpath, index=False)
    return review_widget(qpath, dpath, limit=limit), dpath


def _rows_and_save(form):
    *rows, footer = form.children
    return rows, footer.children[0]


def test_rows_show_masked_values_and_the_request_flag(tmp_path):
    form, _ = _form(tmp_path)
    rows, _ = _rows_and_save(form)
    assert len(rows) == 2
    assert rows[0].children[0].value == "p=0.80 request on b" and rows[1].children[0].value == "p=0.90"
    assert "王* / 王*" in rows[0].children[2].value


def test_save_writes_the_chosen_decisions(tmp_path):
    form, dpath = _form(tmp_path)
    rows, save = _rows_and_save(form)
    rows[0].children[1].value = "match"
    save.click()
    saved = pd.read_csv(dpath, dtype=str)
    assert saved.values.tolist() == [["pos", "1", "web", "7", "match"]]


def test_save_keeps_decisions_on_pairs_not_shown(tmp_path):
    # the third pair is below the form's limit; its earlier decision must survive a save
    prior = pd.DataFrame([("pos", "3", "web", "9", "non_match"), ("pos", "2", "web", "8", "match")], columns=[*KEY, "decision"])
    form, dpath = _form(tmp_path, prior)
    rows, save = _rows_and_save(form)
    assert rows[1].children[1].value == "match"          # earlier decision pre-selected
    rows[1].children[1].value = ""                      # the analyst clears it
    rows[0].children[1].value = "non_match"
    save.click()
    saved = pd.read_csv(dpath, dtype=str).sort_values("record_id_a").values.tolist()
    assert saved == [["pos", "1", "web", "7", "non_match"], ["pos", "3", "web", "9", "non_match"]]


def test_empty_queue_gives_no_form(tmp_path):
    qpath = tmp_path / "q.csv"
    QUEUE.head(0).to_csv(qpath, index=False)
    assert review_widget(qpath, tmp_path / "d.csv") is None
