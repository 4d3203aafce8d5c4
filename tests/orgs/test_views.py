"""Unit administration pages: who sees what, and the admin's changes through the forms."""

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.orgs import services
from portal.orgs.models import UnitLineage


@pytest.fixture
def admin(make_user, login):
    return login(make_user("admin", None, position=None))


def _html(r):
    return r.get_data(as_text=True)


# Reading


def test_index_lists_provinces_and_searches_without_diacritics(client, tree, admin):
    html = _html(client.get("/admin/units/"))
    assert "Tỉnh Thử" in html and "Xã An Bình" not in html
    r = client.get("/admin/units/?q=an+binh")
    assert r.status_code == 200
    assert "Xã An Bình" in _html(r) and "Tỉnh Thử" in _html(r)  # the trail above it
    assert "Xã Tân Phú" not in _html(r)


def test_closed_units_show_on_request(client, tree, admin, db):
    services.close_unit(tree["other_hamlet"])
    db.session.commit()
    assert "Ấp 2" not in _html(client.get("/admin/units/?q=ap"))
    assert "Ấp 2" in _html(client.get("/admin/units/?q=ap&closed=y"))
    page = f"/admin/units/{tree['other'].id}"
    assert "Ấp 2" not in _html(client.get(page))
    assert "Ấp 2" in _html(client.get(page + "?closed=1"))


def test_unit_page_shows_children_lineage_and_people(client, tree, admin, make_user, db):
    make_user("learner", tree["commune"])
    services.rename_unit(tree["commune"], "Xã An Bình Mới")
    services.merge_units([tree["other"]], tree["commune"])
    db.session.commit()
    html = _html(client.get(f"/admin/units/{tree['commune'].id}"))
    assert "Xã An Bình Mới" in html and "Ấp 1" in html and "Ấp 2" in html
    assert "tên cũ “Xã An Bình”" in html and "nhận sáp nhập" in html and "Xã Tân Phú" in html
    assert "<dd>1</dd>" in html
    assert "Thêm đơn vị cấp dưới" in html
    other = _html(client.get(f"/admin/units/{tree['other'].id}"))
    assert "sáp nhập vào" in other and "đã giải thể" in other
    assert "Thêm đơn vị cấp dưới" not in other  # closed: nothing to change


def test_trainer_reads_units_in_scope_without_forms(client, tree, make_user, login):
    login(make_user("trainer", tree["commune"]))
    html = _html(client.get(f"/admin/units/{tree['hamlet'].id}"))
    assert "Ấp 1" in html and '<form method="post" action="/admin/units' not in html
    assert client.get(f"/admin/units/{tree['other_hamlet'].id}").status_code == 404
    # The province is above the trainer's scope: named, not linked.
    assert "Tỉnh Thử" in html and f'href="/admin/units/{tree["province"].id}"' not in html
    assert f'href="/admin/units/{tree["commune"].id}"' in html


# Changing


def test_add_child(client, tree, admin):
    r = client.post(
        f"/admin/units/{tree['commune'].id}/children",
        data={"child-name": "Ấp Bình Minh", "child-code": "99001-02", "child-kind": "hamlet"},
    )
    assert r.status_code == 302 and r.headers["Location"] == f"/admin/units/{tree['commune'].id}"
    unit = services.get_unit_by_code("99001-02")
    assert unit.parent_id == tree["commune"].id and unit.name == "Ấp Bình Minh"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"child-name": "", "child-code": "X", "child-kind": "hamlet"}, "Vui lòng điền mục này."),
        (
            {"child-name": "Ấp", "child-code": "99002-01", "child-kind": "hamlet"},
            "đã dùng cho đơn vị “Ấp 2”",
        ),
        ({"child-name": "Ấp", "child-code": "mã sai", "child-kind": "hamlet"}, "chữ không dấu"),
        ({"child-name": "Ấp", "child-code": "X", "child-kind": "province"}, "Chọn một loại"),
    ],
)
def test_add_child_bad_input_is_400_with_message(client, tree, admin, data, message):
    r = client.post(f"/admin/units/{tree['commune'].id}/children", data=data)
    assert r.status_code == 400 and message in _html(r)
    assert services.get_unit_by_code("X") is None


def test_rename(client, tree, admin, db):
    r = client.post(
        f"/admin/units/{tree['commune'].id}/rename", data={"rename-name": "Phường An Bình"}
    )
    assert r.status_code == 302
    assert services.get_unit_by_code("99001").name == "Phường An Bình"
    assert db.session.scalars(select(UnitLineage.note)).all() == ["Xã An Bình"]
    blank = client.post(f"/admin/units/{tree['commune'].id}/rename", data={"rename-name": " "})
    assert blank.status_code == 400 and "Vui lòng điền mục này." in _html(blank)


def test_move(client, tree, admin):
    r = client.post(f"/admin/units/{tree['hamlet'].id}/move", data={"move-parent_code": "99002"})
    assert r.status_code == 302
    assert services.get_unit_by_code("99001-01").parent_id == tree["other"].id
    for code, message in (("nope", "“nope”"), ("99001-01", "Không thể chuyển")):
        bad = client.post(f"/admin/units/{tree['hamlet'].id}/move", data={"move-parent_code": code})
        assert bad.status_code == 400 and message in _html(bad)


def test_merge(client, tree, admin, make_user, db):
    user = make_user("learner", tree["other"])
    r = client.post(
        f"/admin/units/{tree['other'].id}/merge", data={"merge-successor_code": "99001"}
    )
    assert r.status_code == 302 and r.headers["Location"] == f"/admin/units/{tree['commune'].id}"
    assert services.get_unit_by_code("99002") is None
    assert db.session.get(User, user.id).unit_id == tree["commune"].id
    bad = client.post(
        f"/admin/units/{tree['commune'].id}/merge", data={"merge-successor_code": "99001-01"}
    )
    assert bad.status_code == 400 and "không được" in _html(bad)


def test_close(client, tree, admin):
    refused = client.post(f"/admin/units/{tree['commune'].id}/close")
    assert refused.status_code == 400 and "còn đơn vị cấp dưới" in _html(refused)
    r = client.post(f"/admin/units/{tree['hamlet'].id}/close")
    assert r.status_code == 302
    assert services.get_unit_by_code("99001-01") is None
    closed = client.post(f"/admin/units/{tree['hamlet'].id}/close")
    assert closed.status_code == 400 and "đã giải thể" in _html(closed)


def test_changes_are_for_admins_only(client, tree, make_user, login):
    login(make_user("trainer", tree["commune"]))
    r = client.post(f"/admin/units/{tree['hamlet'].id}/rename", data={"rename-name": "X"})
    assert r.status_code == 403
    assert services.get_unit_by_code("99001-01").name == "Ấp 1"


def test_anonymous_goes_to_login(client, tree):
    r = client.get(f"/admin/units/{tree['commune'].id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
