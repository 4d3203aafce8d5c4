"""Account fixtures: tighter sign-in limits, a signed-in client, the login form."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def tight_limits(app):
    """Three failures per account, five per address, restored afterwards."""
    saved = {k: app.config[k] for k in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS")}
    app.config.update(
        LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="5 per 15 minutes"
    )
    yield
    app.config.update(saved)


@pytest.fixture
def config_value(app):
    """Set app.config keys for one test."""
    saved = {}

    def set_(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield set_
    app.config.update(saved)


@pytest.fixture
def sign_in(client):
    """Sign in through the real form; return the response."""

    def do(login, password=PASSWORD, **extra):
        return client.post("/login", data={"login": login, "password": password, **extra})

    return do
