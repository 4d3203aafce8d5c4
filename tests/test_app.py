"""The skeleton: configuration, health check, headers, error pages."""

from portal import create_app
from portal.config import DEFAULTS


def test_healthz_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "db": "ok"}


def test_healthz_reports_unreachable_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SECRET_KEY": "x",
            "SIGNING_KEY": "x",
        }
    )
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["db"] == "down"


def test_security_headers_on_every_response(client):
    for url in ("/", "/nope", "/healthz"):
        h = client.get(url).headers
        csp = h["Content-Security-Policy"]
        for part in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert part in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert "Referrer-Policy" in h


def test_unknown_page_is_a_friendly_404(client):
    r = client.get("/khong-co")
    assert r.status_code == 404
    assert "Trang này không tồn tại" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_BASE_URL", "https://daotao.example.vn")
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "true")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["BASE_URL"] == "https://daotao.example.vn"
    assert app.config["TRUSTED_PROXIES"] == 1
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_sends_cookies_over_https_only_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECURE_COOKIES", raising=False)
    base = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x", "SIGNING_KEY": "x"}
    assert create_app(base).config["SESSION_COOKIE_SECURE"] is False  # `make run` on http
    production = create_app({**base, "PRODUCTION": True}).config
    assert production["SESSION_COOKIE_SECURE"] and production["REMEMBER_COOKIE_SECURE"]
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "false")  # a plain-HTTP intranet, said aloud
    assert create_app({**base, "PRODUCTION": True}).config["SESSION_COOKIE_SECURE"] is False


def test_every_setting_has_an_environment_variable():
    assert all(name.isupper() for name in DEFAULTS)


def test_postgresql_refuses_to_start_without_secrets(monkeypatch):
    import pytest

    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app({"DATABASE_URL": "postgresql://postgres@127.0.0.1/test"})


def test_oversized_request_is_413(app, client):
    r = client.post("/language", data={"lang": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert r.status_code == 413


def test_language_switch_sets_cookie_and_translates(client):
    r = client.post("/language", data={"lang": "en", "next": "/"})
    assert r.status_code == 302
    assert "lang=en" in r.headers["Set-Cookie"]


def test_language_switch_refuses_foreign_next(client):
    r = client.post("/language", data={"lang": "en", "next": "//evil.example"})
    assert r.headers["Location"] == "/"


def test_visitor_language_link_sets_cookie_and_english_shows(client):
    r = client.get("/language/en?next=/privacy")
    assert r.status_code == 302 and r.headers["Location"] == "/privacy"
    assert "lang=en" in r.headers["Set-Cookie"]
    r = client.get("/language/xx?next=//evil.example")
    assert r.headers["Location"] == "/" and "Set-Cookie" not in r.headers


def test_anonymous_pages_set_no_session_cookie(client):
    assert "Set-Cookie" not in client.get("/").headers


def test_nul_characters_are_refused_with_400(client):
    assert client.get("/courses/%00/").status_code == 400
    assert client.get("/courses/?q=a%00b").status_code == 400
    assert client.post("/language", data={"lang": "en\x00"}).status_code == 400


def _app_raising(tmp_path, error):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SECRET_KEY": "x",
            "SIGNING_KEY": "x",
        }
    )

    @app.get("/boom")
    def boom():
        raise error

    return app


def test_a_write_refused_by_a_constraint_is_a_409_with_a_clear_message(tmp_path, caplog):
    from sqlalchemy.exc import IntegrityError

    app = _app_raising(tmp_path, IntegrityError("INSERT", {}, Exception("UNIQUE constraint")))
    r = app.test_client().get("/boom")
    assert r.status_code == 409
    assert "thay đổi bởi một thao tác khác" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)
    assert "refused by a constraint" in caplog.text  # logged for the developers


def test_a_value_the_database_cannot_hold_is_a_400(tmp_path):
    from sqlalchemy.exc import DataError

    app = _app_raising(tmp_path, DataError("INSERT", {}, Exception("value too long")))
    r = app.test_client().get("/boom")
    assert r.status_code == 400 and "không hợp lệ" in r.get_data(as_text=True)


def test_a_lost_database_is_still_the_503_page(tmp_path):
    from sqlalchemy.exc import OperationalError

    app = _app_raising(tmp_path, OperationalError("SELECT", {}, Exception("disk I/O error")))
    r = app.test_client().get("/boom")
    assert r.status_code == 503 and "đang bận" in r.get_data(as_text=True)


def _failing_once(monkeypatch, name):
    """Make db.session.<name> fail once as on a connection the server dropped."""
    from sqlalchemy.exc import OperationalError

    from portal.extensions import db

    real, calls = getattr(db.session, name), []

    def fake(*args, **kwargs):
        calls.append(name)
        if len(calls) == 1:
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(db.session, name, fake)
    return calls


def test_a_connection_lost_after_the_page_was_made_keeps_the_page(tmp_path, monkeypatch):
    app = _app_raising(tmp_path, None)

    @app.get("/made")
    def made():
        return "made"

    calls = _failing_once(monkeypatch, "remove")
    r = app.test_client().get("/made")
    assert (r.status_code, r.get_data(as_text=True)) == (200, "made")
    assert len(calls) >= 2  # failed once, then the dead connection was thrown away


def test_an_error_whose_rollback_fails_too_is_still_the_portal_page(tmp_path, monkeypatch):
    app = _app_raising(tmp_path, ValueError("a bug"))
    _failing_once(monkeypatch, "rollback")
    r = app.test_client().get("/boom")
    assert r.status_code == 500 and "Hệ thống gặp lỗi" in r.get_data(as_text=True)
