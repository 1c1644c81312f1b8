"""The report as JSON for other tools: the selected cells of the table (hidden numbers null)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.admin.model import Cell, Report
from kiosk.admin.report_text import coverage_lines, rules_lines


def cell_json(cell: Cell) -> dict[str, Any]:
    """One cell: its key, n (null when hidden), and each question's numbers."""
    return {
        "site": cell.site,
        "period": cell.period,
        "n": cell.n,
        "hidden": cell.n is None,
        "as_of": cell.as_of,
        "measures": {
            m.question: {
                "n": m.n,
                "distribution": dict(m.distribution),
                "mean": m.mean,
                "share_low": m.share_low,
                "share_high": m.share_high,
            }
            for m in cell.measures
        },
    }


def as_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data."""
    table, lang = report.table, report.lang
    return {
        "generated": table.generated.isoformat(),
        "release": table.release,
        "lang": lang,
        "coverage": {
            "weeks": [table.weeks[0], table.weeks[-1]] if table.weeks else None,
            "open_from": table.open_from,
            "waiting_for": table.waiting_for,
            "retired": table.retired,
            "text": coverage_lines(report),
        },
        "selection": {
            "site": report.selection.site,
            "period": report.selection.kind,
            "periods": list(report.selection.periods),
            "snapped": report.selection.snapped or None,
        },
        "rules": {
            "min_group": table.rules.min_group,
            "min_group_text": table.rules.min_group_text,
            # The store's own setting when a kiosk's promise raised it, else null.
            "store_setting": (
                dict(zip(("min_group", "min_group_text"), table.rules.store_setting, strict=True))
                if table.rules.store_setting
                else None
            ),
        },
        "rules_text": rules_lines(report),
        "instruments": {
            instrument_id: {
                "title": info.title.get(lang),
                "min_group": info.min_group,
                "min_group_text": info.min_group_text,
                "questions": {
                    q.id: {
                        "label": q.label.get(lang),
                        "categories": [[c.id, c.label.get(lang)] for c in q.categories],
                    }
                    for q in info.questions
                },
                "cells": [cell_json(cell) for cell in report.cells.get(instrument_id, [])],
                "notes": [
                    {"site": n.site, "month": n.month, "question": n.question, "texts": n.texts}
                    for n in report.notes.get(instrument_id, [])
                ],
            }
            for instrument_id, info in table.instruments.items()
        },
    }


def render(report: Report) -> str:
    """The report as indented UTF-8 JSON text, with the rules as the other formats word them."""
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2) + "\n"
