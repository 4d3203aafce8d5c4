import secrets
from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.orgs.models import Unit


class Requirement(db.Model):
    """A course required of some positions in a unit subtree (DESIGN §4, §10.2).

    How often it renews comes from the course's validity_months: one source of truth.
    """

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    first_due_on: Mapped[date] = mapped_column(Date)
    # Whether attending an in-person session of the course counts as compliance.
    attendance_counts: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    archived_at = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(lazy="joined")
    positions: Mapped[list["RequirementPosition"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def position_names(self):
        return sorted(p.position for p in self.positions)


class RequirementPosition(db.Model):
    """One position a requirement applies to: a row, so compliance can join on it."""

    __tablename__ = "requirement_positions"
    __table_args__ = (UniqueConstraint("requirement_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"), index=True)
    position: Mapped[str] = mapped_column(String(30))


def _token():
    return secrets.token_urlsafe(16)


class TrainingSession(db.Model):
    """An in-person training (tập huấn): evidence for inspectors, attendance for learners."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    place: Mapped[str] = mapped_column(String(300))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lessons_covered: Mapped[list] = mapped_column(JSON, default=list)
    # The secret in the check-in QR code; valid only during the session's time window.
    checkin_token: Mapped[str] = mapped_column(String(40), default=_token, unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    unit: Mapped[Unit] = relationship(lazy="joined")
    trainer: Mapped[User | None] = relationship()
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(10), default="roster")  # roster or qr
    # Paper pre/post-test scores (percent), when the session used them.
    pre_score: Mapped[int | None]
    post_score: Mapped[int | None]
    recorded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    session: Mapped[TrainingSession] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship(lazy="joined")


class OutboxMessage(db.Model):
    """Every reminder goes through here: queued, then sent by e-mail (or later SMS/Zalo)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_recent", "user_id", "course_slug", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # email, sms
    kind: Mapped[str] = mapped_column(String(20))  # due_soon, expiring, overdue
    course_slug: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at = mapped_column(UTCDateTime)
    cancelled_at = mapped_column(UTCDateTime)  # the person became compliant before sending
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()
