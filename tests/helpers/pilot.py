"""Waits on what a Textual app shows or holds, for Pilot tests: never a fixed sleep.

Each wait polls an observable state (the screen on top, a text, a call that has happened)
with a short pause that lets the app's timers and workers run, and fails with what it saw
once `timeout` seconds have passed, so a loaded machine only makes a test slower.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from screens.questions import QuestionsScreen

POLL_SECONDS = 0.02
TIMEOUT = 10.0


async def wait_until(
    pilot: Pilot[Any],
    done: Callable[[], bool],
    what: Callable[[], str],
    timeout: float = TIMEOUT,
) -> None:
    """Let the app run until `done()` is true; fail with `what()`, which says what it saw."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what()} (waited {timeout} s)")
        await pilot.pause(POLL_SECONDS)


async def wait_for_screen(
    pilot: Pilot[Any], screen_type: type[Screen[Any]], timeout: float = TIMEOUT
) -> Screen[Any]:
    """Wait until a screen of this type is on top with its widgets mounted; return it."""

    def ready() -> bool:
        screen = pilot.app.screen
        # On top is not enough on a busy machine: its widgets must have been mounted too.
        return isinstance(screen, screen_type) and screen.is_mounted and bool(screen.children)

    def seen() -> str:
        return f"{type(pilot.app.screen).__name__} instead of {screen_type.__name__}"

    await wait_until(pilot, ready, seen, timeout)
    await pilot.pause()
    return pilot.app.screen


async def wait_for_item(pilot: Pilot[Any], index: int, timeout: float = TIMEOUT) -> None:
    """Wait until the questions screen shows the item at `index`."""

    def shown() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, QuestionsScreen) and screen.index == index

    def seen() -> str:
        return f"the questions screen never reached item {index + 1}"

    await wait_until(pilot, shown, seen, timeout)
    await pilot.pause()


async def wait_for_text(
    pilot: Pilot[Any], selector: str, text: str, timeout: float = TIMEOUT
) -> str:
    """Wait until the Static at `selector` on the top screen shows `text`; return all of it."""

    def shown() -> str:
        return str(pilot.app.screen.query_one(selector, Static).content)

    def seen() -> str:
        return f"{selector} shows {shown()!r}, not {text!r}"

    await wait_until(pilot, lambda: text in shown(), seen, timeout)
    return shown()


class Timers:
    """Counts the timers a widget or screen arms from now on, and those that have fired.

    Lets a test wait until what the app scheduled (an auto-advance) has run, and then check
    that it changed nothing, instead of sleeping past the moment it should have run.
    """

    def __init__(self, owner: Widget) -> None:
        self.armed = 0
        self.fired = 0
        arm = owner.set_timer

        def set_timer(
            delay: float, callback: Callable[[], Any] | None = None, **kwargs: Any
        ) -> Any:
            self.armed += 1

            async def counted() -> None:
                try:
                    if callback is not None:
                        result = callback()
                        if inspect.isawaitable(result):
                            await result
                finally:
                    self.fired += 1

            return arm(delay, counted, **kwargs)

        owner.set_timer = set_timer  # type: ignore[method-assign]

    async def wait_all_fired(self, pilot: Pilot[Any], timeout: float = TIMEOUT) -> None:
        """Let pending messages arm what they will, then wait until every timer has fired."""
        await pilot.pause()

        def seen() -> str:
            return f"{self.fired} of {self.armed} timers fired"

        await wait_until(pilot, lambda: self.fired == self.armed, seen, timeout)
        await pilot.pause()
