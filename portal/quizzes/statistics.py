"""Question statistics and knowledge gain: set-based reads over submitted attempts.

Trainers see learners whose unit lies in their subtree (admins: everyone). The reports
package reads knowledge gain through get_knowledge_gain.
"""

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.accounts.scope import scope_clause, subtree_clause
from portal.extensions import db
from portal.orgs.models import Unit
from portal.quizzes.models import Attempt, AttemptAnswer

SMALL = 5  # counts below this are shown as "<5" for parents' courses
DIFFICULT_BELOW = 0.5  # share of correct answers under which a question is "difficult"
GROUP_PERCENT = 27  # upper and lower groups of the discrimination index


def masked(count, small):
    """A count as shown: "<5" for 1 to 4 when the course is for parents."""
    return "<5" if small and 0 < count < SMALL else str(count)


@dataclass
class QuestionStats:
    id: str
    text: str | None  # HTML from the current bank; None for a question since removed
    answered: int
    right: int
    discrimination: float | None  # upper-group share right minus lower-group share right
    # [(source position, option HTML or None, times chosen)], most chosen first
    wrong_options: list = field(default_factory=list)

    @property
    def share(self):
        return self.right / self.answered if self.answered else 0.0

    @property
    def difficult(self):
        return self.share < DIFFICULT_BELOW


@dataclass
class CourseStats:
    attempts: int
    passed: int
    median: float | None
    questions: list
    small: bool  # a parents' course: small counts are masked

    @property
    def pass_rate(self):
        return self.passed / self.attempts if self.attempts else 0.0

    @property
    def difficult(self):
        return [q for q in self.questions if q.difficult]

    def count(self, n):
        return masked(n, self.small)


def _scoped_attempts(viewer, course_slug, kind):
    """Submitted attempts at one quiz by learners in the viewer's scope."""
    return (
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(
            Attempt.course_slug == course_slug,
            Attempt.kind == kind,
            Attempt.state == "submitted",
            scope_clause(viewer, Unit.path),
        )
    )


def get_course_stats(viewer, course, kind="final"):
    """Attempts, pass rate, median score and per-question figures for a course's quiz."""
    version = course.current_version
    quiz = version.quiz_for(kind) or {"questions": []}
    bank = {q["id"]: q for q in quiz["questions"]}
    scoped = _scoped_attempts(viewer, course.slug, kind)

    attempts, passed = _totals(scoped)
    return CourseStats(
        attempts=attempts,
        passed=passed,
        median=_median(scoped),
        questions=_questions(scoped, bank),
        small=version.for_parents,
    )


def _totals(scoped):
    sub = scoped.subquery()
    return db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((sub.c.passed, 1), else_=0)), 0))
    ).one()


def _median(scoped):
    sub = scoped.subquery()
    ordered = select(
        sub.c.score,
        func.row_number().over(order_by=sub.c.score).label("rn"),
        func.count().over().label("n"),
    ).subquery()
    middle = (ordered.c.rn == (ordered.c.n + 1) // 2) | (ordered.c.rn == (ordered.c.n + 2) // 2)
    value = db.session.scalar(select(func.avg(ordered.c.score)).where(middle))
    return None if value is None else float(value)


def _questions(scoped, bank):
    sub = scoped.subquery()
    ranked = select(
        sub.c.id.label("attempt_id"),
        func.row_number().over(order_by=(sub.c.score.desc(), sub.c.id)).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    group = (ranked.c.n * GROUP_PERCENT + 50) // 100  # 27% of attempts, rounded
    upper = ranked.c.rank <= group
    lower = ranked.c.rank > ranked.c.n - group
    right = AttemptAnswer.correct

    def total(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(
            AttemptAnswer.question_id,
            func.count(),
            total(right),
            total(upper),
            total(upper & right),
            total(lower),
            total(lower & right),
        )
        .join(ranked, ranked.c.attempt_id == AttemptAnswer.attempt_id)
        .group_by(AttemptAnswer.question_id)
    ).all()
    wrong = _wrong_options(sub, bank)
    stats = []
    for qid, answered, n_right, n_upper, upper_right, n_lower, lower_right in rows:
        discrimination = None
        if n_upper and n_lower:
            discrimination = upper_right / n_upper - lower_right / n_lower
        question = bank.get(qid)
        stats.append(
            QuestionStats(
                id=qid,
                text=question["text"] if question else None,
                answered=answered,
                right=int(n_right),
                discrimination=discrimination,
                wrong_options=wrong.get(qid, []),
            )
        )
    order = {qid: i for i, qid in enumerate(bank)}
    stats.sort(key=lambda s: (order.get(s.id, len(order)), s.id))
    return stats


def _wrong_options(scoped_sub, bank):
    """How often each wrong option was chosen, by question id and source position."""
    rows = db.session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.chosen, func.count())
        .join(scoped_sub, scoped_sub.c.id == AttemptAnswer.attempt_id)
        .where(AttemptAnswer.correct.is_(False), AttemptAnswer.chosen != "")
        .group_by(AttemptAnswer.question_id, AttemptAnswer.chosen)
    ).all()
    counts = {}
    for qid, chosen, n in rows:
        question = bank.get(qid)
        correct = set(question["correct"]) if question else set()
        for position in (int(p) for p in chosen.split(",")):
            if position not in correct:
                per_question = counts.setdefault(qid, {})
                per_question[position] = per_question.get(position, 0) + n
    result = {}
    for qid, per_position in counts.items():
        options = bank[qid]["options"] if qid in bank else []
        result[qid] = sorted(
            (
                (pos, options[pos] if pos < len(options) else None, n)
                for pos, n in per_position.items()
            ),
            key=lambda item: (-item[2], item[0]),
        )
    return result


@dataclass
class KnowledgeGain:
    """Learners who took both the pre-test and the final quiz: first pre vs best final."""

    learners: int
    pre_average: float | None
    post_average: float | None
    unit: Unit | None = None

    @property
    def gain(self):
        if self.pre_average is None or self.post_average is None:
            return None
        return self.post_average - self.pre_average


def _gain_rows(course_slug):
    first_pre = (
        select(
            Attempt.user_id,
            Attempt.score,
            func.row_number()
            .over(partition_by=Attempt.user_id, order_by=(Attempt.submitted_at, Attempt.id))
            .label("rn"),
        )
        .where(
            Attempt.course_slug == course_slug,
            Attempt.kind == "pre",
            Attempt.state == "submitted",
        )
        .subquery()
    )
    best_final = (
        select(Attempt.user_id, func.max(Attempt.score).label("best"))
        .where(
            Attempt.course_slug == course_slug,
            Attempt.kind == "final",
            Attempt.state == "submitted",
        )
        .group_by(Attempt.user_id)
        .subquery()
    )
    columns = (
        func.count(),
        func.avg(first_pre.c.score),
        func.avg(best_final.c.best),
    )
    query = (
        select(*columns)
        .select_from(first_pre)
        .join(best_final, best_final.c.user_id == first_pre.c.user_id)
        .join(User, User.id == first_pre.c.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(first_pre.c.rn == 1)
    )
    return query


def _gain(row, unit=None):
    learners, pre, post = row
    return KnowledgeGain(
        learners=learners,
        pre_average=None if pre is None else float(pre),
        post_average=None if post is None else float(post),
        unit=unit,
    )


def get_knowledge_gain(course_slug, unit=None):
    """Average first pre-test and best final score of learners under `unit` (None: all)."""
    query = _gain_rows(course_slug)
    if unit is not None:
        query = query.where(subtree_clause(unit))
    return _gain(db.session.execute(query).one(), unit)


def list_knowledge_gain_by_unit(course_slug, parent=None):
    """Knowledge gain per child unit of `parent` (None: per top-level unit), in one query."""
    child = aliased(Unit)
    query = _gain_rows(course_slug).join(
        child,
        (child.parent_id == parent.id if parent is not None else child.parent_id.is_(None))
        & Unit.path.like(child.path + "%"),
    )
    rows = db.session.execute(query.add_columns(child.id).group_by(child.id)).all()
    units = {
        u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([r[3] for r in rows])))
    }
    gains = [_gain(row[:3], units[row[3]]) for row in rows]
    return sorted(gains, key=lambda g: g.unit.name_folded)


def get_scoped_gain(viewer, course_slug):
    """Knowledge gain in the viewer's scope, overall and per child unit."""
    if viewer.role == "admin":
        return get_knowledge_gain(course_slug), list_knowledge_gain_by_unit(course_slug)
    if viewer.unit is None:
        return KnowledgeGain(learners=0, pre_average=None, post_average=None), []
    return (
        get_knowledge_gain(course_slug, viewer.unit),
        list_knowledge_gain_by_unit(course_slug, viewer.unit),
    )
