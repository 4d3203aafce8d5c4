from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.orgs.models import Unit
from portal.text import NAME_SORT_LENGTH, name_sort_text

ROLES = ("learner", "trainer", "manager", "admin")
POSITIONS = ("commune_officer", "commune_leader", "collaborator", "partner", "parent")
# DESIGN §10.1: which course audience each position belongs to.
AUDIENCE_OF_POSITION = {
    "commune_officer": "staff",
    "commune_leader": "staff",
    "collaborator": "collaborator",
    "partner": "partner",
    "parent": "parent",
}
STAFF_AUDIENCES = ("staff", "collaborator", "partner")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Either logs in; phones are stored normalised as 0xxxxxxxxx, e-mails lower-case.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), default="", index=True)
    # The Vietnamese name order as text (text.name_sort_text), kept with full_name, so that
    # lists of people are sorted and paged by the database.
    name_sort: Mapped[str] = mapped_column(String(NAME_SORT_LENGTH), default="", index=True)
    # None for people trained on paper, who have no login.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="learner")
    position: Mapped[str | None] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    consent_at = mapped_column(UTCDateTime)
    # Set when a password was issued by someone else: the first sign-in must change it.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of the session id: bumping it ends every session and remember-me cookie.
    session_version: Mapped[int] = mapped_column(default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column()
    # Parents' certificates are publicly checkable only when the parent says so.
    public_verification: Mapped[bool] = mapped_column(default=False)
    # When the person entered their current unit or position, i.e. the scope of the
    # requirements that cover them: "60 days after joining" due dates (DESIGN §10.2).
    joined_unit_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    deactivated_at = mapped_column(UTCDateTime)
    erased_at = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(lazy="joined")

    @validates("full_name")
    def _keep_name_sort(self, _key, full_name):
        self.name_sort = name_sort_text(full_name)
        return full_name

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self):
        return self.active and self.erased_at is None

    @property
    def audience(self):
        return AUDIENCE_OF_POSITION.get(self.position or "", "staff")

    @property
    def is_staff(self):
        return self.audience in STAFF_AUDIENCES

    @property
    def can_manage_scope(self):
        """Trainers, managers and admins see a subtree (admins: everything)."""
        return self.role in ("trainer", "manager", "admin")

    @property
    def login(self):
        return self.phone or self.email

    @property
    def is_parent(self):
        return self.position == "parent"

    @property
    def is_erased(self):
        return self.erased_at is not None

    def __repr__(self):
        return f"<User {self.id} {self.role}>"
