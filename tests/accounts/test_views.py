"""Sign-in, sessions, two-factor codes, registration and profile pages."""

import re

import pyotp
import pytest
from flask_babel import refresh

from portal.accounts import services
from portal.accounts.models import User
from tests.conftest import PASSWORD

NEW = "một câu mật khẩu mới"


def _me(client):
    """The signed-in user's id according to the server, or None."""
    r = client.get("/profile/data.json")
    return r.get_json()["user"]["id"] if r.status_code == 200 else None


def _reload(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


# Login


def test_login_page_has_labelled_fields(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ("login", "password", "remember"):
        assert f'name="{name}"' in html and f'for="{name}"' in html


@pytest.mark.parametrize(
    "spelling", ["0912345678", "0 912 345 678", "+84 912 345 678", "+84912345678"]
)
def test_login_by_phone_in_any_spelling(client, make_user, sign_in, spelling):
    user = make_user(phone="0912345678")
    r = sign_in(spelling)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert _me(client) == user.id


def test_login_by_email_and_the_bootstrap_admin(client, make_user, sign_in):
    user = make_user(phone=None, email="admin@localhost")
    assert sign_in("Admin@Localhost").status_code == 302
    assert _me(client) == user.id


def test_unknown_login_and_wrong_password_look_the_same(client, make_user, sign_in):
    make_user(phone="0912345678")
    wrong = sign_in("0912345678", "wrong password")
    unknown = sign_in("0999999999", "wrong password")
    assert wrong.status_code == unknown.status_code == 422
    message = "Số điện thoại, thư điện tử hoặc mật khẩu không đúng."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_blank_login_form_is_refused_with_messages(client, sign_in):
    r = sign_in("", "")
    assert r.status_code == 422 and r.get_data(as_text=True).count("Vui lòng điền mục này.") == 2


def test_a_disabled_account_is_told_to_ask_for_help(client, make_user, sign_in):
    make_user(phone="0912345678", active=False)
    r = sign_in("0912345678")
    assert r.status_code == 403 and "đã bị khóa" in r.get_data(as_text=True)
    assert _me(client) is None


@pytest.mark.parametrize(
    "query",
    [
        "next=//evil.example/x",
        "next=/%5Cevil.example",
        "next=/%09/evil.example",
        "next=http://evil.example/",
        "next=https:evil.example",
        "next=javascript:alert(1)",
        "next=%2F%2Fevil.example",
    ],
)
def test_next_only_goes_to_local_paths(client, make_user, query):
    make_user(phone="0912345678")
    r = client.post(f"/login?{query}", data={"login": "0912345678", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_next_to_a_local_path_is_followed(client, make_user):
    make_user(phone="0912345678")
    r = client.post(
        "/login?next=/courses/%3Fq%3Dx", data={"login": "0912345678", "password": PASSWORD}
    )
    assert r.headers["Location"] == "/courses/?q=x"
    # The hidden field carries it from the form as well.
    client.post("/logout")
    r = client.post(
        "/login", data={"login": "0912345678", "password": PASSWORD, "next": "/profile"}
    )
    assert r.headers["Location"] == "/profile"


def test_a_login_required_page_sends_back_after_login(client, make_user):
    make_user(phone="0912345678")
    r = client.get("/profile")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]
    r = client.get("/admin/users?q=lan")
    assert r.headers["Location"] == "/login?next=/admin/users?q%3Dlan"


def test_login_starts_a_new_session(client, make_user, sign_in):
    make_user(phone="0912345678")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in("0912345678")
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["_user_id"]


def test_remember_me_sets_a_cookie_only_when_asked(client, make_user, sign_in):
    make_user(phone="0912345678")
    sign_in("0912345678")
    assert client.get_cookie("remember_token") is None
    assert client.get_cookie("device") is not None
    client.post("/logout")
    sign_in("0912345678", remember="y")
    assert client.get_cookie("remember_token") is not None


def test_signing_in_without_remember_drops_an_old_remember_cookie(client, make_user, sign_in):
    make_user(phone="0912345678")
    other = make_user(phone="0912345679")
    client.set_cookie("remember_token", "someone-elses-token")
    sign_in(other.phone)
    assert client.get_cookie("remember_token") is None


# Sessions end on logout, password change and disabling


def _second_client(app, user):
    other = app.test_client()
    with other.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    return other


def test_logout_is_a_post_and_ends_every_session(app, client, make_user, sign_in, db):
    user = make_user(phone="0912345678")
    sign_in("0912345678", remember="y")
    remember = client.get_cookie("remember_token").value
    elsewhere = _second_client(app, user)
    assert _me(elsewhere) == user.id
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert _me(client) is None and _me(elsewhere) is None
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert _me(replay) is None


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app, client, make_user, sign_in, db
):
    user = make_user(phone="0912345678")
    sign_in("0912345678")
    elsewhere = _second_client(app, user)
    r = client.post(
        "/profile/password",
        data={"pw-current_password": PASSWORD, "pw-new_password": NEW, "pw-confirm": NEW},
    )
    assert r.status_code == 302
    assert _me(client) == user.id and _me(elsewhere) is None


def test_disabling_an_account_ends_its_sessions_at_once(app, client, make_user, login, tree):
    learner = make_user("learner", tree["hamlet"])
    elsewhere = _second_client(app, learner)
    login(make_user("trainer", tree["commune"]))
    assert client.post(f"/admin/users/{learner.id}/disable").status_code == 302
    assert _me(elsewhere) is None


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"pw-current_password": "wrong", "pw-new_password": NEW, "pw-confirm": NEW},
            "Mật khẩu hiện tại không đúng.",
        ),
        (
            {
                "pw-current_password": PASSWORD,
                "pw-new_password": "anhyeuem",
                "pw-confirm": "anhyeuem",
            },
            "quá phổ biến",
        ),
        (
            {"pw-current_password": PASSWORD, "pw-new_password": NEW, "pw-confirm": NEW + "x"},
            "không giống nhau",
        ),
        (
            {"pw-current_password": PASSWORD, "pw-new_password": "ngắn", "pw-confirm": "ngắn"},
            "ít nhất 8",
        ),
    ],
)
def test_password_change_bad_input(client, make_user, login, data, message):
    login(make_user())
    r = client.post("/profile/password", data=data)
    assert r.status_code == 422 and message in r.get_data(as_text=True)


def test_guessing_the_password_from_a_signed_in_session_is_limited(client, make_user, login):
    # Changing the password, deleting the account and turning off two-step codes all ask
    # for the password; together they allow ten tries an hour per account.
    login(make_user())
    wrong = {"pw-current_password": "wrong guess", "pw-new_password": NEW, "pw-confirm": NEW}
    for _ in range(5):
        assert client.post("/profile/password", data=wrong).status_code == 422
    for _ in range(5):
        r = client.post("/profile/delete", data={"del-password": "wrong guess", "del-confirm": "y"})
        assert r.status_code == 422
    r = client.post("/profile/password", data=wrong)
    assert r.status_code == 429 and "Quá nhiều lần thử" in r.get_data(as_text=True)
    assert client.post("/profile/2fa/disable", data={"totp-password": "x"}).status_code == 429


# Issued passwords and two-factor codes


def test_an_issued_password_must_be_changed_before_anything_else(client, make_user, sign_in, db):
    user = make_user(phone="0912345678", must_change_password=True)
    r = sign_in("0912345678")
    assert r.status_code == 302
    for path in ("/", "/profile", "/courses/"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"] == "/password/new", path
    r = client.post("/password/new", data={"new_password": NEW, "confirm": "other"})
    assert r.status_code == 422
    r = client.post("/password/new", data={"new_password": NEW, "confirm": NEW})
    assert r.status_code == 302
    assert not _reload(db, user).must_change_password
    assert client.get("/profile").status_code == 200


def test_sign_in_asks_for_the_code_after_the_password(client, make_user, sign_in, db):
    secret = pyotp.random_base32()
    user = make_user(phone="0912345678", totp_secret=secret)
    r = sign_in("0912345678", next="/profile")
    assert r.headers["Location"] == "/login/code"
    assert _me(client) is None  # not signed in yet
    assert client.post("/login/code", data={"code": "000000"}).status_code == 422
    r = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302 and r.headers["Location"] == "/profile"
    assert _me(client) == user.id
    # The same code cannot be used again.
    client.post("/logout")
    sign_in("0912345678")
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 422


def test_admins_are_sent_to_set_up_codes_when_required(client, make_user, login, config_value, db):
    config_value(REQUIRE_ADMIN_2FA=True)
    admin = login(make_user("admin", None, position=None))
    r = client.get("/admin/users")
    assert r.status_code == 302 and r.headers["Location"] == "/profile/2fa"
    page = client.get("/profile/2fa").get_data(as_text=True)
    assert "<svg" in page and "otpauth://totp/" in page
    with client.session_transaction() as sess:
        secret = sess["totp_secret"]
    assert secret in page
    assert client.post("/profile/2fa", data={"code": "123"}).status_code == 422
    r = client.post("/profile/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302
    assert _reload(db, admin).totp_secret == secret
    assert client.get("/admin/users").status_code == 200


def test_totp_can_be_turned_off_with_the_password(client, make_user, login, db):
    user = login(make_user(totp_secret=pyotp.random_base32()))
    assert client.post("/profile/2fa/disable", data={"totp-password": "x"}).status_code == 422
    assert client.post("/profile/2fa/disable", data={"totp-password": PASSWORD}).status_code == 302
    assert _reload(db, user).totp_secret is None


# Failed sign-in limits through the form


@pytest.mark.usefixtures("tight_limits")
def test_too_many_failures_give_429_but_a_known_device_still_gets_in(
    app, client, make_user, sign_in
):
    make_user(phone="0912345678")
    assert sign_in("0912345678").status_code == 302  # this device is now known
    client.post("/logout")
    attacker = app.test_client()
    for _ in range(3):
        attacker.post("/login", data={"login": "0912345678", "password": "guess"})
    r = attacker.post("/login", data={"login": "0912345678", "password": PASSWORD})
    assert r.status_code == 429 and "quá nhiều lần" in r.get_data(as_text=True)
    assert sign_in("0912345678").status_code == 302


# Registration


def _register(client, **fields):
    data = {
        "full_name": "Nguyễn Thị Lan",
        "login": "+84 912 345 678",
        "commune_q": "",
        "password": "con mèo tên mướp",
        "consent": "y",
        "step": "register",
    }
    data.update(fields)
    return client.post("/register", data=data)


def test_register_picks_the_commune_then_the_hamlet(client, tree, db):
    page = client.get("/register").get_data(as_text=True)
    assert "Xã An Bình" in page and "Ấp 1" not in page and 'name="hamlet"' not in page
    r = client.post(
        "/register",
        data={"full_name": "Lan", "commune": str(tree["commune"].id), "step": "commune"},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Ấp 1" in page and "Ấp 2" not in page
    assert 'value="Lan"' in page  # what was typed is kept
    r = _register(client, commune=str(tree["commune"].id), hamlet=str(tree["hamlet"].id))
    assert r.status_code == 302
    user = db.session.query(User).one()
    assert (user.phone, user.unit, user.position, user.role) == (
        "0912345678",
        tree["hamlet"],
        "parent",
        "learner",
    )
    assert user.consent_at is not None and _me(client) == user.id


def test_a_form_sent_back_says_at_its_top_what_to_fix(client, tree):
    base = {"commune": str(tree["commune"].id), "hamlet": str(tree["hamlet"].id)}
    r = _register(client, **base, consent="", password="ngắn")
    page = r.get_data(as_text=True)
    summary = page.split('<div class="error-summary" role="alert">', 1)[1].split("</div>", 1)[0]
    assert "Có 2 mục cần sửa" in summary
    assert '<a href="#password">' in summary and '<a href="#consent">' in summary
    assert page.index("error-summary") < page.index('id="full_name"')  # above the fields
    assert "error-summary" not in client.get("/register").get_data(as_text=True)


def test_the_commune_search_box_narrows_the_list(client, tree):
    r = client.post("/register", data={"commune_q": "tan phu", "step": "commune"})
    page = r.get_data(as_text=True)
    assert "Xã Tân Phú" in page and "Xã An Bình" not in page


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"consent": ""}, "Bạn cần đồng ý"),
        ({"password": "anhyeuem"}, "quá phổ biến"),
        ({"password": "ngắn"}, "ít nhất 8"),
        ({"login": "12345"}, "Nhập số điện thoại"),
        ({"full_name": ""}, "Vui lòng điền"),
        ({"hamlet": ""}, "Hãy chọn thôn"),
        ({"hamlet": "abc"}, "Hãy chọn thôn"),
        ({"commune": ""}, "Vui lòng điền"),
    ],
)
def test_register_bad_input_is_explained(client, tree, db, fields, message):
    base = {"commune": str(tree["commune"].id), "hamlet": str(tree["hamlet"].id)}
    r = _register(client, **{**base, **fields})
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_a_field_error_is_read_with_the_fields_hint(client, tree):
    # The hint says what to type; a screen reader must still hear it beside the error.
    base = {"commune": str(tree["commune"].id), "hamlet": str(tree["hamlet"].id)}
    page = _register(client, **base, login="12345").get_data(as_text=True)
    assert 'aria-describedby="login-hint login-err"' in page and 'id="login-err"' in page
    page = _register(client, **{**base, "hamlet": ""}).get_data(as_text=True)
    assert 'aria-describedby="hamlet-err" aria-invalid="true"' in page


def test_register_says_a_number_is_taken(client, tree, make_user):
    make_user(phone="0912345678")
    r = _register(client, commune=str(tree["commune"].id), hamlet=str(tree["hamlet"].id))
    assert r.status_code == 422 and "đã có tài khoản" in r.get_data(as_text=True)


# Profile


def test_profile_name_and_language(client, make_user, login, db):
    user = login(make_user())
    assert client.post("/profile/name", data={"name-full_name": ""}).status_code == 422
    assert client.post("/profile/name", data={"name-full_name": "Lê Thị Hoa"}).status_code == 302
    assert client.post("/profile/language", data={"lang-locale": "fr"}).status_code == 422
    assert client.post("/profile/language", data={"lang-locale": "en"}).status_code == 302
    user = _reload(db, user)
    assert (user.full_name, user.locale) == ("Lê Thị Hoa", "en")
    refresh()  # the test's shared app context caches the locale between requests
    assert '<html lang="en">' in client.get("/profile").get_data(as_text=True)


def test_parents_choose_public_verification(client, make_user, login, tree, db):
    parent = login(make_user(unit=tree["hamlet"], position="parent"))
    assert "pub-public_verification" in client.get("/profile").get_data(as_text=True)
    client.post("/profile/public", data={"pub-public_verification": "y"})
    assert _reload(db, parent).public_verification


def test_download_my_data(client, make_user, login):
    user = login(make_user(email="lan@example.org"))
    r = client.get("/profile/data.json")
    assert r.mimetype == "application/json" and "attachment" in r.headers["Content-Disposition"]
    assert r.get_json()["user"]["email"] == "lan@example.org"
    assert r.get_json()["user"]["id"] == user.id


def test_a_parent_deletes_their_account(client, make_user, login, tree, db):
    parent = login(make_user(unit=tree["hamlet"], position="parent"))
    assert client.post("/profile/delete", data={"del-password": PASSWORD}).status_code == 422
    r = client.post("/profile/delete", data={"del-password": "wrong", "del-confirm": "y"})
    assert r.status_code == 422 and "Mật khẩu không đúng." in r.get_data(as_text=True)
    r = client.post("/profile/delete", data={"del-password": PASSWORD, "del-confirm": "y"})
    assert r.status_code == 302 and _me(client) is None
    parent = _reload(db, parent)
    assert parent.full_name == services.ERASED_NAME and parent.phone is None


def test_staff_deleting_their_account_are_deactivated(client, make_user, login, tree, db):
    staff = login(make_user(unit=tree["commune"]))
    client.post("/profile/delete", data={"del-password": PASSWORD, "del-confirm": "y"})
    staff = _reload(db, staff)
    assert not staff.active and staff.erased_at is None and staff.phone


def test_pages_fit_the_csp_and_label_every_field(client, tree):
    html = client.get("/register").get_data(as_text=True)
    assert "style=" not in html and "<script" not in html
    assert '="None"' not in html  # no empty aria attributes from the form macro
    for name in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
        if name != "csrf_token":
            assert f'for="{name}"' in html, name
