"""Reminders for due-soon, expiring and overdue trainings, through the outbox (DESIGN §4).

Never twice for the same person, course and kind within a week; they stop once the person is
compliant (queued messages are cancelled at send time when that happened meanwhile).
"""

import logging
import smtplib
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import mail
from portal.accounts.models import User
from portal.config import LANGUAGES
from portal.courses import services as courses
from portal.database import utcnow
from portal.extensions import db
from portal.orgs.models import Unit
from portal.training import compliance
from portal.training.models import OutboxMessage

log = logging.getLogger(__name__)
DUE_SOON = timedelta(days=14)
QUIET = timedelta(days=7)

# Written in each person's language (their account's, else the portal's default).
TEXTS = {
    "due_soon": (
        _l("Sắp đến hạn học: %(title)s"),
        _l(
            'Chào %(name)s,\n\nKhóa học "%(title)s" cần hoàn thành trước ngày %(due)s.\n'
            "Học tại: %(url)s\n"
        ),
    ),
    "expiring": (
        _l("Chứng nhận sắp hết hạn: %(title)s"),
        _l(
            'Chào %(name)s,\n\nChứng nhận khóa "%(title)s" của bạn hết hạn ngày %(expires)s.\n'
            "Hãy học lại và làm bài kiểm tra để gia hạn: %(url)s\n"
        ),
    ),
    "overdue": (
        _l("Đã quá hạn học: %(title)s"),
        _l(
            'Chào %(name)s,\n\nKhóa học "%(title)s" đã quá hạn (hạn %(due)s).\n'
            "Hãy hoàn thành sớm: %(url)s\n"
        ),
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
    titles = courses.list_titles()
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
    default_locale = current_app.config["DEFAULT_LOCALE"]
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
            locale = user.locale if user.locale in LANGUAGES else default_locale
            title, title_en = titles.get(person.course_slug, (person.course_slug, None))
            values = {
                "name": user.full_name,
                "title": (title_en if locale == "en" and title_en else title),
                "due": person.due_on.strftime("%d/%m/%Y"),
                "expires": person.expires_at.strftime("%d/%m/%Y") if person.expires_at else "",
                "url": f"{base_url.rstrip('/')}/courses/{person.course_slug}/",
            }
            subject, body = TEXTS[kind]
            with force_locale(locale):
                subject, body = str(subject) % values, str(body) % values
            db.session.add(
                OutboxMessage(
                    user_id=user.id,
                    channel="email" if user.email else "sms",
                    kind=kind,
                    course_slug=person.course_slug,
                    subject=subject[:200],
                    body=body,
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
