"""The load harness and a failing database, in small: the long drills live in bench/."""

import os
import socket

import pytest
from sqlalchemy.exc import OperationalError

from bench import harness, load
from portal.extensions import login_manager


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite only")
def test_reconciliation_smoke_run_on_gunicorn(capsys):
    """Eight learners for eight seconds on two workers: every acknowledged submission lands."""
    code = load.main(
        ["--users", "8", "--seconds", "8", "--workers", "2", "--port", str(_free_port())]
        + ["--max-rss-mb", "1000"]  # the memory budget is a figure of the full run
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "reconciliation:" in out and "PASS" in out


def test_reconcile_catches_a_lost_submission(tmp_path):
    """The checker itself can fail: an acknowledged attempt that is not in the database."""
    url = f"sqlite:///{tmp_path}/bench.db"
    harness.prepare_database(url, 0, str(tmp_path))
    stats = load.Stats()
    stats.acknowledged.add(424242)
    problems, _submitted = load.reconcile(url, stats)
    assert problems == ["acknowledged attempt 424242 is missing"]


def test_database_down_while_signed_in_is_a_clean_503(app, client, login, make_user, monkeypatch):
    """Loading the account fails: the error page must not need the database again."""
    login(make_user())

    def unreachable(_session_id):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))

    monkeypatch.setattr(login_manager, "_user_callback", unreachable)
    response = client.get("/courses/")
    assert response.status_code == 503
    assert "Hệ thống đang bận hoặc đang bảo trì" in response.text
    assert "Traceback" not in response.text
