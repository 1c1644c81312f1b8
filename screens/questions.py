"""The questions form: one item at a time with its answers (psychological safety, guldkorn,
exposures), with progress, back, skip and number keys."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from kiosk.instruments import Instrument
from screens.base import InstrumentScreen
from screens.widgets import ChoiceRow

ADVANCE_DELAY = 0.35
"""Seconds the chosen answer stays visible before the next question appears."""


class QuestionsScreen(InstrumentScreen):
    """Asks the instrument's choice items one by one; any item may be skipped."""

    CSS_PATH = "questions.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "back", show=False),
        Binding("pagedown", "next", show=False),
    ]

    def __init__(self, instrument: Instrument) -> None:
        super().__init__(instrument)
        self.index = 0
        # Counts every move to an item, so an auto-advance armed before the person moved away
        # (even away and back again) knows it is stale.
        self.navigations = 0

    @property
    def last(self) -> bool:
        """Whether the current item is the last."""
        return self.index == len(self.instrument.items) - 1

    def compose_page(self) -> ComposeResult:
        """Heading, progress, the current item and its answers, navigation."""
        lang = self.kiosk.lang
        item = self.instrument.items[self.index]
        yield from self.compose_heading()
        with Vertical(id="question"):
            progress = self.t("progress", current=self.index + 1, total=len(self.instrument.items))
            yield Static(Content(progress), id="progress")
            yield Static(Content(item.label.get(lang)), id="item-label")
            if item.help is not None:
                yield Static(Content(item.help.get(lang)), id="item-help")
            yield self.choice_row_for(item, classes="choices")
            yield Static(Content(self.t("choice_hint")), id="hint")
        with Horizontal(id="actions"):
            yield Button(self.t("button_cancel"), id="start-over", classes="secondary")
            yield Static("", classes="spacer")
            yield Button(self.t("button_back"), id="back", disabled=self.index == 0)
            yield Button(self.t("button_skip"), id="skip")
            if self.last:
                yield Button(
                    self.t("button_send"),
                    id="send",
                    variant="primary",
                    disabled=not self.can_send(),
                )
            else:
                yield Button(self.t("button_next"), id="next", variant="primary")

    def on_key(self, event: events.Key) -> None:
        """A digit answers the question wherever the focus is (on Send, after the last answer).

        The row itself takes digits while it has the focus; this only catches the ones that
        would otherwise be dropped, such as a changed mind on the last question.
        """
        row = self.query_one(".choices", ChoiceRow)
        character = event.character
        if self.focused is not row and character is not None and character.isdigit():
            event.stop()
            event.prevent_default()
            row.focus()
            row.action_digit(int(character))

    def on_mount(self) -> None:
        """Start on the answers."""
        super().on_mount()
        self.query_one(".choices", ChoiceRow).focus()

    async def show_item(self, index: int) -> None:
        """Show another item, keeping the answers given so far."""
        self.keep_shown_answer()
        self.navigations += 1
        async with self.rebuilding():
            self.index = max(0, min(index, len(self.instrument.items) - 1))
        self.query_one(".choices", ChoiceRow).focus()

    def keep_shown_answer(self) -> None:
        """Take the current item's answer from its row as it is now.

        A key can choose an answer and a page key move on before the row's `Changed` message
        has bubbled up to the screen; rebuilding the screen would then lose it on the way.
        """
        item = self.instrument.items[self.index]
        for row in self.query(f"#item-{item.id}").results(ChoiceRow):
            self.answers[item.id] = row.value

    @on(ChoiceRow.Changed, ".choices")
    def answer_chosen(self, event: ChoiceRow.Changed) -> None:
        """Keep the answer for the item its row was built for; then move on by itself.

        The row's id names its item because the message may arrive after a key has already
        moved the screen to another item.
        """
        assert event.control.id is not None
        item_id = event.control.id.removeprefix("item-")
        self.answers[item_id] = event.value
        self.answers_changed()
        if event.value is None or item_id != self.instrument.items[self.index].id:
            return
        if self.last:
            self.query_one("#send", Button).focus()
        else:
            navigation = self.navigations
            self.set_timer(ADVANCE_DELAY, lambda: self.advance_from(navigation))

    async def advance_from(self, navigation: int) -> None:
        """Go to the next item, unless the person moved since the answer was chosen."""
        if self.navigations == navigation and self.is_current:
            await self.show_item(self.index + 1)

    @on(Button.Pressed, "#next")
    async def action_next(self) -> None:
        """Next item, keeping this one's answer (or none, if none was given)."""
        if not self.last:
            await self.show_item(self.index + 1)

    @on(Button.Pressed, "#back")
    async def action_back(self) -> None:
        """Previous item."""
        if self.index > 0:
            await self.show_item(self.index - 1)

    @on(Button.Pressed, "#skip")
    async def action_skip(self) -> None:
        """Leave this item unanswered and go on (on the last item, stay and clear it)."""
        self.answers[self.instrument.items[self.index].id] = None
        self.query_one(".choices", ChoiceRow).value = None
        if not self.last:
            await self.show_item(self.index + 1)
