from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Certificate(db.Model):
    """A certificate with snapshots taken at issue: its meaning never changes afterwards."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_slug", "cycle"),
        # One live certificate per person and course (DESIGN §10.2).
        Index(
            "uq_certificates_live",
            "user_id",
            "course_slug",
            unique=True,
            sqlite_where=db.text("superseded_at IS NULL"),
            postgresql_where=db.text("superseded_at IS NULL"),
        ),
        Index("ix_certificates_unit_issued", "unit_path", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # canonical, no hyphens
    # Position in the published revocation status list.
    status_index: Mapped[int] = mapped_column(unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80), index=True)
    cycle: Mapped[int] = mapped_column(default=1)
    audience: Mapped[str] = mapped_column(String(10))  # staff or parent
    # Snapshots at issue time.
    holder_name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    unit_path: Mapped[str] = mapped_column(String(400), default="")  # ids, for scope
    unit_trail: Mapped[str] = mapped_column(String(600), default="")  # names, for people
    issuer_name: Mapped[str] = mapped_column(String(200), default="")  # province level
    course_title: Mapped[str] = mapped_column(String(300))
    course_version: Mapped[int]
    score: Mapped[int | None]
    issued_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at = mapped_column(UTCDateTime)  # None: never expires
    # A renewal or a corrected name supersedes; the old record stays, linked.
    superseded_at = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    revoked_at = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    def status_at(self, moment):
        """valid, expired or revoked at `moment`."""
        if self.revoked_at is not None and self.revoked_at <= moment:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= moment:
            return "expired"
        return "valid"

    def __repr__(self):
        return f"<Certificate {self.code} {self.course_slug}>"
