"""The official provinces and communes, from the `vietnam-provinces` package (July 2025 list).

Codes are the statistics office's, zero-padded: two digits for a province (`75`), five for
a commune, ward or special zone. Importing is an upsert by code, so re-running it changes
nothing, and an official rename reaches the tree as a rename with lineage.
"""

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from vietnam_provinces import Province, VietNamDivisionType, Ward

from portal import audit
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Unit
from portal.orgs.services import UnitError
from portal.text import fold, nfc

KIND_OF_DIVISION = {
    VietNamDivisionType.TINH: "province",
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: "province",
    VietNamDivisionType.XA: "commune",
    VietNamDivisionType.PHUONG: "ward",
    VietNamDivisionType.DAC_KHU: "special_zone",
}
# What people put before a province's name, compared after folding.
_PREFIXES = ("tinh ", "thanh pho ", "tp. ", "tp.", "tp ")


@dataclass
class ImportResult:
    province: Unit
    counts: Counter = field(default_factory=Counter)


def _bare(name):
    key = " ".join(fold(nfc(name or "")).split())
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :].strip()
    return key


def find_province(query):
    """The package's province for a code ("75", "1") or a name in any spelling, or None."""
    query = nfc(query or "")
    if query.isdigit():
        return next((p for p in Province.iter_all() if int(p.code) == int(query)), None)
    key = _bare(query)
    return next((p for p in Province.iter_all() if key and _bare(p.name) == key), None)


def province_code(province):
    return f"{int(province.code):02d}"


def province_name(province):
    """The full name: the package writes "Đồng Nai" but "Thành phố Hà Nội"."""
    if province.division_type == VietNamDivisionType.TINH and not fold(province.name).startswith(
        "tinh "
    ):
        return f"Tỉnh {province.name}"
    return province.name


def ward_code(ward):
    return f"{int(ward.code):05d}"


def _upsert(existing, code, name, kind, parent, counts, actor):
    unit = existing.get(code)
    if unit is None:
        unit = services.create_unit(name, kind, code, parent, official=True, actor=actor)
        counts["created"] += 1
        return unit
    changed = services.rename_unit(unit, name, actor=actor)
    if parent is not None:
        changed = services.move_unit(unit, parent, actor=actor) or changed
    if (unit.kind, unit.official) != (kind, True):
        unit.kind, unit.official = kind, True
        changed = True
    counts["updated" if changed else "unchanged"] += 1
    return unit


def import_province(query, *, actor=None):
    """Load a province and all its communes, wards and special zones; counts by outcome."""
    found = find_province(query)
    if found is None:
        raise UnitError(
            _l(
                "Không tìm thấy tỉnh, thành phố “%(q)s”. Nhập tên (ví dụ: Đồng Nai) "
                "hoặc mã hai chữ số (ví dụ: 75).",
                q=nfc(query or ""),
            )
        )
    wards = list(Ward.iter_by_province(found.code))
    codes = [province_code(found)] + [ward_code(w) for w in wards]
    existing = {
        u.code: u
        for u in db.session.scalars(
            select(Unit).where(Unit.code.in_(codes), Unit.valid_to.is_(None))
        )
    }
    counts = Counter(created=0, updated=0, unchanged=0)
    province = _upsert(
        existing,
        province_code(found),
        province_name(found),
        KIND_OF_DIVISION[found.division_type],
        None,
        counts,
        actor,
    )
    for ward in wards:
        kind = KIND_OF_DIVISION[ward.division_type]
        _upsert(existing, ward_code(ward), ward.name, kind, province, counts, actor)
    audit.record(
        "units.imported_official",
        "unit",
        province.id,
        actor=actor,
        unit_id=province.id,
        **counts,
    )
    db.session.flush()
    return ImportResult(province, counts)
