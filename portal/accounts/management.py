"""Managing people (DESIGN §10.1): lists, creation, edits, roles, disabling, reset codes.

Admins act on everyone; trainers on learners in their unit's subtree; managers only read.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit
from portal.accounts import passwords, services
from portal.accounts.models import POSITIONS, ROLES, User
from portal.accounts.scope import in_scope, scope_clause, subtree_clause
from portal.accounts.services import AccountError
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.extensions import db
from portal.orgs import services as units
from portal.orgs.models import Unit
from portal.text import fold, nfc, normalise_phone

PAGE_SIZE = 50


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int


def _page_of(total, page, per_page):
    pages = max(1, -(-total // per_page))
    return min(max(1, page), pages), pages


def can_view(actor, user):
    """Admins see everyone; trainers and managers see people whose unit is in their scope."""
    if actor.role == "admin":
        return True
    return actor.can_manage_scope and user.unit is not None and in_scope(actor, user.unit)


def can_manage(actor, user):
    """Admins manage everyone; trainers manage learners in their subtree; managers nobody."""
    if actor is None or actor.role == "admin":
        return True
    return actor.role == "trainer" and user.role == "learner" and can_view(actor, user)


def creatable_roles(actor):
    if actor is None or actor.role == "admin":
        return ROLES
    return ("learner",) if actor.role == "trainer" else ()


def get_user_in_scope(actor, user_id):
    """The user with this id when `actor` may see them, else None (the view answers 404)."""
    user = db.session.get(User, user_id)
    if user is None or user.is_erased or not can_view(actor, user):
        return None
    return user


def _search_clause(q):
    q = nfc(q or "")
    phone = normalise_phone(q)
    if phone:
        return User.phone == phone
    if "@" in q:
        return User.email.contains(q.lower(), autoescape=True)
    digits = "".join(ch for ch in q if ch.isdigit())
    if digits and len(digits) >= 3 and len(digits) == len(q.replace(" ", "")):
        return User.phone.contains(digits, autoescape=True)
    words = fold(q).split()
    return db.and_(*(User.name_folded.contains(w, autoescape=True) for w in words))


def list_users(actor, *, q=None, unit=None, role=None, page=1, per_page=PAGE_SIZE):
    """People in the actor's scope, filtered, sorted the Vietnamese way, one page of them.

    The database counts, sorts (by the stored name_sort) and pages: a province's list
    reads one page of people, not all of them.
    """
    query = (
        select(User)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(User.erased_at.is_(None), scope_clause(actor))
    )
    if q and q.strip():
        query = query.where(_search_clause(q))
    if unit is not None:
        query = query.where(subtree_clause(unit))
    if role in ROLES:
        query = query.where(User.role == role)
    total = db.session.scalar(query.with_only_columns(func.count(User.id)).order_by(None))
    page, pages = _page_of(total, page, per_page)
    users = db.session.scalars(
        query.order_by(User.name_sort, User.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(users, page, pages, total)


def _unit_for(actor, code, role):
    """The open unit a user is placed in, checked against the actor's scope."""
    unit = units.get_unit_by_code(code) if code else None
    if code and unit is None:
        raise AccountError(_l("Không có đơn vị nào mang mã này."), "unit_code")
    if unit is None and role != "admin":
        raise AccountError(_l("Người dùng (trừ quản trị viên) phải thuộc một đơn vị."), "unit_code")
    if unit is not None and actor is not None and not in_scope(actor, unit):
        raise AccountError(_l("Đơn vị này nằm ngoài phạm vi bạn phụ trách."), "unit_code")
    return unit


def _logins(login, *, exclude=None):
    if not (login or "").strip():
        return None, None
    phone, email = services.parse_login(login)
    if services.login_taken(phone, email, exclude=exclude):
        raise AccountError(_l("Số điện thoại hoặc thư điện tử này đã có tài khoản."), "login")
    return phone, email


def create_user(actor, *, full_name, login=None, unit_code=None, position=None, role="learner"):
    """Create a person; with a login they get a temporary password, returned once."""
    if role not in creatable_roles(actor):
        raise AccountError(_l("Bạn không được tạo người dùng với vai trò này."), "role")
    if position and position not in POSITIONS:
        raise AccountError(_l("Chức danh không hợp lệ."), "position")
    unit = _unit_for(actor, code=unit_code, role=role)
    phone, email = _logins(login)
    temporary = passwords.temporary_password() if (phone or email) else None
    name = nfc(full_name)
    user = services.add_user(
        User(
            full_name=name,
            name_folded=fold(name),
            phone=phone,
            email=email,
            role=role,
            position=position or None,
            unit_id=unit.id if unit else None,
            password_hash=passwords.hash_issued(temporary) if temporary else None,
            must_change_password=bool(temporary),
        )
    )
    audit.record("user.created", "user", user.id, actor=actor, unit_id=user.unit_id, role=role)
    return user, temporary


def update_user(actor, user, *, full_name, login=None, unit_code=None, position=None):
    """Correct a person's name, login, unit or position."""
    if not can_manage(actor, user):
        raise AccountError(_l("Bạn không được sửa người dùng này."))
    if position and position not in POSITIONS:
        raise AccountError(_l("Chức danh không hợp lệ."), "position")
    unit = _unit_for(actor, code=unit_code, role=user.role)
    phone, email = _logins(login, exclude=user)
    changed = []
    if nfc(full_name) != user.full_name:
        services.set_name(user, full_name)
        changed.append("full_name")
    if (phone, email) != (user.phone, user.email):
        user.phone, user.email = phone, email
        changed.append("login")
    if (unit.id if unit else None) != user.unit_id:
        user.unit_id = unit.id if unit else None
        user.unit = unit
        changed.append("unit")
    if (position or None) != user.position:
        user.position = position or None
        changed.append("position")
    if "unit" in changed or "position" in changed:
        # A new unit or position may bring new requirements: 60 days from now (DESIGN §10.2).
        user.joined_unit_at = utcnow()
    if changed:
        audit.record(
            "user.updated", "user", user.id, actor=actor, unit_id=user.unit_id, fields=changed
        )
    db.session.flush()
    return changed


def _not_self(actor, user):
    if actor is not None and actor.id == user.id:
        raise AccountError(_l("Bạn không thể tự làm việc này với tài khoản của mình."))


def set_active(actor, user, active):
    """Disable (ending every session at once) or enable an account."""
    if not can_manage(actor, user):
        raise AccountError(_l("Bạn không được thay đổi người dùng này."))
    _not_self(actor, user)
    if user.is_erased:
        raise AccountError(_l("Tài khoản này đã bị xóa."))
    if not active:
        services.deactivate_user(user, actor=actor)
        return
    user.active = True
    user.deactivated_at = None
    audit.record("user.enabled", "user", user.id, actor=actor, unit_id=user.unit_id)
    db.session.flush()


def issue_reset_code(actor, user):
    """Give a person a one-time password (printed on a slip); they change it at sign-in."""
    if not can_manage(actor, user):
        raise AccountError(_l("Bạn không được cấp lại mật khẩu cho người này."))
    if not user.login:
        raise AccountError(_l("Người này chưa có số điện thoại hay thư điện tử để đăng nhập."))
    _not_self(actor, user)
    temporary = passwords.temporary_password()
    services.set_password(user, temporary, issued=True)
    # The slip replaces every way in, including a lost authenticator phone.
    user.totp_secret = None
    user.totp_last_step = None
    audit.record("user.password_reset", "user", user.id, actor=actor, unit_id=user.unit_id)
    return temporary


def change_role(actor, user, role):
    """Only admins change roles; every change is audited."""
    if actor is not None and actor.role != "admin":
        raise AccountError(_l("Chỉ quản trị viên được đổi vai trò."), "role")
    if role not in ROLES:
        raise AccountError(_l("Vai trò không hợp lệ."), "role")
    _not_self(actor, user)
    if role != "admin" and user.unit_id is None:
        raise AccountError(_l("Hãy xếp người này vào một đơn vị trước."), "role")
    if role == user.role:
        return False
    old, user.role = user.role, role
    audit.record(
        "user.role_changed", "user", user.id, actor=actor, unit_id=user.unit_id, old=old, new=role
    )
    db.session.flush()
    return True


def list_audit_events(actor, *, page=1, per_page=PAGE_SIZE):
    """Audit events newest first: all for admins, their subtree's for trainers and managers."""
    query = select(AuditEvent).outerjoin(Unit, AuditEvent.unit_id == Unit.id)
    query = query.where(scope_clause(actor))
    total = db.session.scalar(select(db.func.count()).select_from(query.subquery()))
    page, pages = _page_of(total, page, per_page)
    events = list(
        db.session.scalars(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(events, page, pages, total)


def get_users_by_id(ids):
    """Users by id in one query (names of audit actors and objects)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
