"""The inspection file (hồ sơ kiểm tra) of a unit: the same tables as XLSX, CSV and PDF."""

from pathlib import Path

from portal.reports import exports, services
from portal.training import compliance

STATUS_VI = {
    "compliant": "Đạt",
    "expiring": "Sắp hết hạn",
    "overdue": "Quá hạn",
    "in_progress": "Đang học",
    "not_started": "Chưa bắt đầu",
}
POSITION_VI = {
    "commune_officer": "Cán bộ xã",
    "commune_leader": "Lãnh đạo xã",
    "collaborator": "Cộng tác viên",
    "partner": "Đối tác",
    "parent": "Cha mẹ",
}
TABLES = ("summary", "people", "overdue", "sessions", "attendance")
FONT_DIR = Path(__file__).resolve().parent.parent / "certificates" / "fonts"


def tables(unit, as_of, *, course_slug=None, position=None):
    """{name: (sheet title, header, rows generator, widths)} for one unit and date."""
    titles = {slug: rule[2] for slug, rule in compliance.course_rules().items()}
    names = services.list_unit_names(unit)
    people = services.list_people(unit, as_of, course_slug=course_slug, position=position)
    totals = {}
    for p in people:
        totals.setdefault(p.course_slug, {s: 0 for s in compliance.STATUSES})[p.status] += 1

    def summary():
        for slug, counts in sorted(totals.items()):
            total = sum(counts.values())
            share = round(100 * (counts["compliant"] + counts["expiring"]) / total) if total else 0
            yield [
                titles.get(slug, slug),
                total,
                counts["compliant"],
                counts["expiring"],
                counts["overdue"],
                counts["in_progress"],
                counts["not_started"],
                f"{share}%",
            ]

    def people_rows(only=None):
        for p in people:
            if only and p.status != only:
                continue
            yield [
                p.full_name,
                names.get(p.unit_id, ""),
                POSITION_VI.get(p.position, p.position),
                titles.get(p.course_slug, p.course_slug),
                STATUS_VI[p.status],
                p.due_on,
                p.certificate_code or "",
                p.expires_at,
            ]

    def sessions():
        for session, count in services.list_sessions(unit):
            yield [
                session.starts_at,
                titles.get(session.course_slug, session.course_slug),
                session.place,
                names.get(session.unit_id, ""),
                count,
            ]

    def attendance():
        for session, a in services.list_attendance(unit):
            yield [
                session.starts_at,
                titles.get(session.course_slug, session.course_slug),
                a.user.full_name,
                "QR" if a.method == "qr" else "Danh sách",
                a.pre_score,
                a.post_score,
            ]

    person_header = [
        "Họ tên",
        "Đơn vị",
        "Chức danh",
        "Khóa học",
        "Trạng thái",
        "Hạn hoàn thành",
        "Mã chứng nhận",
        "Chứng nhận hết hạn",
    ]
    person_widths = [28, 24, 16, 40, 14, 14, 22, 16]
    return {
        "summary": (
            "Tổng hợp",
            [
                "Khóa học bắt buộc",
                "Số người",
                "Đạt",
                "Sắp hết hạn",
                "Quá hạn",
                "Đang học",
                "Chưa bắt đầu",
                "Tỷ lệ đạt",
            ],
            summary(),
            [44, 10, 8, 12, 10, 10, 13, 10],
        ),
        "people": ("Danh sách", person_header, people_rows(), person_widths),
        "overdue": ("Quá hạn", person_header, people_rows("overdue"), person_widths),
        "sessions": (
            "Tập huấn",
            ["Ngày", "Khóa học", "Địa điểm", "Đơn vị", "Số người dự"],
            sessions(),
            [14, 40, 30, 24, 12],
        ),
        "attendance": (
            "Điểm danh",
            ["Ngày", "Khóa học", "Họ tên", "Cách điểm danh", "Điểm trước", "Điểm sau"],
            attendance(),
            [14, 40, 28, 14, 10, 10],
        ),
    }


def workbook(unit, as_of, **filters):
    built = tables(unit, as_of, **filters)
    cover = (
        "Hồ sơ",
        ["Mục", "Nội dung"],
        iter(
            [
                ["Đơn vị", f"{unit.name} ({unit.code})"],
                ["Ngày tính", as_of],
                ["Kỳ báo cáo", f"{services.default_period(as_of)[0]:%d/%m/%Y} – {as_of:%d/%m/%Y}"],
            ]
        ),
        [18, 50],
    )
    return exports.xlsx_bytes([cover] + [built[name] for name in TABLES])


def csv_table(unit, as_of, name, **filters):
    title, header, rows, _ = tables(unit, as_of, **filters)[name]
    return exports.csv_bytes(header, rows)


def pdf_report(unit, as_of, **filters):
    """A printable report: summary, overdue list, sessions, and a signature block."""
    from fpdf import FPDF  # imported on first use: it weighs on every worker otherwise

    built = tables(unit, as_of, **filters)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(
        0,
        9,
        "HỒ SƠ KIỂM TRA CÔNG TÁC ĐÀO TẠO BẢO VỆ TRẺ EM",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 11)
    start, end = services.default_period(as_of)
    pdf.cell(
        0,
        7,
        f"Đơn vị: {unit.name} ({unit.code}) · Ngày tính: {as_of:%d/%m/%Y} · "
        f"Kỳ: {start:%d/%m/%Y} – {end:%d/%m/%Y}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for name, limit in (("summary", None), ("overdue", 300), ("sessions", 200)):
        title, header, rows, widths = built[name]
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        scale = (pdf.w - 20) / sum(widths)
        with pdf.table(
            col_widths=[w * scale for w in widths], text_align="LEFT", line_height=5
        ) as table:
            table.row([str(h) for h in header])
            for i, row in enumerate(rows):
                if limit and i >= limit:
                    break
                table.row([_pdf_text(v) for v in row])
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(pdf.w / 2 - 10, 6, "Người lập biểu", align="C")
    pdf.cell(pdf.w / 2 - 10, 6, "Thủ trưởng đơn vị", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(pdf.w / 2 - 10, 6, "(ký, ghi rõ họ tên)", align="C")
    pdf.cell(pdf.w / 2 - 10, 6, "(ký, đóng dấu)", align="C")
    return bytes(pdf.output())


def _pdf_text(value):
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)
