"""The profile: name, password, language, two-factor codes, my data, deleting my account."""

from flask import flash, jsonify, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from portal.accounts import forms, services, twofactor
from portal.accounts.views import blame, bp, home_url, remember_cookie_present
from portal.extensions import db, limiter

# The actions that ask for the password again: someone holding a stolen session must not
# be able to guess the password there. Counted per account, across the three.
password_check = limiter.shared_limit(
    "10 per hour", scope="password-check", key_func=lambda: str(current_user.id)
)


def _profile_page(status=200, **given):
    user = current_user
    page_forms = {
        "name_form": forms.NameForm(prefix="name", full_name=user.full_name),
        "password_form": forms.PasswordChangeForm(prefix="pw"),
        "language_form": forms.LanguageForm(prefix="lang", locale=str(get_locale())),
        "public_form": forms.PublicVerificationForm(
            prefix="pub", public_verification=user.public_verification
        ),
        "delete_form": forms.DeleteAccountForm(prefix="del"),
        "totp_disable_form": forms.TotpDisableForm(prefix="totp"),
    }
    page_forms.update(given)
    return render_template("accounts/profile.html", user=user, **page_forms), status


@bp.get("/profile")
@login_required
def profile():
    return _profile_page()


@bp.post("/profile/name")
@login_required
def profile_name():
    form = forms.NameForm(prefix="name")
    if not form.validate_on_submit():
        return _profile_page(422, name_form=form)
    services.set_name(current_user, form.full_name.data)
    db.session.commit()
    flash(_("Đã lưu họ tên."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/password")
@login_required
@password_check
def profile_password():
    form = forms.PasswordChangeForm(prefix="pw")
    if not form.validate_on_submit():
        return _profile_page(422, password_form=form)
    try:
        services.change_password(current_user, form.current_password.data, form.new_password.data)
    except services.AccountError as exc:
        return _profile_page(blame(form, exc), password_form=form)
    db.session.commit()
    # Every other session has ended; this one carries on under the new session id.
    login_user(current_user._get_current_object(), remember=remember_cookie_present())
    flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/language")
@login_required
def profile_language():
    form = forms.LanguageForm(prefix="lang")
    if not form.validate_on_submit():
        return _profile_page(422, language_form=form)
    services.set_locale(current_user, form.locale.data)
    db.session.commit()
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/public")
@login_required
def profile_public():
    form = forms.PublicVerificationForm(prefix="pub")
    if not form.validate_on_submit():
        return _profile_page(422, public_form=form)
    services.set_public_verification(current_user, form.public_verification.data)
    db.session.commit()
    flash(_("Đã lưu."), "success")
    return redirect(url_for("accounts.profile"))


@bp.get("/profile/data.json")
@login_required
def profile_data():
    response = jsonify(services.export_user_data(current_user))
    response.headers["Content-Disposition"] = "attachment; filename=my-data.json"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/profile/delete")
@login_required
@password_check
def profile_delete():
    form = forms.DeleteAccountForm(prefix="del")
    if not form.validate_on_submit():
        return _profile_page(422, delete_form=form)
    try:
        outcome = services.delete_own_account(current_user, form.password.data)
    except services.AccountError as exc:
        return _profile_page(blame(form, exc), delete_form=form)
    db.session.commit()
    logout_user()
    session.clear()
    if outcome == "erased":
        flash(_("Tài khoản và thông tin cá nhân của bạn đã được xóa."), "success")
    else:
        flash(_("Tài khoản đã được khóa. Chứng nhận được giữ làm hồ sơ theo quy định."), "success")
    return redirect(home_url())


@bp.route("/profile/2fa", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Turn on sign-in codes: scan the QR code (or type the key), then confirm a code."""
    if current_user.totp_secret:
        return redirect(url_for("accounts.profile"))
    secret = session.get("totp_secret") or twofactor.new_secret()
    session["totp_secret"] = secret
    form = forms.CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            twofactor.enable(current_user, secret, form.code.data)
        except services.AccountError as exc:
            status = blame(form, exc)
        else:
            db.session.commit()
            session.pop("totp_secret", None)
            flash(_("Đã bật mã xác thực hai bước."), "success")
            return redirect(url_for("accounts.profile"))
    elif form.is_submitted():
        status = 422
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_template(
        "accounts/totp_setup.html",
        form=form,
        secret=secret,
        uri=uri,
        qr=Markup(twofactor.qr_svg(uri)),  # drawn by segno from our own URI
        required=twofactor.needs_setup(current_user),
    ), status


@bp.post("/profile/2fa/disable")
@login_required
@password_check
def totp_disable():
    form = forms.TotpDisableForm(prefix="totp")
    if not form.validate_on_submit():
        return _profile_page(422, totp_disable_form=form)
    try:
        twofactor.disable(current_user, form.password.data)
    except services.AccountError as exc:
        return _profile_page(blame(form, exc), totp_disable_form=form)
    db.session.commit()
    flash(_("Đã tắt mã xác thực hai bước."), "success")
    return redirect(url_for("accounts.profile"))
