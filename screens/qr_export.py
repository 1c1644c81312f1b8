"""QR export: the records not yet delivered as animated QR frames for the admin's camera or scanner.

The bundle is built in a worker, then shown full-screen by QrView with a status line (frame
counter, estimated time, keys). The export is logged when its first frame is on screen, so
the receipt the import prints is recognised later. While frames play, the screen counts as
activity for the idle reset, but only until twice the expected frames have been shown:
a forgotten transfer still ends in a fresh welcome screen.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.export import Export, ExportError, build_export, default_frame_count, record_export
from kiosk.store import StoreError
from screens.admin import Texts
from screens.base import KioskTexts
from screens.widgets.qr_view import QrView

KEEP_AWAKE_FACTOR = 2


def count_text(count: float) -> str:
    """A frame count as people read it: '87', '1.25 K'."""
    return f"{count:.0f}" if count < 1000 else f"{count / 1000:.3g} K"


def progress_text(shown: int, k: int, rate: float, paused: bool, t: Texts) -> str:
    """The status line: 'frame 123 / ~1.25 K ≈ 40 s', or what to do once past the estimate."""
    expected = default_frame_count(k)
    keys = t("admin_qr_keys")
    state = t("admin_qr_paused", rate=round(rate)) if paused else f"{round(rate)}/s"
    if shown < expected:
        seconds = round((expected - shown) / rate)
        return t(
            "admin_qr_progress",
            shown=shown,
            expected=count_text(expected),
            seconds=seconds,
            state=state,
            keys=keys,
        )
    return t("admin_qr_overtime", shown=shown, state=state, keys=keys)


class QrExportScreen(KioskTexts, Screen[None]):
    """Shows the export as an animated QR code with a status line under it."""

    CSS_PATH = "qr_export.tcss"

    def __init__(self, *, ecc: str = "M") -> None:
        super().__init__()
        self.ecc = ecc
        self.export: Export | None = None
        self.logged = False

    def compose(self) -> ComposeResult:
        """A status line and a way back; the QR view is mounted once the bundle is built."""
        with Horizontal(id="qr-bar"):
            yield Static(Content(self.t("admin_qr_preparing")), id="qr-status")
            yield Button(self.t("button_back"), id="qr-back", compact=True)

    def on_mount(self) -> None:
        """Build the bundle away from the UI thread."""
        self.build()

    @work(thread=True, exclusive=True, group="qr-export")
    def build(self) -> None:
        """Make the bundle of the records not yet delivered."""
        try:
            export = build_export(self.kiosk.site)
        except (ExportError, StoreError) as error:
            message = str(error)
            self.app.call_from_thread(self.failed, message)
        else:
            self.app.call_from_thread(self.show, export)

    def failed(self, message: str) -> None:
        """Say why there is nothing to show."""
        if self.is_attached:
            self.say(message)
            self.query_one("#qr-back", Button).focus()

    def show(self, export: Export) -> None:
        """Start the animation."""
        if not self.is_attached:
            return
        self.export = export
        view = QrView(export.bundle, ecc=self.ecc, id="qr")
        self.mount(view, before="#qr-bar")
        self.call_after_refresh(view.focus)

    def say(self, message: str) -> None:
        """Update the status line."""
        self.query_one("#qr-status", Static).update(Content(message))

    @on(QrView.FrameShown)
    def frame_shown(self, event: QrView.FrameShown) -> None:
        """Log the export on its first frame, update the counter, and keep the kiosk awake."""
        if not self.logged and self.export is not None:
            try:
                record_export(self.kiosk.site, self.export, channel="qr")
            except StoreError as error:
                self.say(str(error))
                return
            self.logged = True
        self.show_progress(event.qr_view)
        if event.shown < KEEP_AWAKE_FACTOR * default_frame_count(event.k):
            self.kiosk.last_activity = self.kiosk.clock()

    @on(QrView.Changed)
    def rate_or_pause_changed(self, event: QrView.Changed) -> None:
        """Show the new rate or the pause at once."""
        self.show_progress(event.qr_view)

    def show_progress(self, view: QrView) -> None:
        """Update the status line from the view."""
        if view.k:
            self.say(progress_text(view.frames_shown, view.k, view.rate, view.paused, self.t))

    @on(QrView.CannotShow)
    def cannot_show(self, event: QrView.CannotShow) -> None:
        """Say why no code is shown, and what else works."""
        self.say(self.t("admin_qr_cannot_show", reason=event.reason))

    @on(Button.Pressed, "#qr-back")
    def back(self) -> None:
        """Back to admin mode."""
        self.dismiss(None)
