"""Home, health check and language choice: the pages that belong to no one feature."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text

from portal.config import LANGUAGES
from portal.extensions import db
from portal.i18n import LANG_COOKIE
from portal.security import is_safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from portal.courses import services as courses
    from portal.training import services as training

    required = training.list_required_slugs(current_user)
    catalog = courses.list_catalog(current_user, required_slugs=required, limit=6)
    mine = training.list_my_requirements(current_user) if required else []
    titles = {}
    if mine:
        english = str(get_locale()) == "en"
        titles = {
            slug: (title_en if english and title_en else title)
            for slug, (title, title_en) in courses.list_titles().items()
        }
    return render_template(
        "main/index.html", catalog=catalog, my_requirements=mine, course_titles=titles
    )


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # any failure to reach the database is "down"
        db.session.rollback()
        return jsonify(status="unavailable", db="down"), 503
    return jsonify(status="ok", db="ok")


def _language_response(lang, target):
    response = redirect(target if is_safe_next(target) else url_for("main.index"))
    if lang in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config["SECURE_COOKIES"],
            httponly=True,
        )
    return response


@bp.get("/language/<lang>")
def choose_language(lang):
    """A visitor's choice: only a cookie in their browser, nothing stored here."""
    return _language_response(lang, request.args.get("next"))


@bp.post("/language")
def set_language():
    """A signed-in user's choice, kept on their account."""
    lang = request.form.get("lang")
    if current_user.is_authenticated and lang in LANGUAGES:
        current_user.locale = lang
        db.session.commit()
    return _language_response(lang, request.form.get("next"))


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")
