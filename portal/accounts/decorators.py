"""Route guards: who may open a page, decided by role (scope is checked per object)."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.security import is_safe_next


def login_redirect():
    """Send an anonymous visitor to the login page, coming back here afterwards."""
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.login", next=target if is_safe_next(target) else None))


def role_required(*roles):
    """Allow only signed-in users holding one of `roles`: anonymous → login, others → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_redirect()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
