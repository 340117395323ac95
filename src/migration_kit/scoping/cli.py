"""``migration-kit lookup RUN_DIR --phone P | --email E | --id N``: what happened to one person's
data.

The command object :data:`lookup_command` is wired into the main group by ``migration_kit.cli``.
It prints a small masked table (see :func:`~migration_kit.scoping.lookup.lookup`).

Example
-------
``migration-kit lookup runs/acme/2026-12-31 --phone "138 1234 5678"``
"""

from __future__ import annotations

from pathlib import Path

import click

from .lookup import lookup

__all__ = ["lookup_command"]


@click.command("lookup")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--phone", default=None, help="Phone number (normalized to E.164 like the standardized data)."
)
@click.option("--email", default=None, help="E-mail address.")
@click.option("--id", "id_number", default=None, help="Resident ID number.")
def lookup_command(
    run_dir: Path, phone: str | None, email: str | None, id_number: str | None
) -> None:
    """Show what happened to the records matching one identifier in RUN_DIR (output masked)."""
    if not any((phone, email, id_number)):
        raise click.UsageError("give one of --phone, --email or --id")
    table = lookup(run_dir, phone=phone, email=email, id_number=id_number)
    if table.empty:
        click.echo("no record matches this identifier in this run")
        return
    click.echo(table.to_string(index=False))
    click.echo(
        f"{len(table)} record(s); moved: {int(table['golden_id'].notna().sum())}; "
        f"notified: {'yes' if table['notified'].any() else 'no'}"
    )
