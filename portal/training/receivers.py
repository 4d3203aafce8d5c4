"""Training adds a person's attendance to their data download; requirements and sessions
follow a unit merge."""

from sqlalchemy import select

from portal import signals
from portal.accounts.services import register_data_provider
from portal.extensions import db
from portal.training import services
from portal.training.models import Attendance, TrainingSession


def attendance_data(user):
    rows = db.session.execute(
        select(Attendance, TrainingSession)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(Attendance.user_id == user.id)
        .order_by(TrainingSession.starts_at)
    )
    return {
        "training_sessions": [
            {
                "course": s.course_slug,
                "starts_at": s.starts_at.isoformat(),
                "place": s.place,
                "method": a.method,
                "pre_score": a.pre_score,
                "post_score": a.post_score,
            }
            for a, s in rows
        ]
    }


def connect(app):
    register_data_provider(attendance_data)
    signals.units_merged.connect(services.move_to_successor)
