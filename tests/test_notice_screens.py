"""The notice on the kiosk: plan → signed notice → USB stick → admin mode → welcome screen.

The round trip uses the real commands (kiosk-admin plan, kiosk-admin notice), a folder as
the stick, the admin mode's import screen and the welcome screen; snapshots show the panel
at 200×60 and the notice's own screen at 80×24, in Danish and English.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSPHRASE, AdminKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from helpers.clock import FakeClock
from helpers.pilot import wait_for_screen as wait_for
from helpers.sites import ALL_INSTRUMENTS, TODAY, open_kiosk_site
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.notice_build import build_notice, sign_notice
from kiosk.admin.plan import Action
from kiosk.cli import admin_main
from kiosk.instruments import Text
from kiosk.keyfiles import SIGNING_KEY_FILE, load_key_line_file, load_signing_key_file
from kiosk.notice import import_notice
from kiosk.site import Site, pin_signing_key
from kiosk.usb import Drive
from screens.app import KioskApp
from screens.notice import NoticeScreen
from screens.notice_import import NoticeImportScreen
from screens.welcome import WelcomeScreen

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}


@pytest.fixture
def pinned_site(site_dir: Path, admin_key: AdminKey) -> Path:
    """The test site with its administrator's signing key pinned (kiosk pin-signing-key)."""
    pin_signing_key(site_dir, load_key_line_file(admin_key.pub_path))
    return site_dir


def kiosk(site_dir: Path, request: pytest.FixtureRequest) -> KioskApp:
    """The kiosk with every tool, a frozen clock and today's date fixed."""
    site = open_kiosk_site(site_dir, instruments=ALL_INSTRUMENTS, thanks_seconds=600)
    request.addfinalizer(site.close)
    return KioskApp(site, today=lambda: TODAY, clock=FakeClock())


def texts(app: KioskApp) -> str:
    """Every Static's text on the current screen, joined."""
    return "\n".join(str(widget.render()) for widget in app.screen.query(Static))


async def test_a_plan_reaches_the_welcome_screen_through_a_usb_stick(
    pinned_site: Path,
    admin_key: AdminKey,
    key_files: tuple[Path, Path, X25519PrivateKey],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE)
    (admin_key.pem_path.parent / SIGNING_KEY_FILE).write_bytes(
        (key_files[0].parent / SIGNING_KEY_FILE).read_bytes()
    )
    store = tmp_path / "store"
    AdminStore.open(store, create=True).close()
    key = ["--store", str(store), "--key", str(admin_key.pem_path)]
    heard = ["--heard", "Travlt i perioder", "--heard-en", "Busy at times"]
    do = ["--do", "Fast ugemøde om opgaverne", "--do-en", "A weekly meeting about the work"]
    assert admin_main(["plan", "add", *key, *heard, *do, "--focus", "support"]) == 0
    other = ["--heard", "Kun for lageret", "--do", "Vises ikke her", "--site", "Lager"]
    assert admin_main(["plan", "add", *key, *other, "--focus", "support"]) == 0
    stick = tmp_path / "stick"
    stick.mkdir()
    dates = ["--from", "2026-03-01", "--until", "2026-04-30"]
    out = ["--site", "Testafdeling", "--out", str(stick / "testafdeling.tkn")]
    assert admin_main(["notice", *key, *out, *dates]) == 0

    app = kiosk(pinned_site, request)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, WelcomeScreen)
        assert app.screen.query_one("#notice-panel").display is False
        drives = [Drive(stick, "STICK", None, False, None)]
        await app.push_screen(NoticeImportScreen(find=lambda: drives))
        screen = await wait_for(pilot, NoticeImportScreen)
        for _ in range(50):
            if screen.query_one("#notices", OptionList).option_count:
                break
            await pilot.pause(0.05)
        await pilot.press("enter")
        await pilot.pause()
        assert "vises på velkomstskærmen til og med 2026-04-30" in texts(app)
        await app.reset()
        await wait_for(pilot, WelcomeScreen)
        shown = texts(app)
        assert "Det har I sagt – det gør vi" in shown
        assert "Planlagt: Fast ugemøde om opgaverne" in shown
        assert "Vises ikke her" not in shown
        await pilot.click("#language")
        await pilot.pause()
        assert "Planned: A weekly meeting about the work" in texts(app)
        # Made smaller, the welcome screen keeps only the way to the notice's own screen.
        assert app.screen.query_one("#notice-open").display is False
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.query_one("#notice-full").display is False
        app.screen.query_one("#notice-open").focus()
        await pilot.press("enter")
        await wait_for(pilot, NoticeScreen)
        assert "A weekly meeting about the work" in texts(app)
        await pilot.press("enter")
        await wait_for(pilot, WelcomeScreen)


async def test_a_refused_notice_shows_nothing_and_says_why(
    site_dir: Path, admin_key: AdminKey, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A site from before signing keys: the import screen says how to add one."""
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "forged.tkn").write_bytes(b'{"format": "trivselskiosk-notice", "version": 1}')
    app = kiosk(site_dir, request)
    async with app.run_test(size=(100, 34)) as pilot:
        drives = [Drive(stick, None, None, False, None)]
        await app.push_screen(NoticeImportScreen(find=lambda: drives))
        await wait_for(pilot, NoticeImportScreen)
        assert "kiosk pin-signing-key" in texts(app)
        for _ in range(50):
            if app.screen.query_one("#notices", OptionList).option_count:
                break
            await pilot.pause(0.05)
        await pilot.press("enter")
        await pilot.pause()
        assert "afvist, og intet af det vises" in texts(app)
        await app.reset()
        await wait_for(pilot, WelcomeScreen)
        assert app.screen.query_one("#notice-panel").display is False
    assert not (site_dir / "notice.tkn").exists()


def shown_notice(site: Site, signing_key: Any) -> None:
    """Give the site the notice the snapshots show (as a USB import would)."""
    actions = [
        Action(
            1,
            Text("Travlt i perioder", "Busy at times"),
            Text("Fast ugemøde om opgaverne", "A weekly meeting about the work"),
            "Teamleder",
            date(2026, 4, 1),
            "started",
            "support",
            None,
            TODAY,
        ),
        Action(
            2,
            Text("Mere anerkendelse", "More recognition"),
            Text("Ros på tavlen hver fredag", "Praise on the board every Friday"),
            "",
            None,
            "done",
            "guldkorn",
            None,
            TODAY,
        ),
    ]
    notice = build_notice(
        actions,
        site=site.config.site_name,
        valid_from=date(2026, 3, 1),
        valid_until=date(2026, 4, 30),
        now=datetime(2026, 3, 1, 12, 0, 0),
    )
    import_notice(site, sign_notice(notice, signing_key), TODAY)


async def open_notice_screen(pilot: Pilot[Any]) -> None:
    """On a small terminal: the button under the menu opens the notice's own screen."""
    await pilot.pause()
    if pilot.app.size.width < 100:
        pilot.app.screen.query_one("#notice-open").focus()
        await pilot.press("enter")
        await wait_for(pilot, NoticeScreen)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["da", "en"])
def test_notice_snapshot(
    snap_compare: Any,
    pinned_site: Path,
    key_files: tuple[Path, Path, X25519PrivateKey],
    request: pytest.FixtureRequest,
    lang: str,
    size: str,
) -> None:
    app = kiosk(pinned_site, request)
    signing_key = load_signing_key_file(key_files[0].parent / SIGNING_KEY_FILE, PASSPHRASE.encode())
    shown_notice(app.site, signing_key)

    async def run_before(pilot: Pilot[Any]) -> None:
        if lang == "en":
            await pilot.click("#language")
            await pilot.pause()
        await open_notice_screen(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_notice_button_snapshot(
    snap_compare: Any,
    pinned_site: Path,
    key_files: tuple[Path, Path, X25519PrivateKey],
    request: pytest.FixtureRequest,
) -> None:
    """At 80×24 the welcome screen offers the notice as one line under the menu."""
    app = kiosk(pinned_site, request)
    signing_key = load_signing_key_file(key_files[0].parent / SIGNING_KEY_FILE, PASSPHRASE.encode())
    shown_notice(app.site, signing_key)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#notice-open").scroll_visible(animate=False)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
