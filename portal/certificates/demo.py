"""Demo certificates: one expiring soon and one revoked, so every status can be seen."""

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.certificates import codes, services
from portal.certificates.models import Certificate
from portal.database import utcnow
from portal.extensions import db

REASON = "Demo: cấp nhầm người"


def load(echo):
    live = db.session.scalars(
        select(Certificate)
        .where(Certificate.superseded_at.is_(None), Certificate.audience == "staff")
        .order_by(Certificate.id)
    ).all()
    if len(live) < 2:
        echo("demo certificates: fewer than two staff certificates; nothing to adjust")
        return
    if not any(c.revoked_reason == REASON for c in live):
        admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
        expiring, revoked = live[0], live[-1]
        expiring.expires_at = utcnow() + timedelta(days=20)
        if admin is not None:
            services.revoke_certificate(revoked, admin, REASON)
    shown = ", ".join(codes.display(c.code) for c in live[:3])
    echo(f"demo certificates: {len(live)} live ({shown}…), one expiring soon, one revoked")
