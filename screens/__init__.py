"""The kiosk's screens: one per form of tool, plus welcome, thank-you and failure screens.

Instruments are data (config/instruments/*.toml); each names the form that shows it, so a new
or reworded instrument needs no new screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.instruments import Instrument
    from screens.base import InstrumentScreen


def screen_for(instrument: Instrument) -> InstrumentScreen:
    """Return a fresh screen for the instrument's form."""
    from screens.checkin import CheckinScreen
    from screens.note import NoteScreen
    from screens.questions import QuestionsScreen
    from screens.sliders import SlidersScreen

    forms: dict[str, type[InstrumentScreen]] = {
        "sliders": SlidersScreen,
        "questions": QuestionsScreen,
        "note": NoteScreen,
        "checkin": CheckinScreen,
    }
    return forms[instrument.form](instrument)
