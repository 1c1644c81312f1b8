"""The note form: "my contribution to the community" — a tag and a short note of what happened."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static, TextArea

from kiosk.instruments import Item
from screens.base import InstrumentScreen
from screens.widgets import ChoiceRow
from screens.widgets.note_area import NoteArea


class NoteScreen(InstrumentScreen):
    """A choice item (the tag) and a text item (the note), with a live character counter."""

    CSS_PATH = "note.tcss"

    def items_of(self, kind: str) -> list[Item]:
        """The instrument's items of one kind, in order."""
        return [item for item in self.instrument.items if item.kind == kind]

    def compose_page(self) -> ComposeResult:
        """Heading, the tags, the note with its counter and reminder, actions."""
        lang = self.kiosk.lang
        yield from self.compose_heading()
        with VerticalScroll(id="note-form"):
            for item in self.items_of("choice"):
                yield Static(Content(item.label.get(lang)), classes="item-label")
                yield self.choice_row_for(item)
            for item in self.items_of("text"):
                yield Static(Content(item.label.get(lang)), classes="item-label")
                yield from compose_note(self, item)
            if self.instrument.reminder is not None:
                yield Static(Content(self.instrument.reminder.get(lang)), id="reminder")
        yield from self.compose_actions()

    def on_mount(self) -> None:
        """Start on the first field."""
        super().on_mount()
        self.focus_first(ChoiceRow)

    def on_key(self, event: events.Key) -> None:
        """A letter typed while the tags have the keyboard goes to the note, not nowhere.

        Digits, space and enter still choose tags; the screen hears keys before the tags'
        bindings, so only what the tags would have dropped is taken. Once the note has text,
        a space goes to it too: the focus moves to the note only after the keys already
        typed, so the spaces of a note typed straight after a tag would choose the tag again.
        A key the note took itself never gets here (a text area stops the keys it types), so
        a key routed to the tags just before the focus moved is not lost either.
        """
        notes = list(self.query(NoteArea).results(NoteArea))
        character = event.character
        if (
            not notes
            or not event.is_printable
            or character is None
            or character.isdigit()
            or (character.isspace() and not notes[0].text)
        ):
            return
        event.stop()
        event.prevent_default()
        note = notes[0]
        note.focus()
        note.insert(character)

    @on(ChoiceRow.Changed)
    def tag_chosen(self, event: ChoiceRow.Changed) -> None:
        """Keep the tag."""
        assert event.control.id is not None
        self.answers[event.control.id.removeprefix("item-")] = event.value
        self.answers_changed()

    @on(TextArea.Changed)
    def note_changed(self, event: TextArea.Changed) -> None:
        """Keep the note and update its counter."""
        note_changed(self, event)


def compose_note(screen: InstrumentScreen, item: Item) -> ComposeResult:
    """A note field for a text item, filled with what was written so far, and its counter."""
    assert item.max_length is not None
    current = screen.answers.get(item.id)
    yield NoteArea(
        item.max_length,
        current if isinstance(current, str) else "",
        id=f"item-{item.id}",
        placeholder=screen.t("note_placeholder"),
    )
    used = len(current) if isinstance(current, str) else 0
    counter = screen.t("note_counter", used=used, max=item.max_length)
    yield Static(Content(counter), id=f"counter-{item.id}", classes="counter")


def note_changed(screen: InstrumentScreen, event: TextArea.Changed) -> None:
    """Store a note's text as the answer and show how much room is left."""
    area = event.text_area
    assert isinstance(area, NoteArea) and area.id is not None
    item_id = area.id.removeprefix("item-")
    screen.answers[item_id] = area.text
    counter = screen.t("note_counter", used=len(area.text), max=area.max_length)
    screen.query_one(f"#counter-{item_id}", Static).update(Content(counter))
    screen.answers_changed()
