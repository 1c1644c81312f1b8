"""What every kiosk screen shares: the top bar with the language switch, texts, idle warning."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Protocol, cast

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.instruments import Answer, Instrument, Item
from screens.host import KioskHost
from screens.widgets import ChoiceRow


def size_classes(screen: Screen[Any]) -> dict[str, bool]:
    """A screen's breakpoint classes for the app's size, as Textual sets them on a resize.

    A screen's own breakpoints replace the app's. For each axis the class of the largest
    breakpoint not above the size is on, the others off.
    """
    app = screen.app
    horizontal = screen.HORIZONTAL_BREAKPOINTS
    vertical = screen.VERTICAL_BREAKPOINTS
    classes: dict[str, bool] = {}
    for breakpoints, extent in (
        (app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal, app.size.width),
        (app.VERTICAL_BREAKPOINTS if vertical is None else vertical, app.size.height),
    ):
        breakpoints = breakpoints or []
        reached = [(at, name) for at, name in breakpoints if extent >= at]
        chosen = max(reached)[1] if reached else None
        classes.update({name: name == chosen for _, name in breakpoints})
    return classes


class HasApp(Protocol):
    """Anything in Textual's DOM: it knows its app."""

    @property
    def app(self) -> App[Any]: ...


class KioskTexts:
    """For any screen, modal or not: the kiosk app, typed, and its texts in the current language."""

    @property
    def kiosk(self: HasApp) -> KioskHost:
        """The running kiosk app, as the screens may use it."""
        return cast("KioskHost", self.app)

    def t(self: HasApp, key: str, count: int | None = None, /, **values: object) -> str:
        """A UI text from texts.toml in the language the person at the kiosk chose.

        `count` picks the singular `<key>_one` when it is 1 (see `KioskApp.text`).
        """
        return cast("KioskHost", self.app).text(key, count, **values)


class IdleWarningLine(Screen[Any]):
    """A screen with an `#idle-warning` line, where the idle reset's countdown shows."""

    def show_idle_warning(self, seconds_left: float | None) -> None:
        """Show (or hide, with None) the "starting over in N seconds" line."""
        # Absent for a moment while the screen is being rebuilt; the next tick shows it.
        found = self.query("#idle-warning").results(Static)
        warning = next(found, None)
        if warning is None:
            return
        if seconds_left is None:
            warning.display = False
        else:
            seconds = max(0, round(seconds_left))
            kiosk = cast("KioskHost", self.app)
            warning.update(Content(kiosk.text("idle_warning", seconds, seconds=seconds)))
            warning.display = True


class KioskScreen(KioskTexts, IdleWarningLine):
    """A kiosk screen: top bar (demo banner, language switch) and an idle warning line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_language", "Language", show=False),
    ]

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rebuilding = asyncio.Lock()

    @asynccontextmanager
    async def rebuilding(self) -> AsyncIterator[None]:
        """Recompose the screen on leaving the block, one rebuild at a time.

        A key (back, language) and a timer (the auto-advance) may both want to rebuild the
        screen; interleaved, the second would look for widgets the first just removed.
        """
        async with self._rebuilding:
            yield
            await self.recompose()
            if self.kiosk.has_class("-plain"):
                self.add_class("-plain")
            self.after_rebuild()

    def after_rebuild(self) -> None:
        """Called once the screen has been rebuilt; screens with state outside widgets use it."""

    def compose(self) -> ComposeResult:
        """The top bar, then the screen's own page: the whole terminal when it is small, a
        centred column with more air on a large one (see app.tcss)."""
        # Textual gives a screen its size classes (-short, -wide …) only when its first Resize
        # arrives, after the first frame: at 80×24 that frame drew the roomy layout with a
        # scrollbar. Set them now, from the size the app already has.
        self.update_classes(size_classes(self), animate=False)
        yield from self.compose_top_bar()
        with Vertical(id="page"):
            yield from self.compose_page()

    def compose_page(self) -> ComposeResult:
        """What the screen shows under the top bar."""
        yield from ()

    def compose_top_bar(self) -> ComposeResult:
        """The top bar every screen starts with."""
        with Horizontal(id="top-bar"):
            if self.kiosk.config.demo:
                yield Static(Content(self.t("demo_banner")), id="demo-banner")
            else:
                yield Static(Content(self.kiosk.config.site_name), id="site-name")
            yield Button(self.t("language_switch"), id="language", compact=True)
        yield Static("", id="idle-warning")

    def on_mount(self) -> None:
        """Carry the plain high-contrast theme down to this screen's widgets."""
        if self.kiosk.has_class("-plain"):
            self.add_class("-plain")

    def focus_first(self, selector: str | type[Widget]) -> None:
        """Focus the first widget that matches, if the screen still has one.

        A screen can be taken down before its Mount is handled (a stop signal or a reset in
        the same moment): its widgets are gone by then and there is nothing to focus.
        """
        for widget in self.query(selector):
            widget.focus()
            return

    @on(Button.Pressed, "#language")
    async def action_toggle_language(self) -> None:
        """Switch language; answers given so far stay."""
        await self.kiosk.toggle_language()


class InstrumentScreen(KioskScreen):
    """A screen for one tool: keeps the answers given so far and sends them once."""

    def __init__(self, instrument: Instrument) -> None:
        super().__init__(classes=f"instrument form-{instrument.form}")
        self.instrument = instrument
        self.answers: dict[str, Answer] = {item.id: None for item in instrument.items}
        self.sent = False

    def title_text(self) -> str:
        """The instrument's title in the current language."""
        return self.instrument.title.get(self.kiosk.lang)

    def choice_row_for(self, item: Item, *, classes: str | None = None) -> ChoiceRow:
        """A row of the item's options in the current language, showing the answer so far."""
        lang = self.kiosk.lang
        current = self.answers[item.id]
        return ChoiceRow(
            [(option.id, option.label.get(lang)) for option in item.options],
            current if isinstance(current, str) else None,
            id=f"item-{item.id}",
            classes=classes,
        )

    def compose_heading(self) -> ComposeResult:
        """Title and one-line introduction."""
        yield Static(Content(self.title_text()), id="title", classes="title")
        yield Static(Content(self.instrument.intro.get(self.kiosk.lang)), id="intro")

    def compose_actions(self, *, send_label: str | None = None) -> ComposeResult:
        """The bottom row: start over on the left, send on the right."""
        with Horizontal(id="actions"):
            yield Button(self.t("button_cancel"), id="start-over", classes="secondary")
            yield Static("", classes="spacer")
            yield Button(
                send_label or self.t("button_send"),
                id="send",
                variant="primary",
                disabled=not self.can_send(),
            )

    def can_send(self) -> bool:
        """Sending needs every required item and at least one answer of any kind."""
        answered = [value for value in self.answers.values() if value not in (None, "")]
        required = all(
            self.answers.get(item.id) not in (None, "")
            for item in self.instrument.items
            if item.required
        )
        return bool(answered) and required

    def answers_changed(self) -> None:
        """Enable the send button once there is something to send."""
        for button in self.query("#send").results(Button):
            button.disabled = not self.can_send()

    @on(Button.Pressed, "#start-over")
    async def start_over(self) -> None:
        """Drop the answers and go back to the welcome screen."""
        await self.kiosk.reset()

    @on(Button.Pressed, "#send")
    def send(self) -> None:
        """Hand the finished answer to the app, once."""
        if self.sent or not self.can_send():
            return
        self.sent = True
        if not self.kiosk.submit_answer(self.instrument, self.answers):
            self.sent = False
