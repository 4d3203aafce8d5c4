"""Reminders: queued through the outbox, never twice a week, stopped once compliant."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.training import reminders, services
from portal.training.models import OutboxMessage


def messages(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_queue_send_and_stop(app, db, tree, make_user, course, trainer, complete):
    services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["collaborator"], date.today() + timedelta(days=7)
    )
    old = datetime.now(UTC) - timedelta(days=300)
    a = make_user(
        unit=tree["hamlet"], position="collaborator", email="a@example.vn", joined_unit_at=old
    )
    b = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    make_user(unit=tree["hamlet"], position="collaborator", phone=None, joined_unit_at=old)
    assert reminders.queue_reminders("http://x") == 2  # the paper-only person is skipped
    db.session.commit()
    assert {m.kind for m in messages(db)} == {"due_soon"}
    assert {m.channel for m in messages(db)} == {"email", "sms"}
    assert reminders.queue_reminders("http://x") == 0  # not twice within a week
    sent = []
    complete(b, course)  # b becomes compliant before sending
    result = reminders.send_outbox(app.config, transport=lambda cfg, m: sent.append(m.user_id))
    db.session.commit()
    assert result == (1, 1, 0)
    assert sent == [a.id]
    later = datetime.now(UTC) + timedelta(days=8)
    assert (
        reminders.queue_reminders("http://x", as_of=date.today() + timedelta(days=8), now=later)
        == 1
    )  # only a, now overdue
    assert messages(db)[-1].kind == "overdue"


def test_smtp_failure_keeps_the_message(app, db, tree, make_user, course, trainer):
    services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["collaborator"], date.today()
    )
    make_user(
        unit=tree["hamlet"],
        position="collaborator",
        email="x@example.vn",
        joined_unit_at=datetime.now(UTC) - timedelta(days=300),
    )
    reminders.queue_reminders("http://x")

    def broken(cfg, message):
        raise OSError("down")

    assert reminders.send_outbox(app.config, transport=broken) == (0, 0, 1)
    assert messages(db)[0].attempts == 1 and messages(db)[0].last_error == "OSError"


def test_cli(app, db):
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and "queued 0" in result.output


def test_reminders_are_written_in_each_persons_language(app, db, tree, make_user, course, trainer):
    services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["collaborator"], date.today() + timedelta(days=7)
    )
    old = datetime.now(UTC) - timedelta(days=300)
    vi = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    en = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old, locale="en")
    assert reminders.queue_reminders("http://x") == 2
    db.session.commit()
    by_user = {m.user_id: m for m in messages(db)}
    assert by_user[vi.id].subject.startswith("Sắp đến hạn học: ")
    assert "cần hoàn thành trước ngày" in by_user[vi.id].body
    assert by_user[en.id].subject.startswith("Training due soon: ")
    assert "is to be completed by" in by_user[en.id].body and "http://x/courses/duoi-nuoc/" in (
        by_user[en.id].body
    )
