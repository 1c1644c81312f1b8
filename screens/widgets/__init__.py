"""Reusable kiosk widgets that carry their own look (DEFAULT_CSS)."""

from screens.widgets.choice_row import ChoiceRow
from screens.widgets.slider import Slider

__all__ = ["ChoiceRow", "Slider"]
