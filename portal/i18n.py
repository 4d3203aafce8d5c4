"""Interface language: Vietnamese by default, English selectable per user and per visitor."""

from flask import current_app, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from portal.config import LANGUAGES

LANG_COOKIE = "lang"


def select_locale():
    if not has_request_context():  # command-line tools speak the default language
        return current_app.config["DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    lang = request.cookies.get(LANG_COOKIE)
    if lang in LANGUAGES:
        return lang
    return current_app.config["DEFAULT_LOCALE"]


def _translations():
    # A page calls gettext dozens of times: look the catalog up once per request.
    try:
        return request._portal_translations
    except AttributeError:
        request._portal_translations = get_translations()
        return request._portal_translations


def _gettext(message):
    return _translations().ugettext(message)


def _ngettext(singular, plural, n):
    return _translations().ungettext(singular, plural, n)


def _page_gettext(ugettext):
    """Jinja's new-style gettext (variables, autoescape) over one catalog's lookup."""

    @pass_context
    def gettext(context, message, **variables):
        text = ugettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


def register(app):
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)

    @app.context_processor
    def _languages():
        # `_()` in a page resolves this page's gettext: the catalog is found once per page,
        # not once per string (a layout translates some twenty).
        return {
            "LANGUAGES": LANGUAGES,
            "get_locale": get_locale,
            "gettext": _page_gettext(_translations().ugettext),
        }
