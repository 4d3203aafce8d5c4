"""In-person sessions: attendance, lessons covered, QR check-in window, the paper path."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal import signals
from portal.courses import services as courses
from portal.training import services
from portal.training.models import Requirement, TrainingSession


@pytest.fixture
def session(db, course, tree, trainer):
    start = datetime.now(UTC) - timedelta(minutes=10)
    s = services.schedule_session(
        trainer, tree["commune"], "duoi-nuoc", start, start + timedelta(hours=2), "Nhà văn hóa ấp 1"
    )
    db.session.commit()
    return s


def test_attendance_is_in_the_persons_data_download(db, session, trainer):
    from portal.accounts.services import export_user_data

    person = services.add_paper_person(session, "Hà Thị Mơ", "collaborator", trainer)
    services.set_scores(session, {person.id: (40, 85)})
    db.session.commit()
    (row,) = export_user_data(person)["training_sessions"]
    assert row["course"] == "duoi-nuoc" and row["place"] == "Nhà văn hóa ấp 1"
    assert (row["pre_score"], row["post_score"]) == (40, 85)


def test_no_attendance_before_the_session_begins(db, tree, trainer, course, make_user):
    start = datetime.now(UTC) + timedelta(days=2)
    future = services.schedule_session(
        trainer, tree["commune"], "duoi-nuoc", start, start + timedelta(hours=2), "Hội trường"
    )
    person = make_user("learner", tree["hamlet"], position="collaborator")
    with pytest.raises(services.TrainingError, match="chưa bắt đầu"):
        services.record_attendance(future, [person.id], trainer)
    with pytest.raises(services.TrainingError, match="chưa bắt đầu"):
        services.add_paper_person(future, "Hà Thị Mơ", "collaborator", trainer)
    assert future.attendance == []
    # From half an hour before the start, as for the QR check-in
    services.record_attendance(future, [person.id], trainer, now=start - timedelta(minutes=29))
    assert [a.user_id for a in future.attendance] == [person.id]


def test_schedule_refuses_bad_times_and_courses(tree, trainer, course):
    now = datetime.now(UTC)
    with pytest.raises(services.TrainingError):
        services.schedule_session(trainer, tree["commune"], "duoi-nuoc", now, now, "x")
    with pytest.raises(services.TrainingError):
        services.schedule_session(
            trainer, tree["commune"], "khong-co", now, now + timedelta(hours=1), "x"
        )


def test_roster_attendance_and_lessons_covered(db, session, tree, make_user, trainer):
    a = make_user(unit=tree["hamlet"], position="collaborator", name="Lê Văn Bình")
    b = make_user(unit=tree["hamlet"], position="collaborator", name="Trần Thị An")
    outsider = make_user(unit=tree["other_hamlet"], position="collaborator")
    assert [u.full_name for u in services.list_roster(session)][:2] == [
        "Trần Thị An",
        "Lê Văn Bình",
    ]
    with pytest.raises(services.TrainingError):
        services.record_attendance(session, [a.id, outsider.id], trainer)
    services.record_attendance(session, [a.id, b.id], trainer)
    services.set_lessons_covered(session, ["vi-sao"], trainer)
    db.session.commit()
    assert courses.list_done_lessons(a, "duoi-nuoc") == {"vi-sao"}
    services.record_attendance(session, [a.id], trainer)
    db.session.commit()
    assert [x.user_id for x in session.attendance] == [a.id]
    with pytest.raises(services.TrainingError):
        services.set_lessons_covered(session, ["khong-co"], trainer)


def test_qr_check_in_only_in_the_window(db, session, tree, make_user):
    user = make_user(unit=tree["hamlet"], position="collaborator")
    with pytest.raises(services.TrainingError):
        services.check_in(
            session,
            user,
            "wrong",
        )
    with pytest.raises(services.TrainingError):
        services.check_in(
            session, user, session.checkin_token, now=session.ends_at + timedelta(hours=1)
        )
    assert services.check_in(session, user, session.checkin_token) is True
    assert services.check_in(session, user, session.checkin_token) is False
    stranger = make_user(unit=tree["other_hamlet"], position="collaborator")
    with pytest.raises(services.TrainingError):
        services.check_in(session, stranger, session.checkin_token)


def test_paper_person_and_scores(db, session, trainer):
    person = services.add_paper_person(session, "Hà Thị Mơ", "collaborator", trainer)
    db.session.commit()
    assert person.password_hash is None and person.phone is None
    services.set_scores(session, {person.id: (40, 85)})
    assert session.attendance[0].post_score == 85
    with pytest.raises(services.TrainingError):
        services.set_scores(session, {person.id: (40, 150)})
    with pytest.raises(services.TrainingError):
        services.add_paper_person(session, "  ", "collaborator", trainer)


def test_merge_moves_requirements_and_sessions(db, session, tree, trainer, make_unit):
    req = services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["collaborator"], date.today()
    )
    successor = make_unit("Xã Mới", parent=tree["province"])
    signals.units_merged.send(None, predecessors=[tree["commune"].id], successor=successor.id)
    db.session.commit()
    assert db.session.get(Requirement, req.id).unit_id == successor.id
    assert db.session.get(TrainingSession, session.id).unit_id == successor.id


def test_my_requirements_and_required_slugs(db, tree, make_user, requirement):
    person = make_user(unit=tree["hamlet"], position="collaborator")
    assert services.list_required_slugs(person) == {"duoi-nuoc"}
    assert [r.course_slug for r in services.list_my_requirements(person)] == ["duoi-nuoc"]
    officer = make_user(unit=tree["hamlet"], position="commune_officer")
    assert services.list_required_slugs(officer) == set()


def test_forms_refuse_units_outside_scope_and_bad_times(client, login, tree, trainer, course):
    login(trainer)
    session = {
        "course": "duoi-nuoc",
        "unit": "99001",
        "day": "2026-12-01",
        "start": "08:00",
        "end": "10:00",
        "place": "Nhà văn hóa",
    }
    requirement = {
        "course": "duoi-nuoc",
        "unit": "99001",
        "positions": ["collaborator"],
        "first_due_on": "2026-05-31",
    }

    def post(url, base, **changes):
        return client.post(url, data=base | changes)

    r = post("/training/sessions/new", session, unit="99002")
    assert r.status_code == 400 and "phạm vi" in r.get_data(as_text=True)
    assert post("/training/sessions/new", session, start="10:00", end="08:00").status_code == 400
    assert post("/training/sessions/new", session).status_code == 302
    assert post("/training/requirements/new", requirement, unit="99002").status_code == 400
    assert post("/training/requirements/new", requirement).status_code == 302


def test_home_lists_my_requirements_in_the_reader_language(
    client, course, tree, make_user, login, requirement
):
    person = login(make_user("collaborator", tree["hamlet"]))
    assert person
    page = client.get("/").get_data(as_text=True)
    assert "Phòng, chống đuối nước cho trẻ em" in page
    client.set_cookie("lang", "en")
    page = client.get("/").get_data(as_text=True)
    assert "Drowning prevention" in page and "Phòng, chống đuối nước cho trẻ em" not in page


def test_a_trainer_without_a_unit_sees_no_ones_lists(
    client, login, make_user, session, requirement
):
    # Every user but an admin has a unit (DESIGN §10.1); should one lose it, "no unit" must
    # mean no scope, as in accounts.scope, never the admin's "everything".
    login(make_user("trainer", None))
    for url in ("/training/sessions", "/training/requirements"):
        r = client.get(url)
        assert r.status_code == 403 and "Nhà văn hóa" not in r.get_data(as_text=True), url


def test_session_page_reads_in_english_and_names_each_score_box(
    client, login, db, session, trainer
):
    person = services.add_paper_person(session, "Hà Thị Mơ", "collaborator", trainer)
    services.set_scores(session, {person.id: (40, 85)})
    db.session.commit()
    login(trainer)
    client.set_cookie("lang", "en")
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "<h1>Drowning prevention" in page
    # One label per box says whose score it is: "Score before" alone repeats on every row.
    assert f'for="pre-{person.id}">Score before: Hà Thị Mơ</label>' in page
