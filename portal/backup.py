"""`flask backup FILE`: a consistent copy of the database while it is in use."""

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.config import is_sqlite
from portal.extensions import db


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target):
    """Write a consistent backup of the database to TARGET (SQLite backup API)."""
    if not is_sqlite(current_app):
        raise click.ClickException(
            "PostgreSQL: use pg_dump --format=custom (see README.md, Backup and restore)"
        )
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file")
    source_path = db.engine.url.database
    source = sqlite3.connect(source_path, timeout=current_app.config["SQLITE_BUSY_TIMEOUT"])
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()
    click.echo(f"backup written to {target}")
