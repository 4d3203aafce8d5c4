"""Error pages: a clear message in the visitor's language, the right status, no traceback."""

import logging

from flask import g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.extensions import db, login_manager

log = logging.getLogger(__name__)


def _messages():
    return {
        400: _("Yêu cầu không hợp lệ. Vui lòng quay lại và thử lại."),
        403: _("Bạn không có quyền mở trang này."),
        404: _("Trang này không tồn tại. Hãy kiểm tra địa chỉ hoặc về trang chủ."),
        405: _("Thao tác này không được phép ở đây."),
        409: _(
            "Dữ liệu vừa được thay đổi bởi một thao tác khác. Vui lòng tải lại trang và thử lại."
        ),
        413: _("Tệp hoặc biểu mẫu quá lớn."),
        429: _("Quá nhiều lần thử. Vui lòng đợi vài phút rồi thử lại."),
        500: _("Hệ thống gặp lỗi. Vui lòng thử lại."),
        503: _("Hệ thống đang bận hoặc đang bảo trì. Vui lòng thử lại sau ít phút."),
    }


def render_error(code, message=None):
    message = message or _messages().get(code, _messages()[500])
    if request.accept_mimetypes.best == "application/json" or request.path.startswith(
        ("/healthz", "/credentials/")
    ):
        return jsonify(error=message, status=code), code
    try:
        return render_template("errors/error.html", code=code, message=message), code
    except Exception:  # the layout itself failed: answer plainly rather than not at all
        log.exception("error page failed to render")
        return f"<!doctype html><title>{code}</title><p>{escape(message)}</p>", code


def _discard_transaction():
    """Roll back what the failed request wrote; a connection that is gone is dropped."""
    try:
        db.session.rollback()
    except DBAPIError:  # the pool makes a new connection for the next request
        db.session.remove()


def register(app):
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, _("Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại."))

    @app.errorhandler(HTTPException)
    def _http(exc):
        return render_error(exc.code or 500)

    @app.errorhandler(DBAPIError)
    def _database(exc):
        _discard_transaction()
        # Answer as to a visitor: loading the account (for the layout or the language)
        # would need the database that just failed.
        g._login_user = login_manager.anonymous_user()
        if isinstance(exc, IntegrityError):
            # A constraint refused a write the code did not expect to clash (two requests
            # at once): nothing was stored; the person can reload and try again.
            log.exception("write refused by a constraint on %s %s", request.method, request.path)
            return render_error(409)
        if isinstance(exc, DataError):  # a value the database cannot hold: bad input
            log.warning("value refused by the database on %s %s", request.method, request.path)
            return render_error(400)
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return render_error(503)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, OperationalError):
            return _database(exc)
        _discard_transaction()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
