"""The calm message when an answer could not be stored, with a retry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.base import KioskTexts


class StorageFailedScreen(KioskTexts, ModalScreen[bool]):
    """Says the answer was not stored and offers to try again; returns True for a retry."""

    CSS_PATH = "failure.tcss"

    def compose(self) -> ComposeResult:
        """The message and two choices."""
        text = self.kiosk.text
        with Vertical(id="failure"):
            yield Static(Content(text("storage_failed_title")), id="failure-title")
            yield Static(Content(text("storage_failed_lead")), id="failure-lead")
            with Horizontal(id="failure-actions"):
                yield Button(text("button_cancel"), id="give-up")
                yield Button(text("button_send"), id="retry", variant="primary")

    def on_mount(self) -> None:
        """Focus the retry, in the plain look if the kiosk uses it."""
        if self.kiosk.has_class("-plain"):
            self.add_class("-plain")
        self.query_one("#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Retry, or give up and start over."""
        self.dismiss(event.button.id == "retry")
