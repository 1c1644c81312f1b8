"""Lockdown: no key quits, suspends or opens anything; hostile text is kept harmless.

Every locked key is pressed on every screen of the real app; pastes of escape sequences, Rich
markup and a megabyte of text go into a real note and are checked in the sealed record.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import AdminKey
from helpers.sites import SIZE, kiosk, only_record
from textual import events
from textual.pilot import Pilot

from kiosk.site import Site
from screens.app import EXIT_CRASHED, LOCKED_KEYS, KioskApp
from screens.failure import StorageFailedScreen
from screens.thanks import ThanksScreen
from screens.widgets.note_area import NoteArea

KEYS = LOCKED_KEYS.split(",")
HOSTILE = "[bold red]x[/] \x1b[31m\x1b]0;title\x07rød\x1b[0m"

Steps = Callable[[Pilot[Any]], Awaitable[None]]


def keys(*pressed: str) -> Steps:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press(*pressed)
        await pilot.pause()

    return run


async def to_thanks(pilot: Pilot[Any]) -> None:
    await pilot.press("2", "5")
    await pilot.click("#send")


async def to_storage_failed(pilot: Pilot[Any]) -> None:
    await pilot.press("2", "5")
    await pilot.app.push_screen(StorageFailedScreen())


SCREENS: dict[str, Steps] = {
    "welcome": keys(),
    "support": keys("2", "5"),
    "psych_safety": keys("3"),
    "contribution_note": keys("4", "1", "tab", *"tekst"),
    "checkin_scale": keys("1"),
    "checkin_follow_ups": keys("1", "8", *"tekst"),
    "thanks": to_thanks,
    "storage_failed": to_storage_failed,
}


def test_the_app_declares_its_lockdown() -> None:
    assert KioskApp.ENABLE_COMMAND_PALETTE is False
    assert KioskApp.ALLOW_SELECT is False
    assert not any("quit" in str(binding) for binding in KioskApp.BINDINGS)
    for key in ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+p", "ctrl+d", "escape"):
        assert key in KEYS


@pytest.mark.parametrize("screen", SCREENS)
async def test_locked_keys_do_nothing(site: Site, screen: str) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await SCREENS[screen](pilot)
        before = app.screen
        depth = len(app.screen_stack)
        answers = dict(getattr(before, "answers", {}))
        for key in KEYS:
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen is before and len(app.screen_stack) == depth
        assert dict(getattr(before, "answers", {})) == answers
        assert app.clipboard == ""


async def test_copy_and_cut_never_reach_a_clipboard(site: Site) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "1", "tab", *"hemmelig", "ctrl+a", "ctrl+c", "ctrl+x")
        area = app.screen.query_one(NoteArea)
        app.copy_to_clipboard("hemmelig")
        assert app.clipboard == ""
        assert area.text == "hemmelig"


async def test_hostile_paste_is_stored_and_shown_literally(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "1", "tab")
        area = app.screen.query_one(NoteArea)
        assert app.focused is area
        area.post_message(events.Paste(HOSTILE))
        await pilot.pause()
        assert "\x1b" not in area.text and "\x07" not in area.text
        assert area.text == "[bold red]x[/] rød"
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "[bold red]x[/] rød" in shown  # as typed, not styled red
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers["note"] == "[bold red]x[/] rød"


async def test_a_megabyte_paste_is_capped_and_the_app_lives(
    site: Site, admin_key: AdminKey
) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "2", "tab")
        area = app.screen.query_one(NoteArea)
        area.post_message(events.Paste("\x1b[2J" + "å" * 1_000_000 + "\x00"))
        await pilot.pause()
        assert area.text == "å" * area.max_length
        area.post_message(events.Paste("mere"))
        await pilot.pause()
        assert len(area.text) == area.max_length
        assert app.is_running
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers["note"] == "å" * 280


async def test_typed_control_characters_are_dropped(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "5")
        area = app.screen.query_one("#item-why_here", NoteArea)
        area.insert("god\x1b[31m \x07dag\u202e")
        await pilot.pause()
        assert area.text == "god dag"
        await pilot.click("#send")
    assert only_record(site, admin_key).answers["why_here"] == "god dag"


async def test_an_unexpected_error_logs_no_answers_and_exits_for_a_restart(
    site: Site, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    app = kiosk(site)
    secret = "hemmelig-note"

    def fail() -> None:
        raise RuntimeError(secret)

    with caplog.at_level(logging.ERROR, logger="trivselskiosk"), pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "1", "tab", *"hemmelig")
            app.call_later(fail)
            await pilot.pause()
    assert app.return_code == EXIT_CRASHED
    assert "RuntimeError" in caplog.text
    assert secret not in caplog.text and "hemmelig" not in caplog.text
    shown = capsys.readouterr().err
    assert "Noget gik galt" in shown
    assert "Traceback" not in shown and "hemmelig" not in shown
