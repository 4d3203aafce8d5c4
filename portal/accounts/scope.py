"""The one place that decides what part of the unit tree a user may act on (DESIGN §10.1)."""

from sqlalchemy import false, true

from portal.orgs.models import Unit


def has_scope(user):
    """Whether the user acts on a subtree: an admin, or a trainer or manager with a unit."""
    if not user.is_authenticated:
        return False
    if user.role == "admin":
        return True
    return user.role in ("trainer", "manager") and user.unit_id is not None


def in_scope(user, unit):
    """Whether `unit` lies inside the subtree `user` may act on."""
    if not has_scope(user) or unit is None:
        return user.is_authenticated and user.role == "admin"
    if user.role == "admin":
        return True
    return user.unit is not None and unit.path.startswith(user.unit.path)


def scope_clause(user, path_column=Unit.path):
    """A WHERE clause keeping rows whose unit path lies in the user's subtree."""
    if not has_scope(user):
        return false()
    if user.role == "admin":
        return true()
    if user.unit is None:
        return false()
    return path_column.like(user.unit.path + "%")


def subtree_clause(unit, path_column=Unit.path):
    """A WHERE clause keeping rows whose unit path lies under `unit` (itself included)."""
    return path_column.like(unit.path + "%")
