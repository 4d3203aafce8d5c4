"""The declarative base, UTC timestamps and the engine setup for SQLite and PostgreSQL."""

import fcntl
import logging
import os
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import g, has_request_context, request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter

# Stable constraint names, so migrations can drop and alter them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER; SQLite would take more, but never needs it


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: an id no column can hold is no page (404), not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def configure_engine(engine):
    """Set up SQLite for several worker processes; PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite":
        return
    gate = WriterGate.for_database(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        # pysqlite's own transaction handling is switched off so that we can say
        # BEGIN IMMEDIATE ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # Subtree queries are path LIKE '/1/7/%': case-sensitive LIKE can use the index.
        cur.execute("PRAGMA case_sensitive_like=ON")
        cur.close()
        if gate is not None:
            record.info["gate"] = gate.handle()

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_conn, record):
        handle = record.info.pop("gate", None)
        if handle is not None:
            handle.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the write lock up front, so a second writer waits
        # instead of failing with "database is locked" when it upgrades. Reads (GET
        # requests) stay deferred and never block each other in WAL mode.
        if has_request_context() and (request.method in SAFE_METHODS or g.get("_db_reading")):
            conn.exec_driver_sql("BEGIN")
            return
        handle = _gate_of(conn)
        if handle is not None:
            handle.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if handle is not None:
                handle.release()
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        handle = _gate_of(conn)
        if handle is not None:
            handle.release()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        handle = record.info.get("gate")
        if handle is not None:
            handle.release()


def close_session(scoped):
    """End the request's session at teardown, even on a connection the server dropped.

    Closing rolls back the request's transaction, which needs the connection: if the
    database went away after the page was made (a restart, a failover), that rollback
    fails, and an error raised at teardown would turn a finished page into the WSGI
    server's bare 500. The dead connection is thrown away instead; the pool opens a new
    one for the next request.
    """
    try:
        scoped.remove()
    except DBAPIError as exc:
        log.warning("connection lost while closing the session: %s", type(exc.orig).__name__)
        scoped.remove()  # the failed rollback invalidated the connection: nothing left to do


@contextmanager
def reading_first(scoped):
    """Run the block in a read transaction of its own when it would open the request's.

    On SQLite a POST takes the write lock at its first statement and keeps it to the end
    of its transaction; what every request reads first (the signed-in user) is read
    without it, so the lock covers only the view's own work. Elsewhere this does nothing.
    """
    session = scoped()
    if (
        session.in_transaction()
        or not has_request_context()
        or request.method in SAFE_METHODS
        or session.get_bind().dialect.name != "sqlite"
    ):
        yield
        return
    g._db_reading = True
    try:
        yield
    except BaseException:
        g._db_reading = False
        session.rollback()
        raise
    g._db_reading = False
    session.commit()  # ends the read; the objects stay loaded (expire_on_commit=False)


def _gate_of(conn):
    # The pooled connection's info is the record's, where "connect" put the handle.
    try:
        return conn.connection.info.get("gate")
    except SQLAlchemyError:  # an invalidated connection: "checkin" or "close" lets go
        return None


class WriterGate:
    """Writers of one SQLite file queue on a kernel lock before BEGIN IMMEDIATE.

    SQLite's busy handler waits for the write lock by sleeping and polling (1, 2, 5, 10,
    15, 20, 25... ms), so under load a writer sleeps long after the lock is free and the
    cores sit idle. An exclusive flock() on a file beside the database hands the turn
    over as soon as the holder lets go, in every process and thread (each connection has
    its own open file), and the kernel drops it when a process dies. SQLite's own lock
    still guards the data: the gate only orders the writers that would wait anyway.
    """

    def __init__(self, path):
        self.path = path

    @classmethod
    def for_database(cls, database):
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(f"{database}-writers")

    def handle(self):
        return _GateHandle(self.path)


class _GateHandle:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.held = False

    def acquire(self):
        if not self.held:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.held = True

    def release(self):
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self):
        self.release()
        os.close(self.fd)
