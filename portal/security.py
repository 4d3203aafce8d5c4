"""Response headers and redirect targets that every page shares (DESIGN §9)."""

from urllib.parse import urlsplit

from flask import abort, request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def is_safe_next(target):
    """Accept only a local path: '/x', never '//host', '/\\host' or a scheme."""
    if not target or not isinstance(target, str):
        return False
    if any(ord(c) < 32 or c == "\\" for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _has_nul(multidict):
    return any("\x00" in value for _, values in multidict.lists() for value in values)


def register(app):
    @app.before_request
    def _refuse_nul():
        # No text the portal keeps may hold NUL (PostgreSQL cannot store it): say so plainly.
        if (
            "\x00" in request.path
            or _has_nul(request.args)
            or (request.method not in ("GET", "HEAD") and _has_nul(request.form))
        ):
            abort(400)

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        if app.config["SECURE_COOKIES"]:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
