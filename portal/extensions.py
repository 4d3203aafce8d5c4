"""Flask extensions, created unbound and initialised in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.database import Base

# Objects stay readable after a commit: a request that commits and then redirects to the
# object's page does not load it (and take SQLite's write lock) a second time.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared where they apply (login, verify); nothing is limited by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
