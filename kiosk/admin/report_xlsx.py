"""The report as an Excel workbook: the tidy data on one sheet, the rules on another.

Numbers are stored as numbers, so Danish Excel shows decimal commas by itself and needs no
locale tricks. Every text is stored as text, never as a formula, even one that starts with
"=" (a site name comes from a kiosk).
"""

from __future__ import annotations

import io

from kiosk.admin.handout_model import Handout
from kiosk.admin.handout_table import handout_of
from kiosk.admin.importer import ADMIN_EXTRA
from kiosk.admin.model import Report
from kiosk.admin.tidy import COLUMNS, rows, rules_lines
from kiosk.sanitize import clean_text

SHEET_NAMES = {"da": ("Data", "Regler"), "en": ("Data", "Rules")}
WIDTHS = {"period_label": 16, "site": 16, "tool_label": 28, "item_label": 40, "category_label": 18}


class SpreadsheetUnavailable(Exception):
    """openpyxl is missing; the message says how to install it."""


def render(report: Report) -> bytes:
    """The workbook (.xlsx) of the report's selected cells."""
    return workbook(handout_of(report, whole=True))


def workbook(h: Handout) -> bytes:
    """The workbook's bytes, written in one streaming pass."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise SpreadsheetUnavailable(f"--format xlsx needs openpyxl: {ADMIN_EXTRA}") from None
    book = Workbook(write_only=True)
    data_title, rules_title = SHEET_NAMES[h.lang]
    data = book.create_sheet(data_title)
    for index, name in enumerate(COLUMNS, start=1):
        data.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 12)
    data.freeze_panes = "A2"
    formats = {COLUMNS.index("share_percent"): "0.0", COLUMNS.index("mean"): "0.00"}

    def cell(value: object, index: int) -> WriteOnlyCell:
        if isinstance(value, str):
            written = WriteOnlyCell(data, value=clean_text(value))
            written.data_type = "s"
            return written
        written = WriteOnlyCell(data, value=value)
        if index in formats:
            written.number_format = formats[index]
        return written

    header = []
    for name in COLUMNS:
        title = WriteOnlyCell(data, value=name)
        title.font = Font(bold=True)
        header.append(title)
    data.append(header)
    count = 1
    for row in rows(h):
        data.append([cell(value, index) for index, value in enumerate(row.values())])
        count += 1
    data.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count}"
    rules = book.create_sheet(rules_title)
    rules.column_dimensions["A"].width = 110
    for line in rules_lines(h):
        text = WriteOnlyCell(rules, value=line)
        text.data_type = "s"
        rules.append([text])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
