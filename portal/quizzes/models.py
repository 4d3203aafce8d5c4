from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.courses.models import CourseVersion
from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Attempt(db.Model):
    """One try at a course's final quiz or pre-test, under the rules in force when it started."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'submitted')", name="state"),
        CheckConstraint("kind IN ('final', 'pre')", name="kind"),
        # A learner has at most one unfinished attempt per quiz: starting twice resumes it.
        Index(
            "uq_attempts_one_open",
            "user_id",
            "course_slug",
            "kind",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_attempts_course_kind_state", "course_slug", "kind", "state"),
        Index("ix_attempts_user_course", "user_id", "course_slug", "kind", "cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The slug is the permanent id statistics follow; the version is what was asked.
    course_slug: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="final")
    # The learner's certification cycle (CourseStatus.cycle): attempt limits count per cycle.
    cycle: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(10), default="open")
    # Drawn questions in display order: [{"id": "q-id", "order": [source positions]}].
    questions: Mapped[list] = mapped_column(JSON)
    # Rules snapshot: a later version or edit never changes how this attempt is graded.
    pass_mark: Mapped[int]
    time_limit_minutes: Mapped[int] = mapped_column(default=0)
    must_pass: Mapped[list] = mapped_column(JSON, default=list)
    # Saved answers as the learner goes: {"q-id": [source positions]}.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[int | None]
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    deadline_at = mapped_column(UTCDateTime)  # None when untimed
    saved_at = mapped_column(UTCDateTime)
    submitted_at = mapped_column(UTCDateTime)

    version: Mapped[CourseVersion] = relationship()

    @property
    def is_open(self):
        return self.state == "open"

    @property
    def timed_out(self):
        """Graded because its time ran out (it then ends at its deadline)."""
        return self.deadline_at is not None and self.submitted_at == self.deadline_at

    @property
    def question_ids(self):
        return [q["id"] for q in self.questions]

    def __repr__(self):
        return f"<Attempt {self.id} {self.course_slug} {self.kind} {self.state}>"


class AttemptAnswer(db.Model):
    """One graded answer, written at submission so statistics are plain GROUP BYs."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    question_id: Mapped[str] = mapped_column(String(60), index=True)
    # Chosen source positions, sorted and comma-joined ("0,2"; "" when unanswered).
    chosen: Mapped[str] = mapped_column(String(200), default="")
    correct: Mapped[bool] = mapped_column(Boolean)


class AttemptGrant(db.Model):
    """Extra attempts a trainer granted a learner for one course and cycle (audited)."""

    __tablename__ = "attempt_grants"
    __table_args__ = (Index("ix_attempt_grants_user_course", "user_id", "course_slug", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_slug: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int]
    extra: Mapped[int]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300))
    granted_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
