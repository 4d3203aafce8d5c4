"""`flask demo load`: a demo province, units, users and activity (never in production)."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

cli = AppGroup("demo", help="Demo data for trying the portal.")


@cli.command("load")
def load():
    """Load the demo province, hamlets, users and activity (idempotent)."""
    from portal import _feature_modules

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("demo data is never loaded in production")
    for module in _feature_modules("demo"):
        module.load(click.echo)
        db.session.commit()
