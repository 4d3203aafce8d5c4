"""Interface language: Vietnamese by default, English selectable per user and per visitor."""

from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user

from portal.config import LANGUAGES

LANG_COOKIE = "lang"


def select_locale():
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    lang = request.cookies.get(LANG_COOKIE)
    if lang in LANGUAGES:
        return lang
    return current_app.config["DEFAULT_LOCALE"]


def register(app):
    @app.context_processor
    def _languages():
        return {"LANGUAGES": LANGUAGES, "get_locale": get_locale}
