"""Run the workbook: execute ``notebooks/NN_*.ipynb`` in order with papermill into a run folder.

Recipe: validate the params file -> create ``runs/<client>/<run_id>/`` -> for each notebook from
``--from`` on: check its parameters cell knows every injected parameter -> papermill executes it
into ``<run>/notebooks/`` -> a failed cell stops the run naming the notebook and the cell. A step
that finished is recorded in ``<run>/notebooks/steps.json`` so ``--from`` can resume.

Example
-------
>>> run_workbook("params/rehearsal.yaml", run_id="r1")   # doctest: +SKIP
PosixPath('runs/rehearsal/r1')
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .errors import MigrationKitError, WorkbookError
from .params import Params
from .runfolder import RunFolder, atomic_write_text, file_sha256, new_run_id

__all__ = ["NOTEBOOKS_DIR", "list_notebooks", "notebook_parameters", "run_workbook"]

#: The committed workbook (repository checkout) or the folder named by MIGRATION_KIT_NOTEBOOKS.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def list_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks, in order (``00_...ipynb`` .. ``07_...ipynb``)."""
    books = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not books:
        raise WorkbookError(f"no numbered notebooks (NN_name.ipynb) in {folder}")
    return books


def notebook_parameters(path: Path) -> dict[str, object]:
    """Names and literal defaults of a notebook's ``parameters`` cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            names: dict[str, object] = {}
            exec(compile(cell.source, str(path), "exec"), {}, names)  # literals only, by house rule
            return names
    raise WorkbookError(f"{path.name}: no code cell tagged 'parameters'; tag the first code cell")


def _step_of(books: list[Path], from_step: str | None) -> int:
    if from_step is None:
        return 0
    for i, book in enumerate(books):
        if (
            book.stem == from_step
            or book.stem.split("_", 1)[0] == from_step.zfill(2)
            or book.stem.split("_", 1)[-1] == from_step
        ):
            return i
    raise WorkbookError(
        f"--from {from_step!r} names no step; steps: {', '.join(b.stem for b in books)}"
    )


def run_workbook(
    params_file: str | Path,
    *,
    run_id: str | None = None,
    runs_dir: str | Path = "runs",
    from_step: str | None = None,
    notebooks: Path = NOTEBOOKS_DIR,
    echo: Callable[[str], None] = print,
    extra_parameters: dict | None = None,
) -> Path:
    """Execute every notebook in order for one client; return the run folder.

    Parameters
    ----------
    params_file : path
        The client's params file (validated before any notebook starts).
    run_id : str, optional
        Defaults to a UTC timestamp; reusing one with ``from_step`` resumes that run.
    runs_dir : path
        Parent of ``<client>/<run_id>/``.
    from_step : str, optional
        Start at this notebook (number ``03``/``3``, full stem, or name after the number).
    """
    import papermill as pm

    params_file = Path(params_file).resolve()
    from .preflight import preflight

    params, _checked = preflight(params_file)  # every problem findable before notebook 00
    books = list_notebooks(notebooks)
    start = _step_of(books, from_step)  # checked before any folder is created
    from .pipeline import open_run  # refuses a run id started with other params

    run = open_run(params_file, run_id=run_id or new_run_id(), runs_dir=runs_dir).run
    state_file = run.file("workbook_steps")
    done = json.loads(state_file.read_text()) if state_file.exists() else {}
    missing = [b.stem for b in books[:start] if b.stem not in done]
    if missing:
        raise WorkbookError(
            f"cannot start at {books[start].stem}: earlier steps not finished in {run.root}: "
            f"{', '.join(missing)}; run without --from first"
        )
    inputs = {str(p): file_sha256(p) for p in _input_files(params)}
    inputs_file = run.file("workbook_inputs")
    if start > 0:  # resuming: the earlier notebooks read these files
        if not inputs_file.exists():
            raise WorkbookError(
                f"cannot start at {books[start].stem}: {run.root} recorded no inputs, so it cannot "
                "show they are unchanged; run without --from"
            )
        changed = [p for p, h in json.loads(inputs_file.read_text()).items() if inputs.get(p) != h]
        if changed:
            raise WorkbookError(
                f"cannot start at {books[start].stem}: {Path(changed[0]).name} changed since this "
                f"run read it{f' (and {len(changed) - 1} more)' if len(changed) > 1 else ''}; "
                "the earlier notebooks' outputs no longer follow from it: run without --from"
            )
    else:
        atomic_write_text(inputs_file, json.dumps(inputs, indent=2, sort_keys=True))
    injected = {
        "params_file": str(params_file),
        "runs_dir": str(run.root.parent.parent),
        "run_id": run.run_id,
        **(extra_parameters or {}),
    }
    # one kernel for the whole run: start-up and imports are paid once (papermill passes km through)
    from jupyter_client.manager import KernelManager

    # IPC sockets (no TCP port, no unencrypted-TCP warning) in a short private folder: socket paths
    # are limited to ~107 bytes, which a deep run folder can exceed
    sockets = Path(tempfile.mkdtemp(prefix="mk-kernel-"))
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "k"))
    # the kernel prints each stage's progress line; the command line shows them (ProgressEcho)
    from .pipeline.progress import PROGRESS_ENV

    km.start_kernel(cwd=str(notebooks), env={**os.environ, PROGRESS_ENV: "1"})
    try:
        _execute_all(pm, books, start, run, injected, state_file, done, echo, km)
    finally:
        km.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return run.root


def _input_files(params: Params) -> list[Path]:
    """The seller's exports and request lists a run reads (notebook 01)."""
    return [s.path for s in params.sources] + [s.path for s in params.suppression]


def failed_cell(book: Path, executed: Path) -> str:
    """Where an executed notebook failed, as the analyst sees the notebook: the cell's position
    among the notebook's cells (papermill's injected cell not counted) and its first line.

    Example
    -------
    >>> failed_cell(Path("notebooks/03_x.ipynb"),
    ...             Path("runs/c/r/notebooks/03_x.ipynb"))              # doctest: +SKIP
    'cell 4 of 12 (counts = pipeline.step_link(ctx))'
    """
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return "a cell"
    added = {"injected-parameters", "papermill-error-cell-tag"}  # papermill's, not the analyst's
    cells = [c for c in nb.cells if not added & set(c.get("metadata", {}).get("tags", []))]
    for position, cell in enumerate(cells, start=1):
        if cell.cell_type == "code" and any(
            o.get("output_type") == "error" for o in cell.get("outputs", [])
        ):
            first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
            shown = first if len(first) <= 60 else first[:57] + "..."
            return f"cell {position} of {len(cells)} ({shown})"
    return "a cell"


#: The notebook that writes the handover (a failure before or in it makes an earlier one stale).
HANDOVER_STEP = "06"


def _invalidate_from(
    books: list[Path], failed: int, run: RunFolder, state_file: Path, done: dict
) -> None:
    """A failed notebook invalidates itself and every later one (their outputs no longer follow
    from this run), and an earlier handover is moved aside to ``stale/`` so nothing signed is
    left that the new run contradicts."""
    for book in books[failed:]:
        done.pop(book.stem, None)
    atomic_write_text(state_file, json.dumps(done, indent=2))
    handover = run.path("handover")
    if books[failed].stem[:2] <= HANDOVER_STEP and handover.exists() and any(handover.iterdir()):
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = run.path("stale", f"handover-{stamp}")
        target.parent.mkdir(mode=0o700, exist_ok=True)
        shutil.move(str(handover), str(target))
        handover.mkdir(mode=0o700)


def _execute_all(pm, books, start, run, injected, state_file, done, echo, km) -> None:
    from .pipeline.progress import ProgressEcho

    for i, book in enumerate(books[start:], start=start + 1):
        known = notebook_parameters(book)
        unknown = sorted(set(injected) - set(known))
        if unknown:
            raise WorkbookError(
                f"{book.name}: unknown parameter(s) {', '.join(unknown)}; "
                f"the notebook's parameters cell has: {', '.join(sorted(known))}"
            )
        echo(f"[{i}/{len(books)}] {book.stem} ...")
        t0 = time.perf_counter()
        out = run.path("notebooks", book.name)
        try:
            pm.execute_notebook(
                str(book),
                str(out),
                parameters=injected,
                cwd=str(book.parent),
                progress_bar=False,
                kernel_name="python3",
                log_output=False,
                stderr_file=ProgressEcho(),
                km=km,
            )
        except pm.PapermillExecutionError as exc:
            _invalidate_from(books, i - 1, run, state_file, done)
            raise WorkbookError(
                f"{book.name}: {failed_cell(book, out)} failed with {exc.ename}: "
                f"{str(exc.evalue).splitlines()[0] if exc.evalue else ''} "
                f"(executed copy: {out})"
            ) from None
        done[book.stem] = round(time.perf_counter() - t0, 2)
        atomic_write_text(state_file, json.dumps(done, indent=2))
        echo(f"[{i}/{len(books)}] {book.stem} done in {done[book.stem]:.1f} s")


def rehearsal(
    params_file: str | Path = "params/rehearsal.yaml",
    *,
    entities: int = 2000,
    seed: int = 7,
    runs_dir: str | Path = "runs",
    echo: Callable[[str], None] = print,
) -> Path:
    """Generate (or reuse) the rehearsal data, then run the workbook (or, outside a checkout,
    every step of :data:`migration_kit.pipeline.STEPS` in this process); return the report."""
    params_file = Path(params_file)
    if entities < 1:
        raise MigrationKitError(
            f"--entities {entities}: expected a positive number of synthetic customers"
        )
    if not params_file.exists():
        from .synthetic import generate

        folder = Path("synthetic_data") / params_file.stem
        echo(f"generating {entities} synthetic entities (seed {seed}) into {folder}")
        generate(entities, seed, folder, params_path=params_file)
    if any(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):  # a checkout: run the workbook itself
        run = RunFolder(run_workbook(params_file, runs_dir=runs_dir, echo=echo))
        return run.file("report")
    from .pipeline import open_run, run_all

    ctx = open_run(params_file, runs_dir=runs_dir, progress=True)
    run_all(ctx, echo=echo)
    return ctx.run.file("report")
