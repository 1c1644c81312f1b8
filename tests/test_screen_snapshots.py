"""Snapshots of every kiosk screen with all six tools: at 80×24 and 200×60 in Danish and English,
in the plain theme and in the Linux console's 16 colours; and of admin mode's screens.

The app runs on a real site with a clock that never moves and a long thank-you, so no timer
changes the screen while it is photographed. TERM is set for every snapshot, so a developer's
own terminal never changes the palette the kiosk picks.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from helpers.clock import FakeClock
from helpers.sites import ALL_INSTRUMENTS, TODAY, open_kiosk_site
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.bundle import read_bundle
from kiosk.export import apply_receipt, build_export, record_export
from kiosk.receipts import open_challenge
from kiosk.sealing import public_key_of
from kiosk.simulate import simulate
from kiosk.site import init_site
from kiosk.submit import Submitter
from kiosk.usb import Drive
from screens.admin import AdminScreen, ConfirmPurgeScreen
from screens.admin_pin import AdminPinScreen
from screens.app import KioskApp
from screens.failure import StorageFailedScreen
from screens.qr_export import QrExportScreen
from screens.questions import QuestionsScreen
from screens.usb_export import UsbExportScreen

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]

TERMINALS = {"default": "xterm-256color", "plain": "xterm-256color", "console": "linux"}
"""The TERM each look is photographed under: the console palette is the one TERM=linux picks."""


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
    """Choose a tag by its number and write a short note straight away."""
    await pilot.press("4", "2", *"Kage!")
    await pilot.pause()


async def to_last_question_answered(pilot: Pilot[Any]) -> None:
    """The last psychological-safety question with its answer chosen: the whole answer shows
    and Send has the focus."""
    await pilot.press("3")
    screen = pilot.app.screen
    assert isinstance(screen, QuestionsScreen)
    await screen.show_item(len(screen.instrument.items) - 1)
    await pilot.press("1")
    await pilot.pause()


SCREENS: dict[str, RunBefore] = {
    "welcome": to_welcome,
    "checkin_scale": menu(1),
    "checkin_follow_ups": menu(1, "7"),
    "support": menu(2, "7"),
    "psych_safety": to_last_question_answered,
    "contribution": to_contribution_written,
    "guldkorn": menu(5, "3"),
    "exposures": menu(6),
    "thanks": to_thanks,
    "storage_failed": to_storage_failed,
}

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}


@pytest.fixture(scope="module")
def template_site(
    tmp_path_factory: pytest.TempPathFactory, key_files: tuple[Path, Path, X25519PrivateKey]
) -> Path:
    """One site for the whole file, pinned to the session's key pair (scrypt is slow)."""
    folder = tmp_path_factory.mktemp("snapshots")
    init_site(folder / "site", public_key_of(key_files[2]), "Testafdeling")
    return folder / "site"


@pytest.fixture
def site_dir(template_site: Path, tmp_path: Path) -> Path:
    """A fresh copy of the file's site for one snapshot."""
    return Path(shutil.copytree(template_site, tmp_path / "site"))


def kiosk_app(
    site_dir: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    *,
    look: str = "default",
) -> KioskApp:
    """A kiosk on a fixed site with every tool on, a frozen clock and a long thank-you."""
    monkeypatch.setenv("TERM", TERMINALS[look])
    monkeypatch.delenv("COLORTERM", raising=False)
    site = open_kiosk_site(
        site_dir,
        instruments=ALL_INSTRUMENTS,
        thanks_seconds=600,
        theme="plain" if look == "plain" else "default",
    )
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


SCREEN_CASES = [
    *((screen, lang, "80x24") for screen in SCREENS for lang in ("da", "en")),
    *((screen, "da", "200x60") for screen in SCREENS),
    # English at 200×60 where its texts are longest: the promise and the note form.
    ("welcome", "en", "200x60"),
    ("contribution", "en", "200x60"),
]
"""Every screen in both languages at 80×24 and in Danish at 200×60: a snapshot costs about a
second, so the layouts that depend on the language's length are the ones taken twice."""


@pytest.mark.parametrize(("screen", "lang", "size"), SCREEN_CASES)
def test_screen(
    snap_compare: Any,
    site_dir: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
    lang: str,
    size: str,
) -> None:
    app = kiosk_app(site_dir, request, monkeypatch)
    assert snap_compare(
        app, terminal_size=SIZES[size], run_before=in_language(lang, SCREENS[screen])
    )


LOOK_SCREENS = ("welcome", "checkin_scale", "support", "psych_safety", "contribution", "thanks")
"""Every kind of control once: menu, answer row, sliders, chosen answer, note, thank-you."""


# The plain and console looks change colours and frames, not words: one language each.
@pytest.mark.parametrize(("look", "lang"), [("plain", "da"), ("console", "en")])
@pytest.mark.parametrize("screen", LOOK_SCREENS)
def test_look(
    snap_compare: Any,
    site_dir: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
    look: str,
    lang: str,
) -> None:
    app = kiosk_app(site_dir, request, monkeypatch, look=look)
    assert snap_compare(app, terminal_size=(80, 24), run_before=in_language(lang, SCREENS[screen]))


# --- admin mode ----------------------------------------------------------------------------


async def wait_until(pilot: Pilot[Any], ready: Callable[[], bool]) -> None:
    """Let workers and timers run until `ready()` holds."""
    for _ in range(100):
        if ready():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the screen never got ready")


async def in_admin_mode(pilot: Pilot[Any]) -> None:
    """Open admin mode (past the PIN door, whose deliberately slow hash is tested elsewhere),
    and hide the facts that differ on every run."""
    await pilot.app.push_screen(AdminScreen())
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AdminScreen))
    # A new kiosk id, key and free space on every run: fixed stand-ins keep the picture still.
    for key, value in (
        ("kiosk-id", "k-3f2a9c0177be"),
        ("fingerprint", "3f2a 9c01 77be 0d45"),
        ("last-export", "2026-03-04 via USB, 3 svar (kvittering K7QM-2XPA-9D)"),
        ("free-disk", "12.3 GB"),
    ):
        pilot.app.screen.query_one(f"#fact-{key}", Static).update(value)


async def to_pin_not_set(pilot: Pilot[Any]) -> None:
    """F9 on a kiosk whose admin PIN has not been chosen yet."""
    await pilot.press("f9")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AdminPinScreen))
    message = pilot.app.screen.query_one("#pin-message", Static)
    await wait_until(pilot, lambda: bool(str(message.content)))


async def to_purge_question(pilot: Pilot[Any]) -> None:
    await in_admin_mode(pilot)
    await pilot.click("#purge")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmPurgeScreen))


async def to_usb(pilot: Pilot[Any]) -> None:
    await in_admin_mode(pilot)
    stick = Drive(Path("/media/kiosk/STICK"), "STICK", 8_000_000_000, False, None)
    await pilot.app.push_screen(UsbExportScreen(find=lambda: [stick]))
    await wait_until(pilot, lambda: bool(pilot.app.screen.query_one("#drives").option_count))


async def to_qr_nothing_new(pilot: Pilot[Any]) -> None:
    await in_admin_mode(pilot)
    await pilot.app.push_screen(QrExportScreen())
    await wait_until(
        pilot, lambda: "intet nyt" in str(pilot.app.screen.query_one("#qr-status", Static).content)
    )


ADMIN_SCREENS: dict[str, RunBefore] = {
    "pin_not_set": to_pin_not_set,
    "admin": in_admin_mode,
    "purge_question": to_purge_question,
    "usb": to_usb,
    "qr_nothing_new": to_qr_nothing_new,
}


@pytest.mark.parametrize(
    ("screen", "size"), [*((screen, "80x24") for screen in ADMIN_SCREENS), ("admin", "200x60")]
)
def test_admin_screen(
    snap_compare: Any,
    site_dir: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    key_files: tuple[Path, Path, X25519PrivateKey],
    screen: str,
    size: str,
) -> None:
    app = kiosk_app(site_dir, request, monkeypatch)
    site = app.site
    submitter = Submitter(site.store, site.config, site.public_key)
    simulate(submitter, site.config.instruments, 3, seed=1)
    export = build_export(site, today=TODAY)
    record_export(site, export, channel="usb")
    read = read_bundle(export.bundle)
    receipt = open_challenge(key_files[2], read.bound, read.challenge)
    apply_receipt(site, receipt)  # all delivered: a purge to ask about, nothing new
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ADMIN_SCREENS[screen])
