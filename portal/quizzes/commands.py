"""`flask quizzes close-expired`: grade timed attempts left open past their time (cron)."""

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.quizzes import services

cli = AppGroup("quizzes", help="Quiz attempts.")


@cli.command("close-expired")
def close_expired():
    """Grade every open attempt whose time limit has passed, as it stands."""
    graded = 0
    for _attempt in services.close_expired():
        db.session.commit()  # each learner's result (and certificate) on its own
        graded += 1
    db.session.commit()
    click.echo(f"graded {graded}")
