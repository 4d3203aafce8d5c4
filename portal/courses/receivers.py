"""Courses add a learner's progress to their personal data download and follow unit merges."""

from sqlalchemy import select

from portal import signals
from portal.accounts.services import register_data_provider
from portal.courses import authoring
from portal.courses.models import CourseStatus, LessonProgress
from portal.extensions import db


def progress_data(user):
    lessons = db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user.id).order_by(LessonProgress.id)
    )
    statuses = db.session.scalars(select(CourseStatus).where(CourseStatus.user_id == user.id))
    return {
        "lessons_done": [
            {
                "course": p.course_slug,
                "lesson": p.lesson_slug,
                "source": p.source,
                "completed_at": p.completed_at.isoformat(),
            }
            for p in lessons
        ],
        "courses": [
            {
                "course": s.course_slug,
                "lessons_done": s.lessons_done,
                "best_score": s.best_score,
                "completed_at": s.completed_at.isoformat() if s.completed_at else None,
            }
            for s in statuses
        ],
    }


def connect(app):
    register_data_provider(progress_data)
    signals.units_merged.connect(authoring.move_to_successor)
