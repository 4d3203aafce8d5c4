"""Sign-in, two-factor codes at sign-in, issued passwords and registration; the blueprint."""

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import lazyload

from portal.accounts import forms, services, throttle, twofactor
from portal.database import reading_first
from portal.extensions import db, limiter, login_manager
from portal.orgs import services as units
from portal.security import is_safe_next

bp = Blueprint("accounts", __name__)

PENDING_2FA_SECONDS = 300
# Pages a signed-in person may open before changing an issued password or setting up
# the two-factor codes the portal requires of admins.
ALWAYS_OPEN = {"accounts.logout", "main.set_language", "main.privacy", "main.healthz"}


@login_manager.user_loader
def load_user(session_id):
    from portal.accounts.models import User

    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    with reading_first(db.session):
        # The unit is read when a page asks for it: a learner's pages never do.
        user = db.session.get(User, int(user_id), options=[lazyload(User.unit)])
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


@bp.before_app_request
def _first_things_first():
    endpoint = request.endpoint
    if endpoint in (None, "static") or endpoint in ALWAYS_OPEN:
        return None
    if not current_user.is_authenticated:
        return None
    if current_user.must_change_password and endpoint != "accounts.new_password":
        return redirect(url_for("accounts.new_password"))
    if (
        not current_user.must_change_password
        and endpoint != "accounts.totp_setup"
        and twofactor.needs_setup(current_user)
    ):
        return redirect(url_for("accounts.totp_setup"))
    return None


@bp.app_context_processor
def _labels():
    return {
        "role_label": lambda role: forms.ROLE_LABELS.get(role, role or ""),
        "position_label": lambda pos: forms.POSITION_LABELS.get(pos, pos or ""),
    }


def _next_target():
    target = request.values.get("next", "")
    return target if is_safe_next(target) else None


def home_url():
    return url_for("main.index")


def blame(form, exc, status=422):
    """Show a service's refusal next to the field it names."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return status


def remember_cookie_present():
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _start_session(user, remember, target):
    """A new session for a person who just proved who they are."""
    session.clear()  # nothing from before sign-in survives it (session fixation)
    login_user(user, remember=remember)
    if not remember:
        # A shared phone may still hold someone else's remember-me cookie: drop it.
        session["_remember"] = "clear"
    response = redirect(target or home_url())
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        throttle.remember_device(request.cookies.get(throttle.DEVICE_COOKIE), user),
        max_age=throttle.DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SECURE_COOKIES"],
    )
    return response


def _blocked_page(form, template="accounts/login.html"):
    form.form_errors.append(
        _(
            "Đăng nhập sai quá nhiều lần. Vui lòng đợi 15 phút rồi thử lại, "
            "hoặc nhờ cán bộ xã cấp lại mật khẩu."
        )
    )
    return render_template(template, form=form), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = _next_target()
    if current_user.is_authenticated:
        return redirect(target or home_url())
    form = forms.LoginForm(next=target)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/login.html", form=form), status
    result = services.authenticate(
        form.login.data,
        form.password.data,
        address=request.remote_addr,
        device_cookie=request.cookies.get(throttle.DEVICE_COOKIE),
    )
    if result.outcome == "blocked":
        return _blocked_page(form)
    if result.outcome == "disabled":
        form.form_errors.append(_("Tài khoản này đã bị khóa. Hãy liên hệ cán bộ phụ trách."))
        return render_template("accounts/login.html", form=form), 403
    if result.outcome != "ok":
        form.form_errors.append(_("Số điện thoại, thư điện tử hoặc mật khẩu không đúng."))
        return render_template("accounts/login.html", form=form), 422
    user = result.user
    if user.totp_secret:
        session.clear()
        session["pending_2fa"] = {
            "user": user.get_id(),
            "remember": bool(form.remember.data),
            "next": target,
            "login": result.attempt.login,
            "at": int(time.time()),
        }
        return redirect(url_for("accounts.login_code"))
    return _start_session(user, form.remember.data, target)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    pending = session.get("pending_2fa")
    user = load_user(pending["user"]) if pending else None
    if user is None or time.time() - pending["at"] > PENDING_2FA_SECONDS:
        session.pop("pending_2fa", None)
        flash(_("Hãy đăng nhập lại."), "error")
        return redirect(url_for("accounts.login"))
    form = forms.CodeForm()
    if not form.validate_on_submit():
        return render_template("accounts/login_code.html", form=form), (
            422 if form.is_submitted() else 200
        )
    device = throttle.known_device(request.cookies.get(throttle.DEVICE_COOKIE), user)
    attempt = throttle.Attempt(pending["login"], request.remote_addr, device)
    if throttle.is_blocked(attempt):
        return _blocked_page(form, "accounts/login_code.html")
    if not twofactor.check(user, form.code.data):
        throttle.record_failure(attempt)
        form.code.errors = [_("Mã không đúng hoặc đã dùng. Hãy nhập mã mới trong ứng dụng.")]
        return render_template("accounts/login_code.html", form=form), 422
    db.session.commit()
    return _start_session(user, pending["remember"], pending["next"])


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(home_url())


@bp.route("/password/new", methods=["GET", "POST"])
@login_required
def new_password():
    """The first sign-in with an issued password: choose one's own before anything else."""
    if not current_user.must_change_password:
        return redirect(url_for("accounts.profile"))
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(current_user, form.new_password.data)
        except services.AccountError as exc:
            status = blame(form, exc)
            return render_template("accounts/new_password.html", form=form), status
        db.session.commit()
        login_user(current_user._get_current_object(), remember=remember_cookie_present())
        flash(_("Đã đổi mật khẩu."), "success")
        return redirect(home_url())
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/new_password.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])  # generous: a commune may share one address
def register():
    """Parents sign up themselves; the address is picked commune first, then hamlet."""
    if current_user.is_authenticated:
        return redirect(home_url())
    form = forms.RegisterForm()
    commune = _offer_places(form)
    if request.method == "POST" and request.form.get("step") != "register":
        form.hamlet.data = ""
        return render_template("accounts/register.html", form=form, commune=commune)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/register.html", form=form, commune=commune), status
    try:
        choice = form.hamlet.data or ""
        hamlet = units.get_unit(int(choice)) if choice.isdigit() else None
        unit = services.home_unit(commune, hamlet)
        user = services.register_parent(
            form.full_name.data,
            form.login.data,
            unit,
            form.password.data,
            locale=str(get_locale()),
        )
    except services.AccountError as exc:
        status = blame(form, exc)
        return render_template("accounts/register.html", form=form, commune=commune), status
    db.session.commit()
    response = _start_session(user, False, None)
    flash(_("Chào mừng bạn! Tài khoản đã được tạo."), "success")
    return response


def _offer_places(form):
    """Fill the commune and hamlet lists; return the chosen commune, if any."""
    communes = services.list_commune_choices(form.commune_q.data)
    groups = {}
    for unit in communes:
        groups.setdefault(services.province_name(unit), []).append((str(unit.id), unit.name))
    form.commune.choices = {"": [("", _("— Chọn xã, phường —"))], **groups}
    form.commune_truncated = len(communes) >= services.COMMUNE_LIST_LIMIT
    data = form.commune.data
    commune = services.get_commune(int(data)) if data and data.isdigit() else None
    hamlets = units.list_hamlets(commune.id) if commune else []
    form.hamlet.choices = [("", _("— Chọn thôn, ấp —"))] + [(str(h.id), h.name) for h in hamlets]
    if commune and str(commune.id) not in {v for g in groups.values() for v, _label in g}:
        form.commune.choices[services.province_name(commune)] = [(str(commune.id), commune.name)]
    return commune


# The other pages live beside this module and register themselves on bp.
from portal.accounts import admin, profile, recovery  # noqa: E402,F401
