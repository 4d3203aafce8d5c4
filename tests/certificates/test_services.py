"""Issue once per cycle, snapshots, renewal and supersession, revocation, re-issue."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.certificates import services
from portal.certificates.models import Certificate
from portal.courses import services as courses
from portal.database import utcnow


def count(db):
    return db.session.scalar(select(func.count()).select_from(Certificate))


def test_completion_issues_one_certificate_with_snapshots(course, complete, make_user, tree, db):
    user = make_user(unit=tree["hamlet"], name="Trần Thị Bích")
    cert = complete(user, course)
    assert cert is not None and count(db) == 1
    assert cert.holder_name == "Trần Thị Bích"
    assert cert.unit_trail == "Tỉnh Thử / Xã An Bình / Ấp 1"
    assert cert.issuer_name == "Tỉnh Thử"
    assert cert.course_title == "Phòng, chống đuối nước cho trẻ em" and cert.course_version == 1
    assert cert.score == 90
    assert 364 <= (cert.expires_at - cert.issued_at).days <= 366
    assert courses.get_status(user, course.slug).certificate_id == cert.id
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "certificate.issued")
    )
    # idempotent: the same cycle never gives a second certificate
    status = courses.get_status(user, course.slug)
    again = services.issue_certificate(user, course.slug, status, course.current_version)
    assert again.id == cert.id and count(db) == 1


def test_snapshots_survive_renames(course, complete, make_user, tree, db):
    user = make_user(unit=tree["hamlet"], name="Lê Văn Hùng")
    cert = complete(user, course)
    tree["hamlet"].name = "Ấp Mới"
    user.full_name = "Tên Khác"
    db.session.commit()
    assert db.session.get(Certificate, cert.id).unit_trail.endswith("Ấp 1")
    assert db.session.get(Certificate, cert.id).holder_name == "Lê Văn Hùng"


def test_parent_certificate_never_expires(parent_course, complete, make_user):
    cert = complete(make_user(position="parent"), parent_course)
    assert cert.expires_at is None and cert.audience == "parent"


def test_renewal_window_and_new_cycle(course, complete, make_user, db):
    user = make_user()
    cert = complete(user, course)
    assert not services.can_renew(cert)
    with pytest.raises(services.CertificateError):
        services.start_renewal(user, cert)
    soon = cert.expires_at - timedelta(days=30)
    assert services.can_renew(cert, now=soon)
    services.start_renewal(user, cert, now=soon)
    courses.record_quiz_pass(user, course, attempt_id=2, score=100)
    db.session.commit()
    fresh = services.get_live(user.id, course.slug)
    assert fresh.id != cert.id and fresh.cycle == 2
    old = db.session.get(Certificate, cert.id)
    assert old.superseded_by_id == fresh.id and old.superseded_at is not None
    # renewing early loses nothing: the new one runs from the old expiry
    assert fresh.expires_at.date() >= old.expires_at.date() + timedelta(days=364)


def test_revoke_needs_a_reason_and_is_audited(course, complete, make_user, tree, db):
    user = make_user(unit=tree["hamlet"])
    trainer = make_user("trainer", tree["commune"])
    cert = complete(user, course)
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(cert, trainer, "  ")
    services.revoke_certificate(cert, trainer, "Gian lận khi làm bài")
    db.session.commit()
    assert cert.status_at(utcnow()) == "revoked"
    assert cert.status_index in services.list_revoked_indices()
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(cert, trainer, "lần nữa")


def test_reissue_with_corrected_name(course, complete, make_user, tree, db):
    user = make_user(unit=tree["hamlet"], name="Nguyen Van A")
    admin = make_user("admin")
    cert = complete(user, course)
    fresh = services.reissue_with_name(cert, admin, "Nguyễn Văn Ả")
    db.session.commit()
    assert fresh.holder_name == "Nguyễn Văn Ả" and fresh.expires_at == cert.expires_at
    old = db.session.get(Certificate, cert.id)
    assert old.revoked_reason == "replaced" and old.superseded_by_id == fresh.id
    assert services.get_live(user.id, course.slug).id == fresh.id
    # CourseStatus keeps naming the live certificate (DESIGN §4), not the replaced one.
    assert courses.get_status(user, course.slug).certificate_id == fresh.id


def test_access_rules(course, complete, make_user, tree):
    holder = make_user(unit=tree["hamlet"])
    cert = complete(holder, course)
    trainer = make_user("trainer", tree["commune"])
    sibling_trainer = make_user("trainer", tree["other"])
    manager = make_user("manager", tree["province"])
    stranger = make_user(unit=tree["hamlet"])
    assert services.may_download(holder, cert)
    assert services.may_download(trainer, cert) and services.may_revoke(trainer, cert)
    assert services.may_download(manager, cert) and not services.may_revoke(manager, cert)
    assert not services.may_download(sibling_trainer, cert)
    assert not services.may_download(stranger, cert)


def test_nobody_revokes_or_renames_their_own_and_trainers_act_on_learners_only(
    course, complete, make_user, tree
):
    trainer = make_user("trainer", tree["commune"])
    peer = make_user("trainer", tree["hamlet"])
    manager = make_user("manager", tree["hamlet"])
    admin = make_user("admin", tree["province"])
    own, peers, managers = (complete(u, course) for u in (trainer, peer, manager))
    # A trainer may see these (they are in the subtree) but not change them: renaming
    # one's own certificate would put any name on it.
    assert services.may_download(trainer, own) and not services.may_revoke(trainer, own)
    assert services.may_download(trainer, peers) and not services.may_revoke(trainer, peers)
    assert not services.may_revoke(trainer, managers)
    assert services.may_revoke(admin, peers) and services.may_revoke(admin, managers)
    assert not services.may_revoke(admin, complete(admin, course))


def test_public_checking_rules(parent_course, course, complete, make_user, db):
    parent = make_user(position="parent")
    cert = complete(parent, parent_course)
    assert not services.is_publicly_checkable(cert)
    parent.public_verification = True
    assert services.is_publicly_checkable(cert)
    staff = make_user()
    staff_cert = complete(staff, course)
    assert services.is_publicly_checkable(staff_cert)
    staff.erased_at = utcnow()
    assert not services.is_publicly_checkable(staff_cert)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("Nguyễn Văn An", "Nguyễn V. A."), ("Lò", "Lò"), ("Tôn Nữ Thị Ánh", "Tôn N. T. Á."), ("", "")],
)
def test_mask_name(name, masked):
    assert services.mask_name(name) == masked


def test_name_check_is_nfc_case_insensitive_and_diacritics_significant(course, complete, make_user):
    import unicodedata

    cert = complete(make_user(name="Nguyễn Văn Ánh"), course)
    assert services.name_matches(cert, "nguyễn  văn ánh")
    assert services.name_matches(cert, unicodedata.normalize("NFD", "NGUYỄN VĂN ÁNH"))
    assert not services.name_matches(cert, "Nguyen Van Anh")
    assert not services.name_matches(cert, "")


def test_list_for_scope_filters(course, complete, make_user, tree):
    a = complete(make_user(unit=tree["hamlet"]), course)
    b = complete(make_user(unit=tree["other_hamlet"]), course)
    trainer = make_user("trainer", tree["commune"])
    admin = make_user("admin")
    f = services.CertificateFilter()
    assert [c.id for c in services.list_for_scope(trainer, f)] == [a.id]
    assert {c.id for c in services.list_for_scope(admin, f)} == {a.id, b.id}
    f.status = "expiring"
    assert services.list_for_scope(admin, f) == []
    f.status = "valid"
    f.unit = tree["other"]
    assert [c.id for c in services.list_for_scope(admin, f)] == [b.id]


def test_erasing_a_person_scrubs_their_certificates(course, complete, make_user, tree, db):
    from portal.accounts import services as accounts

    user = make_user(unit=tree["hamlet"], position="parent", name="Mẹ Bé Na")
    cert = complete(user, course)
    data = accounts.export_user_data(user)
    assert data["certificates"][0]["holder_name"] == "Mẹ Bé Na"
    assert data["lessons_done"] and data["courses"][0]["course"] == "duoi-nuoc"
    accounts.erase_user(user)
    db.session.commit()
    fresh = db.session.get(Certificate, cert.id)
    assert fresh.holder_name != "Mẹ Bé Na" and fresh.unit_trail == ""
    assert not services.is_publicly_checkable(fresh)
