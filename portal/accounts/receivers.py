"""People follow their unit: merges move them, and a unit with people cannot be closed."""

from sqlalchemy import update

from portal import audit, signals
from portal.accounts import services
from portal.accounts.models import User
from portal.extensions import db


def move_people(sender=None, predecessors=(), successor=None, **_):
    moved = db.session.execute(
        update(User).where(User.unit_id.in_(list(predecessors))).values(unit_id=successor)
    ).rowcount
    if moved:
        audit.record(
            "users.moved",
            "unit",
            successor,
            unit_id=successor,
            count=moved,
            predecessors=list(predecessors),
        )


def count_people(sender=None, unit=None, **_):
    return services.count_users_in(unit)


def connect(app):
    signals.units_merged.connect(move_people)
    signals.unit_closing.connect(count_people)
