"""Writing tables to CSV, XLSX and PDF safely (DESIGN §9.8, §10.6).

Cells that a spreadsheet would run as a formula are neutralised; CSV is UTF-8 with a BOM so
Excel shows Vietnamese; XLSX is written row by row (write-only mode) so memory stays flat.
"""

import csv
import io
import re
from datetime import date, datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_OR_NUMBER = re.compile(r"^[+-]?\d[\d .]*$")
_AS_IS = {type(None), int, float, date}  # values written to XLSX unchanged
# Control characters XML cannot carry (openpyxl refuses them): a name typed or imported
# with one must not stop the inspection file, so they are dropped from the cell.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """Prefix text that would start a formula with an apostrophe; numbers and phones stay."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        if not _PHONE_OR_NUMBER.match(value):
            return "'" + value
    return value


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return neutralise(value) if isinstance(value, str) else value


def csv_bytes(header, rows):
    """A CSV file: UTF-8 with BOM, CRLF line ends, formula-safe cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_plain(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(sheets):
    """An XLSX workbook streamed row by row.

    `sheets` is a list of (title, header, rows, widths); rows may be any iterable.
    """
    # openpyxl is imported on first use: it weighs on every worker otherwise.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from portal.reports.xlsx_stream import create_sheet

    wb = Workbook(write_only=True)
    for title, header, rows, widths in sheets:
        ws = create_sheet(wb, title[:31])
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        bold = Font(bold=True)
        head = []
        for value in header:
            cell = WriteOnlyCell(ws, value=value)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append(_xlsx_row(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_row(row):
    # The same as _xlsx_cell on each value, without a call for the values that stay as they are.
    return [
        v
        if type(v) in _AS_IS
        or (type(v) is str and not v.startswith(FORMULA_START) and not _NOT_IN_XML.search(v))
        else _xlsx_cell(v)
        for v in row
    ]


def _xlsx_cell(value):
    # Plain values keep the writer fast; openpyxl stores dates as dates with a date format.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return neutralise(_NOT_IN_XML.sub("", value))
    return value
