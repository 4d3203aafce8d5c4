"""Certificates: issue on completion, renew, revoke, re-issue, look up (DESIGN §6, §10.2)."""

import calendar
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts.models import User
from portal.accounts.scope import scope_clause
from portal.certificates import codes
from portal.certificates.models import Certificate
from portal.courses import services as courses
from portal.courses.models import CourseStatus
from portal.database import utcnow
from portal.extensions import db
from portal.orgs.models import Unit
from portal.text import nfc

RENEWAL_WINDOW = timedelta(days=60)


class CertificateError(Exception):
    """A certificate action that cannot be done (the message says why)."""


def add_months(moment, months):
    month = moment.month - 1 + months
    year = moment.year + month // 12
    month = month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _unit_trail(unit):
    """The names from the province down to the unit, and the province name."""
    if unit is None:
        return "", ""
    ids = unit.ancestor_ids()
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    trail = [names[i] for i in ids if i in names]
    return " / ".join(trail), (trail[0] if trail else "")


def _next_status_index():
    return db.session.scalar(select(func.coalesce(func.max(Certificate.status_index), -1))) + 1


def get_live(user_id, course_slug):
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.course_slug == course_slug,
            Certificate.superseded_at.is_(None),
        )
    )


def issue_certificate(user, course_slug, status, version, *, now=None):
    """Issue the certificate of this completion cycle (idempotent); return it."""
    now = now or utcnow()
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id,
            Certificate.course_slug == course_slug,
            Certificate.cycle == status.cycle,
        )
    )
    if existing is not None:
        return existing
    previous = get_live(user.id, course_slug)
    expires_at = None
    if version.validity_months:
        start = now
        if previous is not None and previous.expires_at and previous.expires_at > now:
            start = previous.expires_at  # renewing early loses nothing
        expires_at = add_months(start, version.validity_months)
    trail, province = _unit_trail(user.unit)
    cert = Certificate(
        code=codes.new_code(),
        status_index=_next_status_index(),
        user_id=user.id,
        course_slug=course_slug,
        cycle=status.cycle,
        audience="parent" if version.for_parents else "staff",
        holder_name=user.full_name,
        unit_id=user.unit_id,
        unit_name=user.unit.name if user.unit else "",
        unit_path=user.unit.path if user.unit else "",
        unit_trail=trail,
        issuer_name=province,
        course_title=version.title,
        course_version=version.number,
        score=status.best_score,
        issued_at=now,
        expires_at=expires_at,
    )
    if previous is not None:
        previous.superseded_at = now
        db.session.flush()
    db.session.add(cert)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a concurrent completion issued it first
        return db.session.scalar(
            select(Certificate).where(
                Certificate.user_id == user.id,
                Certificate.course_slug == course_slug,
                Certificate.cycle == status.cycle,
            )
        )
    if previous is not None:
        previous.superseded_by_id = cert.id
    status.certificate_id = cert.id
    audit.record(
        "certificate.issued",
        "certificate",
        cert.code,
        actor=user,
        unit_id=user.unit_id,
        course=course_slug,
    )
    db.session.flush()
    return cert


def revoke_certificate(cert, actor, reason):
    """Revoke with a reason; shown publicly only as 'revoked on <date>'."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("Hãy ghi lý do thu hồi."))
    if cert.revoked_at is not None:
        raise CertificateError(_l("Chứng nhận này đã bị thu hồi."))
    cert.revoked_at = utcnow()
    cert.revoked_by_id = actor.id
    cert.revoked_reason = reason[:500]
    audit.record(
        "certificate.revoked",
        "certificate",
        cert.code,
        actor=actor,
        unit_id=cert.unit_id,
        reason=cert.revoked_reason,
    )
    db.session.flush()


def reissue_with_name(cert, actor, new_name):
    """Correct the holder's name: a new certificate, the old one revoked as 'replaced'."""
    new_name = nfc(new_name or "")
    if not new_name:
        raise CertificateError(_l("Hãy nhập họ tên đúng."))
    if cert.superseded_at is not None or cert.revoked_at is not None:
        raise CertificateError(_l("Chỉ sửa được chứng nhận đang có hiệu lực."))
    now = utcnow()
    fresh = Certificate(
        code=codes.new_code(),
        status_index=_next_status_index(),
        user_id=cert.user_id,
        course_slug=cert.course_slug,
        cycle=cert.cycle,
        audience=cert.audience,
        holder_name=new_name,
        unit_id=cert.unit_id,
        unit_name=cert.unit_name,
        unit_path=cert.unit_path,
        unit_trail=cert.unit_trail,
        issuer_name=cert.issuer_name,
        course_title=cert.course_title,
        course_version=cert.course_version,
        score=cert.score,
        issued_at=cert.issued_at,
        expires_at=cert.expires_at,
    )
    cert.superseded_at = now
    cert.revoked_at = now
    cert.revoked_by_id = actor.id
    cert.revoked_reason = "replaced"
    # The cycle's unique key moves to the new record: mark the old one as cycle 0 history.
    cert.cycle = -cert.id
    db.session.flush()
    db.session.add(fresh)
    db.session.flush()
    cert.superseded_by_id = fresh.id
    # The course status names the live certificate: the new one from now on.
    db.session.execute(
        update(CourseStatus)
        .where(CourseStatus.certificate_id == cert.id)
        .values(certificate_id=fresh.id)
    )
    audit.record(
        "certificate.reissued",
        "certificate",
        fresh.code,
        actor=actor,
        unit_id=cert.unit_id,
        replaces=cert.code,
    )
    db.session.flush()
    return fresh


def renewal_opens_at(cert):
    return cert.expires_at - RENEWAL_WINDOW if cert.expires_at else None


def can_renew(cert, now=None):
    now = now or utcnow()
    return (
        cert.expires_at is not None
        and cert.revoked_at is None
        and cert.superseded_at is None
        and now >= cert.expires_at - RENEWAL_WINDOW
    )


def start_renewal(user, cert, now=None):
    """Open a new cycle so the course can be retaken; the old certificate stays until then."""
    if cert.user_id != user.id or not can_renew(cert, now):
        raise CertificateError(_l("Chưa đến lúc gia hạn chứng nhận này."))
    return courses.start_new_cycle(user, cert.course_slug)


def get_by_code(code):
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def is_publicly_checkable(cert):
    """Erased holders are 'not found'; parents' only when they turned public checking on."""
    user = cert.user
    if user is None or user.erased_at is not None:
        return False
    return cert.audience != "parent" or user.public_verification


def may_download(user, cert):
    """The holder, or a trainer/manager/admin whose scope holds the holder's unit."""
    if not user.is_authenticated:
        return False
    if cert.user_id == user.id or user.role == "admin":
        return True
    if user.role in ("trainer", "manager") and user.unit is not None:
        holder_unit = cert.user.unit
        path = holder_unit.path if holder_unit else cert.unit_path
        return bool(path) and path.startswith(user.unit.path)
    return False


def may_revoke(user, cert):
    """An admin, or a trainer for a learner of their subtree; never one's own certificate.

    Re-issuing puts a new name on the record, so nobody does it for themselves, and a
    trainer acts on learners only, as with their accounts (DESIGN §10.1).
    """
    if not user.is_authenticated or cert.user_id == user.id:
        return False
    if user.role == "trainer":
        return cert.user is not None and cert.user.role == "learner" and may_download(user, cert)
    return user.role == "admin"


def list_mine(user):
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.superseded_at.is_not(None), Certificate.issued_at.desc())
    ).all()


@dataclass
class CertificateFilter:
    unit: Unit | None = None
    course_slug: str | None = None
    status: str | None = None  # valid, expiring, expired, revoked
    issued_from: object = None
    issued_to: object = None


def list_for_scope(user, f, *, now=None, limit=500):
    """Certificates of people in the user's subtree, filtered; live ones only."""
    now = now or utcnow()
    query = (
        select(Certificate)
        .join(User, User.id == Certificate.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(Certificate.superseded_at.is_(None), scope_clause(user, Unit.path))
    )
    if f.unit is not None:
        query = query.where(Unit.path.like(f.unit.path + "%"))
    if f.course_slug:
        query = query.where(Certificate.course_slug == f.course_slug)
    if f.issued_from:
        query = query.where(Certificate.issued_at >= f.issued_from)
    if f.issued_to:
        query = query.where(Certificate.issued_at < f.issued_to)
    if f.status == "revoked":
        query = query.where(Certificate.revoked_at.is_not(None))
    elif f.status in ("valid", "expiring"):
        query = query.where(
            Certificate.revoked_at.is_(None),
            Certificate.expires_at.is_(None) | (Certificate.expires_at > now),
        )
        if f.status == "expiring":
            query = query.where(Certificate.expires_at <= now + timedelta(days=30))
    elif f.status == "expired":
        query = query.where(Certificate.revoked_at.is_(None), Certificate.expires_at <= now)
    return db.session.scalars(query.order_by(Certificate.issued_at.desc()).limit(limit)).all()


def list_revoked_indices():
    return db.session.scalars(
        select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))
    ).all()


def mask_name(full_name):
    """'Nguyễn Văn An' → 'Nguyễn V. A.': the family name and initials only."""
    words = (full_name or "").split()
    if not words:
        return ""
    return " ".join([words[0]] + [w[0] + "." for w in words[1:]])


def name_matches(cert, typed):
    """Compare after NFC and case folding, diacritics significant (DESIGN §10.4)."""

    def canon(value):
        return nfc(value or "").casefold()

    return bool(typed) and canon(typed) == canon(cert.holder_name)


def days_left(cert, now=None):
    if cert.expires_at is None:
        return None
    return (cert.expires_at - (now or utcnow())).days
