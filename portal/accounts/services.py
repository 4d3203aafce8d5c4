"""Accounts: sign-in, registration, profile changes, sessions, export and erasure."""

from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, signals
from portal.accounts import passwords, throttle
from portal.accounts.models import User
from portal.config import LANGUAGES
from portal.database import utcnow
from portal.extensions import db
from portal.orgs import services as units
from portal.text import fold, nfc, normalise_email, normalise_phone

ERASED_NAME = "Đã xóa"
# The first admin's login: no real mailbox, so accepted although it has no dotted domain.
BOOTSTRAP_LOGIN = "admin@localhost"
COMMUNE_LIST_LIMIT = 400  # more than this and the picker asks for a few letters of the name


class AccountError(Exception):
    """An account change that cannot be made; `field` names the form field to blame."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# Reads


def count_users_in(unit):
    """People whose unit is exactly this one (deactivated ones included)."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.unit_id == unit.id))


def get_user(user_id):
    return db.session.get(User, user_id)


def _email(text):
    if nfc(text or "").lower() == BOOTSTRAP_LOGIN:
        return BOOTSTRAP_LOGIN
    return normalise_email(text)


def parse_login(text):
    """Split a login into (phone, email), one of them None; raise when it is neither."""
    phone = normalise_phone(text)
    if phone:
        return phone, None
    email = _email(text)
    if email:
        return None, email
    raise AccountError(
        _l("Nhập số điện thoại (ví dụ 0912 345 678) hoặc địa chỉ thư điện tử."), "login"
    )


def get_user_by_login(text):
    """The account whose phone or e-mail is `text` (any spelling of it), or None."""
    phone, email = normalise_phone(text), _email(text)
    if phone:
        return db.session.scalars(select(User).where(User.phone == phone)).first()
    if email:
        return db.session.scalars(select(User).where(User.email == email)).first()
    return None


def login_taken(phone=None, email=None, *, exclude=None):
    """Whether another account already signs in with this phone or e-mail."""
    clauses = []
    if phone:
        clauses.append(User.phone == phone)
    if email:
        clauses.append(User.email == email)
    if not clauses:
        return False
    query = select(func.count()).select_from(User).where(db.or_(*clauses))
    if exclude is not None:
        query = query.where(User.id != exclude.id)
    return db.session.scalar(query) > 0


def list_commune_choices(q=None, limit=COMMUNE_LIST_LIMIT):
    """Open communes whose name holds every word of `q` (folded), at most `limit` of them."""
    words = fold(nfc(q or "")).split()
    found = (u for u in units.list_communes() if all(w in u.name_folded for w in words))
    return list(islice(found, limit))


def get_commune(unit_id):
    """The open commune, ward or special zone with this id, or None."""
    unit = units.get_unit(unit_id) if unit_id else None
    if unit is None or unit.kind not in units.COMMUNE_KINDS or not unit.is_open:
        return None
    return unit


def province_name(unit):
    """The name of the top of the unit's branch (its province); one query per province."""
    ids = unit.ancestor_ids()
    top = units.get_unit(ids[0]) if ids else None
    return top.name if top else ""


# Sign-in


@dataclass
class SignIn:
    outcome: str  # ok, invalid, blocked, disabled
    user: User | None
    attempt: throttle.Attempt


def authenticate(login, password, *, address, device_cookie=None):
    """Check a login and password under the failed-attempt limits.

    An unknown login, an account without a password and a wrong password take the same time
    and give the same answer, so the form cannot tell whether an account exists.
    """
    user = get_user_by_login(login)
    attempt = throttle.Attempt(
        throttle.login_key(login), address, throttle.known_device(device_cookie, user)
    )
    if throttle.is_blocked(attempt):
        return SignIn("blocked", None, attempt)
    usable = user is not None and not user.is_erased
    if not passwords.check(user.password_hash if usable else None, password):
        throttle.record_failure(attempt)
        return SignIn("invalid", None, attempt)
    if not user.active:
        return SignIn("disabled", None, attempt)
    return SignIn("ok", user, attempt)


def end_sessions(user):
    """End every session and remember-me cookie of `user`, on every worker."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def set_password(user, new_password, *, issued=False):
    """Store a new password; an issued one must be changed at the next sign-in."""
    reason = passwords.problem(new_password)
    if reason:
        raise AccountError(reason, "new_password")
    hash_ = passwords.hash_issued if issued else passwords.hash_password
    user.password_hash = hash_(new_password)
    user.must_change_password = issued
    end_sessions(user)


RESET_SALT = "password-reset"
RESET_MAX_AGE = 3600  # seconds a reset link stays valid


def _reset_serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def make_reset_token(user):
    """A signed link token; it dies with the next password change or session reset."""
    return _reset_serializer().dumps({"u": user.id, "v": user.session_version})


def user_from_reset_token(token):
    """The user a reset token names, or None when it is forged, old or used."""
    from itsdangerous import BadSignature

    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_active or user.session_version != data.get("v"):
        return None
    return user


def change_password(user, current_password, new_password):
    """The holder's own change: the current password proves it is them."""
    if not passwords.check(user.password_hash, current_password):
        raise AccountError(_l("Mật khẩu hiện tại không đúng."), "current_password")
    if passwords.check(user.password_hash, new_password):
        raise AccountError(_l("Mật khẩu mới phải khác mật khẩu cũ."), "new_password")
    set_password(user, new_password)


# Registration and profile


def add_user(user):
    """Add a new account; a phone or e-mail taken meanwhile is an AccountError, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise AccountError(
            _l("Số điện thoại hoặc thư điện tử này đã có tài khoản."), "login"
        ) from None
    return user


def home_unit(commune, hamlet):
    """Where a parent lives: the hamlet, or the commune when it has no hamlets listed."""
    hamlets = units.list_hamlets(commune.id)
    if hamlet is None:
        if hamlets:
            raise AccountError(_l("Hãy chọn thôn, ấp hoặc tổ dân phố nơi bạn sống."), "hamlet")
        return commune
    if hamlet not in hamlets:
        raise AccountError(_l("Thôn, ấp này không thuộc xã đã chọn."), "hamlet")
    return hamlet


def register_parent(full_name, login, unit, password, *, locale=None):
    """Create a parent's own account (role learner, position parent) with consent now."""
    phone, email = parse_login(login)
    if login_taken(phone, email):
        field = _l("Số điện thoại") if phone else _l("Địa chỉ thư điện tử")
        raise AccountError(
            _l(
                "%(what)s này đã có tài khoản. Hãy đăng nhập, hoặc nhờ cán bộ xã cấp lại mật khẩu.",
                what=field,
            ),
            "login",
        )
    reason = passwords.problem(password)
    if reason:
        raise AccountError(reason, "password")
    name = nfc(full_name)
    user = add_user(
        User(
            full_name=name,
            name_folded=fold(name),
            phone=phone,
            email=email,
            password_hash=passwords.hash_password(password),
            role="learner",
            position="parent",
            unit_id=unit.id,
            consent_at=utcnow(),
            locale=locale if locale in LANGUAGES else None,
        )
    )
    audit.record("user.registered", "user", user.id, actor=user, unit_id=unit.id)
    return user


def set_name(user, full_name):
    user.full_name = nfc(full_name)
    user.name_folded = fold(user.full_name)
    db.session.flush()


def set_locale(user, locale):
    if locale not in LANGUAGES:
        raise AccountError(_l("Ngôn ngữ không hợp lệ."), "locale")
    user.locale = locale
    db.session.flush()


def set_public_verification(user, on):
    user.public_verification = bool(on)
    db.session.flush()


# Personal data: export and erasure (DESIGN §10.5)

# Callables (user) -> dict that other packages register to add their part of the export.
DATA_PROVIDERS = []


def register_data_provider(provider):
    if provider not in DATA_PROVIDERS:
        DATA_PROVIDERS.append(provider)


def export_user_data(user):
    """Everything the portal holds about `user`, for the person themselves."""
    data = {
        "user": {
            "id": user.id,
            "full_name": user.full_name,
            "phone": user.phone,
            "email": user.email,
            "role": user.role,
            "position": user.position,
            "unit": {"code": user.unit.code, "name": user.unit.name} if user.unit else None,
            "locale": user.locale,
            "public_verification": user.public_verification,
            "two_factor": bool(user.totp_secret),
            "consent_at": _iso(user.consent_at),
            "created_at": _iso(user.created_at),
            "joined_unit_at": _iso(user.joined_unit_at),
        }
    }
    for provider in DATA_PROVIDERS:
        data.update(provider(user))
    return data


def _iso(value):
    return value.isoformat() if value else None


def erase_user(user, *, actor=None):
    """Erase a person's personal data; the row stays so anonymous counts still add up."""
    signals.user_erased.send(None, user=user)
    user.full_name = ERASED_NAME
    user.name_folded = fold(ERASED_NAME)
    user.phone = None
    user.email = None
    user.password_hash = None
    user.totp_secret = None
    user.totp_last_step = None
    user.public_verification = False
    user.active = False
    user.erased_at = utcnow()
    user.deactivated_at = user.deactivated_at or user.erased_at
    end_sessions(user)
    audit.record("user.erased", "user", user.id, actor=actor, unit_id=user.unit_id)


def deactivate_user(user, *, actor=None):
    """Stop an account (kept as evidence until the retention period ends)."""
    user.active = False
    user.deactivated_at = utcnow()
    end_sessions(user)
    audit.record("user.disabled", "user", user.id, actor=actor, unit_id=user.unit_id)


def count_active_admins():
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active)
    )


def delete_own_account(user, password):
    """A parent's data is erased at once; a staff account is deactivated, erased later."""
    if not passwords.check(user.password_hash, password):
        raise AccountError(_l("Mật khẩu không đúng."), "password")
    if user.role == "admin" and count_active_admins() <= 1:
        raise AccountError(
            _l("Bạn là quản trị viên cuối cùng. Hãy giao quyền cho người khác trước."), "password"
        )
    if user.is_parent:
        erase_user(user, actor=user)
        return "erased"
    deactivate_user(user, actor=user)
    return "deactivated"


def purge_expired(now=None):
    """Erase staff accounts deactivated longer ago than the retention period; return them."""
    years = current_app.config["STAFF_RETENTION_YEARS"]
    cutoff = (now or utcnow()) - timedelta(days=round(365.25 * years))
    users = list(
        db.session.scalars(
            select(User).where(
                User.active.is_(False),
                User.erased_at.is_(None),
                User.deactivated_at < cutoff,
            )
        )
    )
    for user in users:
        erase_user(user)
    return users
