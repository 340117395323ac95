"""``migration-kit synth``: write a synthetic rehearsal data set.

The lead wires the command into the CLI group.

Example
-------
>>> from click.testing import CliRunner
>>> import tempfile
>>> r = CliRunner().invoke(
...     synth_command, ["--entities", "30", "--seed", "1", "--out", tempfile.mkdtemp()]
... )
>>> r.exit_code
0
>>> r = CliRunner().invoke(
...     synth_command,
...     ["--entities", "30", "--shape", "membership", "--out", tempfile.mkdtemp()],
... )
>>> r.exit_code, "register=" in r.output
(0, True)
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import MigrationKitError
from .generate import SHAPES, generate

__all__ = ["synth_command"]


@click.command("synth")
@click.option(
    "--entities", type=click.IntRange(min=20), required=True, help="Number of real-world people."
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    help="Same seed, same bytes.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the source files, suppression.csv and truth.csv.",
)
@click.option(
    "--params-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the params file (default OUT/params.yaml); its source paths are "
    "relative to its folder.",
)
@click.option(
    "--shape",
    type=click.Choice(SHAPES.names()),
    default="retail_cn",
    show_default=True,
    help="Client shape: "
    + "; ".join(f"{e.name}: {e.doc.rstrip('.')}" for e in (SHAPES[n] for n in SHAPES)),
)
@click.option(
    "--buyer-overlap",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Also write a buyer's customer base holding this share of the seller's customers, "
    "recorded its own way, with its params file and overlap_truth.json (retail_cn only).",
)
@click.option(
    "--buyer-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the buyer's files (default OUT/buyer).",
)
@click.option(
    "--buyer-params-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The buyer's params file (default BUYER_OUT/params.yaml).",
)
def synth_command(
    entities: int,
    seed: int,
    out_dir: Path,
    params_out: Path | None,
    shape: str,
    buyer_overlap: float | None,
    buyer_out: Path | None,
    buyer_params_out: Path | None,
) -> None:
    """Generate rehearsal exports of one client shape with a hidden truth (truth.csv).

    retail_cn (default), a sports & stationery retailer: pos_members.csv (UTF-8 BOM),
    web_orders.csv (GBK), school_club.xlsx, overseas_shop.csv, suppression.csv and a params
    file. webshop_en: shop_accounts.csv, orders.csv, newsletter.xlsx. membership:
    mitglieder.csv (cp1252, semicolons), rueckmeldungen.xlsx. The params files of the other
    shapes only map columns. Synthetic people only.
    """
    try:
        res = generate(entities, seed, out_dir, params_path=params_out, shape=shape)
    except MigrationKitError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = ", ".join(f"{k}={v}" for k, v in res.counts.items())
    click.echo(
        f"wrote {len(res.paths)} files to {out_dir} ({counts}); params: {res.paths['params']}"
    )
    if buyer_overlap is not None:
        if shape != "retail_cn":
            raise click.UsageError("--buyer-overlap needs the retail_cn shape")
        from .buyer import generate_buyer

        folder = buyer_out or out_dir / "buyer"
        try:
            bres = generate_buyer(
                entities, seed, buyer_overlap, folder, params_path=buyer_params_out
            )
        except MigrationKitError as exc:
            raise click.ClickException(str(exc)) from exc
        bcounts = ", ".join(f"{k}={v}" for k, v in bres.counts.items())
        click.echo(
            f"buyer: wrote {len(bres.paths)} files to {folder} ({bcounts}); "
            f"params: {bres.paths['params']}"
        )
