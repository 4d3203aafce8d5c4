"""People management pages for admins, trainers and managers; the audit log; bulk import."""

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import forms, importing, management
from portal.accounts.decorators import role_required
from portal.accounts.scope import in_scope
from portal.accounts.services import AccountError
from portal.accounts.views import blame, bp
from portal.extensions import db
from portal.orgs import services as units

SCOPED = ("trainer", "manager", "admin")
MANAGERS = ("trainer", "admin")


def _user_or_404(user_id):
    user = management.get_user_in_scope(current_user, user_id)
    if user is None:
        abort(404)
    return user


def _managed_or_403(user_id):
    user = _user_or_404(user_id)
    if not management.can_manage(current_user, user):
        abort(403)
    return user


@bp.get("/admin/users")
@role_required(*SCOPED)
def user_list():
    form = forms.UserFilterForm(request.args)
    form.validate()
    unit = units.get_unit_by_code(form.unit.data) if form.unit.data else None
    if unit is not None and not in_scope(current_user, unit):
        unit = None
    if form.unit.data and unit is None:
        form.unit.errors = [_("Không có đơn vị nào mang mã này trong phạm vi của bạn.")]
    page = management.list_users(
        current_user,
        q=form.q.data,
        unit=unit,
        role=form.role.data,
        page=request.args.get("page", 1, type=int),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "accounts/user_list.html",
        form=form,
        page=page,
        args=args,
        can_create=bool(management.creatable_roles(current_user)),
    )


def _user_form_choices(form):
    roles = management.creatable_roles(current_user)
    if hasattr(form, "role"):
        form.role.choices = [(r, forms.ROLE_LABELS[r]) for r in roles]


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def user_new():
    form = forms.UserCreateForm()
    _user_form_choices(form)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/user_new.html", form=form), status
    try:
        user, temporary = management.create_user(
            current_user,
            full_name=form.full_name.data,
            login=form.login.data,
            unit_code=form.unit_code.data,
            position=form.position.data,
            role=form.role.data,
        )
    except AccountError as exc:
        status = blame(form, exc)
        return render_template("accounts/user_new.html", form=form), status
    db.session.commit()
    if temporary is None:
        flash(_("Đã thêm người học (không có tài khoản đăng nhập)."), "success")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/slip.html", slips=[(user, temporary)])


def _detail_page(user, status=200, **given):
    can_manage = management.can_manage(current_user, user)
    page_forms = {
        "edit_form": forms.UserForm(
            prefix="edit",
            full_name=user.full_name,
            login=user.login,
            unit_code=user.unit.code if user.unit else "",
            position=user.position or "",
        ),
        "role_form": forms.RoleForm(prefix="role", role=user.role),
    }
    page_forms.update(given)
    return render_template(
        "accounts/user_detail.html",
        user=user,
        can_manage=can_manage and user.id != current_user.id,
        can_change_role=current_user.role == "admin" and user.id != current_user.id,
        **page_forms,
    ), status


@bp.get("/admin/users/<int:user_id>")
@role_required(*SCOPED)
def user_detail(user_id):
    return _detail_page(_user_or_404(user_id))


@bp.post("/admin/users/<int:user_id>/edit")
@role_required(*MANAGERS)
def user_edit(user_id):
    user = _managed_or_403(user_id)
    form = forms.UserForm(prefix="edit")
    if not form.validate_on_submit():
        return _detail_page(user, 422, edit_form=form)
    try:
        management.update_user(
            current_user,
            user,
            full_name=form.full_name.data,
            login=form.login.data,
            unit_code=form.unit_code.data,
            position=form.position.data,
        )
    except AccountError as exc:
        db.session.rollback()
        return _detail_page(_user_or_404(user_id), blame(form, exc), edit_form=form)
    db.session.commit()
    flash(_("Đã lưu."), "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


def _act(user_id, action, done_message):
    user = _managed_or_403(user_id)
    try:
        action(user)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("accounts.user_detail", user_id=user_id))
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("accounts.user_detail", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/disable")
@role_required(*MANAGERS)
def user_disable(user_id):
    return _act(
        user_id,
        lambda user: management.set_active(current_user, user, False),
        _("Đã khóa tài khoản. Người này đã bị đăng xuất khỏi mọi thiết bị."),
    )


@bp.post("/admin/users/<int:user_id>/enable")
@role_required(*MANAGERS)
def user_enable(user_id):
    return _act(
        user_id,
        lambda user: management.set_active(current_user, user, True),
        _("Đã mở lại tài khoản."),
    )


@bp.post("/admin/users/<int:user_id>/reset")
@role_required(*MANAGERS)
def user_reset(user_id):
    user = _managed_or_403(user_id)
    try:
        temporary = management.issue_reset_code(current_user, user)
    except AccountError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("accounts.user_detail", user_id=user_id))
    db.session.commit()
    return render_template("accounts/slip.html", slips=[(user, temporary)])


@bp.post("/admin/users/<int:user_id>/role")
@role_required("admin")
def user_role(user_id):
    user = _user_or_404(user_id)
    form = forms.RoleForm(prefix="role")
    if not form.validate_on_submit():
        return _detail_page(user, 422, role_form=form)
    try:
        changed = management.change_role(current_user, user, form.role.data)
    except AccountError as exc:
        return _detail_page(user, blame(form, exc), role_form=form)
    db.session.commit()
    if changed:
        flash(_("Đã đổi vai trò."), "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.get("/admin/audit")
@role_required(*SCOPED)
def audit_log():
    page = management.list_audit_events(current_user, page=request.args.get("page", 1, type=int))
    user_ids = {e.actor_id for e in page.items}
    user_ids |= {
        int(e.object_id) for e in page.items if e.object_type == "user" and e.object_id.isdigit()
    }
    return render_template(
        "accounts/audit.html", page=page, people=management.get_users_by_id(user_ids)
    )


@bp.route("/admin/users/import", methods=["GET", "POST"])
@role_required(*MANAGERS)
def user_import():
    """Step 1: upload; step 2: the preview of every row; nothing is written yet."""
    form = forms.ImportForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/import.html", form=form), status
    data = form.file.data.read()
    return _preview(data, form.file.data.filename, form.unit_code.data, form)


def _preview(data, filename, unit_code, form):
    try:
        plan = importing.plan_import(current_user, data, filename, unit_code or None)
    except AccountError as exc:
        status = blame(form, exc)
        return render_template("accounts/import.html", form=form), status
    confirm = forms.ImportConfirmForm(
        payload=base64.b64encode(data).decode(), filename=filename, unit_code=unit_code or ""
    )
    status = 200 if plan.ok else 422
    return render_template(
        "accounts/import_preview.html", plan=plan, confirm=confirm, form=form
    ), status


@bp.post("/admin/users/import/confirm")
@role_required(*MANAGERS)
def user_import_confirm():
    """Step 3: check the same file again and write it all, then show the new passwords once."""
    confirm = forms.ImportConfirmForm()
    form = forms.ImportForm(formdata=None)
    try:
        data = base64.b64decode(confirm.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not confirm.validate_on_submit() or not data:
        form.form_errors.append(_("Hãy tải tệp lên lại."))
        return render_template("accounts/import.html", form=form), 400
    try:
        plan = importing.plan_import(
            current_user, data, confirm.filename.data, confirm.unit_code.data or None
        )
    except AccountError as exc:
        status = blame(form, exc)
        return render_template("accounts/import.html", form=form), status
    if not plan.ok:  # the database changed since the preview
        return _preview(data, confirm.filename.data, confirm.unit_code.data, form)
    try:
        created = importing.apply_import(current_user, plan)
    except AccountError as exc:
        db.session.rollback()
        status = blame(form, exc, 409)
        return render_template("accounts/import.html", form=form), status
    db.session.commit()
    return render_template("accounts/import_done.html", plan=plan, slips=created)
