"""The report as CSV for spreadsheets: one row per cell and question, from the same table.

With excel_da, the file follows Danish Excel: semicolons, decimal commas and a UTF-8 BOM, so
a double-click opens it with æ, ø and å intact and numbers as numbers.
"""

from __future__ import annotations

import csv
import io

from kiosk.admin.model import Report
from kiosk.admin.report_text import coverage_lines, hidden_text, rules_lines, safe
from kiosk.admin.wording import label

COLUMNS = (
    "instrument",
    "period",
    "site",
    "group_n",
    "status",
    "item",
    "item_n",
    "mean",
    "share_low",
    "share_high",
    "distribution",
)


_FORMULA_START = ("=", "+", "-", "@")


def _text(value: str) -> str:
    """Kiosk-supplied text that a spreadsheet will not run as a formula."""
    text = safe(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _num(value: float | int | None, excel_da: bool) -> str:
    if value is None:
        return ""
    text = str(value)
    return text.replace(".", ",") if excel_da else text


def rows(report: Report, excel_da: bool = False) -> list[list[str]]:
    """The CSV rows: header, one row per cell and question (a hidden cell: one row saying
    it is hidden, without numbers), a blank row, then coverage and the anonymity rules."""
    lang = report.lang
    out = [list(COLUMNS)]
    for instrument_id, cells in report.cells.items():
        for cell in cells:
            base = [instrument_id, cell.period, _text(cell.site)]
            if cell.n is None:
                out.append([*base, "", hidden_text(lang), "", "", "", "", "", ""])
                continue
            status = label(lang, "as_of", day=cell.as_of) if cell.as_of else "shown"
            for measure in cell.measures:
                row = [*base, str(cell.n), status, measure.question]
                dist = " ".join(
                    f"{key}={'' if count is None else count}" for key, count in measure.distribution
                )
                out.append(
                    [
                        *row,
                        "" if measure.n is None else str(measure.n),
                        _num(measure.mean, excel_da),
                        _num(measure.share_low, excel_da),
                        _num(measure.share_high, excel_da),
                        dist,
                    ]
                )
    out.append([])
    out += [[line] for line in coverage_lines(report)]
    out += [[line] for line in rules_lines(report)]
    return out


def render(report: Report, excel_da: bool = False) -> str:
    """The CSV text; with excel_da, semicolon-separated with decimal commas and a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel_da else ",", lineterminator="\r\n")
    writer.writerows(rows(report, excel_da))
    return ("\ufeff" if excel_da else "") + buffer.getvalue()
