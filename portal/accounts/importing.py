"""Bulk import of staff from CSV (UTF-8) or XLSX: every row is checked, then all or nothing.

Columns (docs/templates/users-import.csv): full_name, phone, email, unit_code, position,
role. Row numbers are the spreadsheet's: the header is row 1. A row whose phone or e-mail
already has an account updates that account ("unchanged" when nothing differs).
"""

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts import passwords
from portal.accounts.management import can_manage
from portal.accounts.models import POSITIONS, ROLES, User
from portal.accounts.scope import in_scope
from portal.accounts.services import AccountError
from portal.database import utcnow
from portal.extensions import db
from portal.orgs import services as units
from portal.orgs.models import Unit
from portal.text import fold, nfc, normalise_email, normalise_phone

COLUMNS = ("full_name", "phone", "email", "unit_code", "position", "role")
MAX_ROWS = 10_000
# A sheet of MAX_ROWS people unpacks to a few MB; blank rows count towards the sheet cap.
MAX_XLSX_UNPACKED = 20 * 1024 * 1024
MAX_SHEET_ROWS = 2 * MAX_ROWS + 1
LEGACY_ENCODING = _l(
    "Tệp CSV này không dùng bảng mã UTF-8 (có thể là TCVN3, VNI hoặc Windows-1258), nên chữ "
    "tiếng Việt sẽ bị lỗi. Hãy mở tệp bằng Excel, chọn Tệp > Lưu thành (File > Save As), "
    "ở mục Kiểu tệp chọn “CSV UTF-8 (Comma delimited) (*.csv)” rồi tải lại tệp mới; "
    "hoặc tải lên tệp Excel (.xlsx)."
)
# Words people write in the position and role columns, compared after folding.
POSITION_WORDS = {
    "commune_officer": ("can bo xa", "can bo", "cong chuc xa", "cong chuc"),
    "commune_leader": ("lanh dao xa", "lanh dao"),
    "collaborator": ("cong tac vien", "ctv", "cong tac vien tre em"),
    "partner": ("doi tac",),
    "parent": ("cha me", "phu huynh", "nguoi cham soc"),
}
ROLE_WORDS = {
    "learner": ("hoc vien", "nguoi hoc"),
    "trainer": ("giang vien", "tap huan vien"),
    "manager": ("quan ly", "giam sat"),
    "admin": ("quan tri", "quan tri vien"),
}


class ImportFileError(AccountError):
    """The file as a whole cannot be read."""


@dataclass
class Row:
    number: int
    full_name: str
    phone: str | None = None
    email: str | None = None
    unit: Unit | None = None
    position: str | None = None
    role: str = "learner"
    status: str = "new"  # new, updated, unchanged, error
    user: User | None = None
    errors: list = field(default_factory=list)


@dataclass
class Plan:
    rows: list
    default_unit: Unit | None = None

    @property
    def errors(self):
        return [(row.number, message) for row in self.rows for message in row.errors]

    @property
    def ok(self):
        return bool(self.rows) and not self.errors

    @property
    def counts(self):
        return Counter(row.status for row in self.rows)


# Reading the file


def read_table(data, filename=None):
    """[(row number, {column: text})] from CSV or XLSX bytes; the header is row 1."""
    if data[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx"):
        records = _xlsx_records(data)
    else:
        records = _csv_records(data)
    records = [(n, [_text(v) for v in values]) for n, values in records]
    records = [(n, values) for n, values in records if any(values)]
    if not records:
        raise ImportFileError(_l("Tệp không có dòng nào."))
    (_, header), body = records[0], records[1:]
    columns = [fold(h).strip().replace(" ", "_") for h in header]
    missing = [c for c in ("full_name", "position") if c not in columns]
    if missing or not {"phone", "email"} & set(columns):
        raise ImportFileError(
            _l(
                "Dòng tiêu đề phải có các cột: %(cols)s (xem tệp mẫu).",
                cols=", ".join(COLUMNS),
            )
        )
    if len(body) > MAX_ROWS:
        raise ImportFileError(_l("Tệp quá dài: tối đa %(n)d dòng mỗi lần.", n=MAX_ROWS))
    return [(n, dict(zip(columns, values, strict=False))) for n, values in body]


def _csv_records(data):
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ImportFileError(LEGACY_ENCODING)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(LEGACY_ENCODING) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    return enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


def _xlsx_records(data):
    """The rows of the first sheet; a file that unpacks into too much is refused unread."""
    from openpyxl import load_workbook

    too_long = ImportFileError(_l("Tệp quá dài: tối đa %(n)d dòng mỗi lần.", n=MAX_ROWS))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:  # a decompression bomb, or far more than 10,000 rows
            raise too_long
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_SHEET_ROWS:
                raise too_long
        book.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError):
        raise ImportFileError(_l("Không đọc được tệp Excel này. Hãy lưu lại dạng .xlsx.")) from None
    return enumerate(rows, start=1)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps typed numbers as floats: 912345678.0
    return nfc(str(value))


def _phone(text):
    """A phone cell: Excel drops the leading 0 of numbers typed as numbers (912345678)."""
    text = text.lstrip("'")
    if text.isdigit() and len(text) == 9 and text[0] != "0":
        text = "0" + text
    return normalise_phone(text)


def _choice(text, codes, words):
    key = fold(text).strip().replace("_", " ").replace("-", " ")
    for code in codes:
        if key == code.replace("_", " ") or key in words.get(code, ()):
            return code
    return None


# Checking every row


def plan_import(actor, data, filename=None, default_unit_code=None):
    """Read and check a file; nothing is written. `actor` None is the command line."""
    default_unit = None
    if default_unit_code:
        default_unit = units.get_unit_by_code(default_unit_code)
        if default_unit is None:
            raise ImportFileError(
                _l("Không có đơn vị nào mang mã %(code)s.", code=default_unit_code)
            )
        if actor is not None and not in_scope(actor, default_unit):
            raise ImportFileError(_l("Đơn vị mặc định nằm ngoài phạm vi bạn phụ trách."))
    table = read_table(data, filename)
    codes = {values.get("unit_code", "") for _, values in table}
    by_code = _units_by_code({c for code in codes for c in _code_spellings(code)})
    rows = [_parse_row(actor, n, values, by_code, default_unit) for n, values in table]
    _check_duplicates(rows)
    _match_accounts(actor, rows)
    return Plan(rows, default_unit)


def _code_spellings(code):
    """Official codes are zero-padded ("01", "00004"); Excel drops the zeros of numbers."""
    if code.isdigit():
        return [code, code.zfill(2), code.zfill(5)]
    return [code]


def _units_by_code(codes):
    codes = [c for c in codes if c]
    found = {}
    for i in range(0, len(codes), 500):
        chunk = codes[i : i + 500]
        query = select(Unit).where(Unit.code.in_(chunk), Unit.valid_to.is_(None))
        found.update((u.code, u) for u in db.session.scalars(query))
    return found


def _parse_row(actor, number, values, by_code, default_unit):
    get = values.get
    row = Row(number, full_name=get("full_name", ""))
    if not row.full_name:
        row.errors.append(_l("thiếu họ tên"))
    phone_text, email_text = get("phone", ""), get("email", "")
    row.phone = _phone(phone_text) if phone_text else None
    row.email = normalise_email(email_text) if email_text else None
    if phone_text and not row.phone:
        row.errors.append(_l("số điện thoại không hợp lệ"))
    if email_text and not row.email:
        row.errors.append(_l("thư điện tử không hợp lệ"))
    if not phone_text and not email_text:
        row.errors.append(_l("cần số điện thoại hoặc thư điện tử để đăng nhập"))
    row.position = _choice(get("position", ""), POSITIONS, POSITION_WORDS)
    if not row.position:
        row.errors.append(_l("chức danh không hợp lệ: “%(v)s”", v=get("position", "")))
    role_text = get("role", "")
    row.role = _choice(role_text, ROLES, ROLE_WORDS) if role_text else "learner"
    if not row.role:
        row.errors.append(_l("vai trò không hợp lệ: “%(v)s”", v=role_text))
    elif actor is not None and actor.role != "admin" and row.role != "learner":
        row.errors.append(_l("chỉ quản trị viên được nhập giảng viên, quản lý hay quản trị viên"))
    code = get("unit_code", "")
    found = [by_code[c] for c in _code_spellings(code) if c in by_code] if code else []
    row.unit = found[0] if found else (None if code else default_unit)
    if code and row.unit is None:
        row.errors.append(_l("không có đơn vị mã “%(code)s”", code=code))
    elif row.unit is None and row.role != "admin":
        row.errors.append(_l("thiếu mã đơn vị"))
    elif row.unit is not None and actor is not None and not in_scope(actor, row.unit):
        row.errors.append(_l("đơn vị “%(code)s” nằm ngoài phạm vi của bạn", code=row.unit.code))
    return row


def _check_duplicates(rows):
    first_seen = {}
    for row in rows:
        for kind, value, message in (
            ("phone", row.phone, _l("trùng số điện thoại với dòng %(n)d")),
            ("email", row.email, _l("trùng thư điện tử với dòng %(n)d")),
        ):
            if not value:
                continue
            if (kind, value) in first_seen:
                row.errors.append(message % {"n": first_seen[kind, value]})
            else:
                first_seen[kind, value] = row.number


def _accounts_by(column, values):
    values = [v for v in values if v]
    found = {}
    for i in range(0, len(values), 500):
        query = select(User).where(column.in_(values[i : i + 500]))
        found.update((getattr(u, column.key), u) for u in db.session.scalars(query))
    return found


def _match_accounts(actor, rows):
    by_phone = _accounts_by(User.phone, [r.phone for r in rows])
    by_email = _accounts_by(User.email, [r.email for r in rows])
    for row in rows:
        phone_user, email_user = by_phone.get(row.phone), by_email.get(row.email)
        if phone_user and email_user and phone_user is not email_user:
            row.errors.append(_l("số điện thoại và thư điện tử thuộc hai tài khoản khác nhau"))
        row.user = phone_user or email_user
        if row.user is not None and not can_manage(actor, row.user):
            row.errors.append(_l("số điện thoại hoặc thư điện tử đã thuộc một tài khoản khác"))
        elif row.user is not None and actor is not None and row.user.id == actor.id:
            row.errors.append(_l("dòng này là tài khoản của chính bạn"))
        if row.errors:
            row.status = "error"
        elif row.user is not None:
            row.status = "updated" if _differences(row) else "unchanged"


def _differences(row):
    user = row.user
    wanted = {
        "full_name": row.full_name,
        "phone": row.phone or user.phone,
        "email": row.email or user.email,
        "unit_id": row.unit.id if row.unit else None,
        "position": row.position,
        "role": row.role,
    }
    return {k: v for k, v in wanted.items() if getattr(user, k) != v}


# Writing


def apply_import(actor, plan):
    """Write a checked plan in the current transaction; return [(user, temporary password)]."""
    if not plan.ok:
        raise AccountError(_l("Tệp còn lỗi nên chưa nhập dòng nào."))
    created, updated = [], []
    try:
        with db.session.begin_nested():
            for row in plan.rows:
                if row.status == "new":
                    created.append(_create(row))
                elif row.status == "updated":
                    _update(row, actor)
                    updated.append(row.user.id)
    except IntegrityError:
        raise AccountError(
            _l("Một số điện thoại hoặc thư điện tử vừa được dùng cho tài khoản khác. Hãy thử lại.")
        ) from None
    unit_id = plan.default_unit.id if plan.default_unit else getattr(actor, "unit_id", None)
    audit.record(
        "users.imported",
        "import",
        utcnow().strftime("%Y%m%dT%H%M%S"),
        actor=actor,
        unit_id=unit_id,
        created=[user.id for user, _ in created],
        updated=updated,
        unchanged=plan.counts["unchanged"],
    )
    return created


def _create(row):
    temporary = passwords.temporary_password()
    user = User(
        full_name=row.full_name,
        name_folded=fold(row.full_name),
        phone=row.phone,
        email=row.email,
        unit_id=row.unit.id if row.unit else None,
        position=row.position,
        role=row.role,
        password_hash=passwords.hash_issued(temporary),
        must_change_password=True,
    )
    db.session.add(user)
    db.session.flush()
    return user, temporary


def _update(row, actor):
    changes = _differences(row)
    if "role" in changes:
        audit.record(
            "user.role_changed",
            "user",
            row.user.id,
            actor=actor,
            unit_id=row.unit.id if row.unit else None,
            old=row.user.role,
            new=row.role,
        )
    for key, value in changes.items():
        setattr(row.user, key, value)
    if "full_name" in changes:
        row.user.name_folded = fold(row.full_name)
    if "unit_id" in changes:
        row.user.unit = row.unit
    if "unit_id" in changes or "position" in changes:
        row.user.joined_unit_at = utcnow()  # new requirements may apply: 60 days from now
