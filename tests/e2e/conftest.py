"""A live portal on 127.0.0.1 and a real Chromium (Debian's /usr/bin/chromium) to drive it."""

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.orgs.models import Unit
from portal.text import fold
from tests.conftest import _signing_key

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = (360, 740)


def _unit(name, kind, code, parent=None):
    unit = Unit(
        name=name,
        name_folded=fold(name),
        kind=kind,
        code=code,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    return unit


@dataclass
class Server:
    app: Flask
    url: str


@pytest.fixture
def portal_server(tmp_path):
    """The portal served by werkzeug in a thread, on SQLite in a temporary folder.

    (Not pytest-flask's `live_server`, which serves the shared test app in a subprocess.)
    """
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
            "SECRET_KEY": "e2e-secret",
            "SIGNING_KEY": _signing_key(),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
        province = _unit("Tỉnh Thử Nghiệm", "province", "98")
        commune = _unit("Xã Hòa Bình", "commune", "98001", province)
        _unit("Xã Phước Lộc", "commune", "98002", province)
        _unit("Ấp Bến Đò", "hamlet", "98001-01", commune)
        _unit("Ấp Cây Me", "hamlet", "98001-02", commune)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium) for the browser tests"
        if os.environ.get("PORTAL_E2E_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a cheap Android phone."""
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(phone_page):
    ARTIFACTS.mkdir(exist_ok=True)

    def shoot(name):
        phone_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return shoot
