"""users.name_sort: the Vietnamese name order as text, so the database sorts and pages people

Revision ID: 635aa38bdfb5
Revises: 738aa95aa599
Create Date: 2026-11-29 09:47:28.498709

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "635aa38bdfb5"
down_revision = "738aa95aa599"
branch_labels = None
depends_on = None

# A frozen copy of portal.text.name_sort_text as it was when this migration was written
# (migrations import no app code): it fills the column for the people already stored.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_RANK = {c: i for i, c in enumerate("a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split())}
_DIGITS = "123456789abcdefghijklmnopqrstuvwxyz"


def _letters(text):
    ranks, tones = [], []
    for ch in unicodedata.normalize("NFC", text.casefold()):
        decomposed = unicodedata.normalize("NFD", ch)
        marks = decomposed[1:]
        letter = unicodedata.normalize(
            "NFC", decomposed[0] + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        ranks.append(_RANK.get(letter, 100 + ord(letter[0])))
        tones.append(max((_TONES.get(m, 0) for m in marks), default=0))
    return ranks, tones


def _digits(value):
    n = len(_DIGITS)
    value = min(value, n**3 - 1)
    return _DIGITS[value // n // n] + _DIGITS[value // n % n] + _DIGITS[value % n]


def name_sort_text(full_name):
    words = (full_name or "").split()
    given, given_tones = _letters(words[-1] if words else "")
    full, full_tones = _letters(full_name or "")
    parts = (
        "".join(_digits(r) for r in given),
        "".join(_DIGITS[t] for t in given_tones),
        "".join(_digits(r) for r in full),
        "".join(_DIGITS[t] for t in full_tones),
    )
    return "0".join(parts)[:1000]


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_sort", sa.String(length=1000), nullable=False, server_default="")
        )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("full_name", sa.String),
        sa.column("name_sort", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.full_name)).all()
    update = (
        sa.update(users)
        .where(users.c.id == sa.bindparam("user_id"))
        .values(name_sort=sa.bindparam("key"))
    )
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        bind.execute(update, [{"user_id": i, "key": name_sort_text(n)} for i, n in chunk])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_name_sort"), ["name_sort"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_name_sort"))
        batch_op.drop_column("name_sort")
