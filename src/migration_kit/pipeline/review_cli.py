"""``migration-kit review PARAMS``: the clerical review in a terminal.

Lists a run's masked review queue in the review app's order (a withdrawal or erasure request on one
record first, then the most uncertain) as "Pair N of M" cards and takes decisions with prompts
(``m`` match, ``n`` non-match, ``s`` skip, ``x`` clear, ``k`` previous, ``q`` quit), saving each
one at once into the client's decisions file (``reviews/<client>.csv`` beside the params file, or
``golden.decisions``): the same file the JupyterLab app writes and every later run applies.
``--list`` prints the queue and asks nothing.

Example
-------
``migration-kit review params/rehearsal.yaml --runs-dir runs --list``
"""

from __future__ import annotations

from pathlib import Path

import click

from ..artifacts import ARTIFACTS
from ..errors import InputError
from ..linkage.review_card import pair_card_text
from ..linkage.review_store import client_decisions_file, decided, save_decision
from ..linkage.review_widget import read_queue
from ..params import Params, load_params
from ..runfolder import RunFolder

__all__ = ["find_review_run", "review_command"]

_KEY = ("source_a", "record_id_a", "source_b", "record_id_b")
_LISTED = ("request_on", "match_probability", "name_a", "name_b", "phone_a", "phone_b")


def find_review_run(params: Params, runs_dir: Path, run_id: str | None) -> RunFolder:
    """The run folder to review: ``run_id``'s, else the client's run with the newest review queue.

    Raises
    ------
    InputError
        No such run, or no run of the client has a review queue yet.

    Example
    -------
    >>> find_review_run(load_params("params/rehearsal.yaml"), Path("runs"), None)  # doctest: +SKIP
    RunFolder(root=PosixPath('.../runs/rehearsal/20261202T101500Z'))
    """
    client_dir = Path(runs_dir) / params.client
    rel = ARTIFACTS["review_queue"].path
    if run_id is not None:
        queue = client_dir / run_id / rel
        if not queue.is_file():
            raise InputError(
                str(queue),
                "this run has no review queue; run its deduplication step "
                "(migration-kit dedupe or run) first, or give another --run-id",
            )
        return RunFolder((client_dir / run_id).resolve())
    queues = sorted(
        client_dir.glob(f"*/{rel}"),
        key=lambda q: (q.stat().st_mtime_ns, q.relative_to(client_dir).parts[0]),
    )
    if not queues:
        raise InputError(
            str(client_dir),
            f"no run of client {params.client!r} here has a review queue; run migration-kit "
            "dedupe or run first (or give --runs-dir)",
        )
    return RunFolder((client_dir / queues[-1].relative_to(client_dir).parts[0]).resolve())


def _listing(queue_rows: list[dict[str, str]], done: dict[str, str], ids: list[str]) -> str:
    lines = []
    total = len(queue_rows)
    for n, (row, pid) in enumerate(zip(queue_rows, ids, strict=True), start=1):
        shown = "  ".join(
            f"{row.get(c, '')}" if c != "match_probability" else f"p={float(row[c]):.2f}"
            for c in _LISTED
            if c in row
        )
        keys = f"{row['source_a']} {row['record_id_a']} · {row['source_b']} {row['record_id_b']}"
        lines.append(f"{n:>5} of {total:,}  {done.get(pid, '-'):<9}  {keys}  {shown}")
    return "\n".join(lines)


@click.command("review")
@click.argument("params_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
    help="Parent of the client's run folders.",
)
@click.option(
    "--run-id", default=None, help="The run whose queue to review (default: the newest queue)."
)
@click.option("--list", "list_only", is_flag=True, help="Print the queue; ask nothing.")
@click.option(
    "--start", type=int, default=None, help="Start at pair N (default: the first undecided)."
)
def review_command(
    params_file: Path, runs_dir: Path, run_id: str | None, list_only: bool, start: int | None
) -> None:
    """Review the uncertain pairs of PARAMS_FILE's latest run (or --run-id) in the terminal;
    each decision is saved at once to the client's decisions file, which every run applies."""
    from ..linkage.review import pair_id

    params = load_params(params_file)
    run = find_review_run(params, runs_dir, run_id)
    target = client_decisions_file(params.base_dir, params.client, params.golden.decisions)
    queue = read_queue(run.file("review_queue"))
    rows = [{str(k): str(v) for k, v in r.items()} for r in queue.to_dict("records")]
    ids = [pair_id(*(str(r[c]) for c in _KEY)) for r in rows]
    done = decided(target)
    total = len(rows)
    with_request = sum(1 for r in rows if r.get("request_on") in ("a", "b"))
    n_done = sum(1 for p in ids if p in done)
    click.echo(
        f"run {run.run_id}: {total:,} pairs to review ({with_request:,} with a withdrawal or "
        f"erasure request on one record), {n_done:,} decided; decisions file: {target}"
    )
    if list_only or not total:
        if total:
            click.echo(_listing(rows, done, ids))
        return
    undecided = [i for i, p in enumerate(ids) if p not in done]
    pos = (start - 1) if start else (undecided[0] if undecided else 0)
    pos = min(max(pos, 0), total - 1)
    while True:
        click.echo("")
        click.echo(
            pair_card_text(rows[pos], position=pos + 1, total=total, decided=done.get(ids[pos], ""))
        )
        key = click.prompt(
            "m match · n non-match · s skip · x clear · k previous · q quit",
            type=click.Choice(["m", "n", "s", "x", "k", "q"], case_sensitive=False),
            show_choices=False,
        ).lower()
        if key == "q":
            break
        if key in ("m", "n", "x"):
            decision = {"m": "match", "n": "non_match", "x": ""}[key]
            save_decision(target, {c: str(rows[pos][c]) for c in _KEY}, decision, run_id=run.run_id)
            if decision:
                done[ids[pos]] = decision
            else:
                done.pop(ids[pos], None)
            click.echo(f"saved: {decision or 'cleared'} -> {target}")
        if key == "k":
            pos = max(pos - 1, 0)
        elif key != "x":
            if pos == total - 1:
                click.echo("last pair reached")
                break
            pos += 1
    n_done = sum(1 for p in ids if p in done)
    click.echo(f"{n_done:,} of {total:,} pairs decided; every run of {params.client} applies them")
