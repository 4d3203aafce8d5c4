"""Requirements and in-person sessions: declare, schedule, take attendance (DESIGN §4)."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from portal import audit
from portal.accounts.models import POSITIONS, User
from portal.courses import services as courses
from portal.database import utcnow
from portal.extensions import db
from portal.orgs.models import Unit
from portal.text import fold, name_sort_key, nfc
from portal.training import compliance
from portal.training.models import Attendance, Requirement, RequirementPosition, TrainingSession

# Check-in opens a little before the session and closes a little after it.
_EARLY = timedelta(minutes=30)
_LATE = timedelta(minutes=30)


class TrainingError(Exception):
    """A training action that cannot be done (the message says why)."""


# Requirements


def create_requirement(
    actor, unit, course_slug, positions, first_due_on, attendance_counts=False, note=""
):
    course = courses.get_course(course_slug)
    if course is None:
        raise TrainingError(_l("Không có khóa học này."))
    positions = sorted(set(positions))
    if not positions or any(p not in POSITIONS for p in positions):
        raise TrainingError(_l("Hãy chọn ít nhất một chức danh hợp lệ."))
    if "parent" in positions:
        raise TrainingError(_l("Cha mẹ không có yêu cầu bắt buộc; báo cáo tính số người đã học."))
    req = Requirement(
        course_slug=course_slug,
        unit_id=unit.id,
        first_due_on=first_due_on,
        attendance_counts=attendance_counts,
        note=note.strip(),
        created_by_id=actor.id,
        positions=[RequirementPosition(position=p) for p in positions],
    )
    db.session.add(req)
    db.session.flush()
    audit.record(
        "requirement.created",
        "requirement",
        req.id,
        actor=actor,
        unit_id=unit.id,
        course=course_slug,
    )
    return req


def archive_requirement(req, actor):
    req.archived_at = utcnow()
    audit.record("requirement.archived", "requirement", req.id, actor=actor, unit_id=req.unit_id)


def list_requirements(scope_unit=None):
    """Open requirements, optionally only those touching a subtree."""
    query = (
        select(Requirement)
        .join(Unit, Unit.id == Requirement.unit_id)
        .where(Requirement.archived_at.is_(None))
    )
    if scope_unit is not None:
        query = query.where(
            Unit.path.like(scope_unit.path + "%")
            | db.literal(scope_unit.path).like(Unit.path.concat("%"))
        )
    return db.session.scalars(query.order_by(Requirement.first_due_on)).all()


def list_required_slugs(user):
    """The course slugs required of a user (for the catalog's order)."""
    if not user.is_authenticated or user.unit is None or not user.position:
        return set()
    req_unit = aliased(Unit)
    rows = db.session.scalars(
        select(Requirement.course_slug)
        .join(RequirementPosition, RequirementPosition.requirement_id == Requirement.id)
        .join(req_unit, req_unit.id == Requirement.unit_id)
        .where(
            Requirement.archived_at.is_(None),
            RequirementPosition.position == user.position,
            db.literal(user.unit.path).like(req_unit.path.concat("%")),
        )
    )
    return set(rows)


def list_my_requirements(user, as_of=None):
    """The learner's required trainings with status and due date, most urgent first."""
    if not user.is_authenticated or user.unit is None:
        return []
    rows = [p for p in compliance.person_statuses(user.unit, as_of) if p.user_id == user.id]
    order = {
        s: i
        for i, s in enumerate(("overdue", "expiring", "in_progress", "not_started", "compliant"))
    }
    return sorted(rows, key=lambda p: (order[p.status], p.due_on))


# Sessions


def schedule_session(actor, unit, course_slug, starts_at, ends_at, place, trainer=None):
    if courses.get_course(course_slug) is None:
        raise TrainingError(_l("Không có khóa học này."))
    if ends_at <= starts_at:
        raise TrainingError(_l("Giờ kết thúc phải sau giờ bắt đầu."))
    session = TrainingSession(
        course_slug=course_slug,
        unit_id=unit.id,
        starts_at=starts_at,
        ends_at=ends_at,
        place=nfc(place or ""),
        trainer_id=(trainer or actor).id,
    )
    db.session.add(session)
    db.session.flush()
    audit.record("session.scheduled", "training_session", session.id, actor=actor, unit_id=unit.id)
    return session


def list_sessions(scope_unit, limit=200):
    return db.session.scalars(
        select(TrainingSession)
        .join(Unit, Unit.id == TrainingSession.unit_id)
        .where(Unit.path.like(scope_unit.path + "%") if scope_unit is not None else db.true())
        .order_by(TrainingSession.starts_at.desc())
        .limit(limit)
    ).all()


def list_roster(session):
    """People of the session's unit subtree who could attend (accounts or paper-only)."""
    people = db.session.scalars(
        select(User)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            Unit.path.like(session.unit.path + "%"),
            User.active.is_(True),
            User.erased_at.is_(None),
            User.position != "parent",
        )
    ).all()
    return sorted(people, key=lambda u: name_sort_key(u.full_name))


def _must_have_started(session, now=None):
    """Attendance is evidence that people were there: none before the session begins."""
    if (now or utcnow()) < session.starts_at - _EARLY:
        raise TrainingError(
            _l("Buổi tập huấn chưa bắt đầu: chỉ ghi người có mặt khi buổi học đã diễn ra.")
        )


def record_attendance(session, user_ids, actor, method="roster", now=None):
    """Set the attendance list to exactly `user_ids` (people of the session's subtree)."""
    _must_have_started(session, now)
    roster = {u.id for u in list_roster(session)}
    unknown = set(user_ids) - set(roster)
    if unknown:
        raise TrainingError(_l("Có người không thuộc đơn vị của buổi tập huấn."))
    present = {a.user_id: a for a in session.attendance}
    for user_id in set(present) - set(user_ids):
        db.session.delete(present[user_id])
    for user_id in set(user_ids) - set(present):
        db.session.add(Attendance(session_id=session.id, user_id=user_id, method=method))
    db.session.flush()
    db.session.refresh(session)
    _apply_lessons(session)
    audit.record(
        "session.attendance",
        "training_session",
        session.id,
        actor=actor,
        unit_id=session.unit_id,
        count=len(user_ids),
    )


def check_in(session, user, token, now=None):
    """A learner scans the session's QR code: only during the session's time window."""
    now = now or utcnow()
    if token != session.checkin_token:
        raise TrainingError(_l("Mã điểm danh không đúng."))
    if not session.starts_at - _EARLY <= now <= session.ends_at + _LATE:
        raise TrainingError(_l("Chỉ điểm danh được trong thời gian diễn ra buổi tập huấn."))
    if not (user.unit and user.unit.path.startswith(session.unit.path)):
        raise TrainingError(_l("Bạn không thuộc đơn vị của buổi tập huấn này."))
    if any(a.user_id == user.id for a in session.attendance):
        return False
    db.session.add(Attendance(session_id=session.id, user_id=user.id, method="qr"))
    db.session.flush()
    db.session.refresh(session)
    _apply_lessons(session, only=[user.id])
    return True


def set_lessons_covered(session, lesson_slugs, actor):
    course = courses.get_course(session.course_slug)
    valid = {lesson.slug for lesson in course.current_version.lessons}
    if set(lesson_slugs) - valid:
        raise TrainingError(_l("Có bài học không thuộc khóa học."))
    session.lessons_covered = [
        s for s in (lesson.slug for lesson in course.current_version.lessons) if s in lesson_slugs
    ]
    db.session.flush()
    _apply_lessons(session)


def _apply_lessons(session, only=None):
    """Attendees' progress follows the lessons the session covered."""
    if not session.lessons_covered:
        return
    course = courses.get_course(session.course_slug)
    for attendance in session.attendance:
        if only is None or attendance.user_id in only:
            courses.complete_lessons(
                attendance.user, course, list(session.lessons_covered), source="session"
            )


def set_scores(session, scores):
    """Paper pre/post-test scores: {user_id: (pre, post)}, percent or None."""
    for attendance in session.attendance:
        if attendance.user_id in scores:
            pre, post = scores[attendance.user_id]
            for value in (pre, post):
                if value is not None and not 0 <= value <= 100:
                    raise TrainingError(_l("Điểm phải từ 0 đến 100."))
            attendance.pre_score, attendance.post_score = pre, post
    db.session.flush()


def add_paper_person(session, full_name, position, actor):
    """Someone trained on paper, without an account: a user with no login in the unit."""
    _must_have_started(session)
    full_name = nfc(full_name or "")
    if not full_name:
        raise TrainingError(_l("Hãy nhập họ tên."))
    if position not in POSITIONS or position == "parent":
        raise TrainingError(_l("Hãy chọn chức danh."))
    user = User(
        full_name=full_name,
        name_folded=fold(full_name),
        role="learner",
        position=position,
        unit_id=session.unit_id,
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(Attendance(session_id=session.id, user_id=user.id, method="roster"))
    db.session.flush()
    db.session.refresh(session)
    _apply_lessons(session, only=[user.id])
    audit.record("user.created_paper", "user", user.id, actor=actor, unit_id=session.unit_id)
    return user


def move_to_successor(sender=None, predecessors=(), successor=None, **_):
    """Units merged: their requirements and sessions follow the successor (DESIGN §10.1)."""
    if not predecessors or successor is None:
        return
    for model in (Requirement, TrainingSession):
        # An ORM update: objects already in the session follow the rows.
        db.session.execute(
            update(model).where(model.unit_id.in_(list(predecessors))).values(unit_id=successor)
        )
