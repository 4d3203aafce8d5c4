"""`flask users create|bootstrap-admin|import|purge-expired`: accounts from the command line."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.accounts import importing, management, services
from portal.accounts.models import POSITIONS, ROLES
from portal.accounts.services import AccountError
from portal.extensions import db

cli = AppGroup("users", help="Create, import and purge user accounts.")


def _fail(message):
    db.session.rollback()
    click.echo(message, err=True)
    sys.exit(1)


@cli.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--login", required=True, help="Phone number or e-mail address.")
@click.option("--password", required=True)
@click.option("--name", required=True, help="Full name.")
@click.option("--unit", "unit_code", help="Unit code (every role but admin needs one).")
@click.option("--position", type=click.Choice(POSITIONS))
def create(role, login, password, name, unit_code, position):
    """Create one account; a login that exists already changes nothing (exit 1)."""
    try:
        phone, email = services.parse_login(login)
        if services.login_taken(phone, email):
            _fail(f"{login}: an account with this login exists; nothing changed")
        user, _temporary = management.create_user(
            None, full_name=name, login=login, unit_code=unit_code, position=position, role=role
        )
        services.set_password(user, password)
    except AccountError as exc:
        _fail(f"{login}: {exc.message}")
    db.session.commit()
    click.echo(f"created {role} {user.login} (id {user.id})")


@cli.command("bootstrap-admin")
def bootstrap_admin():
    """On first run only: create admin@localhost with a one-time password, printed once."""
    if services.count_active_admins():
        click.echo("an admin exists already; nothing changed")
        return
    if services.get_user_by_login(services.BOOTSTRAP_LOGIN):
        _fail(f"{services.BOOTSTRAP_LOGIN} exists but is not an active admin; nothing changed")
    user, temporary = management.create_user(
        None, full_name="Quản trị viên", login=services.BOOTSTRAP_LOGIN, role="admin"
    )
    db.session.commit()
    click.echo(f"login:    {user.login}")
    click.echo(f"password: {temporary}")
    click.echo("(shown once; it must be changed at the first sign-in)")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and preview; write nothing.")
@click.option("--unit", "unit_code", help="Unit code for rows without one.")
def import_users(file, dry_run, unit_code):
    """Import staff from a CSV (UTF-8) or XLSX file: every row is valid, or nothing is written."""
    try:
        plan = importing.plan_import(None, Path(file).read_bytes(), file, unit_code)
    except AccountError as exc:
        _fail(f"{file}: {exc.message}")
    for number, message in plan.errors:
        click.echo(f"row {number}: {message}", err=True)
    if not plan.ok:
        _fail(f"{len(plan.errors)} error(s); nothing imported")
    counts = plan.counts
    summary = f"new {counts['new']}, updated {counts['updated']}, unchanged {counts['unchanged']}"
    if dry_run:
        db.session.rollback()
        click.echo(f"{summary} (dry run: nothing written)")
        return
    created = importing.apply_import(None, plan)
    db.session.commit()
    click.echo(summary)
    if created:
        width = max(len(user.login) for user, _ in created)
        click.echo(f"{'login':<{width}}  temporary password")
        for user, temporary in created:
            click.echo(f"{user.login:<{width}}  {temporary}")


@cli.command("purge-expired")
def purge_expired():
    """Erase the personal data of staff accounts deactivated before the retention period."""
    users = services.purge_expired()
    db.session.commit()
    click.echo(f"erased {len(users)} account(s)")
