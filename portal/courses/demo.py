"""Demo progress: a few learners part-way through courses (idempotent)."""

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import User
from portal.courses import publishing, services
from portal.courses.models import Course
from portal.extensions import db


def load(echo):
    if db.session.scalar(select(Course.id).limit(1)) is None:
        list(publishing.sync_content(current_app.config["CONTENT_DIR"]))
    learners = db.session.scalars(
        select(User)
        .where(User.role == "learner", User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.id)
        .limit(6)
    ).all()
    touched = 0
    for n, user in enumerate(learners):
        entries = [e for e in services.list_catalog(user) if e.for_me][:2]
        for course_number, entry in enumerate(entries):
            lessons = [lesson.slug for lesson in entry.version.lessons]
            # A spread: some finish every lesson, others stop part-way.
            done = lessons if (n + course_number) % 2 == 0 else lessons[: max(1, len(lessons) // 2)]
            services.complete_lessons(user, entry.course, done)
            touched += 1
    echo(f"demo progress: {touched} course(s) started by {len(learners)} learner(s)")
