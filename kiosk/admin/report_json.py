"""The report as JSON: the aggregate itself, for other tools (numbers hidden are null)."""

from __future__ import annotations

import json
from typing import Any


def render(report: dict[str, Any]) -> str:
    """The report as indented UTF-8 JSON text."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
