"""Catalog, course page, lesson reader, print views and course media."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.courses import authoring, services
from portal.extensions import db

bp = Blueprint("courses", __name__, url_prefix="/courses")

TOPIC_NAMES = {
    "rights": _l("Quyền trẻ em"),
    "abuse": _l("Xâm hại, bạo lực"),
    "drowning": _l("Đuối nước"),
    "injury": _l("Tai nạn thương tích"),
    "online": _l("An toàn trên mạng"),
    "data": _l("Thông tin trẻ em"),
    "parenting": _l("Nuôi dạy con"),
    "leadership": _l("Quản lý, giám sát"),
}


def _required_slugs():
    """Courses required of the current user (training/ declares requirements)."""
    try:
        from portal.training import services as training
    except ImportError:
        return set()
    if not current_user.is_authenticated or not hasattr(training, "list_required_slugs"):
        return set()
    return training.list_required_slugs(current_user)


def _course_or_404(slug):
    course = services.get_course(slug)
    if course is None:
        abort(404)
    return course


@bp.get("/")
def catalog():
    q = request.args.get("q", "", type=str)[:100]
    topic = request.args.get("topic", "", type=str)
    if topic and topic not in TOPIC_NAMES:
        topic = ""
    entries = services.list_catalog(
        current_user, q=q, topic=topic or None, required_slugs=_required_slugs()
    )
    return render_template(
        "courses/catalog.html",
        entries=entries,
        q=q,
        topic=topic,
        topics=[(t, str(TOPIC_NAMES[t])) for t in services.list_topics() if t in TOPIC_NAMES],
        locale=str(get_locale()),
    )


@bp.get("/<slug>/")
def course(slug):
    course = _course_or_404(slug)
    version = course.current_version
    lessons = version.outline()
    done = services.list_done_lessons(current_user, slug)
    status = services.get_status(current_user, slug)
    return render_template(
        "courses/course.html",
        certificate=_my_certificate(slug),
        course=course,
        version=version,
        lessons=lessons,
        done=done,
        status=status,
        resume=services.resume_lesson(lessons, done),
        extras=_course_extras(course),
        canonical=current_app.config["BASE_URL"].rstrip("/") + url_for("courses.course", slug=slug),
        locale=str(get_locale()),
    )


def _my_certificate(slug):
    """The learner's live certificate for this course and its state (certificates/ reads)."""
    if not current_user.is_authenticated or "certificates.mine" not in current_app.view_functions:
        return None
    from portal.certificates import services as certificates
    from portal.database import utcnow

    cert = certificates.get_live(current_user.id, slug)
    if cert is None:
        return None
    return {
        "state": cert.status_at(utcnow()),
        "expires_at": cert.expires_at,
        "can_renew": certificates.can_renew(cert),
    }


def _course_extras(course):
    """Links other features add to the course page: the final quiz and the pre-test."""
    version = course.current_version
    links = []
    for endpoint, label, present in (
        ("quizzes.overview", _("Bài kiểm tra cuối khóa"), version.has_quiz),
        ("quizzes.pre_test", _("Bài kiểm tra đầu vào"), version.quiz_for("pre") is not None),
    ):
        if present and endpoint in current_app.view_functions:
            links.append((url_for(endpoint, slug=course.slug), label))
    return links


@bp.get("/<slug>/<lesson_slug>")
def lesson(slug, lesson_slug):
    found = services.get_lesson_page(slug, lesson_slug)
    if found is None:
        abort(404)
    lesson, version, course = found
    outline = version.outline()
    index = next(i for i, item in enumerate(outline) if item.slug == lesson.slug)
    is_done = current_user.is_authenticated and lesson.slug in services.list_done_lessons(
        current_user, slug
    )
    return render_template(
        "courses/lesson.html",
        course=course,
        version=version,
        lesson=lesson,
        previous=outline[index - 1] if index > 0 else None,
        next=outline[index + 1] if index + 1 < len(outline) else None,
        position=index + 1,
        count=len(outline),
        is_done=is_done,
        canonical=current_app.config["BASE_URL"].rstrip("/")
        + url_for("courses.lesson", slug=slug, lesson_slug=lesson.slug),
        locale=str(get_locale()),
    )


@bp.post("/<slug>/<lesson_slug>/done")
@login_required
def complete(slug, lesson_slug):
    course = _course_or_404(slug)
    lessons = course.current_version.outline()
    lesson = next((item for item in lessons if item.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    status = services.complete_lesson(current_user, course, lesson.slug)
    db.session.commit()
    if status.completed_at:
        flash(_("Chúc mừng! Bạn đã hoàn thành khóa học."), "success")
        return redirect(url_for("courses.course", slug=slug))
    nxt = next((item for item in lessons if item.position > lesson.position), None)
    if nxt is None:
        return redirect(url_for("courses.course", slug=slug))
    return redirect(url_for("courses.lesson", slug=slug, lesson_slug=nxt.slug))


@bp.get("/<slug>/print")
def print_view(slug):
    course = _course_or_404(slug)
    version = course.current_version
    lessons = services.list_lessons(version)
    only = request.args.get("lesson")
    if only:
        lessons = [lesson for lesson in lessons if lesson.slug == only]
        if not lessons:
            abort(404)
    return render_template(
        "courses/print.html",
        course=course,
        version=version,
        lessons=lessons,
        locale=str(get_locale()),
    )


@bp.get("/<slug>/job-aid")
def job_aid(slug):
    course = _course_or_404(slug)
    if not course.current_version.job_aid_html:
        abort(404)
    return render_template(
        "courses/job_aid.html",
        course=course,
        version=course.current_version,
        locale=str(get_locale()),
    )


@bp.get("/media/<int:media_id>/<name>")
def media(media_id, name):
    found = authoring.get_media(current_user, media_id, name)
    if found is None:
        abort(404)
    item, public = found
    response = current_app.response_class(item.data, mimetype=item.content_type)
    # Media rows never change (a new image is a new row), so caches may keep them; a
    # draft's only in its editor's browser.
    scope = "public" if public else "private"
    response.headers["Cache-Control"] = f"{scope}, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# The authoring pages live on the same blueprint, in their own module.
from portal.courses import editor  # noqa: E402, F401
