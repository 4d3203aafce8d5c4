"""`flask content check|sync|rerender`: validate and publish the bundled curriculum."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from portal.courses import publishing
from portal.extensions import db

cli = AppGroup("content", help="Check and publish course folders.")


@cli.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def check(path):
    """Validate a content root or one course folder (non-zero exit on any error)."""
    path = path or current_app.config["CONTENT_DIR"]
    slugs, problems = publishing.check_path(path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s); {len(slugs)} course(s) valid", err=True)
        sys.exit(1)
    click.echo(f"{len(slugs)} course(s) valid")


@cli.command("sync")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def sync(path):
    """Publish the courses that changed under PATH (default: the bundled content/)."""
    path = path or current_app.config["CONTENT_DIR"]
    failed = 0
    for slug, outcome, problems in publishing.sync_content(path):
        click.echo(f"{outcome:<10} {slug}")
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        failed += outcome == "failed"
    db.session.commit()
    if failed:
        sys.exit(1)


@cli.command("rerender")
def rerender():
    """Re-render stored versions from their Markdown (after a sanitiser change)."""
    count = publishing.rerender_versions()
    db.session.commit()
    click.echo(f"re-rendered {count} version(s)")
