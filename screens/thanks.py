"""The thank-you screen, shown only after the answer is sealed and durably stored."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.content import Content
from textual.widgets import Button, Static

from screens.base import KioskScreen


class ThanksScreen(KioskScreen):
    """The "Tak!" screen for a few seconds, then a clean welcome screen for the next person."""

    CSS_PATH = "thanks.tcss"

    def compose_page(self) -> ComposeResult:
        """A big thank-you and a way to finish at once."""
        # One Center each: a Center aligns its children as one block, so the narrow "Tak!" box
        # and the button sat against the left edge of the wider line between them.
        with Middle(id="thanks"):
            with Center():
                yield Static(Content(self.t("thanks_title")), id="thanks-title")
            with Center():
                yield Static(Content(self.t("thanks_lead")), id="thanks-lead")
            with Center():
                yield Button(self.t("button_continue"), id="done", variant="primary")

    def on_mount(self) -> None:
        """Return to the start after the configured few seconds."""
        super().on_mount()
        self.query_one("#done", Button).focus()
        self.set_timer(self.kiosk.config.thanks_seconds, self.finish)

    @on(Button.Pressed, "#done")
    async def done_pressed(self) -> None:
        """Finish early (the language button in the top bar is not a way to finish)."""
        await self.finish()

    async def finish(self) -> None:
        """Hand the kiosk to the next person."""
        if self.is_current:
            await self.kiosk.reset()
