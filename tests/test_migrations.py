"""Migrations: one head; upgrade and downgrade on an empty database; the models match."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.extensions import db


@pytest.fixture
def fresh_app(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:  # an empty schema of its own, beside the one the other tests use
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            conn.execute(text("CREATE SCHEMA migration_check"))
        engine.dispose()
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}options=-csearch_path%3Dmigration_check"
    else:
        url = f"sqlite:///{tmp_path}/migrations.db"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "SIGNING_KEY": "x", "TESTING": True})
    yield app
    if os.environ.get("TEST_DATABASE_URL"):
        with app.app_context():
            db.engine.dispose()
        engine = create_engine(
            os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
        )
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        engine.dispose()


def test_one_head(fresh_app):
    with fresh_app.app_context():
        script = ScriptDirectory.from_config(fresh_app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1


def test_upgrade_matches_models_and_downgrades(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()  # and up again, cleanly


def test_downgrade_and_upgrade_again_with_data(fresh_app, tmp_path):
    """A seeded province (`flask bench seed`) goes down to base and up again cleanly."""
    from portal.courses import publishing
    from portal.seed import seed
    from tests.courses.sample import write_course

    with fresh_app.app_context():
        upgrade()
        write_course(tmp_path)
        list(publishing.sync_content(tmp_path))
        summary = seed(50, attempts_per_learner=2)
        db.session.commit()
        assert summary["learners"] == 50
        db.session.remove()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) - {"alembic_version"} == set()
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM users")).scalar() == 0


NAMES = ["Trần Văn Ơn", "Lê Thị Anh", "Nguyễn Văn Đức", "Phạm Thị Ân", "Lê Án", "Kim Ji-woo", ""]


def _migration(name):
    import importlib.util
    from pathlib import Path

    (path,) = Path(__file__).parent.parent.glob(f"migrations/versions/*_{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_name_sort_migration_fills_the_key_for_people_already_stored(fresh_app):
    from portal.text import name_sort_text

    frozen = _migration("users_name_sort")
    assert [frozen.name_sort_text(n) for n in NAMES] == [name_sort_text(n) for n in NAMES]
    with fresh_app.app_context():
        upgrade(revision=frozen.down_revision)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO units (kind, name, name_folded, code, path, depth, official, "
                    "valid_from) VALUES ('province', 'T', 't', 'T1', '/1/', 0, false, "
                    "'2025-07-01')"
                )
            )
            for name in NAMES:
                conn.execute(
                    text(
                        "INSERT INTO users (full_name, name_folded, role, active, "
                        "must_change_password, session_version, public_verification, "
                        "joined_unit_at, created_at) VALUES (:n, '', 'learner', true, false, "
                        "1, false, '2026-01-01', '2026-01-01')"
                    ),
                    {"n": name},
                )
        upgrade()
        with db.engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT full_name, name_sort FROM users")).all())
        assert stored == {n: name_sort_text(n) for n in NAMES}
        db.engine.dispose()
