"""A person's run through every screen, judged by what is drawn: at each size, language and look.

The real KioskApp runs headless (App.run_test) on a real site with all six tools, a set admin
PIN and a signed notice, and is driven by keys through the welcome (with the notice, the pause
line and the idle countdown), every tool to the end (check-in with both notes, the four
sliders, all seven, six and five questions, a tagged note), the thank-you, the storage failure,
the admin PIN, admin mode, the USB and QR exports and the purge question. At every step it
reports what a tired person would stumble on:

- a scrollbar, or content a container hides without one;
- a widget cut off or outside the screen, a text with more lines than room;
- red drawn for anything but the purge question (truly red colours; in the console look also
  every colour a 16-colour terminal shows as red);
- a word cut with "…".

Each screen's text goes to OUT/<size>-<lang>-<look>/NN-<step>.txt for reading, and a summary
to standard output. A full run (3 sizes × 2 languages × 3 looks) takes about 15 minutes of one
core:

    .venv/bin/python bench/screen_audit.py --out /tmp/audit
    .venv/bin/python bench/screen_audit.py --sizes 120x40 --langs en --looks console
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rich.color import Color, ColorSystem, ColorType
from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.keyfiles import (
    SIGNING_KEY_FILE,
    load_key_line_file,
    load_private_key,
    load_signing_key_file,
    write_keypair,
)
from kiosk.pin import PinGuard
from kiosk.sealing import public_key_of
from kiosk.site import Site, init_site, open_site, pin_signing_key
from kiosk.usb import Drive
from screens.admin import AdminScreen, ConfirmPurgeScreen
from screens.admin_pin import AdminPinScreen
from screens.app import KioskApp
from screens.failure import StorageFailedScreen
from screens.notice import NoticeScreen
from screens.qr_export import QrExportScreen
from screens.questions import QuestionsScreen
from screens.thanks import ThanksScreen
from screens.usb_export import UsbExportScreen
from screens.welcome import WelcomeScreen

TOOLS = ("checkin", "support", "psych_safety", "contribution", "guldkorn", "exposures")
TODAY = date(2026, 3, 4)
PASSPHRASE = b"screen-audit-passphrase"
LOOKS = {"default": "xterm-256color", "plain": "xterm-256color", "console": "linux"}
WIDGETS_WITH_ROOM = "Button, Static, Choice, Slider, NoteArea, ChoiceRow"
"""What a person reads or presses: each must be wholly on the screen."""
SCROLLING_INPUTS = ("TextArea", "NoteArea", "OptionList")
"""Widgets that scroll their own content by design."""
RED_ALLOWED = (ConfirmPurgeScreen,)
"""Deleting answers for good is the one place red means what it says."""


class Clock:
    """A monotonic clock the audit moves by hand (the idle reset and the pause read it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def is_red(color: Color | None, console_look: bool) -> bool:
    """Whether a cell colour is red to the eye, or red on a 16-colour console."""
    if color is None or color.type == ColorType.DEFAULT:
        return False
    if color.type in (ColorType.STANDARD, ColorType.WINDOWS):
        return color.number in (1, 9)
    true = color.get_truecolor()
    if true.red >= 150 and true.green < 110 and true.blue < 110:
        return True
    return console_look and color.downgrade(ColorSystem.STANDARD).number in (1, 9)


def drawn(app: KioskApp, console_look: bool) -> tuple[list[str], list[str]]:
    """The screen's text lines, and the texts drawn in red."""
    width, height = app.size
    with open(os.devnull, "w", encoding="utf-8") as sink:
        console = Console(width=width, height=height, file=sink, force_terminal=True, record=True)
        update = app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=True
        )
        if update is None:
            return [], []
        reds = {
            segment.text.strip()[:40]
            for segment in console.render(update)
            if segment.style is not None
            and segment.text.strip()
            and (
                is_red(segment.style.color, console_look)
                or is_red(segment.style.bgcolor, console_look)
            )
        }
        console.print(update)
        return console.export_text(styles=False).splitlines(), sorted(reds)


def hidden(widget: Widget) -> bool:
    """Whether the widget or one of its containers is not displayed."""
    return not widget.display or any(
        not ancestor.display for ancestor in widget.ancestors if isinstance(ancestor, Widget)
    )


def layout_problems(app: KioskApp) -> list[str]:
    """Scrollbars, hidden overflow, widgets cut off, texts with more lines than room."""
    screen = app.screen
    found: list[str] = []
    for widget in screen.query("*"):
        if hidden(widget):
            continue
        name = f"{type(widget).__name__}#{widget.id or ''}"
        kind = type(widget).__name__
        if widget.show_vertical_scrollbar or widget.show_horizontal_scrollbar:
            found.append(f"scrollbar on {name}")
        elif (
            widget.is_scrollable
            and not isinstance(widget, Static)
            and kind not in SCROLLING_INPUTS
            and (widget.max_scroll_y > 0 or widget.max_scroll_x > 0)
        ):
            found.append(f"{name} hides {widget.max_scroll_y} lines without a scrollbar")
    for widget in screen.query(WIDGETS_WITH_ROOM):
        if hidden(widget):
            continue
        name = f"{type(widget).__name__}#{widget.id or ''}"
        geometry = screen._compositor.full_map.get(widget)
        if geometry is None or geometry.region.area == 0:
            if isinstance(widget, Static) and not str(widget.content).strip():
                continue
            found.append(f"{name} is not on the screen")
            continue
        region = geometry.region
        if region.intersection(geometry.clip).intersection(screen.region) != region:
            found.append(f"{name} is cut off: {tuple(region)} in {tuple(geometry.clip)}")
        if isinstance(widget, Static) and not isinstance(widget, Button):
            room = widget.content_region
            if room.width and widget.get_content_height(room.size, app.size, room.width) > (
                room.height
            ):
                found.append(f"{name} has more lines than room: {str(widget.content)[:40]!r}")
    return found


class Audit:
    """The steps of one run and what each showed."""

    def __init__(self, app: KioskApp, out: Path, console_look: bool) -> None:
        self.app = app
        self.out = out
        self.console_look = console_look
        self.findings: list[str] = []
        self.steps = 0
        out.mkdir(parents=True, exist_ok=True)

    async def look(self, pilot: Pilot[Any], step: str) -> None:
        """Let the screen settle, save its text and note what is wrong with it."""
        await pilot.pause()
        await pilot.pause()
        lines, reds = drawn(self.app, self.console_look)
        (self.out / f"{self.steps:02d}-{step}.txt").write_text("\n".join(lines), "utf-8")
        self.steps += 1
        problems = layout_problems(self.app)
        if reds and not isinstance(self.app.screen, RED_ALLOWED):
            problems.append(f"red: {reds[:4]}")
        cut_words = [line.strip() for line in lines if "…" in line.replace("her …", "")]
        problems += [f"ellipsis: {line}" for line in cut_words if "here …" not in line]
        self.findings += [f"{step}: {problem}" for problem in problems]


async def wait(pilot: Pilot[Any], ready: Callable[[], bool]) -> None:
    """Let the app run until `ready()` holds (ten seconds at most)."""
    for _ in range(200):
        if ready():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the kiosk never got there (on {type(pilot.app.screen).__name__})")


async def run_once(
    site_dir: Path, size: tuple[int, int], lang: str, look: str, out: Path
) -> list[str]:
    """Drive one kiosk through every screen; return what was wrong."""
    os.environ["TERM"] = LOOKS[look]
    os.environ.pop("COLORTERM", None)
    set_look(site_dir, look)
    site = open_site(site_dir)
    clock = Clock()
    app = KioskApp(site, today=lambda: TODAY, clock=clock)
    audit = Audit(app, out, look == "console")
    try:
        async with app.run_test(size=size) as pilot:
            await steps(app, pilot, audit, clock, lang)
    finally:
        site.close()
    return audit.findings


async def steps(app: KioskApp, pilot: Pilot[Any], audit: Audit, clock: Clock, lang: str) -> None:
    """Every screen a person meets, in the order they meet it."""

    def on(screen_type: type) -> Callable[[], bool]:
        return lambda: isinstance(app.screen, screen_type)

    async def to_language() -> None:
        await wait(pilot, on(WelcomeScreen))
        if lang == "en":
            await pilot.click("#language")
            await pilot.pause()

    async def fresh_start() -> None:
        # Past the pause after an answer, without the idle reset taking the language away.
        clock.now += 3600
        app.last_activity = clock.now
        await wait(pilot, on(WelcomeScreen))
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        welcome.update_pause()
        await to_language()

    async def send_and_continue() -> None:
        await pilot.click("#send")
        await wait(pilot, on(ThanksScreen))
        await pilot.click("#done")
        await fresh_start()

    async def with_countdown(step: str) -> None:
        clock.now += app.config.idle_seconds - 10
        await app.watch_for_idle()
        await audit.look(pilot, step)
        app.last_activity = clock.now
        await app.watch_for_idle()
        await pilot.pause(0.2)

    await to_language()
    await audit.look(pilot, "welcome")
    if app.size.width < 100 or app.size.height < 40:
        app.screen.query_one("#notice-open").focus()
        await pilot.press("enter")
    else:
        await app.push_screen(NoticeScreen())
    await wait(pilot, on(NoticeScreen))
    await audit.look(pilot, "notice")
    await pilot.click("#notice-back")
    await to_language()
    if lang != app.config.languages[0]:
        await with_countdown("welcome-countdown")
    await pilot.press("1")
    await audit.look(pilot, "checkin-scale")
    await pilot.press("7")
    await audit.look(pilot, "checkin-notes")
    await pilot.press(*"Travlt, men godt")
    await with_countdown("checkin-countdown")
    await pilot.click("#send")
    await wait(pilot, on(ThanksScreen))
    await audit.look(pilot, "thanks")
    await pilot.click("#done")
    await wait(pilot, on(WelcomeScreen))
    await to_language()
    await audit.look(pilot, "welcome-pause")
    await fresh_start()
    await pilot.press("2")
    await audit.look(pilot, "support")
    for _ in range(4):
        await pilot.press("right", "right", "tab")
    await audit.look(pilot, "support-answered")
    await send_and_continue()
    for number, name, answer in ((3, "psych", "2"), (5, "guldkorn", "3"), (6, "exposures", "1")):
        await pilot.press(str(number))
        await wait(pilot, on(QuestionsScreen))
        screen = app.screen
        assert isinstance(screen, QuestionsScreen)
        for index in range(len(screen.instrument.items)):
            await wait(pilot, shows_item(screen, index))
            await audit.look(pilot, f"{name}-{index + 1}")
            await pilot.press(answer)
        await pilot.press("1")
        await audit.look(pilot, f"{name}-last-answered")
        await send_and_continue()
    await pilot.press("4")
    await audit.look(pilot, "contribution")
    await pilot.press("2", *"Kage til hele afdelingen i fredags, tak!")
    await audit.look(pilot, "contribution-written")
    await send_and_continue()
    await pilot.press("2", "right")
    await app.push_screen(StorageFailedScreen())
    await wait(pilot, on(StorageFailedScreen))
    await audit.look(pilot, "storage-failed")
    await app.pop_screen()
    await app.reset()
    await wait(pilot, on(WelcomeScreen))
    await admin_steps(app, pilot, audit, on)


def shows_item(screen: QuestionsScreen, index: int) -> Callable[[], bool]:
    """Whether the questions screen has reached the item at `index`."""
    return lambda: screen.index == index


async def admin_steps(
    app: KioskApp,
    pilot: Pilot[Any],
    audit: Audit,
    on: Callable[[type], Callable[[], bool]],
) -> None:
    """The admin PIN and admin mode's screens (past the PIN, whose hash is slow on purpose)."""
    await pilot.press("f9")
    await wait(pilot, on(AdminPinScreen))
    await audit.look(pilot, "admin-pin")
    await pilot.press(*"99999999", "enter")
    await pilot.pause(1.5)
    await audit.look(pilot, "admin-pin-wrong")
    app.pop_screen()
    await app.push_screen(AdminScreen())
    await wait(pilot, on(AdminScreen))
    await pilot.pause(0.5)
    await audit.look(pilot, "admin")
    stick = Drive(Path("/media/kiosk/STICK"), "STICK", 8_000_000_000, False, None)
    await app.push_screen(UsbExportScreen(find=lambda: [stick]))
    await pilot.pause(1.0)
    await audit.look(pilot, "usb-export")
    app.pop_screen()
    await app.push_screen(QrExportScreen())
    await pilot.pause(2.0)
    await audit.look(pilot, "qr-export")
    await pilot.press("space")
    await audit.look(pilot, "qr-export-paused")
    app.pop_screen()
    await app.push_screen(ConfirmPurgeScreen(3))
    await pilot.pause(0.5)
    await audit.look(pilot, "purge-question")


def set_look(site_dir: Path, look: str) -> None:
    """Set the site's theme for this look (the console look is the default theme on TERM=linux)."""
    config = site_dir / "kiosk.toml"
    lines = config.read_text("utf-8").splitlines()
    theme = '"plain"' if look == "plain" else '"default"'
    config.write_text(
        "\n".join(f"theme = {theme}" if line.startswith("theme =") else line for line in lines),
        "utf-8",
    )


def make_site(folder: Path) -> Path:
    """A site with all six tools, a 20 s pause, a set admin PIN and a signed notice showing."""
    keys = folder / "keys"
    keys.mkdir()
    pem, pub, _ = write_keypair(keys, PASSPHRASE)
    site_dir = folder / "site"
    init_site(site_dir, public_key_of(load_private_key(pem.read_bytes(), PASSPHRASE)), "Afd. 7")
    config = site_dir / "kiosk.toml"
    lines = []
    for line in config.read_text("utf-8").splitlines():
        if line.startswith("instruments ="):
            line = "instruments = [" + ", ".join(f'"{tool}"' for tool in TOOLS) + "]"
        elif line.startswith("thanks_seconds ="):
            line = "thanks_seconds = 600"
        elif line.startswith("min_pause_seconds ="):
            line = "min_pause_seconds = 20"
        lines.append(line)
    config.write_text("\n".join(lines) + "\n", "utf-8")
    pin_signing_key(site_dir, load_key_line_file(pub))
    site = open_site(site_dir)
    try:
        PinGuard(site.store).set_pin("12345678")
        show_notice(site, load_signing_key_file(keys / SIGNING_KEY_FILE, PASSPHRASE))
    finally:
        site.close()
    return site_dir


def show_notice(site: Site, signing_key: Any) -> None:
    """Import the notice the snapshot tests show (two actions), as admin mode does from a stick."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    importlib.import_module("test_notice_screens").shown_notice(site, signing_key)


def main() -> None:
    """Run the audit for every size, language and look asked for; print what was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="80x24,120x40,200x60")
    parser.add_argument("--langs", default="da,en")
    parser.add_argument("--looks", default="default,plain,console")
    parser.add_argument("--out", type=Path, default=Path("screen-audit"))
    args = parser.parse_args()
    total = 0
    with tempfile.TemporaryDirectory() as scratch:
        template = make_site(Path(scratch))
        for size_text in args.sizes.split(","):
            width, height = (int(part) for part in size_text.split("x"))
            for lang in args.langs.split(","):
                for look in args.looks.split(","):
                    tag = f"{width}x{height}-{lang}-{look}"
                    site_dir = Path(scratch) / tag
                    shutil.copytree(template, site_dir)
                    findings = asyncio.run(
                        run_once(site_dir, (width, height), lang, look, args.out / tag)
                    )
                    total += len(findings)
                    print(f"{tag}: {'fine' if not findings else ''}")
                    for finding in findings:
                        print(f"    {finding}")
    print(f"{total} findings; screen texts in {args.out}/")


if __name__ == "__main__":
    main()
