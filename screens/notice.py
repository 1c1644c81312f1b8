"""The notice on a screen of its own: "Det har I sagt – det gør vi", reached from the menu.

On a small terminal the welcome screen has room only for a button (screens/widgets/
notice_panel.py); this screen shows the whole notice, checked again as it opens. Back, or the
idle reset, returns to the welcome screen.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button

from screens.base import KioskScreen
from screens.widgets.notice_panel import compose_notice, current_notice


class NoticeScreen(KioskScreen):
    """The site's notice, read only; nothing here is an answer."""

    DEFAULT_CSS = """
    NoticeScreen #notice {
        padding: 0 2;
    }
    NoticeScreen .notice-title {
        text-style: bold;
        margin-bottom: 1;
    }
    NoticeScreen .notice-detail {
        color: $text-muted;
        padding-left: 2;
    }
    NoticeScreen .notice-action, NoticeScreen .notice-valid {
        margin-top: 1;
    }
    NoticeScreen #notice-actions {
        height: auto;
        padding: 0 2;
    }
    """

    def compose(self) -> ComposeResult:
        """Top bar, the notice (or a plain line if it has just expired), and Back."""
        yield from self.compose_top_bar()
        notice = current_notice(self.kiosk)
        with VerticalScroll(id="notice"):
            if notice is not None:
                yield from compose_notice(self.kiosk, notice)
        with Horizontal(id="notice-actions"):
            yield Button(self.t("button_back"), id="notice-back", variant="primary")

    def on_mount(self) -> None:
        """Back has the focus: one key returns to the menu."""
        super().on_mount()
        self.query_one("#notice-back", Button).focus()

    @on(Button.Pressed, "#notice-back")
    async def back(self) -> None:
        """Return to a fresh welcome screen."""
        await self.kiosk.reset()
