"""CSRF is switched off in the shared test app; here a separate app proves it is enforced."""

import re

import pytest

from portal import create_app
from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from tests.conftest import PASSWORD, _signing_key


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.db'}",
            "SECRET_KEY": "csrf-test",
            "SIGNING_KEY": _signing_key(),
        }
    )
    with app.app_context():
        db.create_all()
        db.session.add(
            User(
                full_name="Lan",
                name_folded="lan",
                phone="0912345678",
                password_hash=hash_password(PASSWORD),
            )
        )
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def test_login_without_a_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    r = client.post("/login", data={"login": "0912345678", "password": PASSWORD})
    assert r.status_code == 400 and "Biểu mẫu đã hết hạn" in r.get_data(as_text=True)
    r = client.post(
        "/login", data={"login": "0912345678", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert r.status_code == 400


def test_login_with_the_pages_token_works_and_logout_needs_one_too(csrf_app):
    client = csrf_app.test_client()
    token = _token(client, "/login")
    r = client.post(
        "/login", data={"login": "0912345678", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 302
    assert client.post("/logout").status_code == 400  # a forged logout link does nothing
    assert client.get("/profile").status_code == 200
    token = _token(client, "/profile")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/profile").status_code == 302


def test_the_registration_steps_need_a_token(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/register", data={"step": "commune"}).status_code == 400
