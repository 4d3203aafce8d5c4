"""`flask orgs import`: hamlets, residential groups and legacy districts from a UTF-8 CSV.

Columns (docs/templates/orgs-import.csv): code, name, kind, parent_code. Row numbers are the
spreadsheet's: the header is row 1. Every row is checked first; one bad row and nothing is
written. A row whose code already names the same open unit is "unchanged", so a file can be
imported again safely. A parent may be an open unit or a row of the same file.
"""

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Unit
from portal.orgs.services import COMMUNE_KINDS, HAMLET_KINDS, UnitError
from portal.text import fold, nfc

COLUMNS = ("code", "name", "kind", "parent_code")
MAX_ROWS = 20_000
LOCAL_KINDS = ("hamlet", "residential_group", "district_legacy")
# What people write in the kind column, compared after folding.
KIND_WORDS = {
    "hamlet": ("hamlet", "ap", "thon", "ban", "buon", "khom", "soc", "lang"),
    "residential_group": ("residential_group", "to dan pho", "khu pho", "to"),
    "district_legacy": ("district_legacy", "huyen", "quan", "thi xa", "huyen cu", "quan cu"),
}
_KIND_OF_WORD = {word: kind for kind, words in KIND_WORDS.items() for word in words}
# Vietnamese header names accepted for the English ones.
_HEADER_WORDS = {"ma": "code", "ten": "name", "loai": "kind", "ma_cap_tren": "parent_code"}
# A hamlet or group sits in a commune (or another hamlet); a legacy district in a province.
PARENT_KINDS = {
    "hamlet": COMMUNE_KINDS + HAMLET_KINDS,
    "residential_group": COMMUNE_KINDS + HAMLET_KINDS,
    "district_legacy": ("province",),
}
LEGACY_ENCODING = _l(
    "Tệp CSV này không dùng bảng mã UTF-8 (có thể là TCVN3, VNI hoặc Windows-1258), nên chữ "
    "tiếng Việt sẽ bị lỗi. Hãy mở tệp bằng Excel, chọn Tệp > Lưu thành (File > Save As), ở "
    "mục Kiểu tệp chọn “CSV UTF-8 (Comma delimited) (*.csv)”, lưu rồi nhập lại tệp mới. "
    "Nếu chữ trong tệp dùng phông .VnTime hoặc VNI-Times, trước hết hãy chuyển sang Unicode "
    "(ví dụ bằng công cụ chuyển mã của Unikey)."
)
# Latin-1 letters that Vietnamese uses; any other Latin-1 symbol in Vietnamese text is the
# trace of a TCVN3 or VNI file read as Windows-1252 ("§ång Nai", "Ñoàng Nai").
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_VIETNAMESE_ONLY = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9\u0300-\u0323]")


class ImportFileError(UnitError):
    """The file as a whole cannot be read."""


@dataclass
class Row:
    number: int
    code: str
    name: str
    kind_text: str  # as written
    parent_code: str
    kind: str | None = None  # one of LOCAL_KINDS, or None when not understood
    status: str = "new"  # new, unchanged
    parent: Unit | None = None  # an open unit
    parent_row: "Row | None" = None  # or a new row of the same file
    errors: list = field(default_factory=list)


@dataclass
class Plan:
    rows: list

    @property
    def errors(self):
        return [(row.number, message) for row in self.rows for message in row.errors]

    @property
    def ok(self):
        return bool(self.rows) and not self.errors

    @property
    def counts(self):
        return Counter({"new": 0, "unchanged": 0, **Counter(row.status for row in self.rows)})


# Reading the file


def looks_legacy(text):
    """Whether UTF-8 text carries the marks of a TCVN3 or VNI file that was mis-converted."""
    odd = sum(1 for c in text if "\u00a0" <= c <= "\u00ff" and c not in _VIETNAMESE_LATIN1)
    return odd >= 2 and not _VIETNAMESE_ONLY.search(unicodedata.normalize("NFC", text))


def decode(data):
    """The text of a UTF-8 CSV (with or without BOM); refuse legacy Vietnamese encodings."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportFileError(LEGACY_ENCODING)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(LEGACY_ENCODING) from None
    if looks_legacy(text):
        raise ImportFileError(LEGACY_ENCODING)
    return text


def read_rows(data):
    """[(row number, {column: text})] from CSV bytes; the header is row 1."""
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    records = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    records = [(n, [nfc(v) for v in values]) for n, values in records]
    records = [(n, values) for n, values in records if any(values)]
    if not records:
        raise ImportFileError(_l("Tệp không có dòng nào."))
    (_, header), body = records[0], records[1:]
    columns = [fold(h).strip().replace(" ", "_") for h in header]
    columns = [_HEADER_WORDS.get(c, c) for c in columns]
    if not set(COLUMNS) <= set(columns):
        raise ImportFileError(
            _l("Dòng tiêu đề phải có các cột: %(cols)s (xem tệp mẫu).", cols=", ".join(COLUMNS))
        )
    if not body:
        raise ImportFileError(_l("Tệp không có dòng nào dưới dòng tiêu đề."))
    if len(body) > MAX_ROWS:
        raise ImportFileError(_l("Tệp quá dài: tối đa %(n)d dòng mỗi lần.", n=MAX_ROWS))
    return [(n, dict(zip(columns, values, strict=False))) for n, values in body]


# Checking


def _kind(word):
    return _KIND_OF_WORD.get(" ".join(fold(word).split()))


def _open_units(codes):
    found = {}
    codes = sorted(codes)
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        query = select(Unit).where(Unit.code.in_(chunk), Unit.valid_to.is_(None))
        found.update((u.code, u) for u in db.session.scalars(query))
    return found


def _check_fields(row):
    missing = [c for c in COLUMNS if not getattr(row, "kind_text" if c == "kind" else c)]
    for column in missing:
        row.errors.append(_l("thiếu “%(col)s”.", col=column))
    if row.code and (len(row.code) > 40 or not services.CODE_PATTERN.fullmatch(row.code)):
        row.errors.append(
            _l("mã “%(code)s” chỉ được gồm chữ không dấu, chữ số, dấu gạch ngang.", code=row.code)
        )
    if len(row.name) > 200:
        row.errors.append(_l("tên dài quá 200 ký tự."))
    if "kind" not in missing and row.kind is None:
        row.errors.append(
            _l("loại đơn vị không hợp lệ; dùng một trong: %(kinds)s.", kinds=", ".join(LOCAL_KINDS))
        )


def _check_against_tree(row, existing, by_code):
    unit = existing.get(row.code)
    if unit is not None:
        same_parent = unit.parent is not None and unit.parent.code == row.parent_code
        if (unit.name, unit.kind) == (row.name, row.kind) and same_parent:
            row.status = "unchanged"
        else:
            row.errors.append(
                _l(
                    "mã “%(code)s” đã dùng cho đơn vị “%(name)s” đang hoạt động.",
                    code=row.code,
                    name=unit.name,
                )
            )
        return
    parent = existing.get(row.parent_code)
    if parent is not None:
        row.parent = parent
    elif row.parent_code in by_code:
        row.parent_row = by_code[row.parent_code]
    elif row.parent_code:
        row.errors.append(_l("không có đơn vị cấp trên mang mã “%(code)s”.", code=row.parent_code))
    parent_kind = row.parent.kind if row.parent else getattr(row.parent_row, "kind", None)
    if row.kind and parent_kind and parent_kind not in PARENT_KINDS[row.kind]:
        row.errors.append(
            _l(
                "đơn vị loại %(kind)s không thể nằm dưới đơn vị loại %(parent)s.",
                kind=row.kind,
                parent=parent_kind,
            )
        )


def _check_cycles(rows):
    for row in rows:
        seen, step = set(), row
        while step is not None and step.parent_row is not None:
            if step.number in seen:
                row.errors.append(_l("các dòng lấy nhau làm cấp trên (vòng lặp)."))
                break
            seen.add(step.number)
            step = step.parent_row


def plan_import(data):
    """Read and check a CSV file against the tree; nothing is written."""
    rows = []
    first_row = {}
    for number, values in read_rows(data):
        row = Row(
            number=number,
            code=values.get("code") or "",
            name=values.get("name") or "",
            kind_text=values.get("kind") or "",
            parent_code=values.get("parent_code") or "",
            kind=_kind(values.get("kind") or ""),
        )
        _check_fields(row)
        if row.code in first_row:
            row.errors.append(
                _l("mã “%(code)s” trùng với dòng %(n)d.", code=row.code, n=first_row[row.code])
            )
        elif row.code:
            first_row[row.code] = number
        rows.append(row)
    existing = _open_units({r.code for r in rows if r.code} | {r.parent_code for r in rows})
    by_code = {r.code: r for r in rows if r.code and r.code not in existing}
    for row in rows:
        if not row.errors:
            _check_against_tree(row, existing, by_code)
    _check_cycles(rows)
    _blame_children(rows)
    return Plan(rows)


def _blame_children(rows):
    """A row whose parent row is bad is bad too, down every generation."""
    changed = True
    while changed:
        changed = False
        for row in rows:
            if row.parent_row is not None and row.parent_row.errors and not row.errors:
                row.errors.append(
                    _l("đơn vị cấp trên (dòng %(n)d) có lỗi.", n=row.parent_row.number)
                )
                changed = True


# Writing


def apply_import(plan, *, actor=None, source=""):
    """Create the plan's new units, parents first; return them."""
    if not plan.ok:
        raise UnitError(_l("Tệp còn lỗi; chưa nhập gì."))
    created = {}

    def create(row):
        if row.code not in created:
            parent = row.parent or create(row.parent_row)
            created[row.code] = services.create_unit(
                row.name, row.kind, row.code, parent, actor=actor
            )
        return created[row.code]

    for row in plan.rows:
        if row.status == "new":
            create(row)
    counts = plan.counts
    audit.record(
        "units.imported",
        "import",
        source or "csv",
        actor=actor,
        new=counts["new"],
        unchanged=counts["unchanged"],
    )
    db.session.flush()
    return list(created.values())
