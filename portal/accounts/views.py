"""Sign-in, registration and profile pages (to be completed by the accounts work)."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import login_required, logout_user

from portal.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id):
    from portal.accounts.models import User

    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    abort(501)


@bp.route("/register", methods=["GET", "POST"])
def register():
    abort(501)


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("main.index"))


@bp.get("/profile")
@login_required
def profile():
    return render_template("errors/error.html", code=200, message="")
