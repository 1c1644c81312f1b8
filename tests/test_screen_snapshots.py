"""Snapshots of every kiosk screen, in Danish and English, at 80×24 and 120×40, and in plain mode.

The app runs on a real site with a clock that never moves and a long thank-you, so no timer
changes the screen while it is photographed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.clock import FakeClock
from helpers.sites import ALL_INSTRUMENTS, TODAY, open_kiosk_site
from textual.pilot import Pilot

from kiosk.app import KioskApp
from screens.failure import StorageFailedScreen

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


async def to_welcome(pilot: Pilot[Any]) -> None:
    """Stay on the welcome screen."""
    await pilot.pause()


def menu(number: int, *keys: str) -> RunBefore:
    """Start the tool with this menu number, then press `keys`."""

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(str(number), *keys)
        await pilot.pause()

    return run


async def to_thanks(pilot: Pilot[Any]) -> None:
    """Answer one support slider and send it."""
    await pilot.press("2", "right")
    await pilot.click("#send")
    await pilot.pause()


async def to_storage_failed(pilot: Pilot[Any]) -> None:
    """Show the storage failure over a support answer, as a failed send does."""
    await pilot.press("2", "right")
    await pilot.app.push_screen(StorageFailedScreen())
    await pilot.pause()


async def to_contribution_written(pilot: Pilot[Any]) -> None:
    """Choose a tag and write a short note."""
    await pilot.press("4", "2", "tab", *"Jeg hentede kage")
    await pilot.pause()


SCREENS: dict[str, RunBefore] = {
    "welcome": to_welcome,
    "support": menu(2),
    "psych_safety": menu(3, "pagedown", "pagedown"),
    "contribution": to_contribution_written,
    "checkin_scale": menu(1),
    "checkin_follow_ups": menu(1, "7"),
    "guldkorn": menu(5),
    "exposures": menu(6),
    "thanks": to_thanks,
    "storage_failed": to_storage_failed,
}

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


def kiosk_app(
    site_dir: Path, request: pytest.FixtureRequest, *, theme: str = "default"
) -> KioskApp:
    """A kiosk on a fixed site with every tool on, a frozen clock and a long thank-you."""
    site = open_kiosk_site(site_dir, instruments=ALL_INSTRUMENTS, thanks_seconds=600, theme=theme)
    request.addfinalizer(site.close)
    return KioskApp(site, today=lambda: TODAY, clock=FakeClock())


def in_language(lang: str, run_before: RunBefore) -> RunBefore:
    """Switch to English first when asked, by the visible button, then run `run_before`."""

    async def run(pilot: Pilot[Any]) -> None:
        if lang == "en":
            await pilot.click("#language")
            await pilot.pause()
        await run_before(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(
    snap_compare: Any,
    site_dir: Path,
    request: pytest.FixtureRequest,
    screen: str,
    lang: str,
    size: str,
) -> None:
    app = kiosk_app(site_dir, request)
    assert snap_compare(
        app, terminal_size=SIZES[size], run_before=in_language(lang, SCREENS[screen])
    )


@pytest.mark.parametrize("screen", ["welcome", "support"])
def test_plain_theme(
    snap_compare: Any, site_dir: Path, request: pytest.FixtureRequest, screen: str
) -> None:
    app = kiosk_app(site_dir, request, theme="plain")
    assert snap_compare(app, terminal_size=(80, 24), run_before=SCREENS[screen])
