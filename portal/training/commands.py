"""`flask reminders send`: queue due reminders and send the outbox (run it from cron)."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.training import reminders

cli = AppGroup("reminders", help="Training reminders.")


@cli.command("send")
def send():
    """Queue due reminders, then send queued e-mails."""
    queued = reminders.queue_reminders(current_app.config["BASE_URL"])
    db.session.commit()
    sent, cancelled, waiting = reminders.send_outbox(current_app.config)
    db.session.commit()
    click.echo(f"queued {queued}, sent {sent}, cancelled {cancelled}, waiting {waiting}")
