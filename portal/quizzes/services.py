"""Attempts: start, save, submit exactly once, limits per cycle and extra attempts."""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.accounts.management import can_manage
from portal.accounts.models import User
from portal.accounts.scope import in_scope, scope_clause
from portal.courses import services as courses
from portal.courses.models import Course, CourseStatus, CourseVersion
from portal.database import utcnow
from portal.extensions import db
from portal.markdown import plain_text
from portal.orgs.models import Unit
from portal.quizzes import grading
from portal.quizzes.models import Attempt, AttemptAnswer, AttemptGrant

MAX_GRANT = 10


class QuizError(Exception):
    """A quiz action that cannot be done now (the message tells the learner why)."""


class ScopeError(QuizError):
    """The learner is outside the trainer's scope (a 404 for the web)."""


def quiz_of(version, kind):
    """The published quiz JSON of a version: the final quiz or the pre-test."""
    return version.quiz_for(kind)


@dataclass
class Rules:
    """The rules a learner reads before starting."""

    questions: int
    pass_mark: int
    must_pass: int
    time_limit_minutes: int
    max_attempts: int
    cooldown_minutes: int
    shuffle_options: bool


def get_rules(quiz):
    settings, bank = quiz["settings"], quiz["questions"]
    return Rules(
        questions=min(settings["questions_per_attempt"] or len(bank), len(bank)),
        pass_mark=settings["pass_mark"],
        must_pass=sum(1 for q in bank if q.get("must")),
        time_limit_minutes=settings["time_limit_minutes"],
        max_attempts=settings["max_attempts"],
        cooldown_minutes=settings["cooldown_minutes"],
        shuffle_options=settings["shuffle_options"],
    )


def get_bank(attempt):
    """The pinned version's questions by id.

    The version is most often the course's current one, already in the session."""
    quiz = db.session.get(CourseVersion, attempt.version_id).quiz_for(attempt.kind)
    return {q["id"]: q for q in quiz["questions"]}


def _own(user, course_slug, attempt_id):
    """The attempt is this user's, on this course: nobody reads anyone else's."""
    return (
        Attempt.id == attempt_id,
        Attempt.user_id == user.id,
        Attempt.course_slug == course_slug,
    )


def get_attempt(user, course_slug, attempt_id, for_update=False):
    """The user's own attempt on this course, or None (nobody else's, whoever asks)."""
    query = select(Attempt).where(*_own(user, course_slug, attempt_id))
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def get_own_attempt(user, course_slug, attempt_id, for_update=False):
    """(course, attempt) in one query: the user's own attempt on a published course, or None.

    The attempt pages read both on every request; only the attempt row is locked.
    """
    query = (
        select(Attempt, Course)
        .join(Course, Course.slug == Attempt.course_slug)
        .options(joinedload(Course.current_version))
        .where(*_own(user, course_slug, attempt_id), Course.current_version_id.is_not(None))
    )
    if for_update:
        query = query.with_for_update(of=Attempt)
    row = db.session.execute(query).first()
    return (row[1], row[0]) if row else None


def get_open_attempt(user, course_slug, kind):
    return db.session.scalar(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.course_slug == course_slug,
            Attempt.kind == kind,
            Attempt.state == "open",
        )
    )


def list_course_attempts(user, course_slug):
    """The user's attempts at both quizzes of a course, newest first, as light rows.

    Rows, not attempts: the quiz page shows dates, scores and results and counts the
    limits from them; it never needs the drawn questions or the answers.
    """
    return db.session.execute(
        select(
            Attempt.id,
            Attempt.kind,
            Attempt.cycle,
            Attempt.state,
            Attempt.score,
            Attempt.passed,
            Attempt.started_at,
            Attempt.submitted_at,
        )
        .where(Attempt.user_id == user.id, Attempt.course_slug == course_slug)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ).all()


def current_cycle(user_id, course_slug):
    cycle = db.session.scalar(
        select(CourseStatus.cycle).where(
            CourseStatus.user_id == user_id, CourseStatus.course_slug == course_slug
        )
    )
    return cycle or 1


@dataclass
class Limits:
    """How many attempts are left this cycle and when the next may start."""

    cycle: int
    max_attempts: int  # 0 = unlimited
    extra: int  # granted by a trainer for this cycle
    used: int
    cooldown_minutes: int
    next_start_at: datetime | None  # the end of a running cooldown

    @property
    def left(self):
        if not self.max_attempts:
            return None
        return max(0, self.max_attempts + self.extra - self.used)

    @property
    def can_start(self):
        return self.left != 0 and self.next_start_at is None


def get_limits(user, course, kind="final", now=None, attempts=None):
    """The attempt limits of the current quiz for this user, as of `now`.

    `attempts`: the rows of list_course_attempts, when the caller has them already.
    """
    now = now or utcnow()
    settings = quiz_of(course.current_version, kind)["settings"]
    cycle = current_cycle(user.id, course.slug)
    if attempts is None:
        attempts = list_course_attempts(user, course.slug)
    counted = [
        a.submitted_at
        for a in attempts
        if a.kind == kind and a.cycle == cycle and a.state == "submitted"
    ]
    used, last = len(counted), max(counted, default=None)
    extra = 0
    if kind == "final" and settings["max_attempts"]:
        extra = db.session.scalar(
            select(func.coalesce(func.sum(AttemptGrant.extra), 0)).where(
                AttemptGrant.user_id == user.id,
                AttemptGrant.course_slug == course.slug,
                AttemptGrant.cycle == cycle,
            )
        )
    next_start_at = None
    if settings["cooldown_minutes"] and last is not None:
        ends = last + timedelta(minutes=settings["cooldown_minutes"])
        next_start_at = ends if ends > now else None
    return Limits(
        cycle=cycle,
        max_attempts=settings["max_attempts"],
        extra=extra,
        used=used,
        cooldown_minutes=settings["cooldown_minutes"],
        next_start_at=next_start_at,
    )


def start_attempt(user, course, kind="final", *, now=None, rng=None):
    """Start an attempt, or return the unfinished one: (attempt, created)."""
    now = now or utcnow()
    version = course.current_version
    quiz = quiz_of(version, kind)
    if not quiz:
        raise QuizError(_l("Khóa học này không có bài kiểm tra này."))
    current = get_open_attempt(user, course.slug, kind)
    if current is not None and not expire_if_due(current, user, course, now):
        return current, False
    limits = get_limits(user, course, kind, now)
    if limits.left == 0:
        raise QuizError(
            _l(
                "Bạn đã dùng hết số lần làm bài của đợt này. "
                "Hãy liên hệ giảng viên nếu cần thêm lượt."
            )
        )
    if limits.next_start_at is not None:
        minutes = math.ceil((limits.next_start_at - now).total_seconds() / 60)
        raise QuizError(_l("Bạn cần nghỉ thêm %(n)s phút rồi mới làm lại bài được.", n=minutes))
    settings = quiz["settings"]
    attempt = Attempt(
        user_id=user.id,
        course_slug=course.slug,
        version_id=version.id,
        kind=kind,
        cycle=limits.cycle,
        state="open",
        questions=grading.draw(
            quiz["questions"],
            settings["questions_per_attempt"],
            settings["shuffle_options"],
            rng or secrets.SystemRandom(),
        ),
        pass_mark=settings["pass_mark"],
        time_limit_minutes=settings["time_limit_minutes"],
        must_pass=[q["id"] for q in quiz["questions"] if q.get("must")],
        answers={},
        started_at=now,
        deadline_at=grading.deadline(now, settings["time_limit_minutes"]),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a concurrent request started one first: resume that one
        return get_open_attempt(user, course.slug, kind), False
    return attempt, True


def _mark(attempt, values):
    """Show values written by a conditional UPDATE on the loaded object, without a reload."""
    for name, value in values.items():
        set_committed_value(attempt, name, value)


def _merge(saved, posted):
    """Saved answers updated with posted ones; a cleared question is no longer answered."""
    merged = {**saved, **(posted or {})}
    return {qid: chosen for qid, chosen in merged.items() if chosen}


def save_answers(attempt, user, course, answers, *, now=None):
    """Keep the learner's answers so far; return "saved", "expired" or "closed".

    "expired": time was up, so nothing was saved and the attempt was graded as it stood;
    "closed": it had already been submitted.
    """
    now = now or utcnow()
    if attempt.state != "open":
        return "closed"
    if expire_if_due(attempt, user, course, now):
        return "expired"
    values = {"answers": _merge(attempt.answers, answers), "saved_at": now}
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(attempt)
        return "closed"
    _mark(attempt, values)
    return "saved"


def submit_attempt(attempt, user, course, *, answers=None, bank=None, now=None):
    """Grade the attempt exactly once; return True if this call submitted it.

    Double clicks, retries and concurrent requests all land on the conditional UPDATE:
    only the one that finds the attempt still open grades it. After the deadline the
    answers posted with the submission are ignored: the attempt counts as it stood.
    `bank` saves a query when the caller has already read the pinned questions.
    """
    now = now or utcnow()
    if attempt.state != "open":
        return False
    late = grading.is_past_deadline(attempt.deadline_at, now)
    final_answers = _merge(attempt.answers, answers if not late else {})
    bank = bank or get_bank(attempt)
    result = grading.grade(
        bank, attempt.question_ids, final_answers, attempt.pass_mark, attempt.must_pass
    )
    values = {
        "state": "submitted",
        "answers": final_answers,
        "score": result.score,
        "passed": result.passed,
        # Graded on a later visit, the attempt still ended when its time ran out.
        "submitted_at": attempt.deadline_at if late else now,
    }
    updated = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        db.session.refresh(attempt)
        return False
    _mark(attempt, values)
    db.session.execute(
        insert(AttemptAnswer),
        [
            {
                "attempt_id": attempt.id,
                "question_id": qid,
                "chosen": grading.chosen_key(final_answers.get(qid, ())),
                "correct": right,
            }
            for qid, right in result.right.items()
        ],
    )
    if attempt.kind == "final":
        if result.passed:
            courses.record_quiz_pass(user, course, attempt.id, result.score)
        else:
            courses.record_quiz_score(user, course, result.score)
    return True


def expire_if_due(attempt, user, course, now=None):
    """Grade an open attempt whose time is up, as it stands; return True if it did."""
    now = now or utcnow()
    if attempt.state != "open" or not grading.is_past_deadline(attempt.deadline_at, now):
        return False
    return submit_attempt(attempt, user, course, now=now)


def close_expired(now=None):
    """Grade, one at a time, the open attempts whose time ran out; yield each one graded.

    A learner who leaves a timed quiz is graded on their next visit; this grades the
    attempts of those who never come back, so their results reach the reports and a
    pass its certificate. The caller commits after each attempt.
    """
    now = now or utcnow()
    ids = db.session.scalars(
        select(Attempt.id).where(
            Attempt.state == "open",
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < now - grading.GRACE,
        )
    ).all()
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id, populate_existing=True)
        course = courses.get_course(attempt.course_slug, include_archived=True)
        user = db.session.get(User, attempt.user_id)
        if course is not None and expire_if_due(attempt, user, course, now):
            yield attempt


def get_before_after(user, course_slug, attempts=None):
    """The learner's first pre-test score and best final score (None where not taken).

    `attempts`: the rows of list_course_attempts, when the caller has them already."""
    if attempts is None:
        attempts = list_course_attempts(user, course_slug)
    pre = [a for a in attempts if a.kind == "pre" and a.state == "submitted"]
    finals = [a.score for a in attempts if a.kind == "final" and a.state == "submitted"]
    first = min(pre, key=lambda a: (a.submitted_at, a.id), default=None)
    return (first.score if first else None), max(finals, default=None)


def list_withheld_questions(user, course, attempt):
    """Pre-test questions the final quiz also asks (same id or same text), while the learner
    has not yet submitted a final attempt: their answers wait for the final quiz's review.
    Trainers may reuse questions to measure the gain; the pre-test must not hand out the
    final's answers."""
    final = quiz_of(course.current_version, "final") if attempt.kind == "pre" else None
    if not final:
        return set()
    if any(
        a.kind == "final" and a.state == "submitted"
        for a in list_course_attempts(user, course.slug)
    ):
        return set()
    ids = {q["id"] for q in final["questions"]}
    texts = {plain_text(q["text"]) for q in final["questions"]}
    bank = get_bank(attempt)
    return {
        qid for qid in attempt.question_ids if qid in ids or plain_text(bank[qid]["text"]) in texts
    }


def list_reread_lessons(course, items):
    """The lessons that teach the missed questions, in course order: [(slug, title)]."""
    wanted = {item["lesson"] for item in items if not item["right"] and item["lesson"]}
    return [
        (lesson.slug, lesson.title)
        for lesson in course.current_version.outline()
        if lesson.slug in wanted
    ]


def grant_extra_attempts(actor, learner, course, extra, reason):
    """Give a learner in the actor's scope more attempts at the final quiz this cycle.

    Never to oneself; a trainer grants to learners only, as with their accounts and
    certificates (DESIGN §10.1); an admin to anyone else.
    """
    if learner.id == actor.id or not can_manage(actor, learner):
        raise ScopeError(_l("Người học không thuộc phạm vi của bạn."))
    if not 1 <= extra <= MAX_GRANT:
        raise QuizError(_l("Số lượt thêm phải từ 1 đến %(n)s.", n=MAX_GRANT))
    cycle = current_cycle(learner.id, course.slug)
    grant = AttemptGrant(
        user_id=learner.id,
        course_slug=course.slug,
        cycle=cycle,
        extra=extra,
        granted_by_id=actor.id,
        reason=reason,
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        "quiz.attempts_granted",
        "user",
        learner.id,
        actor=actor,
        unit_id=learner.unit_id,
        course=course.slug,
        cycle=cycle,
        extra=extra,
        grant_id=grant.id,
    )
    return grant


def list_blocked_learners(actor, course):
    """Learners in the actor's scope who used every final-quiz attempt of their cycle."""
    max_attempts = (
        (course.current_version.quiz_for("final") or {}).get("settings", {}).get("max_attempts", 0)
    )
    if not max_attempts:
        return []
    grants = (
        select(
            AttemptGrant.user_id,
            AttemptGrant.cycle,
            func.sum(AttemptGrant.extra).label("extra"),
        )
        .where(AttemptGrant.course_slug == course.slug)
        .group_by(AttemptGrant.user_id, AttemptGrant.cycle)
        .subquery()
    )
    used = (
        select(Attempt.user_id, Attempt.cycle, func.count().label("used"))
        .where(
            Attempt.course_slug == course.slug,
            Attempt.kind == "final",
            Attempt.state == "submitted",
        )
        .group_by(Attempt.user_id, Attempt.cycle)
        .subquery()
    )
    cycle = func.coalesce(CourseStatus.cycle, 1)
    query = (
        select(User)
        .join(used, used.c.user_id == User.id)
        .outerjoin(
            CourseStatus,
            (CourseStatus.user_id == User.id) & (CourseStatus.course_slug == course.slug),
        )
        .outerjoin(grants, (grants.c.user_id == User.id) & (grants.c.cycle == cycle))
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(
            used.c.cycle == cycle,
            used.c.used >= max_attempts + func.coalesce(grants.c.extra, 0),
            User.id != actor.id,
            scope_clause(actor, Unit.path),
        )
        .order_by(User.name_sort, User.id)
    )
    if actor.role != "admin":  # a trainer grants to learners only
        query = query.where(User.role == "learner")
    return list(db.session.scalars(query))


def get_scoped_learner(actor, user_id):
    """A user in the actor's scope by id, or None."""
    user = db.session.get(User, user_id)
    if user is None or user.id == actor.id or not in_scope(actor, user.unit):
        return None
    return user
