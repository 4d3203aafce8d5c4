"""`flask reports compliance`: the inspection file from the command line (scheduled delivery)."""

import sys
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.orgs.models import Unit
from portal.reports import inspection

cli = AppGroup("reports", help="Compliance reports and exports.")


@cli.command("compliance")
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. 75 or 26734.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), default="xlsx")
@click.option(
    "--table", type=click.Choice(inspection.TABLES), default="people", help="Which table, for CSV."
)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def compliance_command(unit_code, fmt, table, as_of, output):
    """Write the compliance export of a unit to OUTPUT."""
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code, Unit.valid_to.is_(None)))
    if unit is None:
        click.echo(f"no open unit with code {unit_code}", err=True)
        sys.exit(1)
    try:
        day = datetime.strptime(as_of, "%Y-%m-%d").date() if as_of else date.today()
    except ValueError:
        click.echo(f"--as-of {as_of}: use YYYY-MM-DD", err=True)
        sys.exit(1)
    if fmt == "xlsx":
        body = inspection.workbook(unit, day)
    elif fmt == "pdf":
        body = inspection.pdf_report(unit, day)
    else:
        body = inspection.csv_table(unit, day, table)
    output.write_bytes(body)
    click.echo(f"wrote {output} ({len(body)} bytes)")
