"""Write-only XLSX sheets whose plain rows are written as text (DESIGN §9.8, §10.6).

openpyxl's write-only mode makes a cell object for every value and writes it with several
lxml calls: 14 µs a cell, 15 s of the province's inspection file (1.1 million cells). Here a
row of plain values (text, whole numbers, decimals, dates) becomes the same `<row>` XML as
openpyxl would write, as one string appended to the sheet's file: under 1 µs a cell (2.5 µs
with the rest of the export and the zip). Everything else is still openpyxl's: the sheet's
properties, frozen panes, column widths, styles, the workbook and the zip. Rows holding
anything else (styled cells, formulas, error codes, booleans, datetimes, times, illegal
characters) go through openpyxl's own row writer, in order, in the same file. Rows stay
streamed to a temporary file: memory does not grow with the number of rows.

tests/reports/test_exports.py holds the two writers to the same XML, part by part.
"""

from datetime import date
from math import isfinite

from openpyxl import LXML
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

MAX_TEXT = 32767  # what openpyxl truncates a cell's text to
TEXT_CACHE = 10_000  # texts remembered per sheet: memory stays flat
_LETTERS = [get_column_letter(i) for i in range(1, 703)]  # A … ZZ


def create_sheet(wb, title):
    """A write-only sheet of `wb` (a write-only Workbook) that writes plain rows fast."""
    # Without lxml (OPENPYXL_LXML=False) openpyxl's stream cannot be flushed between rows:
    # the sheet is then openpyxl's own.
    ws = (StreamedSheet if LXML else WriteOnlyWorksheet)(parent=wb, title=title)
    wb._add_sheet(ws)
    return ws


def _text_tail(value):
    """A text cell's XML after its reference, as openpyxl writes it (None: not plain text)."""
    if not value:
        return ' t="inlineStr"></c>'
    if value[0] in "=#":  # formulas and error codes (#N/A …) are openpyxl's
        return None
    value = value[:MAX_TEXT]
    if ILLEGAL_CHARACTERS_RE.search(value):
        return None  # openpyxl raises IllegalCharacterError, as it always did
    space = ' xml:space="preserve"' if value != value.strip() else ""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        value = (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\r", "&#13;")
        )
    return f' t="inlineStr"><is><t{space}>{value}</t></is></c>'


class _Writer(WorksheetWriter):
    """openpyxl's sheet writer, streaming into a file object that rows can be added to."""

    def get_stream(self):
        # openpyxl's get_stream, but on a file we hold rather than a path lxml opens.
        with open(self.out, "wb") as self.raw, xmlfile(self.raw) as xf:
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = yield
                        if el is True:
                            yield xf
                        elif el is None:
                            continue
                        else:
                            xf.write(el)
                except GeneratorExit:
                    pass


class StreamedSheet(WriteOnlyWorksheet):
    def __init__(self, parent, title):
        super().__init__(parent, title)
        self._dates = {}  # date → its cell's XML (a sheet holds a few hundred dates)
        self._date_style = None  # the style id of a date cell, once one was written
        self._texts = {}  # recent texts → their cell's XML: names, titles, statuses repeat

    def _get_writer(self):
        if self._writer is None:
            self._writer = _Writer(self)
            self._writer.write_top()

    def _write_rows(self):
        """openpyxl's row loop, writing rows of plain values as text between its elements."""
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        raw = self._writer.raw
        # Row heights or styles, and ISO dates, are written by openpyxl alone.
        fast = not self.row_dimensions and not self.parent.iso_dates
        with xf.element("sheetData"):
            xf.flush()  # the <sheetData> tag is in the file before the first row
            row_idx = 1
            try:
                while True:
                    row = yield
                    if not isinstance(row, (list, tuple)):
                        row = list(row)  # a generator is read once, whichever writer
                    text = self._row_xml(row, row_idx) if fast else None
                    if text is None:
                        cells = self._values_to_row(row, row_idx)
                        self._writer.write_row(xf, cells, row_idx)
                        xf.flush()
                    else:
                        raw.write(text.encode())
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def _row_xml(self, values, row_idx):
        """The `<row>` openpyxl would write for `values`, or None if a value is not plain."""
        if len(values) > len(_LETTERS):
            return None
        r = str(row_idx)
        parts = [f'<row r="{r}">']
        append = parts.append
        texts = self._texts
        for col, value in enumerate(values):
            kind = type(value)
            if kind is str:
                tail = texts.get(value)
                if tail is None:
                    tail = _text_tail(value)
                    if tail is None:
                        return None
                    if len(texts) >= TEXT_CACHE:
                        texts.clear()
                    texts[value] = tail
                append(f'<c r="{_LETTERS[col]}{r}"{tail}')
            elif value is None:
                continue
            elif kind is date:
                tail = self._dates.get(value)
                if tail is None:
                    tail = self._dates[value] = self._date_tail(value)
                append(f'<c r="{_LETTERS[col]}{r}"{tail}')
            elif kind is int or (kind is float and isfinite(value)):
                append(f'<c r="{_LETTERS[col]}{r}" t="n"><v>{value:.16g}</v></c>')
            else:
                return None
        append("</row>")
        return "".join(parts)

    def _date_tail(self, value):
        """A date cell's XML after its reference: openpyxl's date style, the Excel serial."""
        if self._date_style is None:  # registered with the first date, as openpyxl does
            self._date_style = WriteOnlyCell(self, value=value).style_id
        serial = safe_string(to_excel(value, self.parent.epoch))
        return f' s="{self._date_style}" t="n"><v>{serial}</v></c>'
