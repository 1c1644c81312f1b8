"""An animated QR view: an export bundle as endless fountain-coded frames, black on white.

The widget picks the largest QR version its current size fits (again on every resize, which
starts a new transfer because the fragment size changes), draws each frame with half-block
characters and a quiet zone, and shows frames at a steady rate. A worker thread makes the next
frames ahead of time, so the UI stays responsive even at the slow large versions.
"""

from __future__ import annotations

import queue
import textwrap
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from kiosk.qrframes import FrameStream, encode_frames
from kiosk.qrrender import fit_version, half_block_lines, qr_matrix

# A phone films at 30 frames a second (24 in dim light) and its rolling shutter tears a picture
# taken while the terminal repaints: at 12 frames a second each frame stays on screen for 2.5
# camera frames (2 at 24 fps), so the camera catches nearly every one (docs/qr-transfer.md).
DEFAULT_RATE = 12.0
MIN_RATE = 1.0
MAX_RATE = 30.0
RATE_STEP = 1.0
QUIET_ZONE = 2
FRAMES_AHEAD = 3
_PUT_WAIT_SECONDS = 0.1
TOO_SMALL = "Too small for a QR code: make the terminal larger."

CODE_STYLE = Style(color="#000000", bgcolor="#ffffff")
"""Dark modules are the black foreground of a half block; light ones show the white background."""


class QrView(Widget, can_focus=True):
    """Shows a bundle as animated QR frames: space pauses, - and + change the rate.

    Args:
        bundle: the export bundle's bytes.
        ecc: QR error correction level.
        rate: frames shown per second.
        max_rate: the highest rate allowed (raised only by benchmarks).
    """

    DEFAULT_CSS = """
    QrView {
        width: 1fr;
        height: 1fr;
        background: #ffffff;
        color: #000000;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause"),
        Binding("minus", "change_rate(-1)", "Slower"),
        Binding("plus,equals_sign", "change_rate(1)", "Faster"),
    ]

    paused: reactive[bool] = reactive(False, init=False)
    rate: reactive[float] = reactive(DEFAULT_RATE, init=False)

    class FrameShown(Message):
        """A new frame is on screen."""

        def __init__(self, qr_view: QrView, shown: int, k: int, version: int) -> None:
            super().__init__()
            self.qr_view = qr_view
            self.shown = shown
            self.k = k
            self.version = version

        @property
        def control(self) -> QrView:
            """The QR view that showed the frame."""
            return self.qr_view

    class Changed(Message):
        """The rate changed, or the view was paused or resumed."""

        def __init__(self, qr_view: QrView) -> None:
            super().__init__()
            self.qr_view = qr_view

        @property
        def control(self) -> QrView:
            """The QR view that changed."""
            return self.qr_view

    class Started(Message):
        """A new transfer starts: its fragment count is known before the first frame is shown."""

        def __init__(self, qr_view: QrView, k: int, version: int) -> None:
            super().__init__()
            self.qr_view = qr_view
            self.k = k
            self.version = version

        @property
        def control(self) -> QrView:
            """The QR view that starts the transfer."""
            return self.qr_view

    class CannotShow(Message):
        """No frame can be shown: the widget is too small, or the bundle too large for QR."""

        def __init__(self, qr_view: QrView, reason: str) -> None:
            super().__init__()
            self.qr_view = qr_view
            self.reason = reason

        @property
        def control(self) -> QrView:
            """The QR view that cannot show the bundle."""
            return self.qr_view

    def __init__(
        self,
        bundle: bytes,
        *,
        ecc: str = "M",
        rate: float = DEFAULT_RATE,
        max_rate: float = MAX_RATE,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.bundle = bundle
        self.ecc = ecc
        self.max_rate = max_rate
        self.set_reactive(QrView.rate, self.validate_rate(rate))
        self.version: int | None = None
        self.stream: FrameStream | None = None
        self.frames_shown = 0
        self.frames_drawn = 0
        self._frames: queue.Queue[list[str]] = queue.Queue(FRAMES_AHEAD)
        self._lines: list[str] = []
        self._drawn_lines: list[str] = []
        self._timer: Timer | None = None
        self.problem: str | None = None

    # --- what tests and the screen read ----------------------------------------------------

    def drawn_lines(self) -> list[str]:
        """The half-block lines of the frame last drawn on screen (empty before the first)."""
        return list(self._drawn_lines)

    @property
    def k(self) -> int:
        """Fragments in the current transfer: about this many frames complete it."""
        return self.stream.k if self.stream else 0

    # --- rate and pause --------------------------------------------------------------------

    def validate_rate(self, rate: float) -> float:
        """Keep the rate between one frame a second and the allowed maximum."""
        return min(max(rate, MIN_RATE), self.max_rate)

    def watch_rate(self) -> None:
        """Restart the frame timer at the new rate."""
        if self._timer is not None:
            self._start_timer()
        self.post_message(self.Changed(self))

    def watch_paused(self, paused: bool) -> None:
        """Hold or resume the frames."""
        if self._timer is not None:
            if paused:
                self._timer.pause()
            else:
                self._timer.resume()
        self.post_message(self.Changed(self))

    def action_toggle_pause(self) -> None:
        """Pause or resume the animation."""
        self.paused = not self.paused

    def action_change_rate(self, steps: int) -> None:
        """Show frames faster (positive steps) or slower."""
        self.rate = self.rate + steps * RATE_STEP

    # --- frames ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Start showing frames at the configured rate."""
        self._start_timer()

    def on_resize(self) -> None:
        """Refit the QR version to the new size; a new version starts a new transfer."""
        version = fit_version(self.size.width, self.size.height, self.ecc, QUIET_ZONE)
        if version == self.version:
            return
        self.version = version
        self.stream = None
        self._lines = []
        self.frames_shown = 0
        self._frames = queue.Queue(FRAMES_AHEAD)
        self.problem = None
        self.refresh()
        if version is None:
            self._cannot_show(TOO_SMALL)
            return
        try:
            self.stream = encode_frames(self.bundle, version=version, ecc=self.ecc)
        except ValueError as error:
            reason = str(error)
            self._cannot_show(f"{reason[:1].upper()}{reason[1:]}.")
            return
        self.post_message(self.Started(self, self.stream.k, version))
        self._make_frames(self.stream, version, self._frames)

    def _cannot_show(self, reason: str) -> None:
        """Stop making frames and say why, on the widget and to the screen."""
        self.workers.cancel_group(self, "qr-frames")
        self.problem = reason
        self.post_message(self.CannotShow(self, reason))

    @work(thread=True, exclusive=True, group="qr-frames")
    def _make_frames(
        self, stream: FrameStream, version: int, ahead: queue.Queue[list[str]]
    ) -> None:
        """Draw frames 0, 1, 2, … as half-block lines into `ahead`, until cancelled."""
        worker = get_current_worker()
        seq = 0
        while not worker.is_cancelled:
            lines = half_block_lines(qr_matrix(stream.frame(seq), version, self.ecc), QUIET_ZONE)
            while not worker.is_cancelled:
                try:
                    ahead.put(lines, timeout=_PUT_WAIT_SECONDS)
                except queue.Full:
                    continue
                break
            seq += 1

    def _start_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(1 / self.rate, self._next_frame, name="qr-frame")
        if self.paused:
            self._timer.pause()

    def _next_frame(self) -> None:
        """Show the next frame if the worker has it ready; a late frame just waits a tick."""
        try:
            lines = self._frames.get_nowait()
        except queue.Empty:
            return
        self._lines = lines
        self.frames_shown += 1
        self.refresh()
        assert self.version is not None
        self.post_message(self.FrameShown(self, self.frames_shown, self.k, self.version))

    # --- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """One terminal line: the code centred on white."""
        width, height = self.size
        if y == 0 and self._drawn_lines is not self._lines:
            self._drawn_lines = self._lines
            if self._lines:
                self.frames_drawn += 1
        lines = self._lines
        if self.problem is not None and width:
            lines = textwrap.wrap(self.problem, width)
        index = y - (height - len(lines)) // 2
        if not 0 <= index < len(lines):
            return Strip.blank(width, CODE_STYLE)
        line = lines[index]
        left = Segment(" " * ((width - len(line)) // 2), CODE_STYLE)
        return Strip([left, Segment(line, CODE_STYLE)]).adjust_cell_length(width, CODE_STYLE)
