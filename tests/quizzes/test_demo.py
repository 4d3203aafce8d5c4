"""`demo load` adds a spread of attempts once, and only when there is someone to add them for."""

from sqlalchemy import func, select

from portal.quizzes import demo, statistics
from portal.quizzes.models import Attempt


def count(db, **where):
    query = select(func.count()).select_from(Attempt)
    for name, value in where.items():
        query = query.where(getattr(Attempt, name) == value)
    return db.session.scalar(query)


def test_demo_attempts_are_a_spread_and_idempotent(db, course, make_user, tree):
    for i in range(8):
        make_user("learner", tree["hamlet"] if i % 2 else tree["commune"])
    make_user("learner", tree["hamlet"], position="parent")  # not this course's audience
    lines = []
    demo.load(lines.append)
    db.session.commit()
    assert count(db, kind="pre", state="submitted") == 8
    finals = count(db, kind="final", state="submitted")
    assert finals >= 8 and count(db, state="open") == 0
    assert count(db, kind="final", passed=True) and count(db, kind="final", passed=False)
    assert "demo attempt" in lines[0]
    stats = statistics.get_course_stats(make_user("trainer", tree["province"]), course)
    assert stats.attempts == finals and stats.questions

    demo.load(lines.append)
    db.session.commit()
    assert count(db, kind="final") == finals and count(db, kind="pre") == 8


def test_demo_without_learners_or_courses_does_nothing(db):
    lines = []
    demo.load(lines.append)
    assert count(db) == 0 and "no demo learners" in lines[0]
