"""`ldptrain backup FILE` and `ldptrain restore FILE` (services/backup.py does the work)."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

PASSPHRASE_ENV = "LDPTRAIN_BACKUP_PASSPHRASE"


def _passphrase(confirm: bool) -> str:
    """From LDPTRAIN_BACKUP_PASSPHRASE (unattended runs), else asked for."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    return str(click.prompt("Backup passphrase", hide_input=True,
                            confirmation_prompt=confirm))


def _where() -> tuple[Path, str]:
    app = current_app
    url = str(app.extensions["ldptrain"].db.engine.url.render_as_string(hide_password=False))
    return Path(app.instance_path), url


@click.command("backup", help="Write an encrypted backup of this instance: the SQLite database "
               "(a consistent copy, the site may keep serving) and the instance's keys. The "
               f"passphrase is asked for, or taken from {PASSPHRASE_ENV}. On PostgreSQL use "
               "pg_dump (docs/operations.md) and --keys-only.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--without-keys", is_flag=True,
              help="Leave the keys out (keep them apart: `backup --keys-only`).")
@click.option("--keys-only", is_flag=True,
              help="Only the keys (for PostgreSQL sites, whose database pg_dump saves).")
@with_appcontext
def backup(file: Path, without_keys: bool, keys_only: bool) -> None:
    from ..services.backup import BackupError, make_backup, sqlite_path

    instance, url = _where()
    if not keys_only and sqlite_path(url) is None:
        raise click.ClickException(
            "the database is not SQLite: back it up with pg_dump -Fc (docs/operations.md, "
            "'Backups') and the keys with `ldptrain backup --keys-only FILE`")
    try:
        manifest = make_backup(file, _passphrase(confirm=True), instance=instance,
                               database_url=url, with_keys=not without_keys,
                               keys_only=keys_only)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if manifest.database:
        click.echo(f"database: schema {manifest.revision}, {len(manifest.tables)} tables, "
                   f"{sum(manifest.tables.values())} rows")
    click.echo(f"keys: {len(manifest.keys)} file(s)" if manifest.keys else
               "keys: left out: keep a `--keys-only` backup of them somewhere safe")
    if current_app.config.get("LDPTRAIN_CERT_ISSUER_P12") or \
            current_app.config.get("LDPTRAIN_CERT_ISSUER_CERT"):
        click.echo("note: the PDF issuer comes from LDPTRAIN_CERT_ISSUER_*, outside the "
                   "instance folder: back that file up with DLA's CA procedure")
    click.echo(f"backup written to {file} (encrypted; without the passphrase it cannot be read)")


@click.command("restore", help="Restore a backup made by `ldptrain backup` into this "
               "instance. Stop the site first. Refuses a non-empty instance without --force.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the database and keys already here.")
@with_appcontext
def restore(file: Path, force: bool) -> None:
    from ..services.backup import BackupError, restore_backup

    instance, url = _where()
    current_app.extensions["ldptrain"].db.engine.dispose()  # no pooled connection on the file
    try:
        manifest = restore_backup(file, _passphrase(confirm=False), instance=instance,
                                  database_url=url, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if manifest.database:
        click.echo(f"database restored: schema {manifest.revision}, "
                   f"{sum(manifest.tables.values())} rows (backup of {manifest.created}); "
                   "run `ldptrain db upgrade` if this ldptrain is newer")
    click.echo(f"keys restored: {len(manifest.keys)} file(s)" if manifest.keys
               else "no keys in this backup: put the instance's keys back from their own "
                    "backup before serving, or certificates will not verify")
