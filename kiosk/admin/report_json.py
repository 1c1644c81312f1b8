"""The report as JSON: the aggregate itself, for other tools (numbers hidden are null)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.admin.report_text import rules_lines


def render(report: dict[str, Any]) -> str:
    """The report as indented UTF-8 JSON text, with the rules as the other formats word them."""
    worded = {**report, "rules_text": rules_lines(report)}
    return json.dumps(worded, ensure_ascii=False, indent=2) + "\n"
