"""Limits on failed sign-ins (DESIGN §10.5): per account, per known device, per address.

Only failures count: a check before the password is compared, a hit after it fails. A
device that signed in to an account before carries a signed cookie naming it; its failures
count in its own bucket, so a stranger's failures cannot lock the real person out.
"""

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse

from portal.extensions import limiter
from portal.text import fold, normalise_email, normalise_phone

log = logging.getLogger(__name__)
DEVICE_COOKIE = "device"
DEVICE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days
_MAX_ACCOUNTS_PER_DEVICE = 5  # a shared family phone, a commune office PC


@dataclass(frozen=True)
class Attempt:
    login: str  # the normalised login, whether or not an account has it
    address: str
    device: str | None = None  # set when this device signed in to this account before


def login_key(text):
    """The one spelling of a login: 0xxxxxxxxx, a lower-case e-mail, or folded text."""
    text = text or ""
    return normalise_phone(text) or normalise_email(text) or fold(text).strip()[:254]


def _buckets(attempt):
    per_account = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    if attempt.device:
        return [(per_account, ("login-device", attempt.device, attempt.login))]
    per_address = parse(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
    return [
        (per_account, ("login-account", attempt.login)),
        (per_address, ("login-address", attempt.address or "-")),
    ]


def is_blocked(attempt):
    """Whether this attempt's buckets are full (checked before the password is).

    When the limit storage (Redis) is down, sign-in stays open rather than failing for
    everyone; the outage is logged.
    """
    try:
        return any(not limiter.limiter.test(item, *ids) for item, ids in _buckets(attempt))
    except Exception as exc:  # the storage client's errors vary by backend
        log.warning("login limits unavailable: %s", type(exc).__name__)
        return False


def record_failure(attempt):
    try:
        for item, ids in _buckets(attempt):
            limiter.limiter.hit(item, *ids)
    except Exception as exc:  # as above: never turn a wrong password into a 500
        log.warning("login limits unavailable: %s", type(exc).__name__)


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def _read(cookie):
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return None
    return data


def known_device(cookie, user):
    """The device id when the cookie says this device signed in to `user` before."""
    data = _read(cookie)
    if data is None or user is None or user.id not in data.get("u", []):
        return None
    return data["d"]


def remember_device(cookie, user):
    """The cookie value after `user` signed in on this device."""
    data = _read(cookie) or {"d": secrets.token_urlsafe(16), "u": []}
    users = [uid for uid in data.get("u", []) if uid != user.id] + [user.id]
    return _serializer().dumps({"d": data["d"], "u": users[-_MAX_ACCOUNTS_PER_DEVICE:]})
