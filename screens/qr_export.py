"""QR export: the records not yet delivered as animated QR frames for the admin's camera or scanner.

The bundle is built in a worker, then shown full-screen by QrView with a status line (frame
counter, estimated time, keys). The export is logged when its first frame is on screen, so
the receipt the import prints is recognised later. While frames play, the screen counts as
activity for the idle reset, but only until twice the expected frames have been shown:
a forgotten transfer still ends in a fresh welcome screen.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from kiosk.admin_mode import AdminService
from kiosk.export import Export, ExportError, default_frame_count
from kiosk.store import StoreError
from screens.admin_texts import Texts, admin_error_text
from screens.base import IdleWarningLine, KioskTexts
from screens.widgets.qr_view import TOO_SMALL, QrView

KEEP_AWAKE_FACTOR = 2
ADVISE_USB_SECONDS = 3 * 60
"""Above this estimate the status line says that USB is faster."""
REFUSE_SECONDS = 30 * 60
"""A transfer that would take longer than this is refused: USB is the way for that much."""
RATE_WINDOW_SECONDS = 3.0
"""The drawn rate is measured over about this many of the last seconds."""


def count_text(count: float) -> str:
    """A frame count as people read it: '87', '1.25 K'."""
    return f"{count:.0f}" if count < 1000 else f"{count / 1000:.3g} K"


def duration_text(seconds: float, t: Texts) -> str:
    """An estimate as people read it: '≈ 40 s' under a minute, else whole minutes, rounded up."""
    if seconds < 60:
        return t("admin_qr_eta_seconds", seconds=max(1, round(seconds)))
    return t("admin_qr_eta_minutes", minutes=-(-round(seconds) // 60))


def rate_text(rate: float, t: Texts) -> str:
    """Frames per second with one decimal, in the language's notation: '5.3/s', '5,3/s'."""
    return t(
        "admin_qr_rate", rate=t("admin_qr_decimal", whole=int(rate), tenth=round(rate * 10) % 10)
    )


def progress_text(shown: int, k: int, rate: float, paused: bool, t: Texts) -> str:
    """The status line: 'frame 123 / ~1.25 K · ≈ 2 min · 5.3/s · keys', or what to do once past
    the estimate. `rate` is what is actually drawn per second, and the estimate comes from it."""
    expected = default_frame_count(k)
    keys = t("admin_qr_keys")
    state = t("admin_qr_paused") if paused else rate_text(rate, t)
    if shown >= expected:
        return t("admin_qr_overtime", shown=shown, state=state, keys=keys)
    seconds = (expected - shown) / rate
    eta = duration_text(seconds, t)
    if seconds > ADVISE_USB_SECONDS:
        eta = f"{eta} · {t('admin_qr_usb_faster')}"
    return t(
        "admin_qr_progress",
        shown=shown,
        expected=count_text(expected),
        eta=eta,
        state=state,
        keys=keys,
    )


class DrawnRate:
    """Frames actually drawn per second over the last few seconds (slower than asked, often).

    Args:
        clock: seconds from a monotonic clock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, drawn: int) -> None:
        """Note how many frames have been drawn by now."""
        now = self.clock()
        self.samples.append((now, drawn))
        while len(self.samples) > 2 and now - self.samples[1][0] >= RATE_WINDOW_SECONDS:
            self.samples.popleft()

    def clear(self) -> None:
        """Forget the samples: the rate was changed, or the transfer paused or restarted."""
        self.samples.clear()

    def rate(self, asked: float) -> float:
        """The measured rate, or the rate asked for until a second has been measured."""
        if len(self.samples) < 2:
            return asked
        (start, first), (end, last) = self.samples[0], self.samples[-1]
        if end - start < 1.0:
            return asked
        return max((last - first) / (end - start), 0.1)


class QrExportScreen(KioskTexts, IdleWarningLine):
    """Shows the export as an animated QR code with a status line under it."""

    CSS_PATH = "qr_export.tcss"

    def __init__(self, *, ecc: str = "M") -> None:
        super().__init__()
        self.ecc = ecc
        self.export: Export | None = None
        self.logged = False
        self.drawn = DrawnRate()

    def compose(self) -> ComposeResult:
        """A status line and a way back; the QR view is mounted once the bundle is built."""
        yield Static("", id="idle-warning")
        with Vertical(id="qr-bar"):
            yield Static(Content(self.t("admin_qr_preparing")), id="qr-status")
            with Horizontal(id="qr-keys-row"):
                yield Static("", id="qr-keys")
                yield Button(self.t("button_back"), id="qr-back", compact=True)

    def on_mount(self) -> None:
        """Build the bundle away from the UI thread."""
        self.build()

    @work(thread=True, exclusive=True, group="qr-export")
    def build(self) -> None:
        """Make the bundle of the records not yet delivered."""
        service = AdminService(self.kiosk.site)
        try:
            export = service.build_export()
        except (ExportError, StoreError) as error:
            message = admin_error_text(error, service, self.t)
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
        self.query_one("#qr-keys", Static).update(Content(self.t("admin_qr_keys")))
        view = QrView(export.bundle, ecc=self.ecc, id="qr")
        self.mount(view, before="#qr-bar")
        self.call_after_refresh(view.focus)

    def say(self, message: str) -> None:
        """Update the status line."""
        self.query_one("#qr-status", Static).update(Content(message))

    @on(QrView.Started)
    def started(self, event: QrView.Started) -> None:
        """Refuse a transfer that would take too long, before its first frame is shown."""
        self.drawn.clear()
        view = event.qr_view
        seconds = default_frame_count(event.k) / view.rate
        if seconds > REFUSE_SECONDS:
            view.remove()
            self.query_one("#qr-keys", Static).update("")
            minutes = -(-round(seconds) // 60)
            self.say(self.t("admin_qr_too_long", minutes=minutes))
            self.query_one("#qr-back", Button).focus()

    @on(QrView.FrameShown)
    def frame_shown(self, event: QrView.FrameShown) -> None:
        """Log the export on its first frame, update the counter, and keep the kiosk awake."""
        if not self.logged and self.export is not None:
            service = AdminService(self.kiosk.site)
            try:
                service.record_export(self.export, channel="qr")
            except StoreError as error:
                self.say(admin_error_text(error, service, self.t))
                return
            self.logged = True
        self.drawn.add(event.qr_view.frames_drawn)
        self.show_progress(event.qr_view)
        if event.shown < KEEP_AWAKE_FACTOR * default_frame_count(event.k):
            self.kiosk.last_activity = self.kiosk.clock()

    @on(QrView.Changed)
    def rate_or_pause_changed(self, event: QrView.Changed) -> None:
        """Show the new rate or the pause at once; the drawn rate is measured afresh."""
        self.drawn.clear()
        self.show_progress(event.qr_view)

    def show_progress(self, view: QrView) -> None:
        """Update the status line from the view and the rate it actually draws at."""
        if view.k:
            rate = self.drawn.rate(view.rate)
            self.say(progress_text(view.frames_shown, view.k, rate, view.paused, self.t))

    @on(QrView.CannotShow)
    def cannot_show(self, event: QrView.CannotShow) -> None:
        """Say why no code is shown, and what else works."""
        self.say(
            self.t("admin_qr_too_small" if event.reason == TOO_SMALL else "admin_qr_cannot_show")
        )

    @on(Button.Pressed, "#qr-back")
    def back(self) -> None:
        """Back to admin mode."""
        self.dismiss(None)
