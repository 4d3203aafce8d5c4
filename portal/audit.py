"""The audit trail: who did what to what, and when (ids, never names)."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)  # e.g. "certificate.revoked"
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    # The unit the object belongs to, so scoped audit views need no joins.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


def record(action, obj_type, obj_id, *, actor=None, unit_id=None, **detail):
    """Add an audit event to the current transaction."""
    event = AuditEvent(
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        actor_id=getattr(actor, "id", actor),
        unit_id=unit_id,
        detail=detail,
    )
    db.session.add(event)
    return event
