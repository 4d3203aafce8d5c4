"""Exports: formula-safe cells, BOM, dates as dates, frozen headers, streamed XLSX rows."""

import io
import zipfile
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import IllegalCharacterError

from portal.reports import exports, xlsx_stream


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3 cmd", "'-2+3 cmd"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+84912345678", "+84912345678"),
        ("0912345678", "0912345678"),
        ("-5", "-5"),
        ("Nguyễn Văn A", "Nguyễn Văn A"),
        (5, 5),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_csv_has_bom_and_vietnamese():
    data = exports.csv_bytes(
        ["Họ tên", "Ngày"], [["=cmd|' /C calc'!A0", date(2026, 5, 31)], ["Trần Thị Ánh", None]]
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=cmd" in text and "31/05/2026" in text and "Trần Thị Ánh" in text


def test_xlsx_dates_widths_frozen_and_safe_cells():
    data = exports.xlsx_bytes(
        [("Danh sách", ["Họ tên", "Hạn"], iter([["@SUM(1)", date(2026, 5, 31)]]), [30, 14])]
    )
    ws = load_workbook(io.BytesIO(data))["Danh sách"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "Họ tên" and ws["A1"].font.bold
    assert ws["A2"].value == "'@SUM(1)"
    assert ws["B2"].value.date() == date(2026, 5, 31) and ws["B2"].is_date
    assert ws.column_dimensions["A"].width == 30


def _parts(data):
    """Every part of an XLSX file but its timestamps, as canonical XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: etree.tostring(etree.fromstring(archive.read(name)), method="c14n")
            for name in archive.namelist()
            if name != "docProps/core.xml"
        }


def _workbook(rows, streamed):
    wb = Workbook(write_only=True)
    for title in ("Một", "Hai"):
        ws = xlsx_stream.create_sheet(wb, title) if streamed else wb.create_sheet(title)
        ws.column_dimensions["A"].width = 30
        ws.freeze_panes = "A2"
        head = WriteOnlyCell(ws, value="Họ tên")
        head.font = Font(bold=True)
        ws.append([head, "Ngày"])
        for row in rows:
            ws.append(list(row) if title == "Một" else (value for value in row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = [
    ["Nguyễn Văn An", "Ấp 3", 5, date(2026, 5, 31), None, "", date(2026, 6, 1)],
    ["  lề  ", "a & b <c> \r\nd > e", 0, -7, 2.5, -0.0, 10**17, "\tx", "'=1+1", "x" * 40000],
    [],
    [None, None, "Trần Thị Ánh"],
    ["=SUM(1)", "#N/A", "#5", "=", True, datetime(2026, 5, 31, 8, 30), time(7, 15)],
    [Decimal("1.5"), float("nan"), float("inf"), date(1900, 1, 1), date(2026, 5, 31)],
]


def test_streamed_sheets_write_what_openpyxl_writes():
    # Plain rows are written as text, the others by openpyxl: the file must not differ.
    assert _parts(_workbook(ROWS, streamed=True)) == _parts(_workbook(ROWS, streamed=False))


def test_streamed_sheets_refuse_control_characters_as_openpyxl_does():
    for streamed in (True, False):
        with pytest.raises(IllegalCharacterError):
            _workbook([["Nguyễn\x07Văn"]], streamed)


def test_xlsx_bytes_streams_the_same_file_as_openpyxl(monkeypatch):
    sheets = [
        (
            "Danh sách",
            ["Họ tên", "Hạn", "Số"],
            [["Lê Văn Bình", date(2026, 5, 31), 3]],
            [30, 14, 8],
        ),
        (
            "Quá hạn",
            ["Họ tên", "Hết hạn"],
            [["=cmd", datetime(2026, 5, 31, 8, tzinfo=UTC)]],
            [30, 14],
        ),
    ]
    streamed = exports.xlsx_bytes([(t, h, iter(r), w) for t, h, r, w in sheets])
    monkeypatch.setattr(xlsx_stream, "create_sheet", lambda wb, title: wb.create_sheet(title))
    plain = exports.xlsx_bytes([(t, h, iter(r), w) for t, h, r, w in sheets])
    assert _parts(streamed) == _parts(plain)


def test_xlsx_drops_control_characters_instead_of_failing():
    """A name typed or imported with a control character must not stop the inspection file."""
    data = exports.xlsx_bytes(
        [("Người", ["Họ tên", "Ghi chú"], [["Nguyễn\x07 Văn\x00 A", "=\x1bcmd"]], [20, 20])]
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[2]] == ["Nguyễn Văn A", "'=cmd"]
