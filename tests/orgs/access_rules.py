"""Every orgs route for the access matrix (tests/test_access_matrix.py)."""

ADMIN_ONLY = dict(anon=302, learner=403, trainer=403, manager=403, admin=200)
# An empty POST as admin is bad input (400); the first commune has children and people,
# so even closing it is refused and the world stays as it was.
ADMIN_POST = dict(anon=302, learner=403, trainer=403, manager=403, admin=400)
IN_SCOPE = dict(anon=302, learner=403, trainer=200, manager=200, admin=200)
OUT_OF_SCOPE = dict(anon=302, learner=403, trainer=404, manager=404, admin=200)


def _unit(key, suffix=""):
    return lambda w: f"/admin/units/{w[key].id}{suffix}"


RULES = [
    ("orgs.index", "GET", "/admin/units/", ADMIN_ONLY),
    ("orgs.index", "GET", "/admin/units/?q=an+binh&closed=y", ADMIN_ONLY),
    ("orgs.unit", "GET", _unit("commune"), IN_SCOPE),
    ("orgs.unit", "GET", _unit("hamlet"), IN_SCOPE),
    ("orgs.unit", "GET", _unit("other"), OUT_OF_SCOPE),
    ("orgs.unit", "GET", _unit("province"), OUT_OF_SCOPE),
    ("orgs.unit", "GET", "/admin/units/999999", dict(OUT_OF_SCOPE, admin=404)),
    ("orgs.add_child", "POST", _unit("commune", "/children"), ADMIN_POST),
    ("orgs.rename", "POST", _unit("commune", "/rename"), ADMIN_POST),
    ("orgs.move", "POST", _unit("commune", "/move"), ADMIN_POST),
    ("orgs.merge", "POST", _unit("commune", "/merge"), ADMIN_POST),
    ("orgs.close", "POST", _unit("commune", "/close"), ADMIN_POST),
]
