"""Web authoring pages for trainers: drafts, preview, images, publish, zip in and out."""

from functools import wraps

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.courses import authoring
from portal.courses.authoring import AuthoringError
from portal.courses.forms import (
    CopyForm,
    FileForm,
    ImportForm,
    LessonForm,
    NewCourseForm,
    SettingsForm,
    UploadForm,
)
from portal.courses.views import bp
from portal.extensions import db
from portal.markdown import render

FILE_KINDS = {"quiz": "quiz.md", "pre-quiz": "pre-quiz.md", "job-aid": "job-aid.md"}


def author_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not authoring.can_author(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _editable_or_404(slug):
    course = authoring.get_course_any(slug)
    if course is None or not authoring.can_edit(current_user, course):
        abort(404)
    return course


def _flash_error(exc):
    """Say what went wrong: every problem the error lists, then its message."""
    for problem in exc.problems:
        flash(str(problem), "error")
    flash(str(exc), "error")


def _fail(exc, template, status=400, **context):
    _flash_error(exc)
    return render_template(template, **context), status


@bp.get("/manage")
@author_required
def manage():
    editable, bundled = authoring.list_editable_courses(current_user)
    return render_template(
        "courses/manage.html",
        editable=editable,
        bundled=bundled,
        new_form=NewCourseForm(),
        import_form=ImportForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@author_required
def new():
    form = NewCourseForm()
    if form.validate_on_submit():
        try:
            course = authoring.create_course(
                current_user, form.title.data.strip(), form.slug.data or None
            )
        except AuthoringError as exc:
            form.slug.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for("courses.edit", slug=course.slug))
    return render_template("courses/new.html", form=form), 400 if form.errors else 200


@bp.post("/import")
@author_required
def import_course():
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn một tệp zip."), "error")
        return redirect(url_for("courses.manage"))
    try:
        course = authoring.import_zip(current_user, form.archive.data.read())
    except AuthoringError as exc:
        editable, bundled = authoring.list_editable_courses(current_user)
        return _fail(
            exc,
            "courses/manage.html",
            editable=editable,
            bundled=bundled,
            new_form=NewCourseForm(),
            import_form=form,
        )
    db.session.commit()
    flash(_("Đã nhập khóa học thành bản nháp. Kiểm tra rồi bấm Xuất bản."), "success")
    return redirect(url_for("courses.edit", slug=course.slug))


def _editor(course, form, status=200, preview=None):
    return render_template(
        "courses/edit.html",
        course=course,
        form=form,
        lessons=authoring.list_draft_lessons(course),
        media=sorted(authoring.draft_media(course)),
        problems=authoring.draft_problems(course),
        upload_form=UploadForm(),
        import_form=ImportForm(),
        preview=preview,
        file_kinds=FILE_KINDS,
    ), status


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@author_required
def edit(slug):
    course = _editable_or_404(slug)
    meta, overview = authoring.read_settings(course)
    form = SettingsForm(
        data={**meta, "sources": "\n".join(meta.get("sources") or []), "overview": overview}
    )
    if request.method == "POST":
        form = SettingsForm()
        if not form.validate():
            return _editor(course, form, 400)
        authoring.save_settings(course, form.meta_dict(), form.overview.data or "")
        db.session.commit()
        flash(_("Đã lưu bản nháp."), "success")
        return redirect(url_for("courses.edit", slug=slug))
    return _editor(course, form)


@bp.route("/<slug>/edit/lessons/new", methods=["GET", "POST"], defaults={"lesson_slug": None})
@bp.route("/<slug>/edit/lessons/<lesson_slug>", methods=["GET", "POST"])
@author_required
def edit_lesson(slug, lesson_slug):
    course = _editable_or_404(slug)
    lessons = {
        s: (title, minutes, body)
        for _, s, _, title, minutes, body in authoring.list_draft_lessons(course)
    }
    if lesson_slug is not None and lesson_slug not in lessons:
        abort(404)
    data = {}
    if lesson_slug:
        title, minutes, body = lessons[lesson_slug]
        data = {"title": title, "slug": lesson_slug, "minutes": minutes, "body": body}
    form = LessonForm(data=data) if request.method == "GET" else LessonForm()
    preview = None
    status = 200
    if request.method == "POST":
        if "preview" in request.form:
            preview = render(form.body.data or "")  # the one place Markdown renders on request
        elif form.validate():
            try:
                authoring.save_lesson(
                    course,
                    form.slug.data,
                    form.title.data.strip(),
                    form.minutes.data,
                    form.body.data,
                    old_slug=lesson_slug,
                )
            except AuthoringError as exc:
                form.slug.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Đã lưu bài học vào bản nháp."), "success")
                return redirect(url_for("courses.edit", slug=slug))
        if form.errors:
            status = 400
    return render_template(
        "courses/edit_lesson.html",
        course=course,
        form=form,
        lesson_slug=lesson_slug,
        preview=preview,
    ), status


@bp.post("/<slug>/edit/lessons/<lesson_slug>/delete")
@author_required
def delete_lesson(slug, lesson_slug):
    course = _editable_or_404(slug)
    try:
        authoring.delete_lesson(course, lesson_slug)
    except AuthoringError:
        abort(404)
    db.session.commit()
    flash(_("Đã xóa bài học khỏi bản nháp."), "success")
    return redirect(url_for("courses.edit", slug=slug))


@bp.post("/<slug>/edit/lessons/<lesson_slug>/move")
@author_required
def move_lesson(slug, lesson_slug):
    course = _editable_or_404(slug)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        authoring.move_lesson(course, lesson_slug, step)
    except AuthoringError:
        abort(404)
    db.session.commit()
    return redirect(url_for("courses.edit", slug=slug))


@bp.route("/<slug>/edit/files/<kind>", methods=["GET", "POST"])
@author_required
def edit_file(slug, kind):
    course = _editable_or_404(slug)
    if kind not in FILE_KINDS:
        abort(404)
    name = FILE_KINDS[kind]
    form = FileForm(data={"text": authoring.get_draft(course).get(name, "")})
    problems = []
    status = 200
    if request.method == "POST":
        form = FileForm()
        if form.validate():
            authoring.save_file(course, name, form.text.data or "")
            db.session.commit()
            problems = [p for p in authoring.draft_problems(course) if p.file.endswith("/" + name)]
            if not problems:
                flash(_("Đã lưu vào bản nháp."), "success")
                return redirect(url_for("courses.edit", slug=slug))
            status = 400
        else:
            status = 400
    return render_template(
        "courses/edit_file.html", course=course, form=form, kind=kind, name=name, problems=problems
    ), status


@bp.post("/<slug>/edit/media")
@author_required
def upload_media(slug):
    course = _editable_or_404(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn một ảnh."), "error")
        return _editor(course, SettingsForm(), 400)
    try:
        name = authoring.upload_image(course, form.image.data.filename, form.image.data.read())
    except AuthoringError as exc:
        flash(str(exc), "error")
        return _editor(course, SettingsForm(), 400)
    db.session.commit()
    flash(_("Đã tải ảnh lên. Chèn vào bài bằng: ![mô tả ảnh](%(name)s)", name=name), "success")
    return redirect(url_for("courses.edit", slug=slug))


@bp.post("/<slug>/edit/publish")
@author_required
def publish(slug):
    course = _editable_or_404(slug)
    try:
        authoring.publish_draft(course, current_user)
    except AuthoringError as exc:
        flash(str(exc), "error")
        return _editor(course, SettingsForm(), 400)
    db.session.commit()
    flash(_("Đã xuất bản phiên bản mới. Người học giữ nguyên tiến độ."), "success")
    return redirect(url_for("courses.course", slug=slug))


@bp.post("/<slug>/edit/import")
@author_required
def import_into(slug):
    course = _editable_or_404(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn một tệp zip."), "error")
        return redirect(url_for("courses.edit", slug=slug))
    try:
        authoring.import_zip(current_user, form.archive.data.read(), existing=course)
    except AuthoringError as exc:
        _flash_error(exc)
        return _editor(course, SettingsForm(), 400)
    db.session.commit()
    flash(_("Đã nhập tệp zip vào bản nháp."), "success")
    return redirect(url_for("courses.edit", slug=slug))


@bp.post("/<slug>/copy")
@author_required
def copy(slug):
    source = authoring.get_course_any(slug)
    if (
        source is None
        or source.current_version is None
        or not authoring.can_copy(current_user, source)
    ):
        abort(404)
    form = CopyForm()
    if not form.validate_on_submit():
        flash(_("Hãy nhập tên cho bản sao."), "error")
        return redirect(url_for("courses.manage"))
    try:
        course = authoring.copy_course(
            source, current_user, form.slug.data or None, form.title.data.strip()
        )
    except AuthoringError as exc:
        flash(str(exc), "error")
        return redirect(url_for("courses.manage"))
    db.session.commit()
    return redirect(url_for("courses.edit", slug=course.slug))


@bp.post("/<slug>/archive")
@author_required
def archive(slug):
    course = _editable_or_404(slug)
    authoring.archive_course(course, current_user)
    db.session.commit()
    flash(_("Đã lưu trữ khóa học. Chứng nhận đã cấp vẫn còn giá trị."), "success")
    return redirect(url_for("courses.manage"))


@bp.get("/<slug>/export")
@author_required
def export(slug):
    course = authoring.get_course_any(slug)
    if course is None or not authoring.can_copy(current_user, course):
        abort(404)
    return Response(
        authoring.export_zip(course),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}.zip"'},
    )
