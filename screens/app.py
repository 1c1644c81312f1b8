"""KioskApp: the screen flow, idle reset, lockdown and language of the break-room kiosk.

This is the only module of the core that imports Textual. Screens hand a finished answer to
`KioskApp.submit_answer`; everything about sealing and storage stays behind that one call.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.drivers import linux_driver
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme

from kiosk.instruments import Answer, Instrument, InvalidAnswer
from kiosk.oplog import error_where, log_event
from kiosk.pasteguard import PasteGuard
from kiosk.site import Site
from kiosk.store import StoreError
from kiosk.submit import Submitter

SCREENS_DIR = Path(__file__).resolve().parent
IDLE_WARNING_SECONDS = 15
"""Seconds before the idle reset that a warning counts down (a third of the limit if less)."""
EXIT_CRASHED = 3
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that stop the kiosk the way a normal exit does, giving the terminal back."""
STOP_GRACE_SECONDS = 5.0
"""How long a stop signal waits for the normal exit before the process simply ends."""

# Keys that would quit, suspend, copy or open something in a normal terminal app.
# Escape is locked too: a stray press must not throw away what someone has half answered.
LOCKED_KEYS = "ctrl+c,ctrl+q,ctrl+z,ctrl+backslash,ctrl+p,ctrl+d,ctrl+s,ctrl+o,ctrl+x,ctrl+v,escape"


CONSOLE_THEME = Theme(
    name="kiosk-console",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_blue",
    boost="ansi_default",
    dark=True,
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "border": "ansi_cyan",
        "border-blurred": "ansi_bright_black",
        "text-muted": "ansi_white",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "input-cursor-background": "ansi_white",
        "input-cursor-foreground": "ansi_black",
        "input-selection-background": "ansi_blue",
        "input-selection-foreground": "ansi_bright_white",
    },
)
"""The default look in a 16-colour console: calm cyan and blue accents, red only for errors.

In 16 colours the default theme's orange comes out as bright red, so headings and the chosen
answer would look like errors.
"""


def has_16_colours(environ: Mapping[str, str]) -> bool:
    """Whether the terminal shows only the 16 console colours (TERM=linux, as the service sets).

    Decided by the terminal's name alone, so the kiosk looks the same in every desktop
    terminal and in tests, whatever colour depth a library guesses for them.
    """
    if environ.get("COLORTERM") in ("truecolor", "24bit"):
        return False
    term = environ.get("TERM", "")
    return term in ("linux", "vt220", "ansi") or term.endswith("-16color")


class PasteGuardParser(XTermParser):
    """Textual's input parser, fed through the paste guard (see kiosk/pasteguard.py)."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._paste_guard = PasteGuard()

    def feed(self, data: str) -> Iterable[Message]:
        """Parse raw input after escape sequences inside pastes have been removed."""
        if not data:
            return super().feed(data)
        filtered = self._paste_guard.filter(data)
        # An empty string tells the parser the input has ended: only pass on what remains.
        return super().feed(filtered) if filtered else ()


class KioskDriver(linux_driver.LinuxDriver):
    """The Linux terminal driver, drawing on stdout, with a parser that guards pastes.

    Textual's driver draws on stderr. A service manager often sends stderr to its log (systemd's
    `StandardError=journal`), which put every frame, with what people typed, on disk. The screen
    belongs on the terminal the kiosk reads its keys from: stdout (`StandardOutput=tty`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file = sys.__stdout__

    def run_input_thread(self) -> None:
        """Read input as LinuxDriver does, through the paste guard."""
        # LinuxDriver makes its parser from this module-level name inside run_input_thread;
        # pointing the name at ours is the only seam short of copying its whole input loop.
        linux_driver.XTermParser = PasteGuardParser  # type: ignore[attr-defined]
        super().run_input_thread()


class KioskApp(App[int], inherit_bindings=False):
    """The kiosk: a welcome screen, one screen per tool, a thank-you, and nothing carried over."""

    # Classes on every screen by the terminal's size: compact layouts below 30 lines, a centred
    # larger layout from 160×50 (screens/app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]  # noqa: RUF012 (as Textual types it)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-medium"), (50, "-tall")]  # noqa: RUF012
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    TITLE = "Trivselskiosk"
    CSS_PATH = SCREENS_DIR / "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(LOCKED_KEYS, "ignore", show=False, priority=True, system=True),
        # Admin mode: deliberately not shown anywhere on the kiosk (see screens/admin_pin.py).
        Binding("f9", "open_admin", show=False),
    ]

    def __init__(
        self,
        site: Site,
        *,
        today: Callable[[], date] = date.today,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.site = site
        self.config = site.config
        self.today = today
        self.submitter = Submitter(site.store, site.config, site.public_key, today)
        self.clock = clock
        self.lang = self.config.languages[0]
        self.last_activity = clock()
        self.last_submit: float | None = None
        self.reset_pending = False
        self.stopping = False
        """Set by a stop signal: an error while the screens are taken down is no crash."""
        self.register_theme(CONSOLE_THEME)
        if self.config.theme == "plain":
            self.add_class("-plain")
            # The terminal's own colours: the 16 of a Linux console, at the contrast it was set to.
            self.theme = "ansi-dark"
        elif has_16_colours(os.environ):
            self.add_class("-console")
            self.theme = CONSOLE_THEME.name

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux, ours with the paste guard."""
        driver = super().get_driver_class()
        return KioskDriver if driver is linux_driver.LinuxDriver else driver

    def on_mount(self) -> None:
        """Show the welcome screen, start watching for an idle kiosk, and heed stop signals."""
        from screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen())
        self.set_interval(1.0, self.watch_for_idle, name="idle-check")
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            for signum in STOP_SIGNALS:
                loop.add_signal_handler(signum, self.stop_by_signal)

    def stop_by_signal(self) -> None:
        """Leave as on a normal exit, so the terminal is given back as it was.

        systemd stops the service with SIGTERM and a closed terminal sends SIGHUP; Python's
        default for both ends the process at once, leaving the console in full-screen mode
        with the mouse still captured. Giving a terminal back that is already gone can stall,
        so the process ends anyway after STOP_GRACE_SECONDS: every answer is on disk already.
        """
        self.stopping = True
        watchdog = threading.Timer(STOP_GRACE_SECONDS, os._exit, (0,))
        watchdog.daemon = True
        watchdog.start()
        self.exit(0)

    def on_unmount(self) -> None:
        """Give the stop signals back to Python's defaults (a restarted app sets its own)."""
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            for signum in STOP_SIGNALS:
                loop.remove_signal_handler(signum)

    # --- texts and language -------------------------------------------------

    def text(self, key: str, count: int | None = None, /, **values: object) -> str:
        """A UI text from texts.toml in the current language, with {placeholders} filled.

        Args:
            key: the text's key.
            count: the number the wording depends on ("1 sekund", "2 sekunder"): when it is 1,
                the text `<key>_one` is used if texts.toml has one.
            values: the placeholders.
        """
        texts = self.config.texts[self.lang]
        if count == 1 and f"{key}_one" in texts:
            key = f"{key}_one"
        template = texts.get(key, key)
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template

    async def toggle_language(self) -> None:
        """Switch to the site's next language and redraw the screen, keeping answers and focus."""
        from screens.base import KioskScreen

        languages = self.config.languages
        screen = self.screen
        if not isinstance(screen, KioskScreen) or self.reset_pending:
            return
        focused_id = screen.focused.id if screen.focused is not None else None
        async with screen.rebuilding():
            self.lang = languages[(languages.index(self.lang) + 1) % len(languages)]
        if focused_id is not None:
            for widget in screen.query(f"#{focused_id}"):
                widget.focus()
                break

    # --- flow ---------------------------------------------------------------

    def start_instrument(self, instrument: Instrument) -> None:
        """Open the screen for one tool."""
        from screens import screen_for

        self.push_screen(screen_for(instrument))

    def submit_answer(self, instrument: Instrument, answers: Mapping[str, Answer]) -> bool:
        """Seal and store one finished answer; show "thank you" only once it is durable.

        Returns:
            True if the answer was stored.
        """
        from screens.failure import StorageFailedScreen
        from screens.thanks import ThanksScreen

        try:
            self.submitter.submit(instrument, answers)
        except InvalidAnswer:
            # A screen built answers its instrument refuses: a retry cannot help. Nothing was
            # stored; start over rather than offer a "try again" that always fails.
            log_event(self.site.folder, "error", kind="InvalidAnswer", where="submit")
            self.call_later(self.reset)
            return False
        except (StoreError, OSError) as error:
            log_event(self.site.folder, "error", kind=type(error).__name__, where="store")

            async def after_failure(retry: bool | None) -> None:
                if retry:
                    self.submit_answer(instrument, answers)
                else:
                    await self.reset()

            self.push_screen(StorageFailedScreen(), after_failure)
            return False
        self.last_submit = self.clock()
        self.switch_screen(ThanksScreen())
        return True

    def seconds_until_ready(self) -> float:
        """How long until the next person may start, after the configured pause."""
        if self.last_submit is None:
            return 0.0
        return max(0.0, self.config.min_pause_seconds - (self.clock() - self.last_submit))

    async def reset(self) -> None:
        """Discard everything of the last person and show a fresh welcome screen.

        The screens are replaced once the current message is handled, so a screen's own
        button or timer may call this without waiting on its own removal.
        """
        self.lang = self.config.languages[0]
        self.last_activity = self.clock()
        self.reset_pending = True
        self.call_later(self._show_fresh_welcome)

    async def _show_fresh_welcome(self) -> None:
        from screens.welcome import WelcomeScreen

        while len(self.screen_stack) > 2:
            await self.pop_screen()
        # Set again here: nothing that ran between reset() and now may choose the language.
        self.lang = self.config.languages[0]
        await self.switch_screen(WelcomeScreen())
        self.reset_pending = False

    # --- idle reset ---------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Note every key, click and paste as activity before Textual routes it."""
        if isinstance(event, events.Key | events.MouseEvent | events.Paste):
            self.last_activity = self.clock()
        await super().on_event(event)

    def idle_seconds(self) -> float:
        """Seconds since the last key, click or paste."""
        return self.clock() - self.last_activity

    async def watch_for_idle(self) -> None:
        """Warn shortly before the idle limit, and reset when it is reached."""
        from screens.base import IdleWarningLine
        from screens.welcome import WelcomeScreen

        if not self.screen_stack:
            return  # shutting down: the interval may fire once more after the screens are gone
        screen = self.screen
        at_rest = isinstance(screen, WelcomeScreen) and self.lang == self.config.languages[0]
        if at_rest:
            return
        idle = self.idle_seconds()
        if idle >= self.config.idle_seconds:
            await self.reset()
        elif isinstance(screen, IdleWarningLine):
            remaining = self.config.idle_seconds - idle
            warn_at = min(IDLE_WARNING_SECONDS, self.config.idle_seconds / 3)
            screen.show_idle_warning(remaining if remaining <= warn_at else None)

    # --- lockdown -----------------------------------------------------------

    def action_open_admin(self) -> None:
        """Ask for the admin PIN and, if it is right, open admin mode on a fresh kiosk."""
        from kiosk.pin import PinGuard
        from screens.admin import AdminScreen
        from screens.admin_pin import AdminPinScreen

        if any(isinstance(screen, AdminPinScreen | AdminScreen) for screen in self.screen_stack):
            return

        async def after_pin(ok: bool | None) -> None:
            if ok:
                log_event(self.site.folder, "admin_entered")
                await self.reset()
                # reset() lays out the fresh welcome screen later; admin mode must come after it.
                self.call_later(self.push_screen, AdminScreen())

        self.push_screen(AdminPinScreen(PinGuard(self.site.store)), after_pin)

    def action_ignore(self) -> None:
        """Swallow a locked key: the kiosk never quits, suspends or opens anything."""

    def copy_to_clipboard(self, text: str) -> None:
        """The kiosk has no clipboard: nothing of one person may reach the next."""

    def _handle_exception(self, error: Exception) -> None:
        # Textual's own handler prints a traceback with local variables, which could hold
        # answers. Log only where it happened, then exit so `kiosk run` starts a clean app.
        log_event(self.site.folder, "error", kind=type(error).__name__, where=error_where(error))
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        if self.stopping:
            # systemd asked the kiosk to stop: a restart would only make it wait and kill us.
            self.exit(0)
        else:
            self._exit_crashed()

    def panic(self, *renderables: RenderableType) -> None:
        """Textual's last resort (its input thread failed, say): handled as any other crash."""
        log_event(self.site.folder, "error", kind="panic", where="textual")
        self._exit_crashed()

    def _exit_crashed(self) -> None:
        """Exit with EXIT_CRASHED, leaving a neutral word on the terminal: no traceback."""
        self._return_code = EXIT_CRASHED
        neutral = Text(f"{self.text('error_title')}\n{self.text('error_lead')}")
        self.exit(EXIT_CRASHED, return_code=EXIT_CRASHED, message=neutral)

    def get_default_screen(self) -> Screen[Any]:
        """A blank base screen under the kiosk's own screens."""
        return Screen(id="_base")
