"""Nothing of one person reaches the next: language, focus, warnings and crash logs at handover."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.clock import FakeClock
from helpers.pilot import wait_for_screen
from helpers.sites import SIZE, kiosk, open_kiosk_site
from textual import events
from textual.widgets import Button, Static

from kiosk.oplog import error_where
from kiosk.site import Site
from screens.checkin import CheckinScreen
from screens.failure import StorageFailedScreen
from screens.thanks import ThanksScreen
from screens.welcome import WelcomeScreen


async def test_language_button_on_the_thank_you_does_not_reach_the_next_person(
    site_dir: Path,
) -> None:
    site = open_kiosk_site(site_dir, thanks_seconds=1)
    try:
        app = kiosk(site)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2", "9")
            await pilot.click("#send")
            assert isinstance(app.screen, ThanksScreen)
            await pilot.click("#language")
            await wait_for_screen(pilot, WelcomeScreen)
            await pilot.pause(1.2)
            assert isinstance(app.screen, WelcomeScreen)
            assert app.lang == "da"
    finally:
        site.close()


async def test_after_the_pause_the_focus_is_back_on_the_menu(site: Site) -> None:
    clock = FakeClock()
    app = kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "4")
        await pilot.click("#send")
        await pilot.click("#done")
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        clock.advance(site.config.min_pause_seconds)
        welcome.update_pause()
        await pilot.pause()
        first = next(welcome.query(".menu-choice").results(Button))
        assert app.focused is first
        await pilot.press("enter")
        assert isinstance(app.screen, CheckinScreen)
        assert app.lang == "da"


async def test_a_short_idle_limit_warns_only_near_its_end(site_dir: Path) -> None:
    site = open_kiosk_site(site_dir, idle_seconds=15)
    try:
        clock = FakeClock()
        app = kiosk(site, clock)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2")
            clock.advance(6)
            await app.watch_for_idle()
            assert not app.screen.query_one("#idle-warning", Static).display
            clock.advance(5)
            await app.watch_for_idle()
            assert app.screen.query_one("#idle-warning", Static).display
    finally:
        site.close()


async def test_scrolling_back_up_counts_as_activity(site: Site) -> None:
    clock = FakeClock()
    app = kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        clock.advance(50)
        # As the terminal driver delivers it: to the app, which routes it on.
        app.post_message(events.MouseScrollUp(None, 10, 10, 0, -1, 0, False, False, False))
        await pilot.pause()
        assert app.idle_seconds() == 0


async def test_an_answer_the_instrument_refuses_starts_over_without_a_useless_retry(
    site: Site,
) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        checkin = site.config.instruments[0]
        assert not app.submit_answer(checkin, {"score": 99})
        await wait_for_screen(pilot, WelcomeScreen)
        assert not any(isinstance(screen, StorageFailedScreen) for screen in app.screen_stack)
    assert site.store.count() == 0
    assert "kind=InvalidAnswer" in (site.folder / "kiosk.log").read_text(encoding="utf-8")


def test_a_crash_location_never_names_the_screen_someone_was_using() -> None:
    with pytest.raises(AttributeError) as caught:
        WelcomeScreen.action_start(object(), 1)  # type: ignore[arg-type]
    where = error_where(caught.value)
    assert where.endswith("ui")
    assert "welcome" not in where.lower()
