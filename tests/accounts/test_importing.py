"""Bulk import: encodings, XLSX phones, every bad row reported, all or nothing, upsert."""

import io

import pytest
from openpyxl import Workbook

from portal.accounts import importing, passwords
from portal.accounts.importing import ImportFileError
from portal.accounts.models import User
from portal.accounts.services import AccountError
from portal.audit import AuditEvent

HEADER = "full_name,phone,email,unit_code,position,role"


def _csv(*lines, bom=False):
    text = "\r\n".join((HEADER, *lines)) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _users(db):
    return db.session.query(User).order_by(User.id).all()


@pytest.fixture
def admin(make_user):
    return make_user("admin", None, position=None)


@pytest.mark.parametrize("bom", [False, True])
def test_a_utf8_csv_with_or_without_bom_is_imported(tree, admin, db, bom):
    data = _csv(
        "Nguyễn Thị Hoa,0912 345 678,,99001,commune_officer,learner",
        "Trần Văn Bình,+84987654321,binh@example.org,99001-01,collaborator,",
        bom=bom,
    )
    plan = importing.plan_import(admin, data, "staff.csv")
    assert plan.ok and plan.counts["new"] == 2
    created = importing.apply_import(admin, plan)
    db.session.commit()
    hoa, binh = (user for user, _ in created)
    assert (hoa.full_name, hoa.phone, hoa.unit, hoa.role) == (
        "Nguyễn Thị Hoa",
        "0912345678",
        tree["commune"],
        "learner",
    )
    assert (binh.phone, binh.email, binh.unit, binh.position) == (
        "0987654321",
        "binh@example.org",
        tree["hamlet"],
        "collaborator",
    )
    for user, temporary in created:
        assert user.must_change_password and passwords.check(user.password_hash, temporary)
    event = db.session.query(AuditEvent).filter_by(action="users.imported").one()
    assert event.detail["created"] == [hoa.id, binh.id] and "Hoa" not in str(event.detail)


def test_the_documented_template_parses(tree, admin, make_unit):
    from pathlib import Path

    province = make_unit("Đồng Nai", kind="province", code="75")
    commune = make_unit("Xã Mẫu", parent=province, code="26734")
    make_unit("Ấp 3", kind="hamlet", parent=commune, code="75-26734-03")
    data = (Path(__file__).parents[2] / "docs/templates/users-import.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    plan = importing.plan_import(admin, data, "users-import.csv")
    assert plan.ok and len(plan.rows) == 2


def test_semicolon_separated_csv_and_vietnamese_words_for_position_and_role(tree, admin):
    data = (HEADER.replace(",", ";") + "\nHoa;0912345678;;99001;Cán bộ xã;Học viên\n").encode()
    plan = importing.plan_import(admin, data)
    assert plan.ok
    assert (plan.rows[0].position, plan.rows[0].role) == ("commune_officer", "learner")


def test_xlsx_phone_cells_typed_as_numbers_get_their_leading_zero_back(tree, admin, db):
    data = _xlsx(
        [
            ["Lê Văn An", 912345678, None, "99001", "commune_officer", "learner"],
            ["Lê Thị Ba", 987654321.0, "", 99001, "partner", None],
            ["Lê Văn Cư", "0911 111 111", None, "99001", "collaborator", "learner"],
        ]
    )
    plan = importing.plan_import(admin, data, "staff.xlsx")
    assert plan.ok, plan.errors
    assert [r.phone for r in plan.rows] == ["0912345678", "0987654321", "0911111111"]


def test_xlsx_unit_codes_typed_as_numbers_get_their_zeros_back(admin, make_unit):
    hanoi = make_unit("Hà Nội", kind="province", code="01")
    commune = make_unit("Phường Ba Đình", kind="ward", parent=hanoi, code="00004")
    data = _xlsx(
        [
            ["A", "0912345678", None, 4, "commune_officer", None],
            ["B", "0912345679", None, 1, "commune_officer", None],
        ]
    )
    plan = importing.plan_import(admin, data, "staff.xlsx")
    assert [r.unit for r in plan.rows] == [commune, hanoi]


@pytest.mark.parametrize(
    "data",
    [
        "Nguy\u00ea\u0303n Thi\u0323 Hoa,0912345678,,99001,commune_officer,\r\n".encode("cp1258"),
        b"Nguy\xd6n Th\xde Hoa,0912345678,,99001,commune_officer,\r\n",  # TCVN3
        b"Nguye\xe3n Th\xf2 Hoa,0912345678,,99001,commune_officer,\r\n",  # VNI
        "Nguyễn Thị Hoa,0912345678,,99001,commune_officer,\r\n".encode("utf-16"),
    ],
    ids=["cp1258", "tcvn3", "vni", "utf16"],
)
def test_legacy_encodings_are_refused_with_advice(tree, admin, data):
    with pytest.raises(ImportFileError) as err:
        importing.plan_import(admin, HEADER.encode() + b"\r\n" + data)
    assert "CSV UTF-8" in str(err.value.message)


def test_unreadable_xlsx_and_missing_columns_are_file_errors(tree, admin):
    with pytest.raises(ImportFileError):
        importing.plan_import(admin, b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(ImportFileError):
        importing.plan_import(admin, b"name,phone\nHoa,0912345678\n")
    with pytest.raises(ImportFileError):
        importing.plan_import(admin, b"")


def test_every_bad_row_is_reported_and_nothing_is_written(tree, admin, make_user, db):
    make_user("learner", tree["hamlet"], phone="0900000009")
    before = len(_users(db))
    data = _csv(
        "Đúng,0911111111,,99001,commune_officer,learner",  # row 2: fine
        "Sai Số,12345,,99001,commune_officer,learner",  # row 3
        "Không Đơn Vị,0911111112,,88888,commune_officer,",  # row 4
        "Trùng,0911111111,,99001,commune_officer,",  # row 5: same as row 2
        ",0911111113,,99001,commune_officer,",  # row 6: no name
        "Chức Lạ,0911111114,,99001,chairman,",  # row 7
        "Vai Lạ,0911111115,,99001,partner,boss",  # row 8
        "Không Đăng Nhập,,,99001,partner,",  # row 9
        "Thư Sai,,not-an-email,99001,partner,",  # row 10
        "Thiếu Đơn Vị,0911111116,,,partner,",  # row 11
    )
    plan = importing.plan_import(admin, data)
    assert not plan.ok
    assert sorted({n for n, _ in plan.errors}) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    messages = dict(plan.errors)
    assert "dòng 2" in str(messages[5]) and "88888" in str(messages[4])
    with pytest.raises(AccountError):
        importing.apply_import(admin, plan)
    assert len(_users(db)) == before


def test_a_trainer_imports_learners_in_their_subtree_only(tree, make_user):
    trainer = make_user("trainer", tree["commune"])
    data = _csv(
        "Ngoài,0911111111,,99002,commune_officer,learner",
        "Giảng Viên,0911111112,,99001,commune_officer,trainer",
        "Được,0911111113,,99001-01,collaborator,learner",
    )
    plan = importing.plan_import(trainer, data)
    assert [n for n, _ in plan.errors] == [2, 3]
    with pytest.raises(ImportFileError):
        importing.plan_import(trainer, data, default_unit_code="99002")


def test_a_trainer_cannot_take_over_someone_outside_their_reach(tree, make_user):
    trainer = make_user("trainer", tree["commune"])
    make_user("manager", tree["commune"], phone="0911111111")
    make_user("learner", tree["other_hamlet"], phone="0911111112")
    data = _csv(
        "A,0911111111,,99001,commune_officer,learner", "B,0911111112,,99001,commune_officer,learner"
    )
    plan = importing.plan_import(trainer, data)
    assert [n for n, _ in plan.errors] == [2, 3]


def test_phone_and_email_of_two_different_accounts_is_an_error(tree, admin, make_user):
    make_user("learner", tree["hamlet"], phone="0911111111")
    make_user("learner", tree["hamlet"], phone=None, email="b@example.org")
    plan = importing.plan_import(admin, _csv("A,0911111111,b@example.org,99001,partner,"))
    assert [n for n, _ in plan.errors] == [2]


def test_default_unit_fills_rows_without_one(tree, admin):
    plan = importing.plan_import(admin, _csv("A,0911111111,,,partner,"), default_unit_code="99002")
    assert plan.ok and plan.rows[0].unit == tree["other"]
    with pytest.raises(ImportFileError):
        importing.plan_import(admin, _csv("A,0911111111,,,partner,"), default_unit_code="nope")


def test_running_the_same_file_again_changes_nothing_and_upserts_changes(tree, admin, db):
    data = _csv("Nguyễn Thị Hoa,0912345678,,99001,commune_officer,learner")
    importing.apply_import(admin, importing.plan_import(admin, data))
    db.session.commit()
    again = importing.plan_import(admin, data)
    assert again.ok and again.counts == {"unchanged": 1}
    assert importing.apply_import(admin, again) == []
    db.session.commit()
    hashed = db.session.query(User).filter_by(phone="0912345678").one().password_hash
    moved = _csv("Nguyễn Thị Hoa,0912345678,hoa@example.org,99002,commune_leader,trainer")
    plan = importing.plan_import(admin, moved)
    assert plan.counts == {"updated": 1}
    importing.apply_import(admin, plan)
    db.session.commit()
    hoa = db.session.query(User).filter_by(phone="0912345678").one()
    assert (hoa.email, hoa.unit, hoa.position, hoa.role) == (
        "hoa@example.org",
        tree["other"],
        "commune_leader",
        "trainer",
    )
    assert hoa.password_hash == hashed  # an update never touches the password
    assert db.session.query(AuditEvent).filter_by(action="user.role_changed").count() == 1


def test_an_import_that_changes_the_position_restarts_the_sixty_days(tree, admin, db):
    # New position, new requirements: their 60 days start now (DESIGN §10.2).
    from datetime import UTC, datetime, timedelta

    importing.apply_import(
        admin, importing.plan_import(admin, _csv("Lê Văn Nam,0912345670,,99001,collaborator,"))
    )
    db.session.commit()
    nam = db.session.query(User).filter_by(phone="0912345670").one()
    nam.joined_unit_at = datetime.now(UTC) - timedelta(days=365)
    db.session.commit()
    same_unit = _csv("Lê Văn Nam,0912345670,,99001,commune_officer,")
    importing.apply_import(admin, importing.plan_import(admin, same_unit))
    db.session.commit()
    nam = db.session.query(User).filter_by(phone="0912345670").one()
    assert nam.joined_unit_at > datetime.now(UTC) - timedelta(minutes=5)
