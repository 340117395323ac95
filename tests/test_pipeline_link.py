"""The link step applies the client's review decisions in every run, whatever its run id; decisions
on records a run lacks are reported; the workbook's own unattended run keeps its decisions apart, so
decisions saved in JupyterLab never change what nbval compares."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from migration_kit import views
from migration_kit.cli import main
from migration_kit.errors import InputError
from migration_kit.linkage import review_widget
from migration_kit.linkage.review_store import save_decision
from migration_kit.pipeline import open_run, step_clean, step_intake, step_link
from migration_kit.pipeline.context import WORKBOOK_RUN_ID

REPO = Path(__file__).resolve().parents[1]
KEY = ["source_a", "record_id_a", "source_b", "record_id_b"]


def rehearsal_copy(folder: Path, **extra: object) -> Path:
    """The committed rehearsal params in ``folder/params/`` (sources by absolute path)."""
    data = yaml.safe_load((REPO / "params" / "rehearsal.yaml").read_text(encoding="utf-8"))
    for entry in (*data["sources"], *data["suppression"]):
        entry["path"] = str((REPO / "params" / entry["path"]).resolve())
    data.update(extra)
    (folder / "params").mkdir(parents=True, exist_ok=True)
    path = folder / "params" / "rehearsal.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _dedupe(params: Path, runs: Path, run_id: str) -> Path:
    out = runs.parent / f"{run_id}.csv"
    assert main(["dedupe", str(params), "--runs-dir", str(runs), "--run-id", run_id, "--out", str(out)]) == 0
    return runs / "rehearsal" / run_id


def _entity(run: Path) -> dict[tuple[str, str], str]:
    ent = pd.read_parquet(run / "work" / "entities.parquet")
    keys = zip(ent["source"].astype(str), ent["record_id"].astype(str), strict=True)
    return dict(zip(keys, ent["entity_id"], strict=True))


def _together(ent: dict[tuple[str, str], str], pair: dict[str, str]) -> bool:
    return ent[(pair["source_a"], pair["record_id_a"])] == ent[(pair["source_b"], pair["record_id_b"])]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One dedupe run (product path) of a copy of the rehearsal params: its folder and params."""
    base = tmp_path_factory.mktemp("link")
    params = rehearsal_copy(base)
    return params, _dedupe(params, base / "runs", "r1")


def _merged_pair(run: Path) -> dict[str, str]:
    """Two records the model put in one entity."""
    ent = pd.read_parquet(run / "work" / "entities.parquet").astype({"record_id": str})
    group = ent[ent.duplicated("entity_id", keep=False)].sort_values(["entity_id", "source", "record_id"]).head(2)
    (sa, ra), (sb, rb) = group[["source", "record_id"]].itertuples(index=False, name=None)
    return {"source_a": sa, "record_id_a": ra, "source_b": sb, "record_id_b": rb}


@pytest.mark.parametrize("how", ["review app", "filled queue named in golden.decisions"])
def test_a_decision_after_one_run_applies_in_the_next_run_with_a_new_run_id(first_run, tmp_path, how):
    params, r1 = first_run
    queue = pd.read_csv(r1 / "reports" / "review_queue.csv", dtype=str, keep_default_na=False)
    review = queue.iloc[0][KEY].to_dict()   # left apart by the model: in the review band
    merged = _merged_pair(r1)               # put together by the model
    before = _entity(r1)
    assert not _together(before, review) and _together(before, merged)
    if how == "review app":
        folder = params.parent
        save_decision(folder / "reviews" / "rehearsal.csv", review, "match", run_id="r1")
        save_decision(folder / "reviews" / "rehearsal.csv", merged, "non_match", run_id="r1")
        params_used = params
    else:  # the review queue CSV with its decision column filled, wherever golden.decisions says
        filled = pd.concat([queue.assign(decision=["match"] + [""] * (len(queue) - 1)),
                            pd.DataFrame([{**merged, "decision": "non_match"}])], ignore_index=True)
        filled.to_csv(tmp_path / "decided.csv", index=False)
        params_used = rehearsal_copy(tmp_path, golden={"decisions": str(tmp_path / "decided.csv")})
    r2 = _dedupe(params_used, tmp_path / "runs", "r2")
    after = _entity(r2)
    assert _together(after, review) and not _together(after, merged)
    summary = json.loads((r2 / "reports" / "linkage_summary.json").read_text(encoding="utf-8"))
    assert (summary["decisions"], summary["decisions_applied"], summary["decisions_record_missing"]) == (2, 2, 0)
    audit = [json.loads(line) for line in (r2 / "audit_log.jsonl").read_text().splitlines()]
    link = next(e for e in audit if e["step"] == "link")
    assert "review_decisions" in link["inputs"]
    # the re-exported queue carries the decision applied
    queue2 = pd.read_csv(r2 / "reports" / "review_queue.csv", dtype=str, keep_default_na=False)
    hit = queue2[(queue2[KEY] == pd.Series(review)).all(axis=1)]
    assert hit["decision"].tolist() == ["match"]


def test_decisions_on_records_a_run_lacks_are_reported_not_dropped(first_run, tmp_path):
    params, r1 = first_run
    folder = tmp_path / "p"
    params = rehearsal_copy(folder)
    review = pd.read_csv(r1 / "reports" / "review_queue.csv", dtype=str, keep_default_na=False).iloc[0][KEY]
    gone = {"source_a": "pos", "record_id_a": "NO-SUCH", "source_b": "web", "record_id_b": "WU3000400"}
    save_decision(folder / "params" / "reviews" / "rehearsal.csv", gone, "match")
    save_decision(folder / "params" / "reviews" / "rehearsal.csv", review.to_dict(), "match")
    r2 = _dedupe(params, tmp_path / "runs", "r2")
    stale = pd.read_csv(r2 / "reports" / "review_decisions_stale.csv", dtype=str, keep_default_na=False)
    assert stale[["row", "record_id_a", "decision", "status", "applied"]].values.tolist() == [
        ["1", "NO-SUCH", "match", "record_missing", "False"]]
    summary = json.loads((r2 / "reports" / "linkage_summary.json").read_text(encoding="utf-8"))
    assert (summary["decisions"], summary["decisions_applied"], summary["decisions_record_missing"]) == (2, 1, 1)
    assert _together(_entity(r2), review.to_dict())


def test_contradicting_decisions_name_the_file_and_row(first_run, tmp_path):
    params, r1 = first_run
    folder = tmp_path / "p"
    params = rehearsal_copy(folder)
    merged = _merged_pair(r1)
    path = folder / "params" / "reviews" / "rehearsal.csv"
    pd.DataFrame([{**merged, "decision": "match"},
                  {**merged, "decision": "non_match"}]).to_csv(path.parent.mkdir(parents=True) or path, index=False)
    ctx = open_run(params, run_id="c", runs_dir=tmp_path / "runs")
    step_intake(ctx)
    step_clean(ctx)
    with pytest.raises(InputError, match=rf"{path}, row 2, column 'decision': rows 1 and 2 decide the same pair"):
        step_link(ctx)


@pytest.mark.parametrize("run_id, live, isolated", [
    (WORKBOOK_RUN_ID, False, True),   # nbval, build_notebooks --execute: the run folder's own file
    (WORKBOOK_RUN_ID, True, False),   # the same notebooks in JupyterLab: the client's file
    ("20261202T101500Z", False, False),  # migration-kit run / dedupe: the client's file
])
def test_which_decisions_a_run_uses(tmp_path, monkeypatch, run_id, live, isolated):
    monkeypatch.setattr(review_widget, "live_frontend", lambda: live)
    params = rehearsal_copy(tmp_path)
    ctx = open_run(params, run_id=run_id, runs_dir=tmp_path / "runs")
    expected = ctx.run.file("review_decisions") if isolated else tmp_path / "params" / "reviews" / "rehearsal.csv"
    assert ctx.decisions == expected


def test_decisions_saved_in_lab_leave_the_workbook_run_unchanged(tmp_path, monkeypatch):
    params = rehearsal_copy(tmp_path)
    runs = tmp_path / "runs"

    def notebook_run() -> tuple[dict, str, dict]:
        """Notebooks 01-03 of the workbook's own run, as nbval executes them (no live frontend)."""
        monkeypatch.setattr(review_widget, "live_frontend", lambda: False)
        ctx = open_run(params, run_id=WORKBOOK_RUN_ID, runs_dir=runs)
        step_intake(ctx)
        step_clean(ctx)
        counts = step_link(ctx)
        return counts, repr(views.review_form(ctx)), _entity(ctx.run.root)

    before = notebook_run()
    queued = len(pd.read_csv(open_run(params, run_id=WORKBOOK_RUN_ID, runs_dir=runs).run.file("review_queue")))
    assert queued > 0 and f"{queued} pairs to review" in before[1] and "saved to " in before[1]
    # JupyterLab: the same notebook with a live frontend shows the app; its match button saves
    monkeypatch.setattr(review_widget, "live_frontend", lambda: True)
    lab = open_run(params, run_id=WORKBOOK_RUN_ID, runs_dir=runs)
    app = views.review_form(lab)
    controls = app.children[1].children
    next(b for b in controls if b.description.startswith("match")).click()
    client_file = tmp_path / "params" / "reviews" / "rehearsal.csv"
    assert len(pd.read_csv(client_file)) == 1
    after = notebook_run()
    assert after == before
    # and every other run of the client applies it
    monkeypatch.setattr(review_widget, "live_frontend", lambda: False)
    ctx = open_run(params, run_id="later", runs_dir=runs)
    step_intake(ctx)
    step_clean(ctx)
    assert step_link(ctx)["decisions_applied"] == 1


def test_committed_notebooks_show_the_same_outputs_after_a_decision_saved_in_lab(tmp_path, monkeypatch):
    """Notebooks 00-03 of the workbook's own run executed unattended (papermill, as nbval does:
    no live frontend), a decision saved the way the Lab app saves it, then executed again."""
    import shutil

    import nbformat

    from migration_kit.workbook import list_notebooks, run_workbook

    params = rehearsal_copy(tmp_path)
    books = tmp_path / "notebooks"
    books.mkdir()
    for book in list_notebooks()[:4]:
        shutil.copy(book, books / book.name)
    runs = tmp_path / "runs"

    def outputs() -> list[list[dict]]:
        run_workbook(params, run_id=WORKBOOK_RUN_ID, runs_dir=runs, notebooks=books, echo=lambda s: None)
        nb = nbformat.read(runs / "rehearsal" / WORKBOOK_RUN_ID / "notebooks" / "03_deduplication_review.ipynb",
                           as_version=4)
        # as nbval compares them: progress lines on stderr carry timings and are not compared
        return [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.outputs
                 if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
                for c in nb.cells if c.cell_type == "code"]

    before = outputs()
    monkeypatch.setattr(review_widget, "live_frontend", lambda: True)  # JupyterLab
    app = views.review_form(open_run(params, run_id=WORKBOOK_RUN_ID, runs_dir=runs))
    for key in "mn":
        app.children[1].children[-1].value = key  # typed into the key box
    assert len(pd.read_csv(tmp_path / "params" / "reviews" / "rehearsal.csv")) == 2
    assert outputs() == before
