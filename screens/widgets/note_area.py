"""NoteArea: a short free-text field that keeps out escape sequences, control characters and floods.

Pasted and typed text both pass through `kiosk.sanitize.remove_control` and are capped at
`max_length`, so what the person sees is what will be sealed.
"""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from kiosk.sanitize import remove_control


class NoteArea(TextArea):
    """A soft-wrapped note field with a hard length limit and no hidden characters.

    Args:
        max_length: The most characters the note may hold.
        text: What the note holds at the start.
        id: The ID of the widget in the DOM.
        placeholder: Text shown while the field is empty.
    """

    DEFAULT_CSS = """
    NoteArea {
        height: 5;
        border: tall $border-blurred;
        &:focus { border: tall $accent; }
    }
    .-plain NoteArea {
        border: ascii $foreground;
        &:focus { border: double $foreground; }
    }
    """

    def __init__(
        self, max_length: int, text: str = "", *, id: str | None = None, placeholder: str = ""
    ) -> None:
        super().__init__(
            remove_control(text)[:max_length],
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder,
            compact=False,
        )
        self.max_length = max_length
        self.cursor_blink = False

    def on_mount(self) -> None:
        """Put the cursor after what was written so far, where the next word goes."""
        self.move_cursor(self.document.end)

    async def _on_paste(self, event: events.Paste) -> None:
        # Clean and cap before the text reaches the document, so a megabyte paste costs nothing.
        event.prevent_default()
        event.stop()
        room = self.max_length - len(self.text)
        pasted = remove_control(event.text[: max(0, room) * 4 + 16])[: max(0, room)]
        if pasted and not self.read_only:
            self.replace(pasted, *self.selection)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Remove anything that slipped in by keys and keep within the limit."""
        text = self.text
        allowed = remove_control(text)[: self.max_length]
        if allowed != text:
            self.load_text(allowed)
            self.move_cursor(self.document.end)
