"""Password rules (length and the common-password list), hashing and issued passwords."""

import functools
import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from portal.text import fold

MIN_LENGTH = 8
MAX_LENGTH = 200
COMMON_LIST = Path(__file__).with_name("common-passwords.txt")
# Issued passwords are read aloud and typed on phones: no 0/o, 1/l/i.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


@functools.cache
def _common():
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and line[0] != "#")


def is_common(password):
    """Whether the password is on the common list, ignoring case and diacritics."""
    return fold(password) in _common()


def problem(password):
    """Why `password` is refused, or None: 8 characters at least, not a common one."""
    if len(password or "") < MIN_LENGTH:
        return _l("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Mật khẩu quá dài (tối đa %(n)d ký tự).", n=MAX_LENGTH)
    if is_common(password):
        return _l("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác.")
    return None


def hash_password(password):
    """Hash with werkzeug's default (scrypt)."""
    return generate_password_hash(password)


# Issued passwords (temporary_password(): 59 random bits) need no slow hash, and a list of
# hundreds of staff is imported within one request.
ISSUED_METHOD = "scrypt:1024:8:1"


def hash_issued(password):
    """Hash a password issued by temporary_password() with the light setting."""
    return generate_password_hash(password, method=ISSUED_METHOD)


@functools.cache
def _dummy_hash():
    return generate_password_hash(secrets.token_urlsafe(16))


def check(password_hash, password):
    """Compare in the same time whether or not there is a hash (unknown login, no login),
    and whether the hash is a full one or an issued password's light one."""
    light = bool(password_hash) and password_hash.startswith(ISSUED_METHOD + "$")
    if not password_hash or light:
        check_password_hash(_dummy_hash(), password or "")
    if not password_hash:
        return False
    return check_password_hash(password_hash, password or "")


def temporary_password():
    """A random one-time password that is easy to read out: three groups of four."""
    groups = ("".join(secrets.choice(_READABLE) for _ in range(4)) for _ in range(3))
    return "-".join(groups)
