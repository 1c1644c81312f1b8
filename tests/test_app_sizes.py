"""The kiosk at the sizes it meets (80×24, 120×40, 200×60): what a full run by keys showed.

Each test drives the real app with Pilot on a real site and checks where things land on the
screen, so a layout that only looks right in one state (a countdown shown, a notice present)
cannot pass.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PASSPHRASE, AdminKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from helpers.clock import FakeClock
from helpers.pilot import wait_for_item, wait_for_screen, wait_until
from helpers.sites import ALL_INSTRUMENTS, open_kiosk_site
from helpers.sites import kiosk as kiosk_on
from test_notice_screens import shown_notice
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.keyfiles import SIGNING_KEY_FILE, load_key_line_file, load_signing_key_file
from kiosk.site import open_site, pin_signing_key
from kiosk.usb import Drive
from screens.admin import AdminScreen
from screens.app import KioskApp
from screens.checkin import CheckinScreen
from screens.questions import QuestionsScreen
from screens.thanks import ThanksScreen
from screens.usb_export import UsbExportScreen
from screens.welcome import WelcomeScreen

KeyFiles = tuple[Path, Path, X25519PrivateKey]


def all_tools_kiosk(site_dir: Path, clock: FakeClock) -> KioskApp:
    """The kiosk with all six tools, on a hand-moved clock."""
    site = open_kiosk_site(site_dir, instruments=ALL_INSTRUMENTS, thanks_seconds=600)
    return kiosk_on(site, clock)


def visible_region(widget: Widget) -> Region:
    """The part of the widget that is drawn on the screen (its region, clipped)."""
    geometry = widget.screen.find_widget(widget)
    return geometry.region.intersection(geometry.clip)


async def test_the_idle_countdown_leaves_the_large_layout_centred(site_dir: Path) -> None:
    """At 200×60 the column stays in the middle while "starting over in N seconds" shows."""
    clock = FakeClock()
    app = all_tools_kiosk(site_dir, clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("1", "7")
        screen = await wait_for_screen(pilot, CheckinScreen)
        page = screen.query_one("#page")
        centred = page.region
        assert centred.x > 20  # the large layout: a column in the middle
        clock.advance(app.config.idle_seconds - 10)
        await app.watch_for_idle()
        await pilot.pause()
        warning = screen.query_one("#idle-warning")
        assert warning.display
        assert page.region.x == centred.x
        assert visible_region(warning).x == centred.x
        assert visible_region(screen.query_one("#send")) == screen.query_one("#send").region


async def test_admin_mode_sits_in_the_middle_of_a_large_terminal(site_dir: Path) -> None:
    """At 200×60 admin mode is a centred column, not a block in the top-left corner."""
    app = all_tools_kiosk(site_dir, FakeClock())
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await app.push_screen(AdminScreen())
        screen = await wait_for_screen(pilot, AdminScreen)
        body = screen.query_one("#admin").region
        left, right = body.x, 200 - body.right
        top, bottom = body.y, 60 - body.bottom
        assert left > 20 and abs(left - right) <= 2
        assert top > 5 and abs(top - bottom) <= 3
        for button in screen.query(Button):
            assert visible_region(button) == button.region


def with_notice(site_dir: Path, admin_key: AdminKey, key_files: KeyFiles) -> None:
    """Give the site a signed notice, as a USB import in admin mode does."""
    pin_signing_key(site_dir, load_key_line_file(admin_key.pub_path))
    signing_key = load_signing_key_file(key_files[0].parent / SIGNING_KEY_FILE, PASSPHRASE.encode())
    site = open_site(site_dir)
    try:
        shown_notice(site, signing_key)
    finally:
        site.close()


@pytest.mark.parametrize("lang", ["da", "en"])
async def test_the_welcome_with_a_notice_fits_80x24_with_its_extra_line(
    site_dir: Path, admin_key: AdminKey, key_files: KeyFiles, lang: str
) -> None:
    """Six tools, the way to the notice and the whole promise fit an 80×24 screen with no
    scrollbar, with the line the welcome may add: the pause after an answer (Danish, at rest)
    or the idle countdown (English, not at rest)."""
    with_notice(site_dir, admin_key, key_files)
    clock = FakeClock()
    app = all_tools_kiosk(site_dir, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_screen(pilot, WelcomeScreen)
        if lang == "en":
            await pilot.click("#language")
            screen = await wait_for_screen(pilot, WelcomeScreen)
            clock.advance(app.config.idle_seconds - 10)
            await app.watch_for_idle()
            extra = screen.query_one("#idle-warning")
        else:
            app.last_submit = clock()
            assert isinstance(screen, WelcomeScreen)
            screen.update_pause()
            extra = screen.query_one("#pause")
        await pilot.pause()
        assert extra.display
        welcome = screen.query_one("#welcome")
        assert not welcome.show_vertical_scrollbar and welcome.max_scroll_y == 0
        for widget in (*screen.query(".menu-choice"), screen.query_one("#notice-open")):
            assert visible_region(widget) == widget.region
        last_line = screen.query(".privacy-line").last()
        assert visible_region(last_line) == last_line.region


async def test_the_usb_export_sits_in_the_middle_of_a_large_terminal(site_dir: Path) -> None:
    """At 200×60 the list of sticks and its buttons are one centred block."""
    app = all_tools_kiosk(site_dir, FakeClock())
    stick = Drive(Path("/media/kiosk/STICK"), "STICK", 8_000_000_000, False, None)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await app.push_screen(AdminScreen())
        await wait_for_screen(pilot, AdminScreen)
        await app.push_screen(UsbExportScreen(find=lambda: [stick]))
        screen = await wait_for_screen(pilot, UsbExportScreen)
        drives = screen.query_one("#drives").region
        write = screen.query_one("#usb-write").region
        assert drives.x > 20 and abs(drives.x - (200 - drives.right)) <= 2
        assert write.y - drives.bottom < 10
        assert visible_region(screen.query_one("#usb-write")) == write


def test_the_readme_screenshots_are_the_current_snapshots() -> None:
    """The README shows the screens as they are: its pictures are copies of the snapshots."""
    make = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "make.py"
    result = subprocess.run(
        [sys.executable, str(make), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


async def test_the_danish_help_on_offensive_behaviour_is_grammatical(site_dir: Path) -> None:
    """Exposures, item 4: "Grov eller gentagen mobning", not adverbs on a noun ("Groft eller
    gentagne gange mobning"), whole at 80×24."""
    app = all_tools_kiosk(site_dir, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("6")
        screen = await wait_for_screen(pilot, QuestionsScreen)
        assert isinstance(screen, QuestionsScreen)
        await screen.show_item(3)
        await wait_for_item(pilot, 3)
        help_text = screen.query_one("#item-help", Static)
        assert str(help_text.content).startswith("Grov eller gentagen mobning, seksuel chikane")
        assert visible_region(help_text) == help_text.region


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_thank_you_is_centred_line_by_line(site_dir: Path, size: tuple[int, int]) -> None:
    """ "Tak!", its line and the button each sit in the middle of the screen, not against the
    left edge of the widest of them."""
    app = all_tools_kiosk(site_dir, FakeClock())
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("2", "right")
        await pilot.click("#send")
        screen = await wait_for_screen(pilot, ThanksScreen)
        middle = size[0] / 2
        for selector in ("#thanks-title", "#thanks-lead", "#done"):
            region = screen.query_one(selector).region
            assert abs(region.x + region.width / 2 - middle) <= 1, selector
        above = screen.query_one("#thanks-title").region.y - 1  # under the top bar
        below = size[1] - screen.query_one("#done").region.bottom
        assert abs(above - below) <= 2


@pytest.mark.parametrize("tool", ["1", "2", "3", "4", "5", "6"])
async def test_at_120x40_the_buttons_follow_the_content(site_dir: Path, tool: str) -> None:
    """At 120×40 every tool's buttons are a few lines under its content instead of at the
    bottom of the terminal with 25 empty lines between; the tools that do not fill the terminal
    (all but the four support sliders) are one block in its middle."""
    app = all_tools_kiosk(site_dir, FakeClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press(tool)
        await wait_until(
            pilot,
            lambda: (
                not isinstance(app.screen, WelcomeScreen) and bool(app.screen.query("#actions"))
            ),
            lambda: "the tool never opened",
        )
        await pilot.pause()
        screen = app.screen
        page = screen.query_one("#page")
        actions = screen.query_one("#actions")
        # What is drawn, not the containers: a body stretched to the buttons is empty space.
        drawn = [
            widget
            for widget in page.query("Static, ChoiceRow, Slider, NoteArea")
            if actions not in widget.ancestors and str(getattr(widget, "content", "x")).strip()
        ]
        content_bottom = max(widget.region.bottom for widget in drawn)
        assert actions.region.y - content_bottom <= 4
        if tool != "2":
            above = page.region.y - 1  # under the top bar
            below = 40 - page.region.bottom
            assert abs(above - below) <= 2
        for button in actions.query(Button):
            assert visible_region(button) == button.region


@pytest.mark.parametrize("size", [(80, 30), (100, 35), (120, 39), (120, 40), (200, 60)])
async def test_the_four_sliders_and_their_hint_fit_every_height(
    site_dir: Path, size: tuple[int, int]
) -> None:
    """From 30 to 39 lines the support screen scrolled: its roomy layout needs 40."""
    app = all_tools_kiosk(site_dir, FakeClock())
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("2")
        await wait_until(
            pilot,
            lambda: len(app.screen.query("Slider")) == 4,
            lambda: "the support screen never opened",
        )
        await pilot.pause()
        screen = app.screen
        scrolled = [
            widget
            for widget in screen.query("*")
            if widget.display and widget.show_vertical_scrollbar
        ]
        assert not scrolled, scrolled
        for widget in [*screen.query("Slider"), screen.query_one("#hint"), *screen.query(Button)]:
            assert visible_region(widget) == widget.region, widget
