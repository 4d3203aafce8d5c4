"""People management pages: list, create, reset slips, disable, roles, audit, web import."""

import io
import re

import pytest

from portal.accounts.models import User
from portal.audit import AuditEvent

SECRET = re.compile(r'<code class="secret">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>')
HEADER = "full_name,phone,email,unit_code,position,role\n"


@pytest.fixture
def trainer(make_user, tree):
    return make_user("trainer", tree["commune"])


@pytest.fixture
def admin(make_user):
    return make_user("admin", None, position=None)


def test_the_list_searches_and_filters_within_scope(client, login, trainer, make_user, tree):
    make_user("learner", tree["hamlet"], name="Đặng Thị Lan")
    make_user("learner", tree["other_hamlet"], name="Đặng Thị Lành")
    login(trainer)
    page = client.get("/admin/users?q=dang+thi").get_data(as_text=True)
    assert "Đặng Thị Lan" in page and "Đặng Thị Lành" not in page
    page = client.get("/admin/users?unit=99002").get_data(as_text=True)
    assert "trong phạm vi của bạn" in page and "Lành" not in page
    page = client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "Đặng" not in page


def test_a_trainer_creates_a_learner_and_gets_a_printable_slip(client, login, trainer, db, app):
    login(trainer)
    r = client.post(
        "/admin/users/new",
        data={
            "full_name": "Lê Văn Tư",
            "login": "0987 654 321",
            "unit_code": "99001-01",
            "position": "collaborator",
            "role": "learner",
        },
    )
    assert r.status_code == 200
    (temporary,) = SECRET.findall(r.get_data(as_text=True))
    user = db.session.query(User).filter_by(phone="0987654321").one()
    assert user.must_change_password
    fresh = app.test_client()
    r = fresh.post("/login", data={"login": "0987654321", "password": temporary})
    assert r.status_code == 302
    assert fresh.get("/").headers["Location"] == "/password/new"


@pytest.mark.parametrize(
    "fields, status, message",
    [
        ({"full_name": ""}, 422, "Vui lòng điền"),
        ({"unit_code": "99002"}, 422, "ngoài phạm vi"),
        ({"unit_code": "nope"}, 422, "Không có đơn vị"),
        ({"role": "trainer"}, 422, "Not a valid choice"),
        ({"login": "12"}, 422, "Nhập số điện thoại"),
    ],
)
def test_create_bad_input(client, login, trainer, fields, status, message):
    login(trainer)
    data = {
        "full_name": "A",
        "login": "",
        "unit_code": "99001",
        "position": "partner",
        "role": "learner",
        **fields,
    }
    r = client.post("/admin/users/new", data=data)
    assert r.status_code == status and message in r.get_data(as_text=True)


def test_paper_learners_are_created_without_a_slip(client, login, trainer, db):
    login(trainer)
    r = client.post(
        "/admin/users/new",
        data={
            "full_name": "Bà Năm",
            "unit_code": "99001-01",
            "position": "parent",
            "role": "learner",
        },
    )
    assert r.status_code == 302
    assert db.session.query(User).filter_by(full_name="Bà Năm").one().password_hash is None


def test_reset_slip_disable_and_enable(client, login, trainer, make_user, tree, db):
    learner = make_user("learner", tree["hamlet"])
    login(trainer)
    r = client.post(f"/admin/users/{learner.id}/reset")
    assert r.status_code == 200 and len(SECRET.findall(r.get_data(as_text=True))) == 1
    assert client.post(f"/admin/users/{learner.id}/disable").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, learner.id).active
    assert client.post(f"/admin/users/{learner.id}/enable").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, learner.id).active


def test_edit_bad_input_is_shown_on_the_detail_page(client, login, trainer, make_user, tree):
    learner = make_user("learner", tree["hamlet"])
    login(trainer)
    r = client.post(
        f"/admin/users/{learner.id}/edit",
        data={"edit-full_name": "X", "edit-unit_code": "99002", "edit-position": "partner"},
    )
    assert r.status_code == 422 and "ngoài phạm vi" in r.get_data(as_text=True)
    r = client.post(
        f"/admin/users/{learner.id}/edit",
        data={
            "edit-full_name": "Tên Mới",
            "edit-unit_code": "99001",
            "edit-position": "partner",
            "edit-login": learner.phone,
        },
    )
    assert r.status_code == 302


def test_admin_changes_a_role_and_it_shows_in_the_audit_log(
    client, login, admin, make_user, tree, db
):
    learner = make_user("learner", tree["hamlet"])
    login(admin)
    assert (
        client.post(f"/admin/users/{learner.id}/role", data={"role-role": "boss"}).status_code
        == 422
    )
    assert (
        client.post(f"/admin/users/{learner.id}/role", data={"role-role": "trainer"}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(User, learner.id).role == "trainer"
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user.role_changed" in page and learner.full_name in page


def _upload(client, content, name="staff.csv", unit_code=""):
    return client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(content), name), "unit_code": unit_code},
        content_type="multipart/form-data",
    )


def test_web_import_previews_then_imports_and_shows_passwords_once(client, login, trainer, db):
    login(trainer)
    content = (
        HEADER + "Hoa,0912345678,,,commune_officer,\n"
        "Bình,,binh@example.org,99001-01,collaborator,\n"
    ).encode("utf-8-sig")
    r = _upload(client, content, unit_code="99001")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Nhập 2 dòng" in page
    assert db.session.query(User).count() == 1  # only the trainer: nothing written yet
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post(
        "/admin/users/import/confirm",
        data={"payload": payload, "filename": "staff.csv", "unit_code": "99001"},
    )
    assert r.status_code == 200
    assert len(SECRET.findall(r.get_data(as_text=True))) == 2
    assert db.session.query(User).count() == 3
    assert db.session.query(AuditEvent).filter_by(action="users.imported").count() == 1


def test_web_import_lists_bad_rows_and_writes_nothing(client, login, trainer, db):
    login(trainer)
    content = (
        HEADER + "Hoa,0912345678,,99001,commune_officer,\nSai,123,,99002,commune_officer,trainer\n"
    ).encode()
    r = _upload(client, content)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Dòng 3" in page and "Nhập 2 dòng" not in page
    assert db.session.query(User).count() == 1


def test_web_import_refuses_legacy_encodings_and_tampered_payloads(client, login, trainer, db):
    login(trainer)
    r = _upload(client, HEADER.encode() + b"Nguy\xd6n,0912345678,,99001,partner,\n")
    assert r.status_code == 422 and "CSV UTF-8" in r.get_data(as_text=True)
    import base64

    forged = base64.b64encode((HEADER + "X,0912345678,,99002,partner,\n").encode()).decode()
    r = client.post("/admin/users/import/confirm", data={"payload": forged})
    assert r.status_code == 422  # checked again: outside the trainer's scope
    r = client.post("/admin/users/import/confirm", data={"payload": "%%%"})
    assert r.status_code == 400
    assert db.session.query(User).count() == 1
