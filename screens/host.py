"""What the screens use of the running kiosk app, as a protocol, so no screen imports the app.

`screens/app.py`'s `KioskApp` is the one implementation; it imports the screens it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Protocol

from kiosk.config import SiteConfig
from kiosk.instruments import Answer, Instrument
from kiosk.site import Site


class KioskHost(Protocol):
    """The kiosk app as the screens see it: the site, the language, texts and the flow."""

    site: Site
    config: SiteConfig
    lang: str
    today: Callable[[], date]
    clock: Callable[[], float]
    last_activity: float

    def has_class(self, *class_names: str) -> bool:
        """Whether the app has these CSS classes (`-plain` for the plain look)."""
        ...

    def text(self, key: str, count: int | None = None, /, **values: object) -> str:
        """A UI text in the current language."""
        ...

    async def toggle_language(self) -> None:
        """Switch to the site's next language, keeping answers and focus."""
        ...

    async def reset(self) -> None:
        """Start over for the next person."""
        ...

    def start_instrument(self, instrument: Instrument) -> None:
        """Open the screen of one tool."""
        ...

    def submit_answer(self, instrument: Instrument, answers: Mapping[str, Answer]) -> bool:
        """Seal and store a finished answer; False if it could not be stored."""
        ...

    def seconds_until_ready(self) -> float:
        """Seconds left of the pause between two submissions."""
        ...
