"""Quizzes add a learner's attempts to their personal data download."""

from sqlalchemy import select

from portal.accounts.services import register_data_provider
from portal.extensions import db
from portal.quizzes.models import Attempt


def attempts_data(user):
    """The person's attempts with their own choices; never which options were right."""
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.id)
    )
    return {
        "quiz_attempts": [
            {
                "course": a.course_slug,
                "kind": a.kind,
                "state": a.state,
                "started_at": a.started_at.isoformat(),
                "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
                "score": a.score,
                "passed": a.passed,
                # Option positions as written in the course's quiz file.
                "answers": a.answers,
            }
            for a in attempts
        ]
    }


def connect(app):
    register_data_provider(attempts_data)
