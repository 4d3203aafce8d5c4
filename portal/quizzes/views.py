"""Quiz pages: rules and history, the answer sheet, results, trainers' statistics."""

import math
from datetime import timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.decorators import role_required
from portal.courses import services as courses
from portal.database import utcnow
from portal.extensions import db
from portal.quizzes import grading, services, statistics
from portal.quizzes.forms import ActionForm, GrantForm
from portal.quizzes.models import Attempt
from portal.quizzes.services import QuizError, ScopeError
from portal.text import nfc

bp = Blueprint("quizzes", __name__, url_prefix="/courses")

PAGE_SIZE = 10  # questions per page of the answer sheet
HISTORY = 10  # attempts listed on the quiz page before "show all"
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving
STATS_ROLES = ("trainer", "manager", "admin")
GRANT_ROLES = ("trainer", "admin")
# Which wrong options were chosen tells which are wrong: for the people who write and
# teach the quizzes, not for managers, who may have to pass them too.
OPTION_ROLES = ("trainer", "admin")


def local_time(moment):
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") if moment else ""


def _course_or_404(slug, kind="final", include_archived=False):
    course = courses.get_course(slug, include_archived=include_archived)
    if course is None or not services.quiz_of(course.current_version, kind):
        abort(404)
    return course


def _own_attempt(slug, attempt_id, for_update=False):
    """The course and the current user's own attempt on it; 404 for anyone else's."""
    found = services.get_own_attempt(current_user, slug, attempt_id, for_update)
    if found is None:
        abort(404)
    return found


@bp.get("/<slug>/quiz")
@login_required
def overview(slug):
    return _overview(slug, "final")


@bp.get("/<slug>/pre-quiz")
@login_required
def pre_test(slug):
    return _overview(slug, "pre")


def _overview(slug, kind):
    course = _course_or_404(slug, kind)
    mine = services.list_course_attempts(current_user, slug)
    current = next((a for a in mine if a.kind == kind and a.state == "open"), None)
    if current is not None:
        current = db.session.get(Attempt, current.id)
        if services.expire_if_due(current, current_user, course):
            db.session.commit()
            current = None
            mine = services.list_course_attempts(current_user, slug)  # with its result
    history = [a for a in mine if a.kind == kind]
    shown = history if request.args.get("all") == "1" else history[:HISTORY]
    quiz = services.quiz_of(course.current_version, kind)
    return render_template(
        "quizzes/overview.html",
        course=course,
        version=course.current_version,
        kind=kind,
        rules=services.get_rules(quiz),
        limits=services.get_limits(current_user, course, kind, attempts=mine),
        current=current,
        attempts=shown,
        attempts_total=len(history),
        before_after=services.get_before_after(current_user, slug, attempts=mine),
        form=ActionForm(),
        local_time=local_time,
    )


@bp.post("/<slug>/quiz/start")
@login_required
def start(slug):
    return _start(slug, "final")


@bp.post("/<slug>/pre-quiz/start")
@login_required
def start_pre_test(slug):
    return _start(slug, "pre")


def _start(slug, kind):
    course = _course_or_404(slug, kind)
    try:
        attempt, _created = services.start_attempt(current_user, course, kind)
    except QuizError as exc:
        db.session.commit()  # an open attempt past its time may have been graded first
        flash(str(exc), "error")
        return redirect(url_for(".overview" if kind == "final" else ".pre_test", slug=slug))
    db.session.commit()
    return redirect(url_for(".attempt", slug=slug, attempt_id=attempt.id))


@bp.get("/<slug>/attempts/<int:attempt_id>")
@login_required
def attempt(slug, attempt_id):
    course, attempt = _own_attempt(slug, attempt_id)
    if services.expire_if_due(attempt, current_user, course):
        db.session.commit()
    bank = services.get_bank(attempt)
    if attempt.is_open:
        return _take_page(course, attempt, bank)
    items = grading.withhold(
        grading.review_items(bank, attempt.questions, attempt.answers),
        services.list_withheld_questions(current_user, course, attempt),
    )
    return render_template(
        "quizzes/result.html",
        course=course,
        attempt=attempt,
        items=items,
        missed_must=[item for item in items if item["must"] and item["right"] is False],
        reread=services.list_reread_lessons(course, items),
        local_time=local_time,
    )


def _pages(attempt):
    return max(1, math.ceil(len(attempt.questions) / PAGE_SIZE))


def _page_ids(attempt, page):
    return attempt.question_ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def _take_page(course, attempt, bank):
    pages = _pages(attempt)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    items = grading.take_items(bank, attempt.questions, attempt.answers)
    minutes_left = None
    if attempt.deadline_at is not None:
        seconds = (attempt.deadline_at - utcnow()).total_seconds()
        minutes_left = max(0, math.ceil(seconds / 60))
    return render_template(
        "quizzes/take.html",
        course=course,
        attempt=attempt,
        items=items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(items),
        answered=sum(1 for chosen in attempt.answers.values() if chosen),
        page=page,
        pages=pages,
        minutes_left=minutes_left,
        form=ActionForm(),
        local_time=local_time,
    )


def _posted_answers(attempt, bank):
    """The answers on the posted page; a forged question or option is a 400."""
    page = request.form.get("page", 1, type=int)
    try:
        return grading.read_answers(
            request.form.items(multi=True),
            attempt.questions,
            bank,
            shown_ids=_page_ids(attempt, page),
        )
    except grading.AnswerError:
        abort(400)


@bp.post("/<slug>/attempts/<int:attempt_id>/save")
@login_required
def save(slug, attempt_id):
    course, attempt = _own_attempt(slug, attempt_id, for_update=True)
    if not attempt.is_open:
        flash(_("Bài này đã nộp, không sửa được nữa."), "error")
        return redirect(url_for(".attempt", slug=slug, attempt_id=attempt_id))
    answers = _posted_answers(attempt, services.get_bank(attempt))
    outcome = services.save_answers(attempt, current_user, course, answers)
    db.session.commit()
    if outcome == "expired":
        flash(
            _(
                "Đã hết giờ làm bài nên câu trả lời mới không được lưu. "
                "Bài đã được chấm với những câu trả lời đã lưu trước đó."
            ),
            "error",
        )
    elif outcome == "closed":
        flash(_("Bài này đã nộp, không sửa được nữa."), "error")
    else:
        flash(_("Đã lưu câu trả lời."), "success")
    page = min(max(request.form.get("go", 1, type=int), 1), _pages(attempt))
    return redirect(url_for(".attempt", slug=slug, attempt_id=attempt_id, page=page))


@bp.post("/<slug>/attempts/<int:attempt_id>/submit")
@login_required
def submit(slug, attempt_id):
    course, attempt = _own_attempt(slug, attempt_id, for_update=True)
    if attempt.is_open:  # a second click or a retry just shows the result
        bank = services.get_bank(attempt)
        answers = _posted_answers(attempt, bank)
        services.submit_attempt(attempt, current_user, course, answers=answers, bank=bank)
        db.session.commit()
    return redirect(url_for(".attempt", slug=slug, attempt_id=attempt_id))


@bp.get("/<slug>/stats")
@role_required(*STATS_ROLES)
def stats(slug):
    course = _course_or_404(slug, include_archived=True)
    return _stats_page(course, GrantForm())


def _stats_page(course, grant_form, status=200):
    kind = (
        "pre"
        if request.args.get("kind") == "pre" and course.current_version.quiz_for("pre")
        else "final"
    )
    can_grant = current_user.role in GRANT_ROLES
    total, by_unit = statistics.get_scoped_gain(current_user, course.slug)
    return render_template(
        "quizzes/stats.html",
        course=course,
        version=course.current_version,
        kind=kind,
        stats=statistics.get_course_stats(current_user, course, kind),
        gain=total,
        gains=by_unit,
        can_grant=can_grant,
        show_options=current_user.role in OPTION_ROLES,
        blocked=services.list_blocked_learners(current_user, course) if can_grant else [],
        grant_form=grant_form,
    ), status


@bp.post("/<slug>/quiz/grant")
@role_required(*GRANT_ROLES)
def grant(slug):
    course = _course_or_404(slug)
    form = GrantForm()
    if not form.validate_on_submit() or not form.user_id.data.isdigit():
        flash(_("Vui lòng kiểm tra lại số lượt và lý do."), "error")
        return _stats_page(course, form, 400)
    learner = services.get_scoped_learner(current_user, int(form.user_id.data))
    if learner is None:
        abort(404)
    try:
        services.grant_extra_attempts(
            current_user, learner, course, form.extra.data, nfc(form.reason.data.strip())
        )
    except ScopeError:
        abort(404)
    db.session.commit()
    flash(
        _("Đã cho %(name)s thêm %(n)s lượt làm bài.", name=learner.full_name, n=form.extra.data),
        "success",
    )
    return redirect(url_for(".stats", slug=slug))
