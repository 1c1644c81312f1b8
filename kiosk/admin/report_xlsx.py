"""The report as an Excel workbook: the tidy data on one sheet, the rules on another.

Numbers are stored as numbers, so Danish Excel shows decimal commas by itself and needs no
locale tricks. Every text is stored as text, never as a formula, even one that starts with
"=" (a site name comes from a kiosk).
"""

from __future__ import annotations

import io

from kiosk.admin.handout_model import Handout
from kiosk.admin.importer import ADMIN_EXTRA
from kiosk.admin.tidy import COLUMNS, rows, rules_lines

SHEET_NAMES = {"da": ("Data", "Regler"), "en": ("Data", "Rules")}
WIDTHS = {"period_label": 16, "site": 16, "tool_label": 28, "item_label": 40, "category_label": 18}


class SpreadsheetUnavailable(Exception):
    """openpyxl is missing; the message says how to install it."""


def render(h: Handout) -> bytes:
    """The workbook's bytes (.xlsx)."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError:
        raise SpreadsheetUnavailable(f"--format xlsx needs openpyxl: {ADMIN_EXTRA}") from None
    book = Workbook()
    data = book.active
    data.title, rules_title = SHEET_NAMES[h.lang]
    data.append(list(COLUMNS))
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in rows(h):
        data.append(row.values())
        for cell in data[data.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    share_column = COLUMNS.index("share_percent") + 1
    mean_column = COLUMNS.index("mean") + 1
    for (share,) in data.iter_rows(min_row=2, min_col=share_column, max_col=share_column):
        share.number_format = "0.0"
    for (mean,) in data.iter_rows(min_row=2, min_col=mean_column, max_col=mean_column):
        mean.number_format = "0.00"
    for index, name in enumerate(COLUMNS, start=1):
        data.column_dimensions[data.cell(1, index).column_letter].width = WIDTHS.get(name, 12)
    data.freeze_panes = "A2"
    data.auto_filter.ref = data.dimensions
    rules = book.create_sheet(rules_title)
    for line in rules_lines(h):
        rules.append([line])
        rules.cell(rules.max_row, 1).data_type = "s"
    rules.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
