"""Demo attempts: pre-tests and final quizzes, passes and fails, so statistics show figures."""

import random
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.courses.models import Course, CourseVersion
from portal.database import utcnow
from portal.extensions import db
from portal.quizzes import services
from portal.quizzes.models import Attempt
from portal.quizzes.services import QuizError

MAX_LEARNERS = 40


def _answer(question, right, rng):
    if right:
        return list(question["correct"])
    wrong = [i for i in range(len(question["options"])) if i not in question["correct"]]
    return [rng.choice(wrong)]


def _take(user, course, kind, skill, when, rng):
    """One submitted attempt at `when`, each question right with probability `skill`."""
    attempt, _created = services.start_attempt(user, course, kind, now=when, rng=rng)
    bank = services.get_bank(attempt)
    answers = {
        q["id"]: _answer(bank[q["id"]], rng.random() < skill, rng) for q in attempt.questions
    }
    minutes = min(5, attempt.time_limit_minutes or 5)
    services.submit_attempt(
        attempt, user, course, answers=answers, now=when + timedelta(minutes=minutes)
    )
    return attempt


def load(echo):
    learners = db.session.scalars(
        select(User)
        .where(User.role == "learner", User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.id)
        .limit(MAX_LEARNERS)
    ).all()
    quizzed = db.session.scalars(
        select(Course)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .where(Course.archived_at.is_(None))
        .order_by(Course.slug)
    ).all()
    quizzed = [course for course in quizzed if course.current_version.quiz]
    if not learners or not quizzed:
        echo("quizzes: no demo learners or no course with a quiz; no attempts added")
        return
    taken = set(
        db.session.execute(
            select(Attempt.user_id, Attempt.course_slug).where(
                Attempt.user_id.in_([u.id for u in learners])
            )
        ).all()
    )
    count = 0
    for user in learners:
        for course in quizzed:
            version = course.current_version
            if (user.id, course.slug) in taken or user.audience not in version.audiences:
                continue
            rng = random.Random(f"{user.id}:{course.slug}")  # the same spread on every run
            skill = rng.uniform(0.35, 0.8)
            settings = version.quiz["settings"]
            gap = timedelta(minutes=settings["cooldown_minutes"] + 60 * 24)
            when = utcnow() - timedelta(days=40) + timedelta(hours=rng.randrange(0, 72))
            try:
                if version.pre_quiz:
                    _take(user, course, "pre", skill * 0.8, when, rng)
                    count += 1
                for _ in range(rng.randint(1, 3)):
                    when += gap
                    attempt = _take(user, course, "final", skill, when, rng)
                    count += 1
                    skill = min(0.98, skill + 0.15)  # people learn from the review
                    if attempt.passed:
                        break
            except QuizError:
                continue  # out of attempts: the spread is what it is
    echo(f"quizzes: {count} demo attempt(s) submitted")
