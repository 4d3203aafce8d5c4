from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

# Kinds in the order they nest; the tree itself allows any depth.
KINDS = (
    "province",
    "district_legacy",
    "commune",
    "ward",
    "special_zone",
    "hamlet",
    "residential_group",
)


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        # A code names one open unit; closed units keep theirs for the record.
        Index(
            "uq_units_open_code",
            "code",
            unique=True,
            sqlite_where=db.text("valid_to IS NULL"),
            postgresql_where=db.text("valid_to IS NULL"),
        ),
        Index("ix_units_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case, diacritics folded: what search compares against.
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Materialised path of ids, "/1/7/42/": a subtree is every path with this prefix.
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)
    official: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date] = mapped_column(Date, default=date.today)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    @property
    def is_open(self):
        return self.valid_to is None

    def ancestor_ids(self):
        return [int(x) for x in self.path.strip("/").split("/") if x]

    def contains(self, other):
        """Whether `other` (a unit) is this unit or inside its subtree."""
        return other is not None and other.path.startswith(self.path)

    def __repr__(self):
        return f"<Unit {self.code} {self.name}>"


class UnitLineage(db.Model):
    """One step in a unit's history: merged into, split from, renamed, moved."""

    __tablename__ = "unit_lineage"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(20))  # merge, split, rename, move
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, default=date.today)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    predecessor: Mapped[Unit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[successor_id])
