"""`flask orgs ...`: load official units, import local ones, and reshape the tree."""

import sys
from collections import defaultdict
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.orgs import importing, official, services
from portal.orgs.models import KINDS
from portal.orgs.services import UnitError

cli = AppGroup("orgs", help="Administrative units: official list, local units, tree changes.")


def _fail(message):
    db.session.rollback()
    click.echo(message, err=True)
    sys.exit(1)


def _unit(code):
    try:
        return services.require_unit(code)
    except UnitError as exc:
        _fail(str(exc.message))


@cli.command("import-official")
@click.option("--province", required=True, help="Province name or code, e.g. 'Đồng Nai' or 75.")
def import_official(province):
    """Load a province and all its communes, wards and special zones (idempotent)."""
    try:
        result = official.import_province(province)
    except UnitError as exc:
        _fail(str(exc.message))
    db.session.commit()
    counts = result.counts
    click.echo(
        f"{result.province.name} ({result.province.code}): created {counts['created']}, "
        f"updated {counts['updated']}, unchanged {counts['unchanged']}"
    )


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and preview; write nothing.")
def import_units(file, dry_run):
    """Add hamlets, residential groups and legacy districts from a UTF-8 CSV (all or nothing)."""
    try:
        plan = importing.plan_import(Path(file).read_bytes())
    except UnitError as exc:
        _fail(f"{file}: {exc.message}")
    for number, message in plan.errors:
        click.echo(f"row {number}: {message}", err=True)
    if not plan.ok:
        _fail(f"{file}: {len(plan.errors)} error(s); nothing imported")
    counts = plan.counts
    summary = f"created {counts['new']}, unchanged {counts['unchanged']}"
    if dry_run:
        for row in plan.rows:
            if row.status == "new":
                click.echo(
                    f"row {row.number}: new {row.kind} {row.code} {row.name} "
                    f"under {row.parent_code}"
                )
        db.session.rollback()
        click.echo(f"{summary} (dry run: nothing written)")
        return
    importing.apply_import(plan, source=Path(file).name)
    db.session.commit()
    click.echo(summary)


def _apply(change, done):
    try:
        changed = change()
    except UnitError as exc:
        _fail(str(exc.message))
    db.session.commit()
    click.echo(done if changed is not False else "unchanged")


@cli.command("rename")
@click.argument("code")
@click.argument("new_name")
def rename(code, new_name):
    """Rename an open unit (its old name stays in its history)."""
    unit = _unit(code)
    _apply(lambda: services.rename_unit(unit, new_name), f"renamed {code} to {new_name}")


@cli.command("move")
@click.argument("code")
@click.argument("new_parent_code")
def move(code, new_parent_code):
    """Move an open unit, with everything under it, under another unit."""
    unit, parent = _unit(code), _unit(new_parent_code)
    _apply(lambda: services.move_unit(unit, parent), f"moved {code} under {new_parent_code}")


@cli.command("merge")
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "into_code", help="Code of the open unit that takes them over.")
@click.option("--new-code", help="Code of a new unit to create as the successor.")
@click.option("--new-name", help="Name of the new successor unit.")
@click.option("--kind", type=click.Choice(KINDS), help="Kind of the new successor unit.")
def merge(codes, into_code, new_code, new_name, kind):
    """Close units into a successor: their children and people move to it."""
    if bool(into_code) == bool(new_code or new_name):
        _fail("give either --into CODE or --new-code and --new-name")
    units = [_unit(code) for code in codes]
    successor = _unit(into_code) if into_code else None
    try:
        successor = services.merge_units(
            units, successor, new_code=new_code, new_name=new_name, new_kind=kind
        )
    except UnitError as exc:
        _fail(str(exc.message))
    db.session.commit()
    click.echo(f"merged {', '.join(codes)} into {successor.code} {successor.name}")


@cli.command("close")
@click.argument("code")
def close(code):
    """Close an open unit that has no open units and no people under it."""
    unit = _unit(code)
    _apply(lambda: services.close_unit(unit), f"closed {code}")


@cli.command("tree")
@click.argument("code")
@click.option("--closed", is_flag=True, help="Show closed units too.")
def tree(code, closed):
    """Print the units under CODE, indented."""
    top = _unit(code)
    children = defaultdict(list)
    for unit in services.list_subtree(top, include_closed=closed):
        children[unit.parent_id].append(unit)

    def show(unit, level):
        mark = f" (closed {unit.valid_to.isoformat()})" if not unit.is_open else ""
        click.echo(f"{'  ' * level}{unit.code}  {unit.name} [{unit.kind}]{mark}")
        for child in sorted(children[unit.id], key=lambda u: services.name_key(u.name)):
            show(child, level + 1)

    show(top, 0)
