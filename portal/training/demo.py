"""Demo requirements and an in-person session, so the dashboard shows a spread of statuses."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.courses import services as courses
from portal.extensions import db
from portal.orgs.models import Unit
from portal.training import services
from portal.training.models import Requirement, TrainingSession

PROVINCE = "75"
SESSION_COMMUNE = "26248"  # Xã Trảng Bom
PAPER_PEOPLE = [
    "Lê Thị Hồng",
    "Phạm Văn Tư",
    "Nguyễn Thị Mai",
    "Trần Văn Hai",
    "Võ Thị Lụa",
    "Đinh Văn Sáu",
]


def _unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code, Unit.valid_to.is_(None)))


def load(echo):
    province, commune = _unit(PROVINCE), _unit(SESSION_COMMUNE)
    admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
    if province is None or commune is None or admin is None:
        echo("demo training: the demo province or admin is missing; skipped")
        return
    made = []
    plans = [
        (
            "phong-chong-duoi-nuoc",
            ["collaborator", "commune_officer"],
            date(date.today().year, 5, 31),
            True,
        ),
        (
            "nhan-dien-va-ho-tro-tre-bi-xam-hai",
            ["commune_officer", "commune_leader"],
            date.today() + timedelta(days=45),
            False,
        ),
        (
            "quyen-tre-em-va-he-thong-bao-ve",
            ["collaborator", "partner"],
            date.today() + timedelta(days=10),
            False,
        ),
    ]
    for slug, positions, due, attendance in plans:
        exists = db.session.scalar(
            select(Requirement.id).where(
                Requirement.course_slug == slug, Requirement.unit_id == province.id
            )
        )
        if exists is None and courses.get_course(slug) is not None:
            services.create_requirement(admin, province, slug, positions, due, attendance)
            made.append(slug)
    session = db.session.scalar(
        select(TrainingSession).where(TrainingSession.unit_id == commune.id)
    )
    if session is None and courses.get_course("phong-chong-duoi-nuoc") is not None:
        day = date.today() - timedelta(days=3)
        starts = datetime.combine(day, time(1, 0), UTC)  # 8:00 in Vietnam
        session = services.schedule_session(
            admin,
            commune,
            "phong-chong-duoi-nuoc",
            starts,
            starts + timedelta(hours=3),
            "Hội trường UBND xã Trảng Bom",
        )
        hamlet = _unit(f"{PROVINCE}-{SESSION_COMMUNE}-01") or commune
        for i, name in enumerate(PAPER_PEOPLE):
            person = services.add_paper_person(session, name, "collaborator", admin)
            person.unit_id = hamlet.id
            # Long-serving collaborators: their first due date (31 May) already applies.
            person.joined_unit_at = starts - timedelta(days=400)
            if i >= 4:  # two were invited but did not come
                session.attendance = [a for a in session.attendance if a.user_id != person.id]
        db.session.flush()
        course = courses.get_course("phong-chong-duoi-nuoc")
        services.set_lessons_covered(
            session, [x.slug for x in course.current_version.lessons][:5], admin
        )
        services.set_scores(
            session, {a.user_id: (40 + 5 * n, 80 + 3 * n) for n, a in enumerate(session.attendance)}
        )
    echo(
        f"demo training: {len(made)} requirement(s) added; in-person session with "
        f"{len(session.attendance) if session else 0} attendee(s)"
    )
