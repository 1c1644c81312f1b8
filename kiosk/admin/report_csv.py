"""The report as CSV for spreadsheets: one row per group and question, same suppression.

With excel_da, the file follows Danish Excel: semicolons, decimal commas and a UTF-8 BOM, so
a double-click opens it with æ, ø and å intact and numbers as numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from kiosk.admin.report_text import hidden_text, rules_lines, safe

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


def rows(report: dict[str, Any], excel_da: bool = False) -> list[list[str]]:
    """The CSV rows: header, one row per group and question (a hidden group: one row saying
    why, without numbers), a blank row, then the anonymity rules."""
    lang = report["lang"]
    out = [list(COLUMNS)]
    for instrument_id, meta in report["instruments"].items():
        for group in meta["groups"]:
            base = [instrument_id, group["period"], _text(group["site"])]
            if group["suppressed"]:
                out.append([*base, "", hidden_text(group, lang), "", "", "", "", "", ""])
                continue
            cells = dict(group["items"])
            if "total" in group:
                cells["total"] = group["total"]
            for name, cell in cells.items():
                row = [*base, str(group["n"]), "shown", name]
                if cell["suppressed"]:
                    out.append([*row, "", "", "", "", hidden_text(cell, lang)])
                    continue
                dist = " ".join(
                    f"{key}={'' if count is None else count}"
                    for key, count in cell["distribution"].items()
                )
                out.append(
                    [
                        *row,
                        str(cell["n"]),
                        _num(cell.get("mean"), excel_da),
                        _num(cell.get("share_low"), excel_da),
                        _num(cell.get("share_high"), excel_da),
                        dist,
                    ]
                )
    out.append([])
    out += [[line] for line in rules_lines(report)]
    return out


def render(report: dict[str, Any], excel_da: bool = False) -> str:
    """The CSV text; with excel_da, semicolon-separated with decimal commas and a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel_da else ",", lineterminator="\r\n")
    writer.writerows(rows(report, excel_da))
    return ("\ufeff" if excel_da else "") + buffer.getvalue()
