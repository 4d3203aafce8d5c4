"""Reports: the dashboard, parents' reach, people lists, transcripts and the inspection file."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.courses.models import Course, CourseStatus, CourseVersion, LessonProgress
from portal.extensions import db
from portal.orgs.models import Unit
from portal.text import name_sort_key
from portal.training import compliance
from portal.training.models import Attendance, TrainingSession

SMALL = 5  # counts below this are shown as "<5" for parents (DESIGN: privacy of small groups)


def masked(count):
    return "<5" if 0 < count < SMALL else str(count)


@dataclass
class DashboardRow:
    unit: Unit | None  # None: people attached directly to the current unit
    cells: dict = field(default_factory=dict)  # course slug → Counter(status)


@dataclass
class Dashboard:
    unit: Unit
    as_of: date
    courses: list  # [(slug, title)]
    rows: list
    totals: dict
    reach: list  # [(unit or None, {slug: count})]
    parent_courses: list  # [(slug, title)]

    @property
    def filled(self):
        """The rows with figures: a unit where nobody must train yet has none."""
        return [row for row in self.rows if row.cells]

    @property
    def idle_units(self):
        """The child units where nobody is required to train yet."""
        return [row.unit for row in self.rows if not row.cells and row.unit is not None]


def list_children(unit):
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, Unit.valid_to.is_(None))
    ).all()
    return sorted(children, key=lambda u: name_sort_key(u.name))


def get_dashboard(unit, as_of, *, course_slug=None, position=None, reach_since=None):
    """Staff compliance by child unit and course, and parents' reach (completions up to
    `as_of`, from `reach_since` when given)."""
    table, totals = compliance.summarise_in_sql(
        unit, as_of, course_slug=course_slug, position=position
    )
    rules = compliance.course_rules()
    slugs = sorted(totals)
    children = {u.id: u for u in list_children(unit)}
    rows = [DashboardRow(children.get(child_id), cells) for child_id, cells in table.items()]
    rows += [DashboardRow(u, {}) for cid, u in children.items() if cid not in table]
    rows.sort(key=lambda r: (r.unit is not None, name_sort_key(r.unit.name if r.unit else "")))
    parent_courses = sorted(
        (slug, rule[2]) for slug, rule in rules.items() if slug in _parent_slugs()
    )
    return Dashboard(
        unit=unit,
        as_of=as_of,
        courses=[(s, rules.get(s, (0, 0, s))[2]) for s in slugs],
        rows=rows,
        totals=totals,
        reach=get_parent_reach(unit, as_of, children, since=reach_since),
        parent_courses=parent_courses,
    )


def _parent_slugs():
    versions = db.session.execute(
        select(Course.slug, CourseVersion.audiences).join(
            CourseVersion, Course.current_version_id == CourseVersion.id
        )
    ).all()
    return {slug for slug, audiences in versions if "parent" in audiences}


def get_parent_reach(unit, as_of, children=None, since=None):
    """Parents who completed parents' courses, per child unit and course (set-based)."""
    slugs = _parent_slugs()
    if not slugs:
        return []
    children = children if children is not None else {u.id: u for u in list_children(unit)}
    query = (
        select(Unit.path, CourseStatus.course_slug, func.count())
        .select_from(CourseStatus)
        .join(User, User.id == CourseStatus.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            Unit.path.like(unit.path + "%"),
            User.position == "parent",
            CourseStatus.course_slug.in_(slugs),
            CourseStatus.completed_at.is_not(None),
            CourseStatus.completed_at <= compliance.end_of(as_of),
        )
        .group_by(Unit.path, CourseStatus.course_slug)
    )
    if since:
        query = query.where(CourseStatus.completed_at >= compliance.start_of(since))
    per_child = {}
    for path, slug, count in db.session.execute(query):
        child = compliance.child_of(unit, path)
        per_child.setdefault(child, Counter())[slug] += count
    return [(children.get(cid), counts) for cid, counts in per_child.items()]


def list_people(unit, as_of, *, course_slug=None, position=None, status=None):
    people = compliance.person_statuses(unit, as_of, course_slug=course_slug, position=position)
    if status:
        people = [p for p in people if p.status == status]
    return sorted(people, key=lambda p: (name_sort_key(p.full_name), p.course_slug))


def list_unit_names(unit):
    """id → name for every unit in the subtree (one query), for people lists."""
    rows = db.session.execute(select(Unit.id, Unit.name).where(Unit.path.like(unit.path + "%")))
    return dict(rows.all())


def list_sessions(unit, since=None):
    query = (
        select(TrainingSession, func.count(Attendance.id))
        .join(Unit, Unit.id == TrainingSession.unit_id)
        .outerjoin(Attendance, Attendance.session_id == TrainingSession.id)
        .where(Unit.path.like(unit.path + "%"))
        .group_by(TrainingSession.id)
        .order_by(TrainingSession.starts_at.desc())
    )
    if since:
        query = query.where(TrainingSession.starts_at >= since)
    return db.session.execute(query).all()


def list_attendance(unit):
    """(session, attendance) rows under the unit, for the inspection file."""
    return db.session.execute(
        select(TrainingSession, Attendance)
        .join(Unit, Unit.id == TrainingSession.unit_id)
        .join(Attendance, Attendance.session_id == TrainingSession.id)
        .where(Unit.path.like(unit.path + "%"))
        .order_by(TrainingSession.starts_at, Attendance.id)
    ).all()


def certificates_per_month(unit, months=12, today=None):
    """[(YYYY-MM, count)] of certificates issued to people of the subtree, oldest first."""
    today = today or date.today()
    start = date(today.year, today.month, 1)
    for _ in range(months - 1):
        start = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    since = datetime(start.year, start.month, 1, tzinfo=UTC)
    if db.engine.dialect.name == "postgresql":
        month = func.to_char(Certificate.issued_at, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Certificate.issued_at)
    rows = dict(
        db.session.execute(
            select(month, func.count())
            .join(User, User.id == Certificate.user_id)
            .join(Unit, Unit.id == User.unit_id)
            .where(Unit.path.like(unit.path + "%"), Certificate.issued_at >= since)
            .group_by(month)
        ).all()
    )
    result = []
    cursor = start
    for _ in range(months):
        key = cursor.strftime("%Y-%m")
        result.append((key, rows.get(key, 0)))
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return result


@dataclass
class Transcript:
    user: User
    statuses: list
    certificates: list
    attendance: list
    lessons_done: int


def get_transcript(user):
    """Everything a person did: course statuses, certificates, sessions attended."""
    statuses = db.session.scalars(
        select(CourseStatus)
        .where(CourseStatus.user_id == user.id)
        .order_by(CourseStatus.course_slug)
    ).all()
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at)
    ).all()
    attendance = db.session.execute(
        select(TrainingSession, Attendance)
        .join(Attendance, Attendance.session_id == TrainingSession.id)
        .where(Attendance.user_id == user.id)
        .order_by(TrainingSession.starts_at)
    ).all()
    lessons = db.session.scalar(
        select(func.count()).select_from(LessonProgress).where(LessonProgress.user_id == user.id)
    )
    return Transcript(user, statuses, certificates, attendance, lessons)


def default_period(as_of):
    """The reporting period shown on the inspection file: the 12 months up to as_of."""
    return as_of - timedelta(days=365), as_of
