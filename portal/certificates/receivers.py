"""Issue a certificate when a certified course is completed (DESIGN §2 signals); keep a
person's certificates in their data download and scrub them when the person is erased."""

from sqlalchemy import select, update

from portal import signals
from portal.accounts.services import ERASED_NAME, register_data_provider
from portal.certificates import codes, services
from portal.certificates.models import Certificate
from portal.extensions import db


def on_course_completed(sender, user, course_slug, status, version, **_):
    if version.certificate:
        services.issue_certificate(user, course_slug, status, version)


def on_user_erased(sender, user, **_):
    """An erased person's name leaves the certificate snapshots too (the verify page already
    answers 'not found' for them)."""
    db.session.execute(
        update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(holder_name=ERASED_NAME, unit_trail="", unit_name="")
    )


def certificate_data(user):
    certs = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))
    return {
        "certificates": [
            {
                "code": codes.display(c.code),
                "course": c.course_title,
                "holder_name": c.holder_name,
                "issued_at": c.issued_at.isoformat(),
                "expires_at": c.expires_at.isoformat() if c.expires_at else None,
                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            }
            for c in certs
        ]
    }


def connect(app):
    signals.course_completed.connect(on_course_completed)
    signals.user_erased.connect(on_user_erased)
    register_data_provider(certificate_data)
