"""A throw-away portal for benchmarks: its own database, the bundled courses, bench people.

Everything is made through the app's own models and publisher; the bench province (code
BENCH) holds one commune with the learners, and a manager of that commune.
"""

import os

from sqlalchemy import select

LEARNER_LOGIN = "0900000001"
LEARNER_PASSWORD = "bench-password-123"
MANAGER_LOGIN = "0900000002"
LOAD_LOGIN = "091{:07d}"  # the simulated learners of bench/load.py: 0910000000, ...
QUIZ_COURSE = "an-toan-tren-mang"  # unlimited attempts, no cooldown, untimed


def bench_app(directory, database_url=None):
    from portal import create_app
    from portal.extensions import db

    app = create_app(
        {
            "DATABASE_URL": database_url or f"sqlite:///{directory}/bench.db",
            "SECRET_KEY": "bench",
            "SIGNING_KEY": _key(directory),
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        prepare()
    return app


def _key(directory):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def _commune():
    """The bench province and its one commune (idempotent)."""
    from portal.extensions import db
    from portal.orgs.models import Unit

    commune = db.session.scalar(select(Unit).where(Unit.code == "BENCH-1"))
    if commune is not None:
        return commune
    province = Unit(kind="province", name="Tỉnh đo tải", name_folded="tinh do tai", code="BENCH")
    db.session.add(province)
    db.session.flush()
    province.path = f"/{province.id}/"
    commune = Unit(
        kind="commune",
        name="Xã đo tải",
        name_folded="xa do tai",
        code="BENCH-1",
        parent_id=province.id,
        depth=1,
    )
    db.session.add(commune)
    db.session.flush()
    commune.path = f"{province.path}{commune.id}/"
    db.session.flush()
    return commune


def _person(login, name, role, unit, password_hash):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.text import fold

    if db.session.scalar(select(User.id).where(User.phone == login)) is None:
        db.session.add(
            User(
                phone=login,
                full_name=name,
                name_folded=fold(name),
                role=role,
                position="commune_leader" if role == "manager" else "collaborator",
                unit_id=unit.id,
                password_hash=password_hash,
            )
        )


def prepare(learners=0):
    """Publish content/ and create the bench learner, manager and `learners` more (idempotent)."""
    from flask import current_app

    from portal.accounts import passwords
    from portal.courses import publishing
    from portal.extensions import db

    list(publishing.sync_content(current_app.config["CONTENT_DIR"]))
    commune = _commune()
    hashed = passwords.hash_password(LEARNER_PASSWORD)  # one hash for all: they only log in
    _person(LEARNER_LOGIN, "Người Đo Hiệu Năng", "learner", commune, hashed)
    _person(MANAGER_LOGIN, "Quản Lý Đo Hiệu Năng", "manager", commune, hashed)
    for n in range(learners):
        _person(LOAD_LOGIN.format(n), f"Học Viên Đo Tải {n + 1}", "learner", commune, hashed)
    db.session.commit()
    return [LOAD_LOGIN.format(n) for n in range(learners)]


def first_lesson_url():
    from portal.courses.models import Course
    from portal.extensions import db

    course = db.session.scalars(
        select(Course).where(Course.current_version_id.is_not(None)).order_by(Course.slug)
    ).first()
    lesson = course.current_version.lessons[0]
    return f"/courses/{course.slug}/{lesson.slug}"


def sign_in(app, client, login=LEARNER_LOGIN):
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == login))
        session_id = user.get_id()
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True


if __name__ == "__main__":  # used by the shell scripts: prepare the database in PORTAL_*
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
        prepare(int(os.environ.get("BENCH_LEARNERS", "0")))
        print(first_lesson_url() if os.environ.get("PRINT_LESSON") else "ready")
