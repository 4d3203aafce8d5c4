"""Orgs fixtures: a CLI runner that keeps stderr apart, and unit reloading."""

import inspect

import pytest
from click.testing import CliRunner

from portal.orgs.models import Unit


@pytest.fixture
def runner(app):
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return app.test_cli_runner(mix_stderr=False)
    return app.test_cli_runner()


@pytest.fixture
def reload(db):
    """Fetch a unit afresh from the database."""

    def get(unit):
        db.session.expire_all()
        return db.session.get(Unit, unit.id)

    return get
