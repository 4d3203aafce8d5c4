"""Two-factor sign-in codes (TOTP): optional for everyone, required of admins if configured."""

import time

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.accounts import passwords
from portal.accounts.services import AccountError
from portal.extensions import db

ISSUER = "Hoc bao ve tre em"


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.login or str(user.id), issuer_name=ISSUER)


def qr_svg(otpauth_uri):
    """The otpauth URI as an inline SVG QR code, drawn on the server."""
    return segno.make(otpauth_uri, error="m").svg_inline(scale=4, title="QR")


def _step(secret, code, after_step=None):
    """The time step whose code is `code` (one step of clock drift allowed), or None."""
    code = "".join(ch for ch in code or "" if ch.isdigit())
    if not secret or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if (after_step is None or step > after_step) and pyotp.utils.strings_equal(
            totp.generate_otp(step), code
        ):
            return step
    return None


def check(user, code):
    """Accept a sign-in code once: a code already used is refused."""
    step = _step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def enable(user, secret, code):
    step = _step(secret, code)
    if step is None:
        raise AccountError(_l("Mã không đúng. Hãy nhập mã 6 số đang hiện trong ứng dụng."), "code")
    user.totp_secret = secret
    user.totp_last_step = step
    audit.record("user.2fa_enabled", "user", user.id, actor=user, unit_id=user.unit_id)
    db.session.flush()


def disable(user, password):
    if not passwords.check(user.password_hash, password):
        raise AccountError(_l("Mật khẩu không đúng."), "password")
    if user.role == "admin" and current_app.config["REQUIRE_ADMIN_2FA"]:
        raise AccountError(_l("Quản trị viên bắt buộc dùng mã xác thực hai bước."), "password")
    user.totp_secret = None
    user.totp_last_step = None
    audit.record("user.2fa_disabled", "user", user.id, actor=user, unit_id=user.unit_id)
    db.session.flush()


def needs_setup(user):
    """Admins must use two-factor codes when the portal requires it."""
    return user.role == "admin" and current_app.config["REQUIRE_ADMIN_2FA"] and not user.totp_secret
