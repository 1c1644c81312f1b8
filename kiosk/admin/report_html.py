"""The HTML report: the handout for the dialogue meeting, from the publication table.

One self-contained, printable file (`kiosk/admin/handout.py`, `docs/handout.md`): no script,
no external reference, charts as inline SVG drawn from the selected cells only.
"""

from __future__ import annotations

from kiosk.admin import handout
from kiosk.admin.handout_table import handout_of
from kiosk.admin.model import Report


def render(report: Report) -> str:
    """The whole report as one HTML document."""
    return handout.render(handout_of(report))
