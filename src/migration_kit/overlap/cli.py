"""``migration-kit overlap request | answer | result``: customers shared, before signing.

Three file exchanges, no network connection between the parties::

    buyer:  migration-kit overlap request params/buyer.yaml --out request.mkov
    seller: migration-kit overlap answer params/seller.yaml request.mkov --out answer.mkov
    buyer:  migration-kit overlap result params/buyer.yaml answer.mkov

Example
-------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(overlap_command, ["--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["overlap_command"]

_PARAMS = click.Path(dir_okay=False, exists=True, path_type=Path)
_runs_dir = click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
    help="The party's runs folder (its run holds its golden customers; the buyer's, its key).",
)
_workers = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for the elliptic-curve work (default: every core).",
)


@click.group("overlap")
def overlap_command() -> None:
    """Before signing: how many customers buyer and seller share, without either showing its
    list (private set intersection cardinality; each party learns counts and set sizes only)."""


@overlap_command.command("request")
@click.argument("params_file", type=_PARAMS)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The request file to send to the seller.",
)
@click.option("--seller", default=None, help="The seller's name, written into the request.")
@_runs_dir
@click.option("--run-id", default=None, help="Run id (default: a timestamp; reused if present).")
@_workers
def request_command(
    params_file: Path,
    out: Path,
    seller: str | None,
    runs_dir: Path,
    run_id: str | None,
    workers: int | None,
) -> None:
    """The buyer, step 1: dedupe its own customers and write the blinded request."""
    from .steps import prepare, request

    ctx = prepare(params_file, runs_dir=runs_dir, run_id=run_id)
    counts = request(ctx, out, seller=seller, workers=workers)
    sizes = ", ".join(f"{k}={counts[f'buyer.{k}']}" for k in ("phone", "email", "id_number"))
    click.echo(
        f"request written: {out} ({counts['customers']} customers; {sizes}, "
        f"name_birth={counts['buyer.name_birth']})"
    )
    click.echo(f"run folder (keeps the key; give it to the result step): {ctx.run.root}")


@overlap_command.command("answer")
@click.argument("params_file", type=_PARAMS)
@click.argument("request_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The answer file to send back to the buyer.",
)
@_runs_dir
@click.option("--run-id", default=None, help="Run id (default: a timestamp; reused if present).")
@_workers
def answer_command(
    params_file: Path,
    request_file: Path,
    out: Path,
    runs_dir: Path,
    run_id: str | None,
    workers: int | None,
) -> None:
    """The seller, step 2: dedupe its own customers and answer the request."""
    from .steps import answer, prepare

    ctx = prepare(params_file, runs_dir=runs_dir, run_id=run_id)
    counts = answer(ctx, request_file, out, workers=workers)
    click.echo(
        f"answer written: {out} ({counts['customers']} customers; the buyer's request holds "
        f"{counts['buyer_customers']} customers, phone={counts['buyer.phone']})"
    )


@overlap_command.command("result")
@click.argument("params_file", type=_PARAMS)
@click.argument("answer_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_runs_dir
@click.option(
    "--run-id", default=None, help="The request step's run id (default: found by request id)."
)
@_workers
def result_command(
    params_file: Path,
    answer_file: Path,
    runs_dir: Path,
    run_id: str | None,
    workers: int | None,
) -> None:
    """The buyer, step 3: the customers shared, per identifier and combined."""
    from ..pipeline import open_run
    from .steps import find_request_run, result

    rid = run_id or find_request_run(params_file, answer_file, runs_dir=runs_dir)
    ctx = open_run(params_file, run_id=rid, runs_dir=runs_dir)
    res = result(ctx, answer_file, workers=workers)
    click.echo(res.table().to_string(index=False))
    click.echo(
        f"combined: {res.combined} of the buyer's {res.buyer_customers} customers share at least "
        f"one identifier with the seller's {res.seller_customers} (bounds {res.combined_low}.."
        f"{res.combined_high}; {res.method})"
    )
    for note in res.notes:
        click.echo(f"note: {note}")
    click.echo(f"result: {ctx.run.file('overlap_result')}")
