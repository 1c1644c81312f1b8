"""The welcome screen: the tools as big numbered choices and a plain promise about privacy."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Static

from screens.base import KioskScreen
from screens.notice import NoticeScreen
from screens.widgets.notice_panel import NoticePanel


class WelcomeScreen(KioskScreen):
    """Where every person starts and where the kiosk returns after each answer."""

    CSS_PATH = "welcome.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(number), f"start({number})", show=False) for number in range(1, 10)
    ]

    def compose_page(self) -> ComposeResult:
        """Top bar, greeting, the menu of tools, the privacy promise."""
        config = self.kiosk.config
        lang = self.kiosk.lang
        with VerticalScroll(id="welcome"):
            yield Static(Content(self.t("welcome_title")), id="title", classes="title")
            yield Static(Content(self.t("welcome_lead")), id="lead")
            yield Static("", id="pause")
            with Grid(id="menu"):
                for number, instrument in enumerate(config.instruments, start=1):
                    yield Button(
                        f"{number}  {instrument.title.get(lang)}",
                        id=f"start-{instrument.id}",
                        classes="menu-choice",
                    )
            yield NoticePanel()
            with Vertical(id="privacy"):
                period = self.t(f"period_{config.date_granularity}")
                yield Static(Content(self.t("privacy_title")), id="privacy-title")
                for key in ("privacy_stored", "privacy_readers", "privacy_not_stored"):
                    line = self.t(key, period=period, min_group=config.min_group)
                    yield Static(Content("• " + line), classes="privacy-line")

    _pause_timer: Timer | None = None

    def on_mount(self) -> None:
        """Focus the first tool and hold the menu during the pause after an answer."""
        super().on_mount()
        self.focus_first(".menu-choice")
        self.update_pause()

    def update_pause(self) -> None:
        """Disable the menu until the configured pause after the last answer has passed."""
        waiting = self.kiosk.seconds_until_ready()
        choices = list(self.query(".menu-choice").results(Button))
        pause = next(self.query("#pause").results(Static), None)
        if pause is None:
            return  # taken down before it was mounted (see focus_first)
        for button in choices:
            button.disabled = waiting > 0
        pause.display = waiting > 0
        if self._pause_timer is not None:
            self._pause_timer.stop()
            self._pause_timer = None
        if waiting > 0:
            seconds = max(1, round(waiting))
            pause.update(Content(self.t("pause_wait", seconds, seconds=seconds)))
            self._pause_timer = self.set_timer(min(1.0, waiting), self.update_pause)
        elif choices and self.focused not in choices:
            # While the menu was disabled the focus fell elsewhere (the language switch, where
            # the next person's Enter would turn the kiosk to English): give it back to the menu.
            choices[0].focus()

    def after_rebuild(self) -> None:
        """A language switch rebuilt the menu: hold it again if the pause is still running."""
        self.update_pause()

    def action_start(self, number: int) -> None:
        """Start the tool with this menu number."""
        instruments = self.kiosk.config.instruments
        if 1 <= number <= len(instruments) and self.kiosk.seconds_until_ready() == 0:
            self.kiosk.start_instrument(instruments[number - 1])

    @on(NoticePanel.OpenRequested)
    def open_notice(self) -> None:
        """Show the site's notice on a screen of its own (a small terminal has no room here)."""
        self.app.push_screen(NoticeScreen())

    @on(Button.Pressed, ".menu-choice")
    def start_pressed(self, event: Button.Pressed) -> None:
        """Start the tool whose button was pressed."""
        ids = [instrument.id for instrument in self.kiosk.config.instruments]
        assert event.button.id is not None
        self.action_start(ids.index(event.button.id.removeprefix("start-")) + 1)
