"""Compliance of people with requirements on a date (DESIGN §10.2), computed set-based.

A handful of queries per call, whatever the number of people: the required pairs (person ×
course) come from one join, and certificates, course status and attendance from one query
each over the same subtree.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.certificates.services import add_months
from portal.courses.models import Course, CourseStatus, CourseVersion
from portal.extensions import db
from portal.orgs.models import Unit
from portal.training.models import Attendance, Requirement, RequirementPosition, TrainingSession

STATUSES = ("compliant", "expiring", "overdue", "in_progress", "not_started")
EXPIRING_WITHIN = timedelta(days=30)
GRACE_AFTER_JOINING = timedelta(days=60)


@dataclass
class PersonStatus:
    user_id: int
    full_name: str
    position: str
    unit_id: int
    unit_path: str
    course_slug: str
    status: str
    due_on: date
    certificate_code: str | None = None
    expires_at: datetime | None = None
    completed_at: datetime | None = None
    attended_at: datetime | None = None


def start_of(day):
    return datetime.combine(day, time.min, tzinfo=UTC)


def end_of(day):
    return datetime.combine(day, time.max, tzinfo=UTC)


def course_rules():
    """course slug → (certificate, validity_months, title) of the current versions."""
    rows = db.session.execute(
        select(
            Course.slug,
            CourseVersion.certificate,
            CourseVersion.validity_months,
            CourseVersion.title,
        ).join(CourseVersion, Course.current_version_id == CourseVersion.id)
    ).all()
    return {slug: (cert, months, title) for slug, cert, months, title in rows}


def _required_pairs(unit, course_slug, position):
    person_unit = aliased(Unit)
    req_unit = aliased(Unit)
    query = (
        select(
            User.id,
            User.full_name,
            User.position,
            User.unit_id,
            person_unit.path,
            User.joined_unit_at,
            Requirement.course_slug,
            Requirement.first_due_on,
            Requirement.attendance_counts,
        )
        .join(person_unit, person_unit.id == User.unit_id)
        .join(RequirementPosition, RequirementPosition.position == User.position)
        .join(Requirement, Requirement.id == RequirementPosition.requirement_id)
        .join(req_unit, req_unit.id == Requirement.unit_id)
        .where(
            person_unit.path.like(unit.path + "%"),
            person_unit.path.like(req_unit.path.concat("%")),
            Requirement.archived_at.is_(None),
            User.active.is_(True),
            User.erased_at.is_(None),
        )
    )
    if course_slug:
        query = query.where(Requirement.course_slug == course_slug)
    if position:
        query = query.where(User.position == position)
    return db.session.execute(query.execution_options(yield_per=5000))


def _in_subtree(query, unit, user_column):
    person_unit = aliased(Unit)
    return (
        query.join(User, User.id == user_column)
        .join(person_unit, person_unit.id == User.unit_id)
        .where(person_unit.path.like(unit.path + "%"))
    )


def _certificates(unit, slugs, moment):
    query = _in_subtree(
        select(
            Certificate.user_id,
            Certificate.course_slug,
            Certificate.code,
            Certificate.expires_at,
            Certificate.revoked_at,
        ),
        unit,
        Certificate.user_id,
    ).where(
        Certificate.course_slug.in_(slugs),
        Certificate.issued_at <= moment,
        or_(Certificate.superseded_at.is_(None), Certificate.superseded_at > moment),
    )
    return {(r.user_id, r.course_slug): r for r in db.session.execute(query)}


def _course_status(unit, slugs):
    query = _in_subtree(
        select(CourseStatus.user_id, CourseStatus.course_slug, CourseStatus.completed_at),
        unit,
        CourseStatus.user_id,
    ).where(CourseStatus.course_slug.in_(slugs))
    return {(r.user_id, r.course_slug): r for r in db.session.execute(query)}


def _attendance(unit, slugs, moment):
    query = (
        _in_subtree(
            select(
                Attendance.user_id,
                TrainingSession.course_slug,
                func.max(TrainingSession.starts_at).label("attended_at"),
            ).join(TrainingSession, TrainingSession.id == Attendance.session_id),
            unit,
            Attendance.user_id,
        )
        .where(TrainingSession.course_slug.in_(slugs), TrainingSession.starts_at <= moment)
        .group_by(Attendance.user_id, TrainingSession.course_slug)
    )
    return {(r.user_id, r.course_slug): r.attended_at for r in db.session.execute(query)}


def person_statuses(unit, as_of=None, *, course_slug=None, position=None):
    """Every (person in `unit`'s subtree, required course) with its status on `as_of`."""
    as_of = as_of or date.today()
    moment = end_of(as_of)
    rules = course_rules()
    pairs = {}
    for row in _required_pairs(unit, course_slug, position):
        # Rows are unpacked, not read by name: it counts 100,000 times over.
        user_id, _name, _position, _unit, _path, joined_at, slug, first_due_on, counts = row
        due = max(first_due_on, (joined_at + GRACE_AFTER_JOINING).date())
        key = (user_id, slug)
        prev = pairs.get(key)
        if prev is None:
            pairs[key] = [row, due, counts]
        else:  # several requirements: the earliest due date counts
            prev[1] = min(prev[1], due)
            prev[2] = prev[2] or counts
    if not pairs:
        return []
    slugs = sorted({slug for _, slug in pairs})
    certs = _certificates(unit, slugs, moment)
    statuses = _course_status(unit, slugs)
    attended = _attendance(unit, slugs, moment)
    result = []
    for key, (row, due, attendance_counts) in pairs.items():
        user_id, full_name, person_position, unit_id, path, _joined, slug, _first, _counts = row
        certified, months, _title = rules.get(slug, (True, 0, ""))
        person = PersonStatus(
            user_id=user_id,
            full_name=full_name,
            position=person_position,
            unit_id=unit_id,
            unit_path=path,
            course_slug=slug,
            status="not_started",
            due_on=due,
        )
        status = statuses.get(key)
        valid_until = _compliant_until(
            person,
            certs.get(key),
            status,
            attended.get(key) if attendance_counts else None,
            certified,
            months,
            moment,
        )
        if valid_until is not False:
            person.status = (
                "expiring"
                if valid_until is not None and valid_until - moment <= EXPIRING_WITHIN
                else "compliant"
            )
        elif as_of > due:
            person.status = "overdue"
        elif status is not None or key in attended:
            person.status = "in_progress"
        result.append(person)
    return result


def _compliant_until(person, cert, status, attended_at, certified, months, moment):
    """When the person's compliance ends (None: never), or False when not compliant."""
    candidates = []
    if cert is not None:
        person.certificate_code = cert.code
        person.expires_at = cert.expires_at
        if cert.revoked_at is None or cert.revoked_at > moment:
            if cert.expires_at is None or cert.expires_at > moment:
                candidates.append(cert.expires_at)
    if not certified and status is not None and status.completed_at is not None:
        person.completed_at = status.completed_at
        until = add_months(status.completed_at, months) if months else None
        if until is None or until > moment:
            candidates.append(until)
    if attended_at is not None:
        person.attended_at = attended_at
        until = add_months(attended_at, months) if months else None
        if until is None or until > moment:
            candidates.append(until)
    if not candidates:
        return False
    if any(c is None for c in candidates):
        return None
    return max(candidates)


def child_of(unit, path):
    """The id of `unit`'s child whose subtree holds `path` (None: the unit itself)."""
    rest = path[len(unit.path) :]
    head = rest.split("/", 1)[0]
    return int(head) if head else None


def summarise(unit, as_of=None, *, course_slug=None, position=None):
    """Counts per child unit and course: {child_id or None: {course: Counter(status)}}.

    Person by person, straight from the status table: the reference that the tests hold
    summarise_in_sql (what the dashboard uses) equal to.
    """
    table = {}
    totals = {}
    for person in person_statuses(unit, as_of, course_slug=course_slug, position=position):
        child = child_of(unit, person.unit_path)
        table.setdefault(child, {}).setdefault(person.course_slug, Counter())[person.status] += 1
        totals.setdefault(person.course_slug, Counter())[person.status] += 1
    return table, totals


def share_compliant(counter):
    total = sum(counter.values())
    if not total:
        return None
    return round(100 * (counter["compliant"] + counter["expiring"]) / total)


def _child_expression(unit, path_column):
    """SQL for the id (as text) of `unit`'s child holding `path_column` ('' for the unit)."""
    rest = func.substr(path_column, len(unit.path) + 1)
    if db.engine.dialect.name == "postgresql":
        return func.split_part(rest, "/", 1)
    return func.substr(rest, 1, func.instr(rest, "/") - 1)


def summarise_in_sql(unit, as_of=None, *, course_slug=None, position=None):
    """The same counts as `summarise`, computed by the database: one query per required course.

    Every rule of the status table becomes a comparison with a constant (the as_of moment,
    shifted by the course's validity), so the database can count a province in one pass.
    """
    as_of = as_of or date.today()
    moment = end_of(as_of)
    soon = moment + EXPIRING_WITHIN
    joined_before = datetime.combine(as_of, time.min, tzinfo=UTC) - GRACE_AFTER_JOINING
    rules = course_rules()
    person_unit = aliased(Unit)
    req_unit = aliased(Unit)
    slugs_query = (
        select(Requirement.course_slug)
        .distinct()
        .join(req_unit, req_unit.id == Requirement.unit_id)
        .where(
            Requirement.archived_at.is_(None),
            or_(
                req_unit.path.like(unit.path + "%"),
                db.literal(unit.path).like(req_unit.path.concat("%")),
            ),
        )
    )
    if course_slug:
        slugs_query = slugs_query.where(Requirement.course_slug == course_slug)
    table, totals = {}, {}
    for slug in db.session.scalars(slugs_query).all():
        certified, months, _title = rules.get(slug, (True, 0, ""))
        pairs = (
            select(
                User.id.label("uid"),
                person_unit.path.label("path"),
                User.joined_unit_at.label("joined"),
                func.min(Requirement.first_due_on).label("due"),
                func.max(case((Requirement.attendance_counts, 1), else_=0)).label("att_counts"),
            )
            .join(person_unit, person_unit.id == User.unit_id)
            .join(RequirementPosition, RequirementPosition.position == User.position)
            .join(Requirement, Requirement.id == RequirementPosition.requirement_id)
            .join(req_unit, req_unit.id == Requirement.unit_id)
            .where(
                person_unit.path.like(unit.path + "%"),
                person_unit.path.like(req_unit.path.concat("%")),
                Requirement.archived_at.is_(None),
                Requirement.course_slug == slug,
                User.active.is_(True),
                User.erased_at.is_(None),
            )
            .group_by(User.id, person_unit.path, User.joined_unit_at)
        )
        if position:
            pairs = pairs.where(User.position == position)
        pairs = pairs.subquery()
        cert = aliased(Certificate)
        attended = (
            select(
                Attendance.user_id.label("uid"), func.max(TrainingSession.starts_at).label("last")
            )
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.course_slug == slug, TrainingSession.starts_at <= moment)
            .group_by(Attendance.user_id)
            .subquery()
        )
        live_cert = and_(
            cert.id.is_not(None),
            or_(cert.revoked_at.is_(None), cert.revoked_at > moment),
            or_(cert.expires_at.is_(None), cert.expires_at > moment),
        )
        long_cert = and_(live_cert, or_(cert.expires_at.is_(None), cert.expires_at > soon))

        def after(column, limit_moment, months=months):
            if months == 0:
                return column.is_not(None)
            return column > add_months(limit_moment, -months)

        by_completion = false() if certified else after(CourseStatus.completed_at, moment)
        long_completion = false() if certified else after(CourseStatus.completed_at, soon)
        by_attendance = and_(pairs.c.att_counts == 1, after(attended.c.last, moment))
        long_attendance = and_(pairs.c.att_counts == 1, after(attended.c.last, soon))
        compliant = or_(live_cert, by_completion, by_attendance)
        status = case(
            (and_(compliant, or_(long_cert, long_completion, long_attendance)), "compliant"),
            (compliant, "expiring"),
            (and_(pairs.c.due < as_of, pairs.c.joined < joined_before), "overdue"),
            (or_(CourseStatus.id.is_not(None), attended.c.uid.is_not(None)), "in_progress"),
            else_="not_started",
        )
        child = _child_expression(unit, pairs.c.path)
        query = (
            select(child, status, func.count())
            .select_from(pairs)
            .outerjoin(
                cert,
                and_(
                    cert.user_id == pairs.c.uid,
                    cert.course_slug == slug,
                    cert.issued_at <= moment,
                    or_(cert.superseded_at.is_(None), cert.superseded_at > moment),
                ),
            )
            .outerjoin(
                CourseStatus,
                and_(CourseStatus.user_id == pairs.c.uid, CourseStatus.course_slug == slug),
            )
            .outerjoin(attended, attended.c.uid == pairs.c.uid)
            .group_by(child, status)
        )
        for child_id, state, count in db.session.execute(query):
            key = int(child_id) if child_id else None
            table.setdefault(key, {}).setdefault(slug, Counter())[state] += count
            totals.setdefault(slug, Counter())[state] += count
    return table, totals
