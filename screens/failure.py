"""The calm message when an answer could not be stored, with a retry."""

from __future__ import annotations

from typing import Any, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class StorageFailedScreen(ModalScreen[bool]):
    """Says the answer was not stored and offers to try again; returns True for a retry."""

    CSS_PATH = "failure.tcss"

    def compose(self) -> ComposeResult:
        """The message and two choices."""
        app = cast(Any, self.app)
        with Vertical(id="failure"):
            yield Static(Content(app.text("storage_failed_title")), id="failure-title")
            yield Static(Content(app.text("storage_failed_lead")), id="failure-lead")
            with Horizontal(id="failure-actions"):
                yield Button(app.text("button_cancel"), id="give-up")
                yield Button(app.text("button_send"), id="retry", variant="primary")

    def on_mount(self) -> None:
        """Focus the retry."""
        self.query_one("#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Retry, or give up and start over."""
        self.dismiss(event.button.id == "retry")
