"""The compliance dashboard, drill-down, transcripts and the inspection file downloads."""

from datetime import date, datetime

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.decorators import role_required
from portal.accounts.models import POSITIONS, User
from portal.accounts.scope import has_scope, in_scope
from portal.extensions import db
from portal.orgs.models import Unit
from portal.reports import charts, inspection, services
from portal.training import compliance

bp = Blueprint("reports", __name__, url_prefix="/reports")

VIEWERS = ("trainer", "manager", "admin")


FILTERS = ("unit", "as_of", "course", "position", "since")


class BadFilter(Exception):
    pass


def _params():
    """unit, as_of, course, position from the query string; BadFilter says what is wrong."""
    if not has_scope(current_user):
        abort(403)
    code = request.args.get("unit", "").strip()
    if code:
        unit = db.session.scalar(select(Unit).where(Unit.code == code, Unit.valid_to.is_(None)))
        if unit is None or not in_scope(current_user, unit):
            raise BadFilter(_("Không có đơn vị mã %(code)s trong phạm vi của bạn.", code=code[:40]))
    elif current_user.unit is not None:
        unit = current_user.unit
    else:
        unit = db.session.scalar(
            select(Unit)
            .where(Unit.parent_id.is_(None), Unit.valid_to.is_(None))
            .order_by(Unit.code)
            .limit(1)
        )
        if unit is None:
            raise BadFilter(_("Chưa có đơn vị nào."))
    as_of = _date_arg("as_of") or date.today()
    position = request.args.get("position") or None
    if position and position not in POSITIONS:
        raise BadFilter(_("Chức danh không hợp lệ."))
    course = request.args.get("course") or None
    if course and course not in compliance.course_rules():
        raise BadFilter(_("Không có khóa học này."))
    return unit, as_of, course, position


def _date_arg(name):
    """The date in the query string under `name`, or None when it is empty."""
    raw = request.args.get(name, "").strip()
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date() if raw else None
    except ValueError:
        raise BadFilter(_("Ngày không hợp lệ: %(v)s (dạng năm-tháng-ngày).", v=raw[:20])) from None


def _filter_args():
    """The filters as typed, and nothing else: the page's links repeat them."""
    return {name: request.args[name] for name in FILTERS if name in request.args}


def _bad(exc):
    return render_template("reports/error.html", message=str(exc)), 400


@bp.get("/")
@role_required(*VIEWERS)
def dashboard():
    try:
        unit, as_of, course, position = _params()
        since = _date_arg("since")  # parents' reach: completions from this day
        if since and since > as_of:
            raise BadFilter(_("Ngày bắt đầu phải trước ngày tính đến."))
    except BadFilter as exc:
        return _bad(exc)
    board = services.get_dashboard(
        unit, as_of, course_slug=course, position=position, reach_since=since
    )
    coverage = [
        (
            row.unit.name if row.unit else unit.name,
            compliance.share_compliant(sum(row.cells.values(), start=_empty())),
        )
        for row in board.filled
    ]
    gains = _gains(board, unit)
    return render_template(
        "reports/dashboard.html",
        board=board,
        since=since,
        unit=unit,
        args=_filter_args(),
        positions=POSITIONS,
        masked=services.masked,
        share=compliance.share_compliant,
        coverage_chart=charts.hbars(coverage, _("Tỷ lệ đạt theo đơn vị")) if coverage else None,
        months_chart=charts.columns(
            [(m[5:], n) for m, n in services.certificates_per_month(unit)],
            _("Chứng nhận cấp mỗi tháng"),
        ),
        gain_chart=charts.hbars(gains, _("Điểm trung bình trước và sau khóa học"))
        if gains
        else None,
        ancestors=_ancestors(unit),
    )


def _empty():
    from collections import Counter

    return Counter()


def _gains(board, unit):
    from portal.quizzes import statistics

    items = []
    for slug, title in board.courses:
        gain = statistics.get_knowledge_gain(slug, unit)
        if gain.learners:
            items.append((_("%(title)s trước", title=title[:14]), round(gain.pre_average or 0)))
            items.append((_("%(title)s sau", title=title[:14]), round(gain.post_average or 0)))
    return items


def _ancestors(unit):
    ids = unit.ancestor_ids()[:-1]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found and in_scope(current_user, found[i])]


@bp.get("/people")
@role_required(*VIEWERS)
def people():
    try:
        unit, as_of, course, position = _params()
    except BadFilter as exc:
        return _bad(exc)
    status = request.args.get("status") or None
    if status and status not in compliance.STATUSES:
        return _bad(_("Trạng thái không hợp lệ."))
    rows = services.list_people(unit, as_of, course_slug=course, position=position, status=status)
    return render_template(
        "reports/people.html",
        rows=rows,
        unit=unit,
        as_of=as_of,
        args=_filter_args(),
        names=services.list_unit_names(unit),
        titles={s: r[2] for s, r in compliance.course_rules().items()},
    )


@bp.get("/transcript/<int:user_id>")
@role_required(*VIEWERS)
def transcript(user_id):
    user = db.session.get(User, user_id)
    if user is None or user.unit is None or not in_scope(current_user, user.unit):
        abort(404)
    return render_template(
        "reports/transcript.html",
        t=services.get_transcript(user),
        titles={s: r[2] for s, r in compliance.course_rules().items()},
    )


@bp.get("/inspection")
@role_required(*VIEWERS)
def inspection_page():
    try:
        unit, as_of, course, position = _params()
    except BadFilter as exc:
        return _bad(exc)
    built = inspection.tables(unit, as_of, course_slug=course, position=position)
    return render_template(
        "reports/inspection.html",
        unit=unit,
        as_of=as_of,
        args=_filter_args(),
        tables=[
            (n, built[n][0], built[n][1], list(built[n][2]))
            for n in ("summary", "overdue", "sessions")
        ],
        period=services.default_period(as_of),
    )


def _download(body, mimetype, filename):
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/inspection.xlsx")
@role_required(*VIEWERS)
def inspection_xlsx():
    try:
        unit, as_of, course, position = _params()
    except BadFilter as exc:
        return _bad(exc)
    body = inspection.workbook(unit, as_of, course_slug=course, position=position)
    return _download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"ho-so-kiem-tra-{unit.code}-{as_of}.xlsx",
    )


@bp.get("/inspection.pdf")
@role_required(*VIEWERS)
def inspection_pdf():
    try:
        unit, as_of, course, position = _params()
    except BadFilter as exc:
        return _bad(exc)
    body = inspection.pdf_report(unit, as_of, course_slug=course, position=position)
    return _download(body, "application/pdf", f"ho-so-kiem-tra-{unit.code}-{as_of}.pdf")


@bp.get("/<table>.csv")
@role_required(*VIEWERS)
def table_csv(table):
    if table not in inspection.TABLES:
        abort(404)
    try:
        unit, as_of, course, position = _params()
    except BadFilter as exc:
        return _bad(exc)
    body = inspection.csv_table(unit, as_of, table, course_slug=course, position=position)
    return _download(body, "text/csv; charset=utf-8", f"{table}-{unit.code}-{as_of}.csv")
