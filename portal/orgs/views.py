"""Unit administration pages: search and browse the tree; admins reshape it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.decorators import role_required
from portal.accounts.scope import in_scope
from portal.accounts.services import count_users_in
from portal.extensions import db
from portal.orgs import forms, services
from portal.orgs.models import Unit
from portal.orgs.services import UnitError

bp = Blueprint("orgs", __name__, url_prefix="/admin/units")


@bp.context_processor
def _labels():
    return {"kind_label": forms.kind_label}


@bp.get("/")
@role_required("admin")
def index():
    form = forms.SearchForm(request.args)
    form.validate()
    include_closed = bool(form.closed.data)
    if form.q.data:
        units = services.search_units(form.q.data, include_closed=include_closed)
    else:
        units = services.list_roots(include_closed=include_closed)
    return render_template(
        "orgs/index.html",
        form=form,
        units=units,
        trails=services.trails(units) if form.q.data else {},
        searching=bool(form.q.data),
    )


def _unit_or_404(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    if not in_scope(current_user, unit):
        abort(404)
    return unit


def _page(unit, status=200, **given):
    include_closed = request.args.get("closed") == "1"
    page_forms = {
        "child_form": forms.ChildForm(prefix="child"),
        "rename_form": forms.RenameForm(prefix="rename", name=unit.name),
        "move_form": forms.MoveForm(prefix="move"),
        "merge_form": forms.MergeForm(prefix="merge"),
        "close_form": forms.CloseForm(prefix="close"),
    }
    page_forms.update(given)
    ancestors, lineage = services.list_ancestors(unit), services.list_lineage(unit)
    related = [*ancestors, *(u for step in lineage for u in (step.predecessor, step.successor))]
    return render_template(
        "orgs/unit.html",
        unit=unit,
        ancestors=ancestors,
        children=services.list_children(unit, include_closed=include_closed),
        include_closed=include_closed,
        lineage=lineage,
        # Link only to the units the viewer may open: a trainer sees the province by name.
        openable={u.id for u in related if in_scope(current_user, u)},
        users_count=count_users_in(unit),
        can_edit=current_user.role == "admin" and unit.is_open,
        **page_forms,
    ), status


@bp.get("/<int:unit_id>")
@role_required("trainer", "manager", "admin")
def unit(unit_id):
    return _page(_unit_or_404(unit_id))


def _change(unit_id, form, name, change, done):
    """Validate `form`, run `change(unit, form)` → the unit to show next, commit once."""
    unit = _unit_or_404(unit_id)
    if form.validate_on_submit():
        try:
            target = change(unit, form)
        except UnitError as exc:
            db.session.rollback()
            field = getattr(form, exc.field, None) if exc.field else None
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("orgs.unit", unit_id=target.id))
    return _page(_unit_or_404(unit_id), 400, **{name: form})


@bp.post("/<int:unit_id>/children")
@role_required("admin")
def add_child(unit_id):
    def change(unit, form):
        services.create_unit(
            form.name.data, form.kind.data, form.code.data, unit, actor=current_user
        )
        return unit

    form = forms.ChildForm(prefix="child")
    return _change(unit_id, form, "child_form", change, _("Đã thêm đơn vị cấp dưới."))


@bp.post("/<int:unit_id>/rename")
@role_required("admin")
def rename(unit_id):
    def change(unit, form):
        services.rename_unit(unit, form.name.data, actor=current_user)
        return unit

    form = forms.RenameForm(prefix="rename")
    return _change(unit_id, form, "rename_form", change, _("Đã đổi tên."))


@bp.post("/<int:unit_id>/move")
@role_required("admin")
def move(unit_id):
    def change(unit, form):
        parent = services.require_unit(form.parent_code.data, "parent_code")
        services.move_unit(unit, parent, actor=current_user)
        return unit

    form = forms.MoveForm(prefix="move")
    return _change(unit_id, form, "move_form", change, _("Đã chuyển đơn vị."))


@bp.post("/<int:unit_id>/merge")
@role_required("admin")
def merge(unit_id):
    def change(unit, form):
        successor = services.require_unit(form.successor_code.data, "successor_code")
        return services.merge_units([unit], successor, actor=current_user)

    form = forms.MergeForm(prefix="merge")
    return _change(unit_id, form, "merge_form", change, _("Đã sáp nhập."))


@bp.post("/<int:unit_id>/close")
@role_required("admin")
def close(unit_id):
    def change(unit, form):
        services.close_unit(unit, actor=current_user)
        return unit

    form = forms.CloseForm(prefix="close")
    return _change(unit_id, form, "close_form", change, _("Đã giải thể đơn vị."))
