"""Compliance exactly as the DESIGN §10.2 table, on any as_of date."""

from datetime import UTC, date, datetime, timedelta

from portal.certificates import services as certificates
from portal.courses import services as courses
from portal.training import compliance, services


def statuses(unit, as_of=None, **kw):
    return {(p.user_id, p.course_slug): p for p in compliance.person_statuses(unit, as_of, **kw)}


def test_each_status(db, tree, make_user, course, requirement, complete, trainer):
    old = datetime.now(UTC) - timedelta(days=365)
    done = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    started = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    idle = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    officer = make_user(unit=tree["hamlet"], position="commune_officer")  # not required
    complete(done, course)
    courses.complete_lesson(started, course, "vi-sao")
    db.session.commit()
    now = statuses(tree["commune"])
    assert now[(done.id, "duoi-nuoc")].status == "compliant"
    assert now[(done.id, "duoi-nuoc")].certificate_code
    assert now[(started.id, "duoi-nuoc")].status == "in_progress"
    assert now[(idle.id, "duoi-nuoc")].status == "not_started"
    assert (officer.id, "duoi-nuoc") not in now
    later = statuses(tree["commune"], date.today() + timedelta(days=60))
    assert later[(idle.id, "duoi-nuoc")].status == "overdue"
    assert later[(started.id, "duoi-nuoc")].status == "overdue"
    expiring_day = (
        certificates.get_live(done.id, "duoi-nuoc").expires_at - timedelta(days=10)
    ).date()
    assert statuses(tree["commune"], expiring_day)[(done.id, "duoi-nuoc")].status == "expiring"
    after = (certificates.get_live(done.id, "duoi-nuoc").expires_at + timedelta(days=1)).date()
    assert statuses(tree["commune"], after)[(done.id, "duoi-nuoc")].status == "overdue"


def test_due_is_sixty_days_after_joining_when_later(db, tree, make_user, requirement):
    newcomer = make_user(unit=tree["hamlet"], position="collaborator")
    row = statuses(tree["commune"])[(newcomer.id, "duoi-nuoc")]
    assert row.due_on == (newcomer.joined_unit_at + timedelta(days=60)).date()
    assert (
        statuses(tree["commune"], date.today() + timedelta(days=45))[
            (newcomer.id, "duoi-nuoc")
        ].status
        == "not_started"
    )


def test_earliest_due_date_counts(db, tree, make_user, requirement, trainer, course):
    old = datetime.now(UTC) - timedelta(days=365)
    person = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    services.create_requirement(
        trainer, tree["hamlet"], "duoi-nuoc", ["collaborator"], date.today() + timedelta(days=5)
    )
    db.session.commit()
    rows = compliance.person_statuses(tree["commune"])
    assert len([r for r in rows if r.user_id == person.id]) == 1
    assert rows[0].due_on == date.today() + timedelta(days=5)


def test_revoked_certificate_is_not_compliant(db, tree, make_user, requirement, complete, course):
    person = make_user(unit=tree["hamlet"], position="collaborator")
    complete(person, course)
    certificates.revoke_certificate(
        certificates.get_live(person.id, "duoi-nuoc"), make_user("admin"), "sai"
    )
    db.session.commit()
    assert statuses(tree["commune"])[(person.id, "duoi-nuoc")].status == "in_progress"


def test_attendance_counts_only_when_the_requirement_says_so(db, tree, make_user, course, trainer):
    person = make_user(unit=tree["hamlet"], position="collaborator")
    req = services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["collaborator"], date.today() + timedelta(days=30)
    )
    start = datetime.now(UTC) - timedelta(days=2)
    session = services.schedule_session(
        trainer, tree["commune"], "duoi-nuoc", start, start + timedelta(hours=2), "Nhà văn hóa"
    )
    services.record_attendance(session, [person.id], trainer)
    db.session.commit()
    assert statuses(tree["commune"])[(person.id, "duoi-nuoc")].status == "in_progress"
    req.attendance_counts = True
    db.session.commit()
    assert statuses(tree["commune"])[(person.id, "duoi-nuoc")].status == "compliant"


def test_summary_by_child_unit(db, tree, make_user, course, trainer, complete):
    services.create_requirement(
        trainer, tree["province"], "duoi-nuoc", ["collaborator"], date.today() - timedelta(days=1)
    )
    old = datetime.now(UTC) - timedelta(days=365)
    a = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    make_user(unit=tree["other_hamlet"], position="collaborator", joined_unit_at=old)
    complete(a, course)
    table, totals = compliance.summarise(tree["province"])
    assert table[tree["commune"].id]["duoi-nuoc"]["compliant"] == 1
    assert table[tree["other"].id]["duoi-nuoc"]["overdue"] == 1
    assert totals["duoi-nuoc"]["compliant"] == 1
    assert compliance.share_compliant(totals["duoi-nuoc"]) == 50


def test_parents_cannot_be_required(db, tree, trainer, course):
    import pytest

    with pytest.raises(services.TrainingError):
        services.create_requirement(trainer, tree["commune"], "duoi-nuoc", ["parent"], date.today())


def test_queries_do_not_grow_with_people(app, db, tree, make_user, requirement, sql):
    counts = []
    for n in (2, 20):
        for _ in range(n):
            make_user(unit=tree["hamlet"], position="collaborator")
        with sql() as statements:
            compliance.person_statuses(tree["commune"])
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_sql_summary_agrees_with_the_reference(db, tree, make_user, course, trainer, complete):
    """The database's counts equal the person-by-person computation on every kind of case."""
    old = datetime.now(UTC) - timedelta(days=365)
    services.create_requirement(
        trainer,
        tree["province"],
        "duoi-nuoc",
        ["collaborator", "commune_officer"],
        date.today() - timedelta(days=1),
    )
    services.create_requirement(
        trainer,
        tree["commune"],
        "duoi-nuoc",
        ["collaborator"],
        date.today() + timedelta(days=20),
        attendance_counts=True,
    )
    people = [
        make_user(unit=u, position=p, joined_unit_at=j)
        for u in (tree["hamlet"], tree["other_hamlet"], tree["commune"])
        for p in ("collaborator", "commune_officer")
        for j in (old, datetime.now(UTC))
    ]
    complete(people[0], course)
    complete(people[5], course)
    certificates.revoke_certificate(
        certificates.get_live(people[5].id, "duoi-nuoc"), make_user("admin"), "sai"
    )
    courses.complete_lesson(people[2], course, "vi-sao")
    start = datetime.now(UTC) - timedelta(days=1)
    session = services.schedule_session(
        trainer, tree["commune"], "duoi-nuoc", start, start + timedelta(hours=1), "x"
    )
    services.record_attendance(session, [people[1].id, people[3].id], trainer)
    db.session.commit()
    for as_of in (
        date.today(),
        date.today() + timedelta(days=40),
        date.today() + timedelta(days=400),
    ):
        for unit in (tree["province"], tree["commune"]):
            assert compliance.summarise_in_sql(unit, as_of) == compliance.summarise(unit, as_of), (
                unit.name,
                as_of,
            )
    assert compliance.summarise_in_sql(tree["province"], position="commune_officer") == (
        compliance.summarise(tree["province"], position="commune_officer")
    )


def test_a_new_position_gives_sixty_days_before_overdue(db, tree, make_user, course, trainer):
    # A collaborator made a commune officer joins the officers' requirement today, whatever
    # its first due date: overdue only 60 days later (DESIGN §10.2).
    from portal.accounts import management

    old = datetime.now(UTC) - timedelta(days=365)
    person = make_user(unit=tree["hamlet"], position="collaborator", joined_unit_at=old)
    services.create_requirement(
        trainer, tree["commune"], "duoi-nuoc", ["commune_officer"], date.today() - timedelta(days=5)
    )
    management.update_user(
        trainer,
        person,
        full_name=person.full_name,
        login=person.phone,
        unit_code=tree["hamlet"].code,
        position="commune_officer",
    )
    db.session.commit()
    row = statuses(tree["commune"])[(person.id, "duoi-nuoc")]
    assert (row.status, row.due_on) == ("not_started", date.today() + timedelta(days=60))
    assert (
        statuses(tree["commune"], date.today() + timedelta(days=61))[
            (person.id, "duoi-nuoc")
        ].status
        == "overdue"
    )
