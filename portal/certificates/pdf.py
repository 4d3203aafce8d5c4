"""The certificate PDF: A4 landscape, Vietnamese text in an embedded font, two QR codes."""

import io
from pathlib import Path

import segno
from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "fonts"
INK = (27, 31, 36)
BRAND = (11, 92, 173)
MUTED = (74, 85, 96)


def _document():
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_creator("Học bảo vệ trẻ em")
    return pdf


def _qr_png(data):
    buf = io.BytesIO()
    # A fixed mask skips the best-mask search: half the time, and every reader still reads it.
    segno.make(data, error="m", mask=0).save(buf, kind="png", scale=3, border=2)
    buf.seek(0)
    return buf


def _date(moment):
    return moment.strftime("%d/%m/%Y")


def _page(pdf, cert, verify_url, compact_token, display_code):
    pdf.add_page()
    w, h = pdf.w, pdf.h
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, w - 16, h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, w - 22, h - 22)

    pdf.set_text_color(*MUTED)
    pdf.set_font("DejaVu", "", 11)
    issuer = cert.issuer_name or "Học bảo vệ trẻ em"
    pdf.set_xy(15, 18)
    pdf.cell(w - 30, 6, f"{issuer} · Chương trình học bảo vệ trẻ em", align="C")

    pdf.set_text_color(*BRAND)
    pdf.set_font("DejaVu", "B", 30)
    pdf.set_xy(15, 32)
    pdf.cell(w - 30, 14, "GIẤY CHỨNG NHẬN", align="C")

    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "", 13)
    pdf.set_xy(15, 52)
    pdf.cell(w - 30, 7, "Chứng nhận Ông/Bà", align="C")
    pdf.set_font("DejaVu", "B", 24 if len(cert.holder_name) <= 40 else 16)
    pdf.set_xy(20, 61)
    pdf.multi_cell(w - 40, 11, cert.holder_name, align="C", max_line_height=11)

    pdf.set_font("DejaVu", "", 13)
    y = max(pdf.get_y() + 3, 78)
    pdf.set_xy(15, y)
    pdf.cell(w - 30, 7, "đã hoàn thành khóa học", align="C")
    pdf.set_font("DejaVu", "B", 17)
    pdf.set_xy(25, y + 9)
    pdf.multi_cell(w - 50, 8.5, cert.course_title, align="C")

    pdf.set_font("DejaVu", "", 11)
    pdf.set_text_color(*MUTED)
    lines = []
    if cert.unit_trail:
        lines.append(f"Đơn vị: {cert.unit_trail}")
    dates = f"Cấp ngày {_date(cert.issued_at)}"
    dates += (
        f" · Có hiệu lực đến {_date(cert.expires_at)}" if cert.expires_at else " · Không thời hạn"
    )
    if cert.score is not None:
        dates += f" · Điểm bài kiểm tra: {cert.score}%"
    lines.append(dates)
    lines.append(f"Khóa học phiên bản {cert.course_version}")
    y = max(pdf.get_y() + 4, 118)
    for line in lines:
        pdf.set_xy(25, y)
        pdf.multi_cell(w - 50, 6, line, align="C")
        y = pdf.get_y() + 1

    qr_size = 38
    qr_y = h - 16 - qr_size - 6
    pdf.image(_qr_png(verify_url), x=20, y=qr_y, w=qr_size, h=qr_size)
    pdf.image(_qr_png(compact_token), x=w - 20 - qr_size, y=qr_y, w=qr_size, h=qr_size)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_xy(20, qr_y + qr_size)
    pdf.cell(qr_size, 4, "Kiểm tra trực tuyến", align="C")
    pdf.set_xy(w - 20 - qr_size, qr_y + qr_size)
    pdf.cell(qr_size, 4, "Kiểm tra không cần mạng", align="C")

    pdf.set_font("DejaVu", "B", 14)
    pdf.set_xy(65, qr_y + 10)
    pdf.cell(w - 130, 8, f"Mã chứng nhận: {display_code}", align="C")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_xy(65, qr_y + 19)
    pdf.multi_cell(w - 130, 5, f"Kiểm tra tại {verify_url}", align="C")
    pdf.set_xy(65, qr_y + 28)
    pdf.multi_cell(w - 130, 5, "Đường dây nóng bảo vệ trẻ em: 111 (miễn phí, 24/7)", align="C")


def render(items):
    """A PDF of one or more certificates: items are (cert, verify_url, compact_token, code)."""
    pdf = _document()
    for item in items:
        _page(pdf, *item)
    pdf.set_title("Giấy chứng nhận")
    return bytes(pdf.output())
