"""Requirements, sessions (attendance, QR check-in, sign-in sheet) and my required trainings."""

import io
from datetime import datetime, timedelta, timezone

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.accounts.decorators import role_required
from portal.accounts.scope import has_scope, in_scope
from portal.courses import services as courses
from portal.extensions import db
from portal.orgs.models import Unit
from portal.training import services
from portal.training.forms import PaperPersonForm, RequirementForm, SessionForm
from portal.training.models import Requirement, TrainingSession
from portal.training.services import TrainingError

bp = Blueprint("training", __name__, url_prefix="/training")

VIETNAM = timezone(timedelta(hours=7))  # no daylight saving


def _course_choices():
    return [
        (e.course.slug, e.version.title)
        for e in courses.list_catalog(None)
        if not e.version.for_parents
    ]


def _unit_in_scope(code):
    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip(), Unit.valid_to.is_(None)))
    if unit is None or not in_scope(current_user, unit):
        return None
    return unit


def _scope_root():
    """The unit whose subtree the lists show; None for an admin, who sees them all."""
    if not has_scope(current_user):
        abort(403)
    return None if current_user.role == "admin" else current_user.unit


def _session_or_404(session_id):
    session = db.session.get(TrainingSession, session_id)
    if session is None or not in_scope(current_user, session.unit):
        abort(404)
    return session


@bp.get("/mine")
@login_required
def mine():
    return render_template("training/mine.html", rows=services.list_my_requirements(current_user))


@bp.get("/requirements")
@role_required("trainer", "manager", "admin")
def requirements():
    return render_template(
        "training/requirements.html", requirements=services.list_requirements(_scope_root())
    )


def _course_and_unit_form(form_class):
    """A form choosing a course and a unit, the unit defaulting to the user's own."""
    form = form_class()
    form.course.choices = _course_choices()
    if current_user.unit and request.method == "GET":
        form.unit.data = current_user.unit.code
    return form


def _submitted_unit(form):
    """The unit the valid submitted form names, or None (with the field's error set)."""
    if not form.validate_on_submit():
        return None
    unit = _unit_in_scope(form.unit.data)
    if unit is None:
        form.unit.errors.append(_("Không có đơn vị mã này trong phạm vi của bạn."))
    return unit


@bp.route("/requirements/new", methods=["GET", "POST"])
@role_required("trainer", "admin")
def new_requirement():
    form = _course_and_unit_form(RequirementForm)
    unit = _submitted_unit(form)
    if unit is not None:
        try:
            services.create_requirement(
                current_user,
                unit,
                form.course.data,
                form.positions.data,
                form.first_due_on.data,
                form.attendance_counts.data,
                form.note.data or "",
            )
        except TrainingError as exc:
            form.course.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Đã thêm yêu cầu đào tạo."), "success")
            return redirect(url_for("training.requirements"))
    return render_template("training/requirement_form.html", form=form), (
        400 if form.errors else 200
    )


@bp.post("/requirements/<int:requirement_id>/archive")
@role_required("trainer", "admin")
def archive_requirement(requirement_id):
    req = db.session.get(Requirement, requirement_id)
    if req is None or not in_scope(current_user, req.unit):
        abort(404)
    services.archive_requirement(req, current_user)
    db.session.commit()
    flash(_("Đã ngừng yêu cầu này."), "success")
    return redirect(url_for("training.requirements"))


@bp.get("/sessions")
@role_required("trainer", "manager", "admin")
def sessions():
    return render_template(
        "training/sessions.html", sessions=services.list_sessions(_scope_root()), vietnam=VIETNAM
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@role_required("trainer", "admin")
def new_session():
    form = _course_and_unit_form(SessionForm)
    unit = _submitted_unit(form)
    if unit is not None:
        starts = datetime.combine(form.day.data, form.start.data, VIETNAM)
        ends = datetime.combine(form.day.data, form.end.data, VIETNAM)
        try:
            session = services.schedule_session(
                current_user, unit, form.course.data, starts, ends, form.place.data
            )
        except TrainingError as exc:
            form.end.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for("training.session", session_id=session.id))
    return render_template("training/session_form.html", form=form), 400 if form.errors else 200


@bp.get("/sessions/<int:session_id>")
@role_required("trainer", "manager", "admin")
def session(session_id):
    return _session_page(_session_or_404(session_id))


def _session_page(session, status=200):
    course = courses.get_course(session.course_slug)
    present = {a.user_id: a for a in session.attendance}
    return render_template(
        "training/session.html",
        session=session,
        course=course,
        roster=services.list_roster(session),
        present=present,
        can_edit=current_user.role in ("trainer", "admin"),
        paper_form=PaperPersonForm(),
        vietnam=VIETNAM,
        checkin_url=_checkin_url(session),
    ), status


def _checkin_url(session):
    return current_app.config["BASE_URL"].rstrip("/") + url_for(
        "training.checkin", session_id=session.id, token=session.checkin_token
    )


@bp.post("/sessions/<int:session_id>/attendance")
@role_required("trainer", "admin")
def attendance(session_id):
    session = _session_or_404(session_id)
    try:
        ids = [int(x) for x in request.form.getlist("present")]
        services.record_attendance(session, ids, current_user)
    except (ValueError, TrainingError) as exc:
        flash(str(exc) if isinstance(exc, TrainingError) else _("Danh sách không hợp lệ."), "error")
        return _session_page(session, 400)
    db.session.commit()
    flash(_("Đã lưu điểm danh."), "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.post("/sessions/<int:session_id>/lessons")
@role_required("trainer", "admin")
def lessons(session_id):
    session = _session_or_404(session_id)
    try:
        services.set_lessons_covered(session, request.form.getlist("lesson"), current_user)
    except TrainingError as exc:
        flash(str(exc), "error")
        return _session_page(session, 400)
    db.session.commit()
    flash(_("Đã lưu các bài học đã dạy; tiến độ của người dự đã cập nhật."), "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.post("/sessions/<int:session_id>/scores")
@role_required("trainer", "admin")
def scores(session_id):
    session = _session_or_404(session_id)
    parsed = {}
    try:
        for a in session.attendance:
            pre = request.form.get(f"pre-{a.user_id}", "").strip()
            post = request.form.get(f"post-{a.user_id}", "").strip()
            parsed[a.user_id] = (int(pre) if pre else None, int(post) if post else None)
        services.set_scores(session, parsed)
    except (ValueError, TrainingError):
        flash(_("Điểm phải là số từ 0 đến 100."), "error")
        return _session_page(session, 400)
    db.session.commit()
    flash(_("Đã lưu điểm kiểm tra trên giấy."), "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.post("/sessions/<int:session_id>/people")
@role_required("trainer", "admin")
def add_person(session_id):
    session = _session_or_404(session_id)
    form = PaperPersonForm()
    if not form.validate_on_submit():
        flash(_("Hãy nhập họ tên và chức danh."), "error")
        return _session_page(session, 400)
    try:
        services.add_paper_person(session, form.full_name.data, form.position.data, current_user)
    except TrainingError as exc:
        flash(str(exc), "error")
        return _session_page(session, 400)
    db.session.commit()
    flash(_("Đã thêm người dự (không có tài khoản)."), "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.get("/sessions/<int:session_id>/print")
@role_required("trainer", "manager", "admin")
def sign_in_sheet(session_id):
    session = _session_or_404(session_id)
    return render_template(
        "training/sign_in_sheet.html",
        session=session,
        course=courses.get_course(session.course_slug),
        roster=services.list_roster(session),
        vietnam=VIETNAM,
    )


@bp.get("/sessions/<int:session_id>/qr.svg")
@role_required("trainer", "admin")
def qr(session_id):
    session = _session_or_404(session_id)
    buf = io.BytesIO()
    segno.make(_checkin_url(session), error="m").save(buf, kind="svg", scale=6, border=2)
    return Response(buf.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.route("/checkin/<int:session_id>/<token>", methods=["GET", "POST"])
@login_required
def checkin(session_id, token):
    session = db.session.get(TrainingSession, session_id)
    if session is None or token != session.checkin_token:
        abort(404)
    if request.method == "GET":
        return render_template(
            "training/checkin.html",
            session=session,
            course=courses.get_course(session.course_slug),
            vietnam=VIETNAM,
        )
    try:
        added = services.check_in(session, current_user, token)
    except TrainingError as exc:
        flash(str(exc), "error")
        return render_template(
            "training/checkin.html",
            session=session,
            course=courses.get_course(session.course_slug),
            vietnam=VIETNAM,
        ), 400
    db.session.commit()
    flash(_("Đã điểm danh. Cảm ơn bạn!") if added else _("Bạn đã điểm danh rồi."), "success")
    return redirect(url_for("main.index"))
