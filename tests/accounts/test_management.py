"""Scope rules for managing people: admins everything, trainers learners in their subtree."""

import pytest

from portal.accounts import management, passwords
from portal.accounts.services import AccountError
from portal.audit import AuditEvent, record


@pytest.fixture
def people(tree, make_user):
    return {
        "admin": make_user("admin", None, position=None),
        "trainer": make_user("trainer", tree["commune"]),
        "manager": make_user("manager", tree["commune"], position="commune_leader"),
        "learner": make_user("learner", tree["hamlet"], position="collaborator"),
        "outsider": make_user("learner", tree["other_hamlet"], position="collaborator"),
        "colleague": make_user("trainer", tree["commune"]),
    }


def test_who_can_see_and_manage_whom(people):
    p = people
    assert management.can_view(p["trainer"], p["learner"])
    assert management.can_manage(p["trainer"], p["learner"])
    assert management.can_view(p["trainer"], p["colleague"])
    assert not management.can_manage(p["trainer"], p["colleague"])  # learners only
    assert not management.can_view(p["trainer"], p["outsider"])
    assert not management.can_view(p["trainer"], p["admin"])
    assert management.can_view(p["manager"], p["learner"])
    assert not management.can_manage(p["manager"], p["learner"])  # read-only
    assert management.can_manage(p["admin"], p["outsider"])
    assert not management.can_view(p["learner"], p["learner"])
    assert management.get_user_in_scope(p["trainer"], p["outsider"].id) is None
    assert management.get_user_in_scope(p["trainer"], 10**6) is None


def test_creatable_roles(people):
    assert management.creatable_roles(people["admin"]) == ("learner", "trainer", "manager", "admin")
    assert management.creatable_roles(people["trainer"]) == ("learner",)
    assert management.creatable_roles(people["manager"]) == ()
    assert management.creatable_roles(None) == management.creatable_roles(people["admin"])


def test_a_trainer_creates_learners_in_their_subtree_only(people, tree, db):
    trainer = people["trainer"]
    user, temporary = management.create_user(
        trainer,
        full_name="Lê Văn Tư",
        login="0987 654 321",
        unit_code="99001-01",
        position="collaborator",
    )
    db.session.commit()
    assert user.phone == "0987654321" and user.must_change_password
    assert passwords.check(user.password_hash, temporary)
    with pytest.raises(AccountError) as err:
        management.create_user(trainer, full_name="X", unit_code="99002-01")
    assert err.value.field == "unit_code"
    with pytest.raises(AccountError) as err:
        management.create_user(trainer, full_name="X", unit_code="99001", role="trainer")
    assert err.value.field == "role"
    with pytest.raises(AccountError) as err:
        management.create_user(trainer, full_name="X", unit_code="nope")
    assert err.value.field == "unit_code"
    with pytest.raises(AccountError) as err:
        management.create_user(trainer, full_name="X", login="0987654321", unit_code="99001")
    assert err.value.field == "login"


def test_people_trained_on_paper_have_no_login(people, db):
    user, temporary = management.create_user(
        people["trainer"], full_name="Bà Năm", unit_code="99001-01", position="parent"
    )
    assert temporary is None and user.login is None and user.password_hash is None
    assert not user.must_change_password


def test_only_admins_may_create_staff_roles_and_admins_need_no_unit(people):
    admin = people["admin"]
    trainer, _ = management.create_user(
        admin, full_name="T", login="t@example.org", unit_code="99002", role="trainer"
    )
    assert trainer.role == "trainer"
    other_admin, _ = management.create_user(
        admin, full_name="A", login="a@example.org", role="admin"
    )
    assert other_admin.unit_id is None
    with pytest.raises(AccountError):
        management.create_user(admin, full_name="L", login="l@example.org", role="learner")


def test_update_user_records_what_changed(people, db, tree):
    learner = people["learner"]
    changed = management.update_user(
        people["trainer"],
        learner,
        full_name="Tên Mới",
        login="moi@example.org",
        unit_code="99001",
        position="partner",
    )
    db.session.commit()
    assert changed == ["full_name", "login", "unit", "position"]
    assert (learner.email, learner.phone, learner.unit) == (
        "moi@example.org",
        None,
        tree["commune"],
    )
    assert learner.name_folded == "ten moi"
    event = db.session.query(AuditEvent).filter_by(action="user.updated").one()
    assert event.detail["fields"] == changed and "Tên" not in str(event.detail)
    with pytest.raises(AccountError):
        management.update_user(people["trainer"], learner, full_name="X", unit_code="99002")
    with pytest.raises(AccountError):
        management.update_user(people["manager"], learner, full_name="X", unit_code="99001")


def test_disable_ends_sessions_and_is_audited(people, db):
    learner = people["learner"]
    version = learner.session_version
    management.set_active(people["trainer"], learner, False)
    db.session.commit()
    assert not learner.active and learner.deactivated_at and learner.session_version == version + 1
    management.set_active(people["trainer"], learner, True)
    assert learner.active and learner.deactivated_at is None
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["user.disabled", "user.enabled"]
    with pytest.raises(AccountError):
        management.set_active(people["trainer"], people["colleague"], False)
    with pytest.raises(AccountError):
        management.set_active(people["admin"], people["admin"], False)  # not oneself


def test_reset_code_issues_a_temporary_password_and_clears_totp(people, db):
    learner = people["learner"]
    learner.totp_secret = "JBSWY3DPEHPK3PXP"
    version = learner.session_version
    temporary = management.issue_reset_code(people["trainer"], learner)
    assert passwords.check(learner.password_hash, temporary)
    assert learner.must_change_password and learner.totp_secret is None
    assert learner.session_version == version + 1
    assert db.session.query(AuditEvent).filter_by(action="user.password_reset").count() == 1
    paper, _ = management.create_user(people["trainer"], full_name="P", unit_code="99001")
    with pytest.raises(AccountError):
        management.issue_reset_code(people["trainer"], paper)
    with pytest.raises(AccountError):
        management.issue_reset_code(people["trainer"], people["outsider"])


def test_role_change_is_admin_only_and_audited(people, db):
    learner = people["learner"]
    with pytest.raises(AccountError):
        management.change_role(people["trainer"], learner, "trainer")
    with pytest.raises(AccountError):
        management.change_role(people["admin"], learner, "boss")
    with pytest.raises(AccountError):
        management.change_role(people["admin"], people["admin"], "learner")
    assert management.change_role(people["admin"], learner, "trainer")
    assert not management.change_role(people["admin"], learner, "trainer")
    event = db.session.query(AuditEvent).filter_by(action="user.role_changed").one()
    assert event.detail == {"old": "learner", "new": "trainer"}
    assert event.actor_id == people["admin"].id and event.unit_id == learner.unit_id


def test_list_users_is_scoped_sorted_the_vietnamese_way_and_paged(tree, make_user, people):
    for name in ("Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Văn An", "Đỗ Thị Đào", "Phạm Văn Dũng"):
        make_user("learner", tree["hamlet"], name=name)
    trainer = people["trainer"]
    page = management.list_users(trainer, q="van", role="learner")
    names = [u.full_name for u in page.items]
    # By given name in Vietnamese order: An < Bình < Dũng < Người4 (the fixture's learner).
    assert names == ["Lê Văn An", "Trần Văn Bình", "Phạm Văn Dũng", "Nguyễn Văn Người4"]
    page = management.list_users(trainer, role="learner", per_page=2, page=2)
    assert page.pages == 3 and page.total == 6 and len(page.items) == 2
    everyone = {u.id for u in management.list_users(people["admin"], per_page=100).items}
    assert people["outsider"].id in everyone and people["admin"].id in everyone
    mine = {u.id for u in management.list_users(trainer, per_page=100).items}
    assert people["outsider"].id not in mine and people["admin"].id not in mine
    assert management.list_users(people["learner"]).total == 0


def test_list_users_pages_in_the_database_and_follows_renames(tree, make_user, people, sql):
    from portal.accounts import services

    for name in ("Trần Văn Bình", "Lê Văn An", "Phạm Văn Dũng"):
        make_user("learner", tree["hamlet"], name=name)
    admin = people["admin"]
    with sql() as statements:
        page = management.list_users(admin, q="van", per_page=2, page=2)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 2  # a count and one page, however many people match
    every = [u.full_name for u in management.list_users(admin, q="van", per_page=100).items]
    assert every[:3] == ["Lê Văn An", "Trần Văn Bình", "Phạm Văn Dũng"]
    assert [u.full_name for u in page.items] == every[2:4]
    first = management.list_users(admin, q="van", per_page=2).items[0]
    services.set_name(first, "Lê Văn Yến")
    names = [u.full_name for u in management.list_users(admin, q="van", per_page=10).items]
    assert names[-1] == "Lê Văn Yến"


def test_list_users_finds_by_phone_email_and_folded_name(tree, make_user, people):
    lan = make_user(
        "learner", tree["hamlet"], name="Đặng Thị Lan", phone="0912345678", email="lan@example.org"
    )
    admin = people["admin"]
    for q in ("dang thi lan", "ĐẶNG LAN", "+84 912 345 678", "345678", "lan@example"):
        assert [u.id for u in management.list_users(admin, q=q).items] == [lan.id], q
    assert management.list_users(admin, unit=tree["other"]).total == 1  # the outsider
    assert management.list_users(admin, page=99).page == 1


def test_audit_log_is_scoped_to_the_subtree(people, tree, db):
    record("user.disabled", "user", 1, unit_id=tree["hamlet"].id)
    record("user.disabled", "user", 2, unit_id=tree["other_hamlet"].id)
    record("content.synced", "course", "x")
    db.session.commit()
    assert management.list_audit_events(people["admin"]).total == 3
    mine = management.list_audit_events(people["trainer"])
    assert [e.object_id for e in mine.items] == ["1"]
    assert management.list_audit_events(people["learner"]).total == 0
