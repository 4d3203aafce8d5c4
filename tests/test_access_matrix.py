"""Walk every registered route as anonymous, learner, trainer, manager and admin.

Each feature declares its routes in tests/<feature>/access_rules.py:

    RULES = [
        # endpoint, method, url (str or callable(world) -> str), expected codes
        ("courses.catalog", "GET", "/courses/", ALL(200)),
        ("accounts.user_list", "GET", "/admin/users", dict(anon=302, learner=403, ...)),
    ]
    def extend(world): ...   # optional: add the objects the URLs need

A route that no rules module declares fails test_every_route_is_declared.
The world: a province with two communes; the trainer and manager belong to the first
commune; "outsider" objects belong to the second (a sibling unit: expect 404).
"""

import importlib
import pkgutil
from pathlib import Path

import pytest

import tests

ROLES = ("anon", "learner", "trainer", "manager", "admin")


def ALL(code):  # noqa: N802 - reads like a constant in rule tables
    return dict.fromkeys(ROLES, code)


def SIGNED_IN(code, anon=302):  # noqa: N802
    return {"anon": anon, **dict.fromkeys(ROLES[1:], code)}


def STAFF_ONLY(code=200, learner=403, anon=302):  # noqa: N802
    return {"anon": anon, "learner": learner, "trainer": code, "manager": code, "admin": code}


def _rule_modules():
    root = Path(tests.__file__).parent
    for info in pkgutil.iter_modules([str(root)]):
        if info.ispkg and (root / info.name / "access_rules.py").exists():
            yield importlib.import_module(f"tests.{info.name}.access_rules")


def _rules():
    for module in _rule_modules():
        yield from module.RULES


@pytest.fixture
def world(tree, make_user):
    w = dict(tree)
    w["learner"] = make_user("learner", tree["hamlet"], position="collaborator")
    w["trainer"] = make_user("trainer", tree["commune"], position="commune_officer")
    w["manager"] = make_user("manager", tree["commune"], position="commune_leader")
    w["admin"] = make_user("admin", None, position=None)
    w["outsider"] = make_user("learner", tree["other_hamlet"], position="collaborator")
    for module in _rule_modules():
        if hasattr(module, "extend"):
            module.extend(w)
    return w


def test_every_route_is_declared(app):
    declared = {rule[0] for rule in _rules()}
    registered = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    missing = sorted(registered - declared)
    assert not missing, f"routes without access rules: {missing}"


def test_access_matrix(app, world, login):
    failures = []
    for endpoint, method, url, expected in _rules():
        target = url(world) if callable(url) else url
        for role in ROLES:
            with app.test_client() as client:
                if role != "anon":
                    with client.session_transaction() as sess:
                        sess["_user_id"] = world[role].get_id()
                        sess["_fresh"] = True
                r = client.open(target, method=method)
                if r.status_code != expected[role]:
                    failures.append(
                        f"{endpoint} {method} {target} as {role}: "
                        f"{r.status_code} != {expected[role]}"
                    )
    assert not failures, "\n".join(failures)
