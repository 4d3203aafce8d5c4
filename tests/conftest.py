"""Fixtures: one app per test session on SQLite (or TEST_DATABASE_URL), emptied between tests."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event, text

from portal import create_app
from portal.extensions import db as _db
from portal.extensions import limiter

PASSWORD = "correct horse battery"


def _signing_key():
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


class Client(FlaskClient):
    """A test client whose requests start fresh like real ones.

    pytest-flask keeps an app context pushed for the whole test, and Flask reuses it for
    requests: without this, the signed-in user cached in `g` would leak from one request
    into the next.
    """

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # the locale too is chosen afresh on every request
        _db.session.expire_all()
        try:
            return super().open(*args, **kwargs)
        finally:
            # The test reads what the request stored, not the objects as they were.
            _db.session.expire_all()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the catalogs (.po → .mo) as `make install` does, when missing or stale.

    Before any request: Flask-Babel caches a missing catalog for the whole process.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "portal" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_name(f".messages.{os.getpid()}.mo")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
        tmp.replace(mo)  # atomic: a concurrent test run never reads half a file


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "SIGNING_KEY": _signing_key(),
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://portal.test",
            "SERVER_NAME": None,
        }
    )
    app.instance_path = str(instance)
    app.test_client_class = Client
    with app.app_context():
        _db.drop_all()
        _reset_alembic()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        if _db.engine.dialect.name != "sqlite":  # the SQLite file goes with its tmp dir
            _db.drop_all()
            _reset_alembic()


def _reset_alembic():
    _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    _db.session.commit()


@pytest.fixture(autouse=True)
def _clean(app):
    """Empty every table after each test, so nothing leaks between tests."""
    yield
    _db.session.rollback()
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # courses and course_versions point at each other: check keys at commit.
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    limiter.reset()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def sql(db):
    """`with sql() as statements:` lists the SQL statements run inside the block."""

    @contextmanager
    def record():
        statements = []

        def on_execute(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)

    return record


@pytest.fixture
def content_dir():
    return Path(__file__).resolve().parent.parent / "content"


@pytest.fixture
def tmpdir_path():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


# Factories: small callables that build one object with sensible defaults.


@pytest.fixture
def make_unit(db):
    from portal.orgs.models import Unit
    from portal.text import fold

    counter = iter(range(1, 10**6))

    def make(name=None, kind="commune", parent=None, code=None):
        n = next(counter)
        name = name or f"Đơn vị {n}"
        unit = Unit(
            name=name,
            name_folded=fold(name),
            kind=kind,
            code=code or f"T{n:05d}",
            parent=parent,
            depth=(parent.depth + 1) if parent else 0,
        )
        db.session.add(unit)
        db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        db.session.commit()
        return unit

    return make


@pytest.fixture
def tree(make_unit):
    """A province with two communes, each with a hamlet."""
    province = make_unit("Tỉnh Thử", kind="province", code="99")
    commune = make_unit("Xã An Bình", parent=province, code="99001")
    other = make_unit("Xã Tân Phú", parent=province, code="99002")
    hamlet = make_unit("Ấp 1", kind="hamlet", parent=commune, code="99001-01")
    other_hamlet = make_unit("Ấp 2", kind="hamlet", parent=other, code="99002-01")
    return {
        "province": province,
        "commune": commune,
        "other": other,
        "hamlet": hamlet,
        "other_hamlet": other_hamlet,
    }


@pytest.fixture
def make_user(db):
    from werkzeug.security import generate_password_hash

    from portal.accounts.models import User
    from portal.text import fold

    counter = iter(range(1, 10**6))
    hashed = generate_password_hash(PASSWORD)

    def make(role="learner", unit=None, position="commune_officer", name=None, **fields):
        n = next(counter)
        name = name or f"Nguyễn Văn Người{n}"
        fields.setdefault("phone", f"09{n:08d}")
        user = User(
            full_name=name,
            name_folded=fold(name),
            role=role,
            unit=unit,
            position=position,
            password_hash=hashed,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """Sign a user in through the session cookie (the login form has its own tests)."""

    def do(user):
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        return user

    return do
