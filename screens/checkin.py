"""The check-in form ("hesteskoen"): one tap on 1–10, then the two optional follow-up questions."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from kiosk.instruments import Instrument, Item
from screens.base import InstrumentScreen
from screens.note import compose_note, note_changed
from screens.widgets import ChoiceRow


class CheckinScreen(InstrumentScreen):
    """Step one: the scale as ten big buttons. Step two: the follow-ups, then send."""

    CSS_PATH = "checkin.tcss"

    def __init__(self, instrument: Instrument) -> None:
        super().__init__(instrument)
        self.step = 1

    @property
    def scale_item(self) -> Item:
        """The 1–10 item."""
        return next(item for item in self.instrument.items if item.kind == "scale")

    def compose_page(self) -> ComposeResult:
        """The current step."""
        if self.step == 1:
            yield from self.compose_heading()
            yield from self.compose_scale()
        else:
            yield Static(Content(self.title_text()), id="title", classes="title")
            yield from self.compose_follow_ups()

    def compose_scale(self) -> ComposeResult:
        """The question and ten numbered buttons, anchors under the ends."""
        lang = self.kiosk.lang
        item = self.scale_item
        assert item.min is not None and item.max is not None
        with Vertical(id="scale"):
            yield Static(Content(item.label.get(lang)), id="item-label")
            current = self.answers[item.id]
            yield ChoiceRow(
                [(str(value), str(value)) for value in range(item.min, item.max + 1)],
                str(current) if isinstance(current, int) else None,
                numbered=False,
                id="score",
            )
            if item.anchors:
                with Horizontal(id="anchors"):
                    for _, text in (item.anchors[0], item.anchors[-1]):
                        yield Static(Content(text.get(lang)), classes="anchor")
        with Horizontal(id="actions"):
            yield Button(self.t("button_cancel"), id="start-over", classes="secondary")
            yield Static("", classes="spacer")
            yield Button(
                self.t("button_next"), id="next", variant="primary", disabled=current is None
            )

    def compose_follow_ups(self) -> ComposeResult:
        """The optional follow-up questions, each a short note."""
        lang = self.kiosk.lang
        with VerticalScroll(id="follow-ups"):
            for item in self.instrument.items:
                if item.kind == "text":
                    label = f"{item.label.get(lang)} {self.t('optional')}"
                    yield Static(Content(label), classes="item-label")
                    yield from compose_note(self, item)
            if self.instrument.reminder is not None:
                yield Static(Content(self.instrument.reminder.get(lang)), id="reminder")
        with Horizontal(id="actions"):
            yield Button(self.t("button_cancel"), id="start-over", classes="secondary")
            yield Static("", classes="spacer")
            yield Button(self.t("button_back"), id="back")
            yield Button(self.t("button_send"), id="send", variant="primary")

    def on_mount(self) -> None:
        """Focus the scale."""
        super().on_mount()
        self.focus_step()

    def focus_step(self) -> None:
        """Put the focus where this step begins."""
        self.focus_first("#score" if self.step == 1 else TextArea)

    async def show_step(self, step: int) -> None:
        """Switch between the scale and the follow-ups, keeping answers."""
        async with self.rebuilding():
            self.step = step
        self.focus_step()

    @on(ChoiceRow.Changed, "#score")
    async def score_chosen(self, event: ChoiceRow.Changed) -> None:
        """Keep the score and go straight on to the follow-ups."""
        self.answers[self.scale_item.id] = int(event.value) if event.value else None
        if event.value is not None:
            await self.show_step(2)

    @on(Button.Pressed, "#next")
    async def next_pressed(self) -> None:
        """Go on to the follow-ups."""
        if self.answers[self.scale_item.id] is not None:
            await self.show_step(2)

    @on(Button.Pressed, "#back")
    async def back_pressed(self) -> None:
        """Back to the scale."""
        await self.show_step(1)

    @on(TextArea.Changed)
    def follow_up_changed(self, event: TextArea.Changed) -> None:
        """Keep the follow-up text."""
        note_changed(self, event)
