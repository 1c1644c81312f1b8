"""The HTML report: the handout for the dialogue meeting, from the publication table.

One self-contained, printable file (`kiosk/admin/handout.py`, `docs/handout.md`): no script,
no external reference, charts as inline SVG drawn from the selected cells only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kiosk.admin import handout
from kiosk.admin.handout_table import handout_of
from kiosk.admin.model import Report
from kiosk.admin.plan import Action


def render(report: Report, actions: Sequence[Action] = ()) -> str:
    """The whole report as one HTML document, with the agreed actions in its handleplan."""
    return handout.render(replace(handout_of(report), actions=tuple(actions)))
