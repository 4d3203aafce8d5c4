"""Courses: catalog reads, progress and the one decision of "completed" (DESIGN §10.2)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, undefer

from portal import signals
from portal.courses.models import Course, CourseStatus, CourseVersion, Lesson, LessonProgress
from portal.database import utcnow
from portal.extensions import db
from portal.text import fold


class CourseError(Exception):
    """A learner action on a course that cannot be done (the message says why)."""


@dataclass
class CatalogEntry:
    course: Course
    version: CourseVersion
    status: CourseStatus | None
    required: bool
    for_me: bool


def _audience_of(user):
    if user is None or not user.is_authenticated:
        return "parent"  # visitors without an account are most often parents
    return user.audience


def list_catalog(user, *, q=None, topic=None, required_slugs=(), limit=None):
    """Published courses, those for the user's audience first (required ones first of all)."""
    query = (
        select(Course, CourseVersion)
        .join(CourseVersion, Course.current_version_id == CourseVersion.id)
        .where(Course.archived_at.is_(None))
    )
    for word in fold(q or "").split():
        query = query.where(CourseVersion.search_text.contains(word, autoescape=True))
    rows = db.session.execute(query).all()
    if topic:
        rows = [(c, v) for c, v in rows if topic in (v.topics or [])]
    statuses = list_statuses(user)
    audience = _audience_of(user)
    entries = [
        CatalogEntry(
            course=c,
            version=v,
            status=statuses.get(c.slug),
            required=c.slug in required_slugs,
            for_me=audience in v.audiences,
        )
        for c, v in rows
    ]
    entries.sort(key=lambda e: (not e.required, not e.for_me, fold(e.version.title)))
    return entries[:limit] if limit else entries


def list_topics():
    """The topics that published courses use."""
    versions = db.session.scalars(
        select(CourseVersion)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .where(Course.archived_at.is_(None))
    )
    return sorted({t for v in versions for t in (v.topics or [])})


def list_titles():
    """course slug → (title, English title or None) of every published course."""
    rows = db.session.execute(
        select(Course.slug, CourseVersion.title, CourseVersion.title_en).join(
            CourseVersion, Course.current_version_id == CourseVersion.id
        )
    )
    return {slug: (title, title_en) for slug, title, title_en in rows}


def get_course(slug, include_archived=False):
    """The published course with this slug, or None."""
    query = (
        select(Course)
        .options(joinedload(Course.current_version))
        .where(Course.slug == slug, Course.current_version_id.is_not(None))
    )
    if not include_archived:
        query = query.where(Course.archived_at.is_(None))
    return db.session.scalar(query)


def list_lessons(version):
    """The version's lessons without their bodies."""
    return list(version.lessons)


def get_lesson_page(course_slug, lesson_slug):
    """(lesson with its HTML, its version, its course) in one query, or None."""
    row = db.session.execute(
        select(Lesson, CourseVersion, Course)
        .join(CourseVersion, Lesson.version_id == CourseVersion.id)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .options(undefer(Lesson.body_html))
        .where(
            Course.slug == course_slug,
            Course.archived_at.is_(None),
            Lesson.slug == lesson_slug,
        )
    ).first()
    return tuple(row) if row else None


def list_statuses(user):
    if user is None or not user.is_authenticated:
        return {}
    rows = db.session.scalars(select(CourseStatus).where(CourseStatus.user_id == user.id))
    return {s.course_slug: s for s in rows}


def get_status(user, course_slug):
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(CourseStatus).where(
            CourseStatus.user_id == user.id, CourseStatus.course_slug == course_slug
        )
    )


def list_done_lessons(user, course_slug):
    if user is None or not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            select(LessonProgress.lesson_slug).where(
                LessonProgress.user_id == user.id, LessonProgress.course_slug == course_slug
            )
        )
    )


def resume_lesson(lessons, done):
    """Where to continue: the first lesson not yet done, in order."""
    for lesson in lessons:
        if lesson.slug not in done:
            return lesson
    return None


def _status_for_update(user_id, course_slug, version):
    status = db.session.scalar(
        select(CourseStatus)
        .where(CourseStatus.user_id == user_id, CourseStatus.course_slug == course_slug)
        .with_for_update()
    )
    if status is None:
        status = CourseStatus(
            user_id=user_id, course_slug=course_slug, lessons_total=len(version.outline())
        )
        db.session.add(status)
        db.session.flush()
    return status


def _count_done(user_id, course_slug, version):
    slugs = [lesson.slug for lesson in version.outline()]
    if not slugs:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(LessonProgress)
        .where(
            LessonProgress.user_id == user_id,
            LessonProgress.course_slug == course_slug,
            LessonProgress.lesson_slug.in_(slugs),
        )
    )


def complete_lessons(user, course, lesson_slugs, source="read"):
    """Mark lessons of the course's current version done; return the CourseStatus."""
    version = course.current_version
    valid = {lesson.slug for lesson in version.outline()}
    unknown = set(lesson_slugs) - valid
    if unknown:
        raise CourseError(_l("Khóa học không có bài: %(slugs)s.", slugs=", ".join(sorted(unknown))))
    done = list_done_lessons(user, course.slug)
    for slug in lesson_slugs:
        if slug not in done:
            db.session.add(
                LessonProgress(
                    user_id=user.id, course_slug=course.slug, lesson_slug=slug, source=source
                )
            )
            done.add(slug)
    db.session.flush()
    status = _status_for_update(user.id, course.slug, version)
    status.lessons_total = len(version.outline())
    status.lessons_done = _count_done(user.id, course.slug, version)
    if lesson_slugs:
        status.last_lesson_slug = lesson_slugs[-1]
    for slug in lesson_slugs:
        signals.lesson_completed.send(None, user=user, course_slug=course.slug, lesson_slug=slug)
    _evaluate(user, course, status)
    return status


def complete_lesson(user, course, lesson_slug):
    """Mark one lesson done (idempotent)."""
    return complete_lessons(user, course, [lesson_slug])


def record_quiz_pass(user, course, attempt_id, score):
    """The final quiz was passed in the current cycle (quizzes/ calls this)."""
    status = _status_for_update(user.id, course.slug, course.current_version)
    if status.passed_attempt_id is None:
        status.passed_attempt_id = attempt_id
        status.passed_at = utcnow()
    status.best_score = max(status.best_score or 0, score)
    status.lessons_total = len(course.current_version.outline())
    status.lessons_done = _count_done(user.id, course.slug, course.current_version)
    _evaluate(user, course, status)
    return status


def record_quiz_score(user, course, score):
    """Keep the best score of the cycle for a failed attempt too."""
    status = _status_for_update(user.id, course.slug, course.current_version)
    status.best_score = max(status.best_score or 0, score)
    return status


def start_new_cycle(user, course_slug):
    """Open a renewal cycle: a new attempt and completion are needed (certificates/ calls this)."""
    status = db.session.scalar(
        select(CourseStatus)
        .where(CourseStatus.user_id == user.id, CourseStatus.course_slug == course_slug)
        .with_for_update()
    )
    if status is None or status.completed_at is None:
        raise CourseError(_l("Khóa học chưa hoàn thành nên chưa có gì để gia hạn."))
    status.cycle += 1
    status.cycle_started_at = utcnow()
    status.passed_attempt_id = None
    status.passed_at = None
    status.best_score = None
    status.completed_at = None
    db.session.flush()
    return status


def _evaluate(user, course, status):
    """Completed = every lesson of the current version done and the final quiz passed."""
    version = course.current_version
    if status.completed_at is not None:
        return
    lessons_ok = status.lessons_done >= len(version.outline())
    quiz_ok = not version.has_quiz or status.passed_attempt_id is not None
    if lessons_ok and quiz_ok:
        status.completed_at = utcnow()
        db.session.flush()
        signals.course_completed.send(
            None, user=user, course_slug=course.slug, status=status, version=version
        )


def count_completions(course_slug):
    return db.session.scalar(
        select(func.count())
        .select_from(CourseStatus)
        .where(CourseStatus.course_slug == course_slug, CourseStatus.completed_at.is_not(None))
    )
