"""The engine setup: SQLite's writer gate, read-first POSTs, objects readable after commit."""

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal.database import WriterGate, close_session, reading_first


def _held(path):
    """Whether some other open file holds the gate (tried without waiting)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@pytest.fixture
def sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writer gate is SQLite's")
    return f"{db.engine.url.database}-writers"


def test_gate_lets_one_writer_in_and_hands_over_at_once(tmp_path):
    gate = WriterGate(str(tmp_path / "db-writers"))
    first, second = gate.handle(), gate.handle()
    first.acquire()
    entered = []

    def wait_turn():
        second.acquire()
        entered.append(time.monotonic())

    waiter = threading.Thread(target=wait_turn)
    waiter.start()
    time.sleep(0.1)
    assert not entered  # the second writer waits while the first holds the gate
    released = time.monotonic()
    first.release()
    waiter.join(5)
    assert entered and entered[0] - released < 0.05  # woken by the kernel, not by polling
    second.close()
    first.close()


def test_gate_release_and_close_are_safe_twice(tmp_path):
    handle = WriterGate(str(tmp_path / "db-writers")).handle()
    handle.release()  # not held: nothing happens
    handle.acquire()
    handle.acquire()  # already held: no self-deadlock
    handle.close()
    assert not _held(str(tmp_path / "db-writers"))


def test_no_gate_for_databases_in_memory():
    assert WriterGate.for_database(":memory:") is None
    assert WriterGate.for_database(None) is None
    assert WriterGate.for_database("/srv/portal.db").path == "/srv/portal.db-writers"


def test_a_post_holds_the_gate_only_inside_its_write_transaction(app, db, sqlite_only):
    with app.test_request_context("/x", method="POST"):
        db.session.execute(text("SELECT 1"))
        assert _held(sqlite_only)
        db.session.commit()
        assert not _held(sqlite_only)
        db.session.execute(text("SELECT 1"))
        assert _held(sqlite_only)
        db.session.rollback()
        assert not _held(sqlite_only)
        db.session.remove()


def test_a_get_never_takes_the_gate(app, db, sqlite_only):
    with app.test_request_context("/x"):
        db.session.execute(text("SELECT 1"))
        assert not _held(sqlite_only)
        db.session.remove()


def test_a_failed_request_lets_go_of_the_gate(app, db, sqlite_only):
    with app.test_request_context("/x", method="POST"):
        db.session.execute(text("SELECT 1"))
        with pytest.raises(Exception):  # noqa: B017 - any database error
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.remove()
    assert not _held(sqlite_only)


def test_reading_first_reads_without_the_gate_and_ends_its_read(app, db, sqlite_only):
    with app.test_request_context("/x", method="POST"):
        with reading_first(db.session):
            db.session.execute(text("SELECT 1"))
            assert not _held(sqlite_only)  # a deferred read: no write lock, no gate
        assert not db.session().in_transaction()
        db.session.execute(text("SELECT 1"))  # the view's work: now the write transaction
        assert _held(sqlite_only)
        db.session.rollback()
        db.session.remove()


def test_reading_first_inside_a_transaction_changes_nothing(app, db, sqlite_only):
    with app.test_request_context("/x", method="POST"):
        db.session.execute(text("SELECT 1"))
        with reading_first(db.session):
            db.session.execute(text("SELECT 1"))
        assert db.session().in_transaction() and _held(sqlite_only)
        db.session.rollback()
        db.session.remove()


def test_signed_in_post_loads_the_user_before_taking_the_write_lock(
    client, login, make_user, sqlite_only, sql
):
    login(make_user())
    with sql() as statements:
        response = client.post("/language", data={"lang": "en"})
    seen = []
    for statement in statements:
        words = statement.split()
        if words[0] in ("BEGIN", "UPDATE") or statement.startswith("SELECT users."):
            seen.append(" ".join(words[:2]) if words[0] == "BEGIN" else words[0] + " " + words[1])
    assert response.status_code == 302
    # The user is read in a plain (deferred) transaction; the write lock comes after it.
    assert seen[:3] == ["BEGIN", "SELECT users.id,", "BEGIN IMMEDIATE"]
    assert "UPDATE users" in seen[3:]


def test_objects_stay_readable_after_commit(db, make_user, sql):
    """expire_on_commit is off: a view that commits and then redirects reads no row again."""
    user = make_user()
    db.session.commit()
    with sql() as statements:
        assert user.full_name and user.id
    assert statements == []


def test_closing_a_session_whose_connection_was_dropped_does_not_raise():
    class Scoped:
        calls = 0

        def remove(self):
            self.calls += 1
            if self.calls == 1:  # the rollback on a connection the server closed
                raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))

    scoped = Scoped()
    close_session(scoped)
    assert scoped.calls == 2


def test_a_postgresql_restart_after_the_page_is_made_spares_the_page(app, db):
    """The server drops the connection between the view's last query and the teardown."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    with app.app_context():  # a request's own context: its teardown closes its session
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        time.sleep(0.2)
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
