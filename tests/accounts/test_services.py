from datetime import timedelta

import pytest

from portal import signals
from portal.accounts import passwords, services
from portal.accounts.services import AccountError
from portal.audit import AuditEvent
from portal.database import utcnow
from tests.conftest import PASSWORD

ADDRESS = "192.0.2.1"


@pytest.mark.parametrize(
    "spelling",
    [
        "0912345678",
        "0912 345 678",
        "+84 912 345 678",
        "+84912345678",
        "84912345678",
        "091.234.5678",
    ],
)
def test_a_phone_number_is_found_however_it_is_written(make_user, spelling):
    user = make_user(phone="0912345678")
    assert services.get_user_by_login(spelling) == user


def test_email_login_ignores_case_and_spaces(make_user):
    user = make_user(phone=None, email="lan@example.org")
    assert services.get_user_by_login("  Lan@Example.ORG ") == user
    assert services.get_user_by_login("not a login") is None


def test_authenticate_accepts_any_spelling_of_the_phone(make_user):
    user = make_user(phone="0912345678")
    result = services.authenticate("+84 912 345 678", PASSWORD, address=ADDRESS)
    assert (result.outcome, result.user) == ("ok", user)


def test_unknown_login_and_wrong_password_get_the_same_answer(make_user):
    make_user(phone="0912345678")
    unknown = services.authenticate("0999999999", PASSWORD, address=ADDRESS)
    wrong = services.authenticate("0912345678", "not the password", address=ADDRESS)
    assert (unknown.outcome, unknown.user) == (wrong.outcome, wrong.user) == ("invalid", None)


def test_unknown_login_is_checked_against_a_dummy_hash(make_user, monkeypatch):
    """The unknown-login path does the same scrypt work as a wrong password."""
    make_user(phone="0912345678")
    hashes = []
    real = passwords.check_password_hash
    monkeypatch.setattr(
        passwords, "check_password_hash", lambda h, p: hashes.append(h.split("$")[0]) or real(h, p)
    )
    services.authenticate("0999999999", "x" * 10, address=ADDRESS)
    services.authenticate("0912345678", "x" * 10, address=ADDRESS)
    assert len(hashes) == 2 and hashes[0] == hashes[1]  # same method and cost


def test_people_without_a_password_or_erased_cannot_sign_in(make_user):
    paper = make_user(phone="0912345678")
    paper.password_hash = None
    assert services.authenticate(paper.phone, "", address=ADDRESS).outcome == "invalid"
    erased = make_user(phone="0912345679")
    services.erase_user(erased)
    assert services.authenticate("0912345679", PASSWORD, address=ADDRESS).outcome == "invalid"


def test_a_disabled_account_is_told_so_only_with_the_right_password(make_user):
    user = make_user(phone="0912345678", active=False)
    assert services.authenticate(user.phone, "wrong password", address=ADDRESS).outcome == "invalid"
    assert services.authenticate(user.phone, PASSWORD, address=ADDRESS).outcome == "disabled"


def test_set_password_ends_sessions_and_marks_issued_passwords(make_user):
    user = make_user()
    version = user.session_version
    services.set_password(user, "một mật khẩu mới dài", issued=True)
    assert user.session_version == version + 1
    assert user.must_change_password
    services.set_password(user, "mật khẩu của riêng tôi")
    assert not user.must_change_password
    assert passwords.check(user.password_hash, "mật khẩu của riêng tôi")
    with pytest.raises(AccountError) as err:
        services.set_password(user, "matkhau123")
    assert err.value.field == "new_password"


def test_change_password_needs_the_current_one_and_a_new_one(make_user):
    user = make_user()
    with pytest.raises(AccountError) as err:
        services.change_password(user, "wrong", "một mật khẩu mới dài")
    assert err.value.field == "current_password"
    with pytest.raises(AccountError):
        services.change_password(user, PASSWORD, PASSWORD)
    services.change_password(user, PASSWORD, "một mật khẩu mới dài")
    assert passwords.check(user.password_hash, "một mật khẩu mới dài")


def test_end_sessions_bumps_the_version_in_the_session_id(make_user):
    user = make_user()
    old_id = user.get_id()
    services.end_sessions(user)
    assert user.get_id() != old_id and user.get_id().endswith(f":{user.session_version}")


# Registration


def test_register_parent_creates_a_learner_parent_with_consent(tree, db):
    user = services.register_parent(
        "  Nguyễn Thị Lan ", "+84 912 345 678", tree["hamlet"], "con mèo tên mướp", locale="vi"
    )
    db.session.commit()
    assert (user.role, user.position, user.phone, user.email) == (
        "learner",
        "parent",
        "0912345678",
        None,
    )
    assert user.full_name == "Nguyễn Thị Lan" and user.name_folded == "nguyen thi lan"
    assert user.unit == tree["hamlet"] and user.consent_at is not None
    assert user.locale == "vi" and not user.must_change_password
    assert db.session.query(AuditEvent).filter_by(action="user.registered").count() == 1


def test_register_refuses_a_taken_number_in_any_spelling(tree, make_user):
    make_user(phone="0912345678")
    with pytest.raises(AccountError) as err:
        services.register_parent("Lan", "0912 345 678", tree["hamlet"], "con mèo tên mướp")
    assert err.value.field == "login" and "đã có tài khoản" in str(err.value.message)


def test_register_refuses_bad_logins_and_common_passwords(tree):
    with pytest.raises(AccountError) as err:
        services.register_parent("Lan", "12345", tree["hamlet"], "con mèo tên mướp")
    assert err.value.field == "login"
    with pytest.raises(AccountError) as err:
        services.register_parent("Lan", "0912345678", tree["hamlet"], "anhyeuem")
    assert err.value.field == "password"


def test_home_unit_is_the_hamlet_or_a_commune_without_hamlets(tree, make_unit):
    assert services.home_unit(tree["commune"], tree["hamlet"]) == tree["hamlet"]
    with pytest.raises(AccountError):
        services.home_unit(tree["commune"], None)  # it has hamlets: pick one
    with pytest.raises(AccountError):
        services.home_unit(tree["commune"], tree["other_hamlet"])  # not in this commune
    bare = make_unit("Phường Trống", parent=tree["province"], kind="ward")
    assert services.home_unit(bare, None) == bare


def test_communes_and_hamlets_for_the_picker(tree, make_unit):
    make_unit("Ấp Cũ", kind="hamlet", parent=tree["commune"])
    assert [u.name for u in services.list_commune_choices()] == ["Xã An Bình", "Xã Tân Phú"]
    assert [u.name for u in services.list_commune_choices("TAN phú")] == ["Xã Tân Phú"]
    assert len(services.list_commune_choices(limit=1)) == 1
    assert services.get_commune(tree["commune"].id) == tree["commune"]
    assert services.get_commune(tree["hamlet"].id) is None
    assert services.province_name(tree["hamlet"]) == "Tỉnh Thử"


# Profile, export, erasure


def test_profile_setters(make_user):
    user = make_user()
    services.set_name(user, "Lê  Thị\tHoa\u200b")  # as pasted from a spreadsheet
    services.set_locale(user, "en")
    services.set_public_verification(user, True)
    assert (user.full_name, user.locale, user.public_verification) == ("Lê Thị Hoa", "en", True)
    with pytest.raises(AccountError):
        services.set_locale(user, "fr")


def test_export_collects_the_user_and_every_registered_provider(make_user, tree, monkeypatch):
    user = make_user(unit=tree["hamlet"], email="lan@example.org")
    monkeypatch.setattr(services, "DATA_PROVIDERS", [])
    services.register_data_provider(lambda u: {"certificates": [f"for {u.id}"]})
    data = services.export_user_data(user)
    assert data["user"]["phone"] == user.phone and data["user"]["email"] == "lan@example.org"
    assert data["user"]["unit"] == {"code": "99001-01", "name": "Ấp 1"}
    assert "password_hash" not in data["user"] and "totp_secret" not in data["user"]
    assert data["certificates"] == [f"for {user.id}"]


def test_a_parent_deleting_their_account_is_erased(make_user, tree, db):
    parent = make_user(unit=tree["hamlet"], position="parent", email="lan@example.org")
    version = parent.session_version
    seen = []

    def receiver(sender, user):
        seen.append(user.full_name)

    signals.user_erased.connect(receiver)
    try:
        assert services.delete_own_account(parent, PASSWORD) == "erased"
    finally:
        signals.user_erased.disconnect(receiver)
    db.session.commit()
    assert seen and seen[0].startswith("Nguyễn")  # receivers see the data before it goes
    assert parent.full_name == "Đã xóa"
    assert (parent.phone, parent.email, parent.password_hash) == (None, None, None)
    assert parent.erased_at and not parent.is_active and parent.session_version > version
    assert parent.unit == tree["hamlet"] and parent.position == "parent"  # counts survive
    event = db.session.query(AuditEvent).filter_by(action="user.erased").one()
    assert event.object_id == str(parent.id) and "Nguyễn" not in str(event.detail)


def test_staff_deleting_their_account_is_deactivated_then_purged(make_user, tree, db, app):
    staff = make_user(unit=tree["commune"], position="commune_officer")
    with pytest.raises(AccountError):
        services.delete_own_account(staff, "wrong")
    assert services.delete_own_account(staff, PASSWORD) == "deactivated"
    db.session.commit()
    assert not staff.active and staff.deactivated_at and staff.erased_at is None
    assert staff.phone  # kept until the retention period ends
    assert services.purge_expired() == []
    years = app.config["STAFF_RETENTION_YEARS"]
    later = utcnow() + timedelta(days=365 * years + 2)
    assert services.purge_expired(now=later) == [staff]
    assert staff.erased_at and staff.phone is None and staff.full_name == "Đã xóa"


def test_the_last_admin_cannot_delete_themselves(make_user):
    admin = make_user("admin", position=None)
    with pytest.raises(AccountError):
        services.delete_own_account(admin, PASSWORD)
    make_user("admin", position=None)
    assert services.delete_own_account(admin, PASSWORD) == "deactivated"
