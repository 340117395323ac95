"""The ``migration-kit`` console script: parse, call, print.

Each stage package contributes its command objects; this module only assembles them and turns
every :class:`~migration_kit.errors.MigrationKitError` into one line on stderr and exit code 2
(no traceback for user errors).

Example
-------
``migration-kit synth --entities 2000 --seed 7 --out synthetic_data/rehearsal``
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path

import click

from ._version import __version__
from .errors import MigrationKitError

__all__ = ["cli", "main"]

#: (module, attribute) of the command objects contributed by stage packages.
_COMMANDS = (
    ("migration_kit.synthetic.cli", "synth_command"),
    ("migration_kit.handover.cli", "keys_command"),
    ("migration_kit.handover.cli", "verify_command"),
    ("migration_kit.handover.cli", "decrypt_command"),
    ("migration_kit.handover.cli", "restore_command"),
    ("migration_kit.handover.cli", "load_command"),
    ("migration_kit.overlap.cli", "overlap_command"),
    ("migration_kit.pipeline.review_cli", "review_command"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migration-kit")
def cli() -> None:
    """Move a sold company's customer database to its buyer, lawfully, completely and provably."""


@cli.command("intake")
@click.argument("params_file", type=click.Path(dir_okay=False, path_type=Path))
def intake_command(params_file: Path) -> None:
    """Read and classify every source of PARAMS_FILE; print the inventory (no data is written)."""
    from .intake import run_intake
    from .params import load_params

    result = run_intake(load_params(params_file))
    click.echo(
        result.inventory[["source", "file", "encoding", "rows", "columns", "sha256"]].to_string(
            index=False
        )
    )
    flagged = result.classification[result.classification["flag"] != ""]
    for row in flagged.itertuples():
        click.echo(f"flag: {row.source}.{row.column}: {row.flag}")


@cli.command("dedupe")
@click.argument("params_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV to write: source,record_id,entity_id of every input row (unless --plan-only).",
)
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
    help="Where the run folder (model parameters, charts) is created.",
)
@click.option("--run-id", default=None, help="Run id (default: a timestamp).")
@click.option(
    "--plan-only",
    is_flag=True,
    help="Print the linkage section the planner chooses (or the frozen one) and link nothing.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default=None,
    help="Linkage engine (default: the params' linkage.engine, else local); spark runs on "
    "linkage.spark.master, MIGRATION_KIT_SPARK_MASTER or SPARK_MASTER, else local[2].",
)
def dedupe_command(
    params_file: Path,
    out: Path | None,
    runs_dir: Path,
    run_id: str | None,
    plan_only: bool,
    engine: str | None,
) -> None:
    """Run intake, cleaning and linkage over every input record and write the entity of each."""
    from .pipeline import dedupe

    if plan_only:
        result = dedupe(
            params_file, out or Path("-"), runs_dir=runs_dir, run_id=run_id, plan_only=True
        )
        click.echo(str(result["plan"]), nl=False)
        return
    if out is None:
        raise click.UsageError("--out is required (or give --plan-only)")
    summary = dedupe(params_file, out, runs_dir=runs_dir, run_id=run_id, engine=engine)
    click.echo(f"{summary['records']} records -> {summary['entities']} entities; wrote {out}")
    click.echo(f"run folder: {summary['run_dir']}")


@cli.command("check")
@click.argument("params_file", type=click.Path(dir_okay=False, path_type=Path))
def check_command(params_file: Path) -> None:
    """Check PARAMS_FILE before a run: every section, every file, the headers, the suppression
    list, the keys and the policy; list every problem at once (nothing is written)."""
    from .preflight import preflight

    params, checked = preflight(params_file)
    click.echo(
        f"{params_file}: ready for {params.client} ({params.deal.type}): "
        f"{checked['sources']} sources with every mapped column present, "
        f"{checked['requests']} requests parsed, {checked['files']} further files readable, "
        f"keys: {checked['keys']}"
    )


@cli.command("run")
@click.argument("params_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run-id", default=None, help="Run id (default: a timestamp).")
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
    help="Parent of the client's run folders.",
)
@click.option("--from", "from_step", default=None, help="Resume at this step (number or name).")
def run_command(
    params_file: Path, run_id: str | None, runs_dir: Path, from_step: str | None
) -> None:
    """Execute the workbook's notebooks in order for PARAMS_FILE into runs/<client>/<run_id>/."""
    from .workbook import run_workbook

    run_dir = run_workbook(
        params_file,
        run_id=run_id,
        runs_dir=runs_dir,
        from_step=from_step,
        echo=lambda s: click.echo(s, err=True),
    )
    click.echo(f"run folder: {run_dir}")


@cli.command("rehearsal")
@click.option("--entities", default=2000, show_default=True, help="Synthetic entities to generate.")
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--params",
    "params_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("params/rehearsal.yaml"),
    show_default=True,
)
@click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
)
def rehearsal_command(entities: int, seed: int, params_file: Path, runs_dir: Path) -> None:
    """Generate (or reuse) the rehearsal data and run the whole pipeline on it."""
    from .workbook import rehearsal

    report = rehearsal(
        params_file,
        entities=entities,
        seed=seed,
        runs_dir=runs_dir,
        echo=lambda s: click.echo(s, err=True),
    )
    click.echo(f"report: {report}")


@cli.command("purge")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--params",
    "params_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The run's params file (its keys: sign the certificate); default the rehearsal keys.",
)
@click.option(
    "--backup",
    type=click.Choice(["destroy", "retain"]),
    default="destroy",
    show_default=True,
    help="Destroy the backup of the raw exports, or retain it until --retain-until.",
)
@click.option(
    "--retain-until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="With --backup retain: the date the backup is destroyed.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_command(
    run_dir: Path,
    params_file: Path | None,
    backup: str,
    retain_until: dt.datetime | None,
    yes: bool,
) -> None:
    """Destroy RUN_DIR's personal data (work files, backup, rehearsal keys), then write and sign
    the certificate of destruction."""
    from .artifacts import ARTIFACTS
    from .purge import purge_run

    if not yes:
        click.confirm(f"Destroy the personal data of {run_dir}?", abort=True)
    summary = purge_run(
        run_dir,
        params_file=params_file,
        backup=backup,
        retain_until=retain_until.date() if retain_until else None,
    )
    cert = ARTIFACTS["destruction_certificate"].path
    click.echo(
        f"purged {summary['files']} files ({summary['bytes']} bytes); backup "
        f"{summary['backup']}; certificate: {cert} (signed: {cert}.p7s)"
    )


@cli.command("lookup")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--phone", default=None, help="Phone number (normalized to E.164 like the standardized data)."
)
@click.option("--email", default=None, help="E-mail address.")
@click.option("--id", "id_number", default=None, help="Resident ID number.")
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the person's own records here, CMS-encrypted to --to (access / portability).",
)
@click.option(
    "--to",
    "to_cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Certificate (PEM) the export is encrypted to: the DPO's or the seller's.",
)
def lookup_command(
    run_dir: Path,
    phone: str | None,
    email: str | None,
    id_number: str | None,
    export_to: Path | None,
    to_cert: Path | None,
) -> None:
    """Show what happened to the records matching one identifier in RUN_DIR (output masked);
    after purge, from the run's keyed-hash index."""
    if not any((phone, email, id_number)):
        raise click.UsageError("give one of --phone, --email or --id")
    if export_to is not None:
        if to_cert is None:
            raise click.UsageError("--export needs --to CERT: the export is never plaintext")
        from .pipeline.subject import export_subject

        n = export_subject(
            run_dir, export_to, to_cert, phone=phone, email=email, id_number=id_number
        )
        click.echo(f"{n} record(s) written to {export_to} (CMS, encrypted to {to_cert})")
        return
    from .scoping.lookup import lookup

    table = lookup(run_dir, phone=phone, email=email, id_number=id_number)
    if table.empty:
        click.echo("no record matches this identifier in this run")
        return
    click.echo(table.to_string(index=False))
    if "golden_id" not in table.columns:  # answered after purge
        return
    click.echo(
        f"{len(table)} record(s); moved: {int(table['golden_id'].notna().sum())}; "
        f"on the notification roster: {'yes' if table['notified'].any() else 'no'}"
    )


def _attach_stage_commands() -> None:
    for (
        module_name,
        attr,
    ) in _COMMANDS:  # a broken stage module fails loudly here, never hides its command
        cli.add_command(getattr(importlib.import_module(module_name), attr))


_attach_stage_commands()


def main(argv: list[str] | None = None) -> int:
    """Console entry point: one line on stderr and exit code 2 for user errors."""
    try:
        cli.main(args=argv, prog_name="migration-kit", standalone_mode=False)
    except MigrationKitError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except OSError as exc:  # a path that cannot be read or written: the user's to fix, no traceback
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
