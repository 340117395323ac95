"""The review app: pages through every pair ("N of M"), decides by key, saves each decision at once
into the client's file; the plain summary shown when no frontend is live."""
from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")
from migration_kit.linkage.review import pair_id
from migration_kit.linkage.review_store import decided, save_decision
from migration_kit.linkage.review_widget import ReviewApp, live_frontend, queue_summary

KEY = ["source_a", "record_id_a", "source_b", "record_id_b"]
# 30 pairs: more than the old form's 25; the first carries a request on record b
QUEUE = pd.DataFrame(
    [("pos", f"{n}", "web", f"{100 + n}", "b" if n == 1 else "", f"{0.5 + n / 100:.2f}", f"{n / 10:.1f}",
      "王*", "王*", "exact", "3.5", "") for n in range(1, 31)],
    columns=[*KEY, "request_on", "match_probability", "match_weight", "name_a", "name_b", "level_name",
             "w_name", "decision"])


def _pid(n: int) -> str:
    return pair_id("pos", f"{n}", "web", f"{100 + n}")


def _app(tmp_path, prior: dict[int, str] | None = None) -> ReviewApp:
    qpath, dpath = tmp_path / "review_queue.csv", tmp_path / "reviews" / "acme.csv"
    QUEUE.to_csv(qpath, index=False)
    for n, decision in (prior or {}).items():
        save_decision(dpath, dict(zip(KEY, QUEUE.loc[n - 1, KEY], strict=True)), decision)
    return ReviewApp(qpath, dpath, run_id="r1", band=(0.5, 0.95))


def test_app_pages_through_all_pairs_and_says_n_of_m(tmp_path):
    app = _app(tmp_path)
    assert "Pair 1 of 30" in app.card.value and "withdrawal or erasure request on record B" in app.card.value
    for _ in range(40):
        app.press("j")
    assert app.position == 29 and "Pair 30 of 30" in app.card.value
    app.press("k")
    assert "Pair 29 of 30" in app.card.value


# keys pressed -> decisions in the file afterwards (pair number -> decision) and the pair shown
KEYS = [
    ("m", {1: "match"}, 2),                       # decide and move on
    ("n", {1: "non_match"}, 2),
    ("s", {}, 2),                                 # skip: nothing saved
    ("mkx", {}, 1),                               # decide, go back, clear
    ("mnkkn", {1: "non_match", 2: "non_match"}, 2),   # back twice, change the first decision
    ("q", {}, 1),                                 # a key that does nothing here
]


@pytest.mark.parametrize("keys, saved, shown", KEYS)
def test_each_key_acts_and_each_decision_is_saved_at_once(tmp_path, keys, saved, shown):
    app = _app(tmp_path)
    for key in keys:
        app.press(key)
    assert decided(app.decisions_path) == {_pid(n): d for n, d in saved.items()}
    assert app.position + 1 == shown


def test_typing_into_the_key_box_acts_and_empties_it(tmp_path):
    app = _app(tmp_path)
    app.key_box.value = "m"
    assert app.key_box.value == "" and decided(app.decisions_path) == {_pid(1): "match"}
    app.key_box.value = "N"  # case does not matter
    assert decided(app.decisions_path)[_pid(2)] == "non_match" and "Pair 3 of 30" in app.card.value


def test_buttons_do_what_the_keys_do(tmp_path):
    app = _app(tmp_path)
    match = next(b for b in app.buttons if b.description.startswith("match"))
    match.click()
    assert decided(app.decisions_path) == {_pid(1): "match"}


def test_app_starts_at_the_first_undecided_pair_and_shows_saved_decisions(tmp_path):
    app = _app(tmp_path, prior={1: "match", 2: "non_match"})
    assert "Pair 3 of 30" in app.card.value and "2 decided" in app.card.value
    app.press("k")
    assert ">non-match<" in app.card.value


def test_decisions_from_another_queue_are_kept(tmp_path):
    qpath = tmp_path / "review_queue.csv"
    dpath = tmp_path / "d.csv"
    save_decision(dpath, {"source_a": "pos", "record_id_a": "99", "source_b": "pos", "record_id_b": "98"}, "match")
    QUEUE.to_csv(qpath, index=False)
    app = ReviewApp(qpath, dpath)
    app.press("n")
    assert decided(dpath) == {pair_id("pos", "99", "pos", "98"): "match", _pid(1): "non_match"}


def test_empty_queue_says_so(tmp_path):
    qpath = tmp_path / "q.csv"
    QUEUE.head(0).to_csv(qpath, index=False)
    app = ReviewApp(qpath, tmp_path / "d.csv")
    app.press("m")
    assert app.card.value == "<p>No pairs to review.</p>" and not (tmp_path / "d.csv").exists()


@pytest.mark.parametrize("prior, stale, text", [
    ({}, 0, "30 pairs to review (1 with a withdrawal or erasure request on one record), 0 decided. Open this "
            "notebook in JupyterLab to review them; decisions are saved to SAVED and every later run of the "
            "client applies them."),
    ({1: "match", 3: "non_match"}, 2, "30 pairs to review (1 with a withdrawal or erasure request on one "
                                      "record), 2 decided."),
])
def test_summary_is_plain_text(tmp_path, prior, stale, text):
    app = _app(tmp_path, prior)
    summary = queue_summary(tmp_path / "review_queue.csv", app.decisions_path, saved_to="SAVED", stale=stale)
    assert repr(summary).startswith(text)
    assert ("reports/review_decisions_stale.csv" in repr(summary)) == bool(stale)


def test_no_live_frontend_outside_a_kernel():
    assert live_frontend() is False


def test_app_says_when_saved_decisions_could_not_be_used(tmp_path):
    QUEUE.to_csv(tmp_path / "q.csv", index=False)
    app = ReviewApp(tmp_path / "q.csv", tmp_path / "d.csv", stale=2)
    assert "2 saved decision(s) name records or pairs this run does not have" in app.card.value
    app.press("j")
    assert "saved decision(s)" not in app.card.value
