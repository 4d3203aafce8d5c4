"""A throw-away portal for benchmarks: its own database, the bundled courses, one learner."""

import os

from sqlalchemy import select

LEARNER_LOGIN = "0900000001"
LEARNER_PASSWORD = "bench-password-123"


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


def prepare():
    """Publish content/ and create the bench learner (idempotent)."""
    from flask import current_app
    from werkzeug.security import generate_password_hash

    from portal.accounts.models import User
    from portal.courses import publishing
    from portal.extensions import db

    list(publishing.sync_content(current_app.config["CONTENT_DIR"]))
    if db.session.scalar(select(User).where(User.phone == LEARNER_LOGIN)) is None:
        db.session.add(
            User(
                phone=LEARNER_LOGIN,
                full_name="Người Đo Hiệu Năng",
                name_folded="nguoi do",
                role="learner",
                position="collaborator",
                password_hash=generate_password_hash(LEARNER_PASSWORD),
            )
        )
    db.session.commit()


def first_lesson_url():
    from portal.courses.models import Course
    from portal.extensions import db

    course = db.session.scalars(
        select(Course).where(Course.current_version_id.is_not(None)).order_by(Course.slug)
    ).first()
    lesson = course.current_version.lessons[0]
    return f"/courses/{course.slug}/{lesson.slug}"


def sign_in(app, client):
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == LEARNER_LOGIN))
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
        prepare()
        print(first_lesson_url() if os.environ.get("PRINT_LESSON") else "ready")
