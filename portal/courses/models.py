from datetime import date
from typing import NamedTuple

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.orgs.models import Unit


class Course(db.Model):
    """A course by its permanent slug; what learners read is its current version."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # Bundled courses come from content/ and are read-only on the web.
    bundled: Mapped[bool] = mapped_column(default=False)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", use_alter=True, name="fk_courses_current_version")
    )
    # Web drafts: the course files as text, edited until "publish" (DESIGN §3 layout).
    draft_files: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Courses are archived, never deleted: certificates point at them.
    archived_at = mapped_column(UTCDateTime)

    owner_unit: Mapped[Unit | None] = relationship()
    current_version: Mapped["CourseVersion | None"] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self):
        return f"<Course {self.slug}>"


class CourseVersion(db.Model):
    """One published state of a course: immutable, with its Markdown and rendered HTML."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    audiences: Mapped[list] = mapped_column(JSON)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    certificate: Mapped[bool]
    validity_months: Mapped[int]
    reviewed_on: Mapped[date] = mapped_column(Date)
    sources: Mapped[list] = mapped_column(JSON)
    overview_html: Mapped[str] = mapped_column(Text, deferred=True)
    job_aid_title: Mapped[str | None] = mapped_column(String(300))
    job_aid_html: Mapped[str | None] = mapped_column(Text, deferred=True)
    # Large columns are deferred: a page loads only the ones it shows.
    # Quizzes as published: settings and questions with rendered HTML (quizzes/ reads them).
    quiz: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    pre_quiz: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # The source files exactly as published (name → text), for export and re-rendering.
    files: Mapped[dict] = mapped_column(JSON, deferred=True)
    # Folded titles, summaries and lesson text: what catalog search matches.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    lessons: Mapped[list["Lesson"]] = relationship(
        order_by="Lesson.position", back_populates="version", cascade="all, delete-orphan"
    )

    def title_for(self, locale):
        return (self.title_en if str(locale) == "en" and self.title_en else None) or self.title

    def summary_for(self, locale):
        return (
            self.summary_en if str(locale) == "en" and self.summary_en else None
        ) or self.summary

    def quiz_for(self, kind):
        """The published quiz JSON ("final" or "pre"), or None; read once per process."""
        if kind == "final":
            return _published(self, "quiz", lambda: self.quiz)
        return _published(self, "pre_quiz", lambda: self.pre_quiz)

    def outline(self):
        """The lessons in order as light rows (position, slug, title, minutes)."""

        def load():
            rows = db.session.execute(
                select(Lesson.position, Lesson.slug, Lesson.title, Lesson.minutes)
                .where(Lesson.version_id == self.id)
                .order_by(Lesson.position)
            )
            return tuple(LessonLine(*row) for row in rows)

        return _published(self, "outline", load)

    @property
    def has_quiz(self):
        return bool(self.quiz_for("final"))

    @property
    def overview(self):
        """The course page's introduction (HTML)."""
        return _published(self, "overview", lambda: self.overview_html)

    @property
    def has_job_aid(self):
        return _published(self, "has_job_aid", lambda: bool(self.job_aid_html))

    @property
    def for_parents(self):
        return "parent" in self.audiences


class LessonLine(NamedTuple):
    position: int
    slug: str
    title: str
    minutes: int


# A published version never changes, so what every page reads of it (the quiz, the
# lesson outline) is kept per process instead of read and decoded on every request. The
# key holds the content hash as well as the id: a database emptied and filled again (the
# tests, a restore) reuses ids, never an id with other content.
_PUBLISHED = {}
_PUBLISHED_MAX = 256  # parts: about 60 versions, a few MB at most


def _published(version, part, load):
    if version.id is None or not version.content_hash:  # not yet stored: nothing to key on
        return load()
    key = (version.id, version.content_hash, part)
    try:
        return _PUBLISHED[key]
    except KeyError:
        pass
    value = load()
    if len(_PUBLISHED) >= _PUBLISHED_MAX:
        _PUBLISHED.clear()
    _PUBLISHED[key] = value
    return value


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text, deferred=True)
    body_html: Mapped[str] = mapped_column(Text, deferred=True)
    # A short plain-text excerpt for Open Graph previews.
    excerpt: Mapped[str] = mapped_column(String(300), default="")

    version: Mapped[CourseVersion] = relationship(back_populates="lessons")


class CourseMedia(db.Model):
    """An image of a course, stored in the database so app hosts keep nothing on disk."""

    __tablename__ = "course_media"
    __table_args__ = (UniqueConstraint("course_id", "name", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # "media/pond.jpg"
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class LessonProgress(db.Model):
    """A lesson a learner finished, by slugs so it survives new versions (DESIGN §4)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "course_slug", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    lesson_slug: Mapped[str] = mapped_column(String(80))
    # read (online) or session (an in-person session covered it)
    source: Mapped[str] = mapped_column(String(20), default="read")
    completed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class CourseStatus(db.Model):
    """Where a learner stands in a course: the one place that decides "completed" (§10.2)."""

    __tablename__ = "course_status"
    __table_args__ = (
        UniqueConstraint("user_id", "course_slug"),
        Index("ix_course_status_course_completed", "course_slug", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    lessons_done: Mapped[int] = mapped_column(default=0)
    lessons_total: Mapped[int] = mapped_column(default=0)
    last_lesson_slug: Mapped[str | None] = mapped_column(String(80))  # resume here
    started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # The passing final-quiz attempt of the current cycle (quizzes/ owns attempts).
    passed_attempt_id: Mapped[int | None]
    passed_at = mapped_column(UTCDateTime)
    best_score: Mapped[int | None]
    completed_at = mapped_column(UTCDateTime)
    # A renewal starts a new cycle; attempt limits and completion count per cycle.
    cycle: Mapped[int] = mapped_column(default=1)
    cycle_started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    certificate_id: Mapped[int | None]  # the live certificate (certificates/ sets it)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    @property
    def percent(self):
        if not self.lessons_total:
            return 0
        return round(100 * min(self.lessons_done, self.lessons_total) / self.lessons_total)
