"""Exports: formula-safe cells, BOM, dates as dates, frozen headers."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.reports import exports


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
