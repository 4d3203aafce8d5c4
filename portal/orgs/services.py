"""Administrative units: reads, and the changes that keep the tree and its history.

Units are never deleted. A rename or a move keeps the unit and records a lineage step; a
merge closes the predecessors (valid_to) and hands their children and people to the
successor. Functions add and flush; the caller commits.
"""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.extensions import db
from portal.orgs.models import KINDS, Unit, UnitLineage
from portal.signals import unit_closing, units_merged
from portal.text import fold, nfc

COMMUNE_KINDS = ("commune", "ward", "special_zone")
HAMLET_KINDS = ("hamlet", "residential_group")
CODE_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
SEARCH_LIMIT = 100

# Re-exported so later packages connect here: units_merged.connect(receiver).
__all__ = ["units_merged"]


class UnitError(Exception):
    """A change to the unit tree that cannot be made; `field` names the input to blame."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def name_key(name):
    """Sort place names: folded, with numbers in numeric order ("Ấp 2" before "Ấp 10")."""
    parts = re.split(r"(\d+)", fold(name))
    return [int(p) if p.isdigit() else p for p in parts], name


def _sorted(units):
    return sorted(units, key=lambda u: name_key(u.name))


# Reads


def get_unit(unit_id):
    return db.session.get(Unit, unit_id)


def get_unit_by_code(code):
    """The open unit with this code, or None."""
    code = nfc(code or "")
    if not code:
        return None
    return db.session.scalars(
        select(Unit).where(Unit.code == code, Unit.valid_to.is_(None))
    ).first()


def require_unit(code, field=None):
    """The open unit with this code; raise a UnitError naming `field` when there is none."""
    unit = get_unit_by_code(code)
    if unit is None:
        raise UnitError(
            _l("Không có đơn vị đang hoạt động nào mang mã “%(code)s”.", code=nfc(code or "")),
            field,
        )
    return unit


def list_roots(*, include_closed=False):
    """The top of the tree (provinces and cities), by name."""
    query = select(Unit).where(Unit.parent_id.is_(None))
    if not include_closed:
        query = query.where(Unit.valid_to.is_(None))
    return _sorted(db.session.scalars(query))


def list_children(unit, *, include_closed=False):
    """The units directly under `unit`, by name."""
    query = select(Unit).where(Unit.parent_id == unit.id)
    if not include_closed:
        query = query.where(Unit.valid_to.is_(None))
    return _sorted(db.session.scalars(query))


def list_subtree(unit, *, include_closed=False):
    """`unit` and every unit below it, in path order: one indexed prefix scan."""
    query = select(Unit).where(Unit.path.like(unit.path + "%")).order_by(Unit.path)
    if not include_closed:
        query = query.where(Unit.valid_to.is_(None))
    return list(db.session.scalars(query))


def list_ancestors(unit):
    """The units above `unit`, from the top down."""
    ids = unit.ancestor_ids()[:-1]
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.depth)))


def trails(units):
    """{unit id: "Tỉnh A › Xã B"}: the names above each unit, in one query."""
    wanted = {i for u in units for i in u.ancestor_ids()[:-1]}
    names = {}
    if wanted:
        rows = db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted)))
        names = dict(rows.all())
    return {u.id: " › ".join(names[i] for i in u.ancestor_ids()[:-1] if i in names) for u in units}


def search_units(q, *, include_closed=False, limit=SEARCH_LIMIT):
    """Units whose name holds every word of `q` (case and diacritics ignored), or coded `q`."""
    words = fold(nfc(q or "")).split()
    if not words:
        return []
    by_name = and_(*(Unit.name_folded.contains(w, autoescape=True) for w in words))
    query = select(Unit).where(or_(by_name, Unit.code == nfc(q))).limit(limit)
    if not include_closed:
        query = query.where(Unit.valid_to.is_(None))
    return sorted(db.session.scalars(query), key=lambda u: (u.depth, name_key(u.name)))


def list_lineage(unit):
    """Every lineage step this unit took part in, oldest first."""
    return list(
        db.session.scalars(
            select(UnitLineage)
            .where(or_(UnitLineage.predecessor_id == unit.id, UnitLineage.successor_id == unit.id))
            .options(selectinload(UnitLineage.predecessor), selectinload(UnitLineage.successor))
            .order_by(UnitLineage.occurred_on, UnitLineage.id)
        )
    )


def list_communes(province_code=None):
    """Open communes, wards and special zones (of one province if given), by name."""
    query = select(Unit).where(Unit.kind.in_(COMMUNE_KINDS), Unit.valid_to.is_(None))
    if province_code is not None:
        province = get_unit_by_code(province_code)
        if province is None:
            return []
        query = query.where(Unit.path.like(province.path + "%"))
    return _sorted(db.session.scalars(query))


def list_hamlets(commune_id):
    """Open hamlets and residential groups directly under a commune, by name."""
    query = select(Unit).where(
        Unit.parent_id == commune_id, Unit.kind.in_(HAMLET_KINDS), Unit.valid_to.is_(None)
    )
    return _sorted(db.session.scalars(query))


# Changes


def _check_name(name):
    name = nfc(name or "")
    if not name:
        raise UnitError(_l("Nhập tên đơn vị."), "name")
    if len(name) > 200:
        raise UnitError(_l("Tên đơn vị dài quá 200 ký tự."), "name")
    return name


def _check_code(code):
    code = nfc(code or "")
    if not code:
        raise UnitError(_l("Nhập mã đơn vị."), "code")
    if len(code) > 40 or not CODE_PATTERN.fullmatch(code):
        raise UnitError(
            _l("Mã đơn vị chỉ gồm chữ không dấu, chữ số, dấu gạch ngang, tối đa 40 ký tự."), "code"
        )
    taken = get_unit_by_code(code)
    if taken is not None:
        raise UnitError(
            _l("Mã “%(code)s” đã dùng cho đơn vị “%(name)s”.", code=code, name=taken.name), "code"
        )
    return code


def _check_open(unit, field=None):
    if not unit.is_open:
        raise UnitError(_l("Đơn vị “%(name)s” đã giải thể.", name=unit.name), field)


def create_unit(name, kind, code, parent=None, *, official=False, actor=None):
    """Add a unit under `parent` (or at the top); its code must be free among open units."""
    name = _check_name(name)
    if kind not in KINDS:
        raise UnitError(_l("Loại đơn vị không hợp lệ."), "kind")
    code = _check_code(code)
    if parent is not None:
        _check_open(parent)
    unit = Unit(
        name=name,
        name_folded=fold(name),
        kind=kind,
        code=code,
        parent=parent,
        official=official,
        depth=parent.depth + 1 if parent else 0,
        path="",
    )
    try:
        with db.session.begin_nested():  # a concurrent insert of the same code loses here
            db.session.add(unit)
            db.session.flush()
    except IntegrityError:
        raise UnitError(
            _l("Mã “%(code)s” vừa được dùng cho đơn vị khác.", code=code), "code"
        ) from None
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    audit.record("unit.created", "unit", unit.id, actor=actor, unit_id=unit.id, code=code)
    return unit


def _lineage(event, predecessor, successor, note=""):
    step = UnitLineage(
        event=event, predecessor_id=predecessor.id, successor_id=successor.id, note=note
    )
    db.session.add(step)
    return step


def rename_unit(unit, new_name, *, actor=None):
    """Give an open unit a new name, keeping the old one in its lineage; False if unchanged."""
    _check_open(unit)
    new_name = _check_name(new_name)
    if new_name == unit.name:
        return False
    old_name = unit.name
    unit.name, unit.name_folded = new_name, fold(new_name)
    _lineage("rename", unit, unit, note=old_name)
    audit.record(
        "unit.renamed", "unit", unit.id, actor=actor, unit_id=unit.id, old=old_name, new=new_name
    )
    db.session.flush()
    return True


def move_unit(unit, new_parent, *, actor=None):
    """Put an open unit and its whole subtree under `new_parent`; False if already there."""
    _check_open(unit)
    _check_open(new_parent, "parent_code")
    if new_parent.path.startswith(unit.path):
        raise UnitError(
            _l("Không thể chuyển một đơn vị vào chính nó hoặc vào đơn vị cấp dưới của nó."),
            "parent_code",
        )
    if unit.parent_id == new_parent.id:
        return False
    old_parent_code = unit.parent.code if unit.parent else ""
    old_path, new_path = unit.path, f"{new_parent.path}{unit.id}/"
    shift = new_parent.depth + 1 - unit.depth
    unit.parent = new_parent
    db.session.execute(
        update(Unit)
        .where(Unit.path.like(old_path + "%"))
        .values(
            path=literal(new_path) + func.substr(Unit.path, len(old_path) + 1),
            depth=Unit.depth + shift,
        )
        .execution_options(synchronize_session="fetch")
    )
    note = f"{old_parent_code} → {new_parent.code}"
    _lineage("move", unit, unit, note=note)
    audit.record(
        "unit.moved",
        "unit",
        unit.id,
        actor=actor,
        unit_id=unit.id,
        old_parent=old_parent_code,
        new_parent=new_parent.code,
    )
    db.session.flush()
    return True


def _merge_target(predecessors, successor, new_code, new_name, new_kind):
    """Check a merge; return (successor or None, parent, kind) for a new successor."""
    if successor is not None:
        _check_open(successor, "successor_code")
        if any(successor.path.startswith(p.path) for p in predecessors):
            raise UnitError(
                _l("Đơn vị nhận sáp nhập không được là đơn vị bị sáp nhập hay cấp dưới của nó."),
                "successor_code",
            )
        return successor, None, None
    if not (nfc(new_code or "") and nfc(new_name or "")):
        raise UnitError(_l("Chọn đơn vị nhận sáp nhập, hoặc nhập mã và tên đơn vị mới."))
    parents = {p.parent_id for p in predecessors}
    if len(parents) != 1:
        raise UnitError(_l("Các đơn vị không cùng cấp trên: hãy sáp nhập vào một đơn vị có sẵn."))
    kinds = {p.kind for p in predecessors}
    kind = new_kind or (kinds.pop() if len(kinds) == 1 else None)
    if kind is None:
        raise UnitError(_l("Các đơn vị khác loại: hãy chọn loại của đơn vị mới."), "kind")
    return None, predecessors[0].parent, kind


def merge_units(
    predecessors, successor=None, *, new_code=None, new_name=None, new_kind=None, actor=None
):
    """Close `predecessors` into `successor` (or a new unit), moving children and people."""
    predecessors = list({p.id: p for p in predecessors}.values())
    if not predecessors:
        raise UnitError(_l("Chọn ít nhất một đơn vị để sáp nhập."))
    for p in predecessors:
        _check_open(p)
        if any(o is not p and p.path.startswith(o.path) for o in predecessors):
            raise UnitError(
                _l("“%(name)s” nằm trong một đơn vị khác cũng bị sáp nhập.", name=p.name)
            )
    successor, parent, kind = _merge_target(predecessors, successor, new_code, new_name, new_kind)
    today = date.today()
    for p in predecessors:
        p.valid_to = today
    db.session.flush()  # frees the predecessors' codes for a new successor
    if successor is None:
        successor = create_unit(new_name, kind, new_code, parent, actor=actor)
    ids = [p.id for p in predecessors]
    for p in predecessors:
        for child in list_children(p):
            move_unit(child, successor, actor=actor)
        _lineage("merge", p, successor)
    for p in predecessors:
        audit.record(
            "unit.merged", "unit", p.id, actor=actor, unit_id=successor.id, successor=successor.id
        )
    audit.record(
        "unit.merged_into",
        "unit",
        successor.id,
        actor=actor,
        unit_id=successor.id,
        predecessors=ids,
    )
    db.session.flush()
    # People, requirements and sessions belong to higher packages: they move themselves.
    units_merged.send(None, predecessors=ids, successor=successor.id)
    return successor


def close_unit(unit, *, actor=None):
    """Close an open unit with no open units and no people under it (never deleted)."""
    _check_open(unit)
    if list_children(unit):
        raise UnitError(
            _l("Đơn vị còn đơn vị cấp dưới: hãy chuyển hoặc giải thể chúng trước, hoặc sáp nhập.")
        )
    if sum(count or 0 for _, count in unit_closing.send(None, unit=unit)):
        raise UnitError(
            _l("Đơn vị còn người dùng: hãy sáp nhập vào một đơn vị khác để chuyển họ sang.")
        )
    unit.valid_to = date.today()
    audit.record("unit.closed", "unit", unit.id, actor=actor, unit_id=unit.id)
    db.session.flush()
