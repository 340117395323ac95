"""The workbook: notebooks run in order per client with papermill; failures name notebook and cell."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from migration_kit.errors import WorkbookError
from migration_kit.workbook import list_notebooks, notebook_parameters, run_workbook
from tests.conftest import plaintext_hits

REPO = Path(__file__).resolve().parents[1]


def _book(folder: Path, name: str, cells: list[str], params: str = 'params_file = ""\nruns_dir = ""\nrun_id = ""') -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# test"), p, *[new_code_cell(c) for c in cells]]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_committed_notebooks_follow_the_house_rules():
    books = list_notebooks()
    assert [b.name[:2] for b in books] == [f"{i:02d}" for i in range(len(books))] and len(books) == 9
    for book in books:
        nb = nbformat.read(book, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", []), book.name
        assert notebook_parameters(book) == {"params_file": "../params/rehearsal.yaml", "runs_dir": "../runs",
                                             "run_id": "notebook"}
        for cell in code:
            assert not any(line.lstrip().startswith(("def ", "class ")) for line in cell.source.splitlines()), book.name


def test_second_client_runs_through_the_same_notebooks(tmp_path):
    run = run_workbook(REPO / "params" / "client_b.yaml", run_id="wb", runs_dir=tmp_path, echo=lambda s: None)
    assert run == (tmp_path / "client-b" / "wb").resolve()
    executed = sorted(p.name for p in (run / "notebooks").glob("*.ipynb"))
    assert executed == [b.name for b in list_notebooks()]
    recon = json.loads((run / "reports" / "reconciliation.json").read_text())
    assert recon["input"] == recon["transferred"] + recon["merged"] + recon["excluded"] == 2643
    assert (run / "report.html").exists() and any((run / "handover").glob("customers.part*.csv.cms"))
    steps = json.loads((run / "notebooks" / "steps.json").read_text())
    assert list(steps) == [b.stem for b in list_notebooks()]
    reasons = pd.read_csv(run / "reports" / "exclusions_by_reason.csv")
    # an asset sale on the business-transfer basis its params record (legal opinion)
    assert "TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3" in set(reasons["reason_code"])
    # executed notebooks, report, reports, manifest, audit log: masked or aggregate only
    assert plaintext_hits(run) == {}


def test_failed_cell_is_named(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    _book(books, "00_ok", ["x = 1"])
    _book(books, "01_bad", ["y = 2", "1 / 0"])
    # the position as the notebook shows it (one kernel runs every notebook: its counter is not it)
    with pytest.raises(WorkbookError, match=r"01_bad\.ipynb: cell 4 of 4 \(1 / 0\) failed with ZeroDivisionError"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="f", runs_dir=tmp_path / "runs", notebooks=books,
                     echo=lambda s: None)
    state = json.loads((tmp_path / "runs" / "rehearsal" / "f" / "notebooks" / "steps.json").read_text())
    assert list(state) == ["00_ok"]
    # --from 01 resumes without redoing 00, and fails again in the same place
    with pytest.raises(WorkbookError, match="01_bad"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="f", runs_dir=tmp_path / "runs", notebooks=books,
                     from_step="01", echo=lambda s: None)


def test_unknown_parameter_and_bad_from_are_errors(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    _book(books, "00_only", ["x = 1"], params='params_file = ""\nrun_id = ""')
    with pytest.raises(WorkbookError, match=r"00_only\.ipynb: unknown parameter\(s\) runs_dir"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="u", runs_dir=tmp_path, notebooks=books)
    with pytest.raises(WorkbookError, match=r"--from '09' names no step; steps: 00_only"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="u", runs_dir=tmp_path, notebooks=books, from_step="09")
    _book(books, "01_next", ["x = 2"])
    with pytest.raises(WorkbookError, match="earlier steps not finished"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="v", runs_dir=tmp_path, notebooks=books, from_step="01")


def test_committed_notebook_outputs_show_no_unmasked_identifiers():
    import re

    phone = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    ident = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
    for book in list_notebooks():
        nb = nbformat.read(book, as_version=4)
        cells = [c.get("outputs", []) for c in nb.cells if c.cell_type == "code"]
        assert sum(map(len, cells)) > 0, f"{book.name} is committed without outputs"
        outputs = json.dumps(cells, ensure_ascii=False)
        assert not phone.findall(outputs) and not ident.findall(outputs), book.name
        assert [e for e in email.findall(outputs) if "*" not in e and "example" not in e] == [], book.name


def test_a_failed_rerun_invalidates_later_steps_and_moves_the_old_handover_aside(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    _book(books, "00_ok", ["x = 1"])
    _book(books, "01_ok", ["y = 2"])
    runs = tmp_path / "runs"
    run = run_workbook(REPO / "params" / "rehearsal.yaml", run_id="r", runs_dir=runs, notebooks=books,
                       echo=lambda s: None)
    (run / "handover" / "customers.part0001.csv.cms").write_bytes(b"old signed export")
    _book(books, "00_ok", ["1 / 0"])  # the rerun now fails at the first step
    with pytest.raises(WorkbookError, match="00_ok"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="r", runs_dir=runs, notebooks=books,
                     echo=lambda s: None)
    state = json.loads((run / "notebooks" / "steps.json").read_text())
    assert state == {}  # nothing after the failure counts as done
    assert not any((run / "handover").iterdir())
    stale = list((run / "stale").glob("handover-*/customers.part0001.csv.cms"))
    assert len(stale) == 1 and stale[0].read_bytes() == b"old signed export"
    with pytest.raises(WorkbookError, match="earlier steps not finished"):
        run_workbook(REPO / "params" / "rehearsal.yaml", run_id="r", runs_dir=runs, notebooks=books,
                     from_step="01", echo=lambda s: None)


def test_the_kernel_stops_with_its_command(tmp_path):
    """kill -9 of the command: the kernel notices its parent is gone and never finishes the step."""
    import os
    import signal
    import subprocess
    import sys
    import time

    books = tmp_path / "books"
    books.mkdir()
    marker = tmp_path / "finished"
    _book(books, "00_sleep", [f"import time, pathlib\ntime.sleep(12)\npathlib.Path({str(marker)!r}).write_text('x')"])
    code = ("from pathlib import Path\nfrom migration_kit.workbook import run_workbook\n"
            f"run_workbook({str(REPO / 'params' / 'rehearsal.yaml')!r}, run_id='k', runs_dir={str(tmp_path / 'runs')!r}, "
            f"notebooks=Path({str(books)!r}), echo=print)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline and not list((tmp_path / "runs").rglob("00_sleep.ipynb")):
        time.sleep(0.5)  # the notebook has started executing
    time.sleep(2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(16)  # longer than the cell would take
    assert not marker.exists()


def test_a_resumed_run_refuses_inputs_changed_since_it_read_them(tiny_sources, tmp_path):
    """--from 03 after fixing the suppression list would otherwise reuse what notebook 01 read."""
    from tests.conftest import base_params, write_params

    params = write_params(tiny_sources, base_params() | {"policy": {"transfer_date": "2026-12-31"}})
    books = tmp_path / "books"
    books.mkdir()
    _book(books, "00_a", ["x = 1"])
    _book(books, "01_b", ["y = 2"])
    args = {"run_id": "r", "runs_dir": tmp_path / "runs", "notebooks": books, "echo": lambda s: None}
    run_workbook(params, **args)
    original = (tiny_sources / "web.csv").read_bytes()
    (tiny_sources / "web.csv").write_bytes(original.replace("張偉".encode("gbk"), "张伟".encode("gbk")))
    with pytest.raises(WorkbookError, match=r"web\.csv changed since this run read it.*run without --from"):
        run_workbook(params, from_step="01", **args)
    (tiny_sources / "web.csv").write_bytes(original)
    run_workbook(params, from_step="01", **args)  # the same bytes again: resuming is fine
