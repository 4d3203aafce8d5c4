"""Reminders for due-soon, expiring and overdue trainings, through the outbox (DESIGN §4).

Never twice for the same person, course and kind within a week; they stop once the person is
compliant (queued messages are cancelled at send time when that happened meanwhile).
"""

import logging
import smtplib
from datetime import date, timedelta

from sqlalchemy import select

from portal import mail
from portal.accounts.models import User
from portal.database import utcnow
from portal.extensions import db
from portal.orgs.models import Unit
from portal.training import compliance
from portal.training.models import OutboxMessage

log = logging.getLogger(__name__)
DUE_SOON = timedelta(days=14)
QUIET = timedelta(days=7)

TEXTS = {
    "due_soon": (
        "Sắp đến hạn học: {title}",
        'Chào {name},\n\nKhóa học "{title}" cần hoàn thành trước ngày {due}.\nHọc tại: {url}\n',
    ),
    "expiring": (
        "Chứng nhận sắp hết hạn: {title}",
        'Chào {name},\n\nChứng nhận khóa "{title}" của bạn hết hạn ngày {expires}.\n'
        "Hãy học lại và làm bài kiểm tra để gia hạn: {url}\n",
    ),
    "overdue": (
        "Đã quá hạn học: {title}",
        'Chào {name},\n\nKhóa học "{title}" đã quá hạn (hạn {due}).\nHãy hoàn thành sớm: {url}\n',
    ),
}


def _kind(person, as_of):
    if person.status == "overdue":
        return "overdue"
    if person.status == "expiring":
        return "expiring"
    if person.status in ("not_started", "in_progress") and person.due_on - as_of <= DUE_SOON:
        return "due_soon"
    return None


def queue_reminders(base_url, as_of=None, now=None):
    """Queue the reminders that are due; return how many were queued."""
    as_of = as_of or date.today()
    now = now or utcnow()
    titles = {slug: rule[2] for slug, rule in compliance.course_rules().items()}
    roots = db.session.scalars(
        select(Unit).where(Unit.parent_id.is_(None), Unit.valid_to.is_(None))
    ).all()
    recent = {
        (m.user_id, m.course_slug, m.kind)
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.created_at > now - QUIET)
        )
    }
    contacts = {}
    queued = 0
    for root in roots:
        for person in compliance.person_statuses(root, as_of):
            kind = _kind(person, as_of)
            if kind is None or (person.user_id, person.course_slug, kind) in recent:
                continue
            if person.user_id not in contacts:
                user = db.session.get(User, person.user_id)
                contacts[person.user_id] = user
            user = contacts[person.user_id]
            if not (user.email or user.phone):
                continue  # trained on paper, no way to reach them here
            subject, body = TEXTS[kind]
            values = {
                "name": user.full_name,
                "title": titles.get(person.course_slug, person.course_slug),
                "due": person.due_on.strftime("%d/%m/%Y"),
                "expires": person.expires_at.strftime("%d/%m/%Y") if person.expires_at else "",
                "url": f"{base_url.rstrip('/')}/courses/{person.course_slug}/",
            }
            db.session.add(
                OutboxMessage(
                    user_id=user.id,
                    channel="email" if user.email else "sms",
                    kind=kind,
                    course_slug=person.course_slug,
                    subject=subject.format(**values)[:200],
                    body=body.format(**values),
                )
            )
            recent.add((person.user_id, person.course_slug, kind))
            queued += 1
    db.session.flush()
    return queued


def send_outbox(config, as_of=None, now=None, transport=None):
    """Send queued e-mails (when SMTP is configured); cancel those no longer needed.

    Returns (sent, cancelled, waiting). `transport` replaces SMTP in tests.
    """
    as_of = as_of or date.today()
    now = now or utcnow()
    pending = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.cancelled_at.is_(None)
        )
    ).all()
    sent = cancelled = waiting = 0
    still_needed = _still_needed(pending, as_of)
    for message in pending:
        if (message.user_id, message.course_slug) not in still_needed:
            message.cancelled_at = now
            cancelled += 1
            continue
        if message.channel != "email" or not (transport or mail.configured(config)):
            waiting += 1  # an SMS/Zalo sender can drain these later
            continue
        message.attempts += 1
        try:
            (transport or _smtp_send)(config, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = type(exc).__name__
            log.warning("reminder %s not sent: %s", message.id, type(exc).__name__)
            waiting += 1
            continue
        message.sent_at = now
        sent += 1
    db.session.flush()
    return sent, cancelled, waiting


def _still_needed(messages, as_of):
    """(user, course) pairs still not compliant: one pass over the tree, not one per message."""
    if not messages:
        return set()
    roots = db.session.scalars(
        select(Unit).where(Unit.parent_id.is_(None), Unit.valid_to.is_(None))
    ).all()
    return {
        (p.user_id, p.course_slug)
        for root in roots
        for p in compliance.person_statuses(root, as_of)
        if p.status != "compliant"
    }


def _smtp_send(config, message):
    mail.send(config, message.user.email, message.subject, message.body)
