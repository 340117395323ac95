"""Click commands of the handover stage; the main ``migration-kit`` group wires them in.

``keys``, ``verify``, ``decrypt`` and ``restore``. Deliberate errors are raised as
:class:`~migration_kit.errors.MigrationKitError` (the main group prints one line, exit 2);
``verify`` prints one line per problem and exits 1 when anything does not match.

Example
-------
``migration-kit keys --out keys`` then
``migration-kit verify runs/acme/r1/handover --signer-cert keys/seller.pem``
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from .keys import generate_keys

__all__ = ["decrypt_command", "keys_command", "load_command", "restore_command", "verify_command"]

_PEM = click.Path(dir_okay=False, exists=True, path_type=Path)


@click.command("keys")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for <name>.key (mode 0600) and <name>.pem.",
)
@click.option(
    "--name",
    "names",
    multiple=True,
    default=("seller", "buyer"),
    show_default=True,
    help="One key pair per name (repeat the option).",
)
@click.option("--days", default=365, show_default=True, help="Certificate validity in days.")
@click.option("--bits", default=3072, show_default=True, help="RSA key size (>= 2048).")
@click.option(
    "--passphrase-env",
    default=None,
    help="Encrypt the keys with the passphrase in this environment variable.",
)
def keys_command(
    out: Path, names: tuple[str, ...], days: int, bits: int, passphrase_env: str | None
) -> None:
    """Make self-signed RSA key pairs and certificates for a rehearsal."""
    passphrase = None
    if passphrase_env:
        if not os.environ.get(passphrase_env):
            raise click.UsageError(
                f"environment variable {passphrase_env!r} is not set or empty; an empty "
                "passphrase would write unencrypted keys"
            )
        passphrase = os.environ[passphrase_env]
    for name, (key, cert) in generate_keys(
        out, names=names, days=days, bits=bits, passphrase=passphrase
    ).items():
        click.echo(f"{name}: key {key} (keep private), certificate {cert}")


@click.command("verify")
@click.argument("handover_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--signer-cert",
    type=_PEM,
    default=None,
    help="The seller's certificate (PEM), received separately: required to trust the signature.",
)
@click.option(
    "--key",
    type=_PEM,
    default=None,
    help="Buyer key: also decrypt and check every part's plaintext hash.",
)
@click.option("--cert", type=_PEM, default=None, help="Buyer certificate matching --key.")
@click.option(
    "--passphrase-env", default=None, help="Environment variable holding --key's passphrase."
)
def verify_command(
    handover_dir: Path,
    signer_cert: Path | None,
    key: Path | None,
    cert: Path | None,
    passphrase_env: str | None,
) -> None:
    """Check signature, hashes, file list and audit chain of HANDOVER_DIR; exit 1 on any problem."""
    from .verify import verify_handover

    if (key is None) != (cert is None):
        raise click.UsageError("--key and --cert go together")
    report = verify_handover(
        handover_dir,
        signer_cert,
        recipient_key=key,
        recipient_cert=cert,
        passphrase_env=passphrase_env,
    )
    for note in report.notes:
        click.echo(f"note: {note}")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}")
    if not report.ok:
        raise SystemExit(1)
    click.echo(
        f"OK: signature ({report.signer}) and {report.files_checked} files match the manifest"
    )


@click.command("decrypt")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--key", type=_PEM, required=True, help="Recipient private key (PEM).")
@click.option("--cert", type=_PEM, required=True, help="Recipient certificate (PEM).")
@click.option(
    "--signer-cert",
    type=_PEM,
    required=True,
    help="The seller's certificate (PEM): the manifest is verified before any part is decrypted.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Plaintext file to write.",
)
@click.option("--join", is_flag=True, help="Write the whole table of FILE (all parts, one header).")
@click.option(
    "--passphrase-env", default=None, help="Environment variable holding the key's passphrase."
)
def decrypt_command(
    file: Path,
    key: Path,
    cert: Path,
    signer_cert: Path,
    out: Path,
    join: bool,
    passphrase_env: str | None,
) -> None:
    """Decrypt one CMS part (or, with --join, its whole table) without openssl."""
    from ..runfolder import atomic_path
    from .export import write_atomic
    from .verify import decrypt_file, decrypt_table

    if out.exists():
        raise click.UsageError(f"{out} already exists; choose another --out")
    if join:
        with atomic_path(out) as tmp, open(tmp, "wb") as fh:
            for chunk in decrypt_table(
                file, key, cert, signer_cert=signer_cert, passphrase_env=passphrase_env
            ):
                fh.write(chunk)
    else:
        write_atomic(
            out,
            decrypt_file(file, key, cert, signer_cert=signer_cert, passphrase_env=passphrase_env),
        )
    click.echo(f"wrote {out}")


@click.command("restore")
@click.argument("backup_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--key", type=_PEM, required=True, help="Backup (seller) private key (PEM).")
@click.option("--cert", type=_PEM, required=True, help="Backup (seller) certificate (PEM).")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the restored files.",
)
@click.option(
    "--passphrase-env", default=None, help="Environment variable holding the key's passphrase."
)
def restore_command(
    backup_dir: Path, key: Path, cert: Path, out: Path, passphrase_env: str | None
) -> None:
    """Check and decrypt an encrypted input backup into byte-identical files."""
    from .backup import restore

    try:
        paths = restore(backup_dir, key, cert, out, passphrase_env=passphrase_env)
    except FileExistsError as exc:
        raise click.UsageError(str(exc)) from None
    for p in paths:
        click.echo(f"restored {p}")


@click.command("load")
@click.argument("handover_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--signer-cert", type=_PEM, required=True, help="The seller's certificate (PEM).")
@click.option("--key", type=_PEM, required=True, help="Buyer private key (PEM).")
@click.option("--cert", type=_PEM, required=True, help="Buyer certificate (PEM).")
@click.option(
    "--db",
    default=None,
    help="A postgresql:// URL, a DuckDB file (default <handover>.duckdb beside the folder) or an "
    "SQLite file (.sqlite, .sqlite3, .db).",
)
@click.option("--replace", is_flag=True, help="Replace another handover already in --db.")
@click.option(
    "--passphrase-env", default=None, help="Environment variable holding --key's passphrase."
)
def load_command(
    handover_dir: Path,
    signer_cert: Path,
    key: Path,
    cert: Path,
    db: str | None,
    replace: bool,
    passphrase_env: str | None,
) -> None:
    """Verify HANDOVER_DIR, decrypt it part by part and load every table in one transaction."""
    from .load import load_handover

    out = load_handover(
        handover_dir, signer_cert, key, cert, db=db, replace=replace, passphrase_env=passphrase_env
    )
    if out["status"] != "loaded":
        click.echo(f"{out['db']}: {out['status']}")
        return
    rows = ", ".join(f"{t} {v['rows']}" for t, v in out["tables"].items())
    click.echo(f"loaded into {out['db']}: {rows}; counts and checksums equal the manifest")
