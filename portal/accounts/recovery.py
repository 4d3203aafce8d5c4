"""Password recovery by e-mail link, when SMTP is configured (DESIGN §10.5).

Without e-mail, a trainer in scope issues a one-time reset code (see admin.py).
"""

import logging
import smtplib
from functools import partial

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal import mail
from portal.accounts import forms, services
from portal.accounts.models import User
from portal.accounts.views import blame, bp
from portal.extensions import db, limiter
from portal.text import normalise_email

log = logging.getLogger(__name__)


def _send(config, to, subject, body):
    try:
        mail.send(config, to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("reset e-mail not sent: %s", type(exc).__name__)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = forms.ForgotForm()
    can_mail = mail.configured(current_app.config)
    if can_mail and form.validate_on_submit():
        email = normalise_email(form.email.data)
        user = db.session.scalar(select(User).where(User.email == email)) if email else None
        outgoing = None
        if user is not None and user.is_active and user.password_hash:
            link = url_for(
                "accounts.reset_password", token=services.make_reset_token(user), _external=True
            )
            outgoing = (
                user.email,
                _("Đặt lại mật khẩu"),
                _(
                    "Bấm vào liên kết sau trong vòng 1 giờ để đặt mật khẩu mới:\n%(link)s\n"
                    "Nếu bạn không yêu cầu, hãy bỏ qua thư này.",
                    link=link,
                ),
            )
        # The same answer, in the same time, whether or not the address has an account:
        # the e-mail goes out once the answer has been sent.
        flash(
            _("Nếu địa chỉ này có tài khoản, chúng tôi đã gửi liên kết đặt lại mật khẩu."),
            "success",
        )
        response = redirect(url_for("accounts.login"))
        if outgoing:
            response.call_on_close(partial(_send, dict(current_app.config), *outgoing))
        return response
    status = 422 if form.is_submitted() and can_mail else 200
    return render_template("accounts/forgot.html", form=form, can_mail=can_mail), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = services.user_from_reset_token(token[:500])
    if user is None:
        return render_template("accounts/reset.html", form=None), 400
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.new_password.data)
        except services.AccountError as exc:
            return render_template("accounts/reset.html", form=form), blame(form, exc)
        db.session.commit()
        flash(_("Đã đặt mật khẩu mới. Hãy đăng nhập."), "success")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form), status
