"""The report as tidy CSV: one row per published cell × item × category (kiosk/admin/tidy.py).

With excel_da, the file follows Danish Excel: semicolons, decimal commas and a UTF-8 BOM, so
a double-click opens it with æ, ø and å intact and numbers as numbers. The rules are not rows
of the data: the HTML report and the spreadsheet's second sheet print them.
"""

from __future__ import annotations

from kiosk.admin.handout_table import handout_of
from kiosk.admin.model import Report
from kiosk.admin.tidy import render_csv


def render(report: Report, excel_da: bool = False) -> str:
    """The CSV text of the report's selected cells."""
    return render_csv(handout_of(report, whole=True), excel_da)
