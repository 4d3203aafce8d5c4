from portal.accounts.models import User
from portal.extensions import db
from portal.text import fold
from tests.test_access_matrix import ALL, SIGNED_IN, STAFF_ONLY


def _person(name, unit, role="learner"):
    user = User(
        full_name=name,
        name_folded=fold(name),
        role=role,
        position="collaborator",
        unit=unit,
        phone=None,
        email=f"{fold(name).replace(' ', '.')}@example.org",
    )
    db.session.add(user)
    return user


def extend(world):
    # Accounts that the state-changing rules may disable or reset without touching the
    # role-holders that every other rule signs in as.
    world["victim"] = _person("Nạn Nhân Một", world["hamlet"])
    world["far_victim"] = _person("Nạn Nhân Hai", world["other_hamlet"])
    world["victim_trainer"] = _person("Nạn Nhân Ba", world["commune"], role="trainer")
    db.session.commit()


def _user_url(who, suffix=""):
    return lambda w: f"/admin/users/{w[who].id}{suffix}"


def MANAGERS(code, trainer=None, anon=302):  # noqa: N802 - admins and trainers act
    return dict(anon=anon, learner=403, trainer=trainer or code, manager=403, admin=code)


ANON_ONLY = dict(anon=200, learner=302, trainer=302, manager=302, admin=302)

RULES = [
    ("accounts.login", "GET", "/login", ANON_ONLY),
    ("accounts.forgot_password", "GET", "/password/forgot", ALL(200)),
    ("accounts.reset_password", "GET", "/password/reset/not-a-token", ALL(400)),
    ("accounts.login_code", "GET", "/login/code", ALL(302)),  # nothing pending
    ("accounts.register", "GET", "/register", ANON_ONLY),
    # Logout is a POST only (it is exercised in tests/accounts/test_views.py: here it
    # would end the sessions the other rules sign in with).
    ("accounts.logout", "GET", "/logout", ALL(405)),
    ("accounts.new_password", "GET", "/password/new", SIGNED_IN(302)),  # nothing to change
    ("accounts.profile", "GET", "/profile", SIGNED_IN(200)),
    ("accounts.profile_name", "POST", "/profile/name", SIGNED_IN(422)),
    ("accounts.profile_password", "POST", "/profile/password", SIGNED_IN(422)),
    ("accounts.profile_language", "POST", "/profile/language", SIGNED_IN(422)),
    ("accounts.profile_public", "POST", "/profile/public", SIGNED_IN(302)),
    ("accounts.profile_data", "GET", "/profile/data.json", SIGNED_IN(200)),
    ("accounts.profile_delete", "POST", "/profile/delete", SIGNED_IN(422)),
    ("accounts.totp_setup", "GET", "/profile/2fa", SIGNED_IN(200)),
    ("accounts.totp_disable", "POST", "/profile/2fa/disable", SIGNED_IN(422)),
    ("accounts.user_list", "GET", "/admin/users", STAFF_ONLY(200)),
    ("accounts.user_new", "GET", "/admin/users/new", MANAGERS(200)),
    ("accounts.user_detail", "GET", _user_url("learner"), STAFF_ONLY(200)),
    (
        "accounts.user_detail",
        "GET",
        _user_url("outsider"),
        dict(anon=302, learner=403, trainer=404, manager=404, admin=200),
    ),
    (
        "accounts.user_detail",
        "GET",
        _user_url("admin"),  # no unit: only admins see admins
        dict(anon=302, learner=403, trainer=404, manager=404, admin=200),
    ),
    ("accounts.user_edit", "POST", _user_url("learner", "/edit"), MANAGERS(422)),
    ("accounts.user_edit", "POST", _user_url("manager", "/edit"), MANAGERS(422, trainer=403)),
    ("accounts.user_edit", "POST", _user_url("outsider", "/edit"), MANAGERS(422, trainer=404)),
    ("accounts.user_disable", "POST", _user_url("victim", "/disable"), MANAGERS(302)),
    (
        "accounts.user_disable",
        "POST",
        _user_url("far_victim", "/disable"),
        MANAGERS(302, trainer=404),
    ),
    ("accounts.user_enable", "POST", _user_url("victim", "/enable"), MANAGERS(302)),
    ("accounts.user_reset", "POST", _user_url("victim", "/reset"), MANAGERS(200)),
    # A trainer resets learners only, never another trainer of their own commune.
    (
        "accounts.user_reset",
        "POST",
        _user_url("victim_trainer", "/reset"),
        MANAGERS(200, trainer=403),
    ),
    ("accounts.user_role", "POST", _user_url("learner", "/role"), MANAGERS(422, trainer=403)),
    ("accounts.audit_log", "GET", "/admin/audit", STAFF_ONLY(200)),
    ("accounts.user_import", "GET", "/admin/users/import", MANAGERS(200)),
    ("accounts.user_import_confirm", "POST", "/admin/users/import/confirm", MANAGERS(400)),
]
