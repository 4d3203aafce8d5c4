"""Configuration: defaults here, every one overridable by a PORTAL_* environment variable."""

import os
import secrets
from pathlib import Path

# Every setting the portal reads. The type of the default decides how the environment
# variable PORTAL_<NAME> is parsed (bool, int or str).
DEFAULTS = {
    "SECRET_KEY": "",  # generated into instance/ in embedded SQLite mode only
    "SIGNING_KEY": "",  # Ed25519 private key (PEM); generated like SECRET_KEY
    "DATABASE_URL": "",  # default: SQLite file in instance/
    "BASE_URL": "http://127.0.0.1:8000",  # canonical address for QR codes, e-mails, PDFs
    "TRUSTED_PROXIES": 0,  # how many proxies' X-Forwarded-* headers to believe
    "SECURE_COOKIES": False,  # True by default with PRODUCTION
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "200 per 15 minutes",  # a whole commune may share one address
    "VERIFY_LIMIT": "60 per minute",
    "REQUIRE_ADMIN_2FA": False,
    "STAFF_RETENTION_YEARS": 5,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "DEFAULT_LOCALE": "vi",
    "CONTENT_DIR": "",  # default: content/ beside the portal package
    "PRODUCTION": False,  # refuses demo data and generated secrets
    "SMTP_HOST": "",
    "SMTP_PORT": 587,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": True,
    "MAIL_FROM": "",
    "DB_POOL_SIZE": 5,
    "SQLITE_BUSY_TIMEOUT": 30,  # seconds a writer waits for another
}

LANGUAGES = ("vi", "en")


def _parse(raw, default):
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    return raw


def load(app, overrides=None):
    """Fill app.config from DEFAULTS, the environment, then explicit overrides."""
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"PORTAL_{name}")
        app.config[name] = default if raw is None else _parse(raw, default)
    app.config.update(overrides or {})
    said = "PORTAL_SECURE_COOKIES" in os.environ or "SECURE_COOKIES" in (overrides or {})
    if app.config["PRODUCTION"] and not said:
        # Production is served over HTTPS (README): cookies go over HTTPS only unless
        # PORTAL_SECURE_COOKIES=false says otherwise.
        app.config["SECURE_COOKIES"] = True

    instance = Path(app.instance_path)
    cfg = app.config
    if not cfg["CONTENT_DIR"]:
        cfg["CONTENT_DIR"] = str(Path(app.root_path).parent / "content")
    if not cfg["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'portal.db'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(cfg["DATABASE_URL"])
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(cfg)
    cfg["RATELIMIT_HEADERS_ENABLED"] = False
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["DEFAULT_LOCALE"]
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(app.root_path) / "translations")
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = cfg["SECURE_COOKIES"]
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SECURE_COOKIES"]
    cfg["WTF_CSRF_TIME_LIMIT"] = None  # the session bounds the token; forms outlive an hour
    embedded = cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    for name in ("SECRET_KEY", "SIGNING_KEY"):
        if cfg[name]:
            continue
        if not embedded or cfg["PRODUCTION"]:
            raise RuntimeError(f"PORTAL_{name} must be set outside the embedded SQLite mode")
        cfg[name] = _instance_secret(instance, name)


def is_sqlite(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _normalise_db_url(url):
    # psycopg 3 is the installed driver; accept the usual postgres:// spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(cfg):
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": cfg["SQLITE_BUSY_TIMEOUT"]}}
    return {
        "pool_pre_ping": True,  # a restarted server's dead connections are replaced
        "pool_size": cfg["DB_POOL_SIZE"],
        "max_overflow": cfg["DB_POOL_SIZE"],
        "pool_recycle": 1800,
        "connect_args": {"connect_timeout": 5},
    }


def _instance_secret(instance, name):
    """Read or create a secret kept in instance/ (embedded mode only)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / name.lower()
    if not path.exists():
        if name == "SIGNING_KEY":
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            value = (
                Ed25519PrivateKey.generate()
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                .decode()
            )
        else:
            value = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker won the race
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(value)
    return path.read_text().strip() if name == "SECRET_KEY" else path.read_text()
