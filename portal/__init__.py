"""The child-welfare training portal: create_app wires configuration, extensions and features."""

import importlib

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config
from portal.database import IdConverter
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

# Feature packages in dependency order (DESIGN §2); each may hold views.py (bp) and
# commands.py (cli).
FEATURES = (
    "orgs",
    "accounts",
    "courses",
    "quizzes",
    "certificates",
    "training",
    "reports",
)


def create_app(config_overrides=None):
    """Build the application: configuration, extensions, blueprints, commands, errors."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter
    config.load(app, config_overrides)
    register_extensions(app)
    register_models()
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_hooks(app)
    connect_signals(app)
    return app


def register_extensions(app):
    from portal import i18n
    from portal.database import close_session, configure_engine

    db.init_app(app)
    # Runs before Flask-SQLAlchemy's own teardown (they run last registered first).
    app.teardown_appcontext(lambda _exc: close_session(db.session))
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    # Every limit is declared on its view (login, register, verify...), whose wrapper
    # checks it; the hook Flask-Limiter adds for application-wide limits would only
    # look them up again on every request.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page itself says what to do
    with app.app_context():
        configure_engine(db.engine)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def register_models():
    """Import every model so the metadata (create_all, migrations) knows all tables."""
    from portal import audit  # noqa: F401

    list(_feature_modules("models"))


def _feature_modules(name):
    for feature in FEATURES:
        try:
            yield importlib.import_module(f"portal.{feature}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"portal.{feature}.{name}":
                raise


def register_blueprints(app):
    from portal import home

    app.register_blueprint(home.bp)
    for module in _feature_modules("views"):
        app.register_blueprint(module.bp)


def register_commands(app):
    from portal import backup, demo, seed

    app.cli.add_command(demo.cli)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(seed.cli)
    for module in _feature_modules("commands"):
        app.cli.add_command(module.cli)


def register_errorhandlers(app):
    from portal import errors

    errors.register(app)


def register_hooks(app):
    from portal import i18n, security

    security.register(app)
    i18n.register(app)

    @app.context_processor
    def _endpoints():
        # Lets the layout link to feature pages only where the feature is installed.
        return {"url_rules": app.view_functions}


def connect_signals(app):
    """Let higher packages react to what lower ones announce (DESIGN §2)."""
    for module in _feature_modules("receivers"):
        module.connect(app)
