"""Kiosk QR frames from moving pictures: a phone's video of the kiosk screen, or a webcam.

`FrameScanner` finds the kiosk's QR code in one camera picture: it skips a picture that is
nearly the same as the last one it read a code from (a tiny grey thumbnail tells, for a
fraction of a millisecond), reads the whole picture with zxing-cpp (shrunk while the code's
modules stay at least 3 pixels), and then, if that fails, an enlarged crop around where the
last code was. `Collector` pools the frame texts per QR
transfer (a resize on the kiosk starts a new one) until one transfer's bundle is whole.
`read_video` runs both over a video file decoded with PyAV; `kiosk.admin.receive` runs them
over a webcam with OpenCV.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kiosk.admin.importer import ADMIN_EXTRA, Importer, Outcome, SourceError
from kiosk.qrframes import (
    PREFIX,
    FrameDecoder,
    FrameError,
    Progress,
    alphanumeric_capacity,
    parse_frame,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Grey = NDArray[Any]

# ISO base media (MP4, MOV, 3GP: a box type at offset 4) and Matroska/WebM (EBML magic).
_BOX_TYPES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
_EBML = b"\x1a\x45\xdf\xa3"
# Pixel formats whose first plane is 8-bit luma: the grey picture, used without conversion.
_EIGHT_BIT_LUMA = frozenset({"yuv420p", "yuvj420p", "nv12", "yuv422p", "yuvj422p", "yuv444p"})
THUMB_WIDTH = 64
# Mean absolute grey difference (0..255) between thumbnails below which a picture shows the
# same QR frame as the last one read. A new frame changes about half the modules (tens of
# grey levels over the data area); sensor noise averaged over a thumbnail pixel is well under 1.
SAME_PICTURE = 1.5
CROP_MARGIN = 0.15
# zxing-cpp reads modules of about 3 pixels and more reliably; a crop is enlarged up to that.
MIN_MODULE_PIXELS = 3.0
CROP_MAX_SCALE = 3.0
MAX_SHRINK = 4
FOUNTAIN_MARGIN = 2
AGAIN_VIDEO = (
    "leave the kiosk's QR screen open, film it again and import both videos together "
    "(their frames add up), or film once for longer"
)
REFRESH_SECONDS = 0.1


def is_video(head: bytes) -> bool:
    """Whether a file starting with `head` is a video container a phone or camera writes."""
    return head[4:8] in _BOX_TYPES or head.startswith(_EBML)


def needs_extra(what: str) -> SourceError:
    """The error for a missing optional package, saying how to install it."""
    return SourceError(f"reading QR codes from video needs {what}; {ADMIN_EXTRA}")


@dataclass
class ScanCounts:
    """What the scanner has seen: pictures in, pictures read (not near-duplicates), codes."""

    pictures: int = 0
    read: int = 0
    codes: int = 0


class FrameScanner:
    """Finds kiosk QR frame texts in greyscale camera pictures, one picture at a time."""

    def __init__(self) -> None:
        """Start with no picture seen."""
        try:
            import cv2
            import zxingcpp
        except ImportError:
            raise needs_extra("OpenCV and zxing-cpp") from None
        self._cv2 = cv2
        self._zxing = zxingcpp
        self._qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        self._last_read: Grey | None = None
        self._box: tuple[int, int, int, int, float] | None = None
        self.counts = ScanCounts()

    def _thumbnail(self, grey: Grey) -> Grey:
        height, width = grey.shape
        size = (THUMB_WIDTH, max(1, round(height * THUMB_WIDTH / width)))
        return self._cv2.resize(grey, size, interpolation=self._cv2.INTER_AREA)

    def _read(self, picture: Grey) -> list[Any]:
        found = self._zxing.read_barcodes(picture, formats=self._qr, try_invert=False)
        return [code for code in found if code.text.startswith(PREFIX)]

    def _remember(
        self, code: Any, scale: float, left: int, top: int, shape: tuple[int, ...]
    ) -> None:
        """Keep where the code was (in picture pixels) and its module size, for the crop."""
        where = code.position
        points = (where.top_left, where.top_right, where.bottom_left, where.bottom_right)
        xs = [left + point.x / scale for point in points]
        ys = [top + point.y / scale for point in points]
        side = max(max(xs) - min(xs), max(ys) - min(ys))
        margin = CROP_MARGIN * side
        height, width = shape
        box_left = max(0, int(min(xs) - margin))
        box_top = max(0, int(min(ys) - margin))
        box_right = min(width, int(max(xs) + margin) + 1)
        box_bottom = min(height, int(max(ys) + margin) + 1)
        # A version-v code is 17 + 4v modules wide; its version is in the text's length.
        modules = 17 + 4 * _version_for(len(code.text))
        self._box = (box_left, box_top, box_right, box_bottom, side / modules)

    def _read_crop(self, grey: Grey) -> list[Any]:
        if self._box is None:
            return []
        left, top, right, bottom, module = self._box
        crop = grey[top:bottom, left:right]
        if crop.size == 0:
            return []
        scale = min(CROP_MAX_SCALE, max(1.0, MIN_MODULE_PIXELS / max(module, 0.1)))
        if scale > 1.0:
            crop = self._cv2.resize(
                crop, None, fx=scale, fy=scale, interpolation=self._cv2.INTER_CUBIC
            )
        codes = self._read(crop)
        for code in codes:
            self._remember(code, scale, left, top, grey.shape)
        return codes

    def _read_whole(self, grey: Grey) -> list[Any]:
        """Read the whole picture, shrunk first while the last code's modules stay legible."""
        shrink = 1
        if self._box is not None:
            shrink = min(MAX_SHRINK, int(self._box[4] / MIN_MODULE_PIXELS))
        if shrink > 1:
            # A phone's 1080p picture of a large code: a quarter of the pixels reads 3-4 times
            # faster, and the full picture is still tried if the code moved or shrank.
            small = self._cv2.resize(
                grey, None, fx=1 / shrink, fy=1 / shrink, interpolation=self._cv2.INTER_AREA
            )
            codes = self._read(small)
            for code in codes:
                self._remember(code, 1 / shrink, 0, 0, grey.shape)
            if codes:
                return codes
        codes = self._read(grey)
        for code in codes:
            self._remember(code, 1.0, 0, 0, grey.shape)
        return codes

    def scan(self, grey: Grey) -> list[str]:
        """The kiosk frame texts in one picture (empty for a near-duplicate or no code)."""
        self.counts.pictures += 1
        thumb = self._thumbnail(grey)
        if self._last_read is not None and self._last_read.shape == thumb.shape:
            difference = self._cv2.absdiff(thumb, self._last_read)
            if float(difference.mean()) < SAME_PICTURE:
                return []
        self.counts.read += 1
        codes = self._read_whole(grey)
        if not codes:
            codes = self._read_crop(grey)
        # Only a picture a code was read from may stand for its near-duplicates: the next
        # picture after a blurred or torn one is read again.
        self._last_read = thumb if codes else None
        self.counts.codes += len(codes)
        return [code.text for code in codes]


@cache
def _version_for(characters: int) -> int:
    """The smallest QR version (level M) holding this many alphanumeric characters."""
    for version in range(1, 41):
        if alphanumeric_capacity(version) >= characters:
            return version
    return 40


@dataclass
class Collector:
    """Frame texts pooled per QR transfer until one transfer's bundle is whole."""

    decoders: dict[bytes, FrameDecoder] = field(default_factory=dict)
    rejected: int = 0
    first_code_at: float | None = None
    last_code_at: float | None = None
    bundle: bytes | None = None
    transfer_id: bytes | None = None

    def add(self, text: str, at: float) -> bool:
        """Take one frame text read at `at` seconds; True once a bundle is whole."""
        try:
            transfer_id = parse_frame(text).transfer_id
            decoder = self.decoders.setdefault(transfer_id, FrameDecoder())
            complete = decoder.add(text)
        except FrameError:
            self.rejected += 1
            return self.bundle is not None
        if self.first_code_at is None:
            self.first_code_at = at
        self.last_code_at = at
        if complete and self.bundle is None:
            self.bundle, self.transfer_id = decoder.result(), transfer_id
        return self.bundle is not None

    @property
    def progress(self) -> Progress:
        """The transfer furthest along (a resize on the kiosk leaves an abandoned one)."""
        best = Progress(0, 0, 0)
        for decoder in self.decoders.values():
            progress = decoder.progress
            if (progress.useful, -progress.needed) > (best.useful, -best.needed):
                best = progress
        return best

    @property
    def useful_per_second(self) -> float | None:
        """Independent frames gained per second of filming, once there is a span to tell."""
        if self.first_code_at is None or self.last_code_at is None:
            return None
        span = self.last_code_at - self.first_code_at
        useful = self.progress.useful
        return (useful - 1) / span if span > 0 and useful > 1 else None

    def seconds_left(self) -> float | None:
        """Roughly how many more seconds of filming complete the bundle."""
        rate = self.useful_per_second
        if rate is None:
            return None
        progress = self.progress
        return max(0, progress.needed - progress.useful + FOUNTAIN_MARGIN) / rate

    def shortfall(self, seconds_filmed: float, again: str = AGAIN_VIDEO) -> str:
        """Why the bundle is not whole, how much more filming it needs, and what to do."""
        progress = self.progress
        if not progress.needed:
            return (
                f"no kiosk QR code was found in {seconds_filmed:.0f} s of video; film the "
                "kiosk's QR export screen, close enough that the code fills most of the picture"
            )
        missing = progress.needed - progress.useful + FOUNTAIN_MARGIN
        left = self.seconds_left()
        when = f", roughly {math.ceil(left)} more seconds of filming" if left is not None else ""
        return (
            f"incomplete: {progress.useful} of {progress.needed} independent QR frames after "
            f"{seconds_filmed:.0f} s of video; about {missing} more frames needed{when}. "
            f"Nothing was stored: {again}"
        )


class ProgressLine:
    """One progress line on a terminal, redrawn at most ten times a second; silent otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        """Draw on `stream` (standard error by default) only if it is a terminal."""
        self.label = label
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._drawn_at = 0.0

    def update(self, counts: ScanCounts, collector: Collector, *, force: bool = False) -> None:
        """Redraw: frames read, independent frames, % of the bundle, and time left."""
        now = time.monotonic()
        if not self.live or (not force and now - self._drawn_at < REFRESH_SECONDS):
            return
        self._drawn_at = now
        self.stream.write("\r" + self.text(counts, collector) + "\x1b[K")
        self.stream.flush()

    def text(self, counts: ScanCounts, collector: Collector) -> str:
        """The line's text, e.g. 'capture.mp4 [#####-----] 52% 52/100 frames …'."""
        progress = collector.progress
        if not progress.needed:
            return f"{self.label}: {counts.pictures} pictures, looking for the kiosk's QR code…"
        share = progress.useful / progress.needed
        bar = "#" * round(20 * share)
        left = collector.seconds_left()
        eta = f" ≈ {math.ceil(left)} s left" if left is not None and share < 1 else ""
        return (
            f"{self.label} [{bar:-<20}] {share:4.0%} {progress.useful}/{progress.needed} "
            f"independent of {counts.codes} codes in {counts.pictures} pictures{eta}"
        )

    def done(self) -> None:
        """End the line so that later messages start on their own."""
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class VideoResult:
    """A video's scan: the bundle if it became whole, and what was seen on the way."""

    bundle: bytes | None
    collector: Collector
    counts: ScanCounts
    seconds: float


def decode_pictures(path: Path) -> Iterator[tuple[float, Grey]]:
    """(seconds, grey picture) for every decoded video frame, the luma plane without copying."""
    try:
        import av
        import numpy
    except ImportError:
        raise needs_extra("PyAV") from None
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as error:
        raise SourceError(f"{path}: the video cannot be opened ({error})") from None
    with container:
        if not container.streams.video:
            raise SourceError(f"{path}: the file has no video track")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or 30)
        try:
            for index, frame in enumerate(container.decode(stream)):
                at = frame.time if frame.time is not None else index / rate
                if frame.format.name in _EIGHT_BIT_LUMA:
                    plane = frame.planes[0]
                    luma = numpy.frombuffer(memoryview(plane), numpy.uint8)
                    yield at, luma.reshape(plane.height, plane.line_size)[:, : plane.width]
                else:
                    yield at, frame.to_ndarray(format="gray")
        except av.FFmpegError:
            # A phone that stopped mid-write leaves a damaged tail; what came before counts.
            return


def read_video(
    path: Path,
    progress: ProgressLine | None = None,
    collector: Collector | None = None,
    offset: float = 0.0,
) -> VideoResult:
    """Scan a video file until the bundle is whole or the video ends.

    Args:
        path: the video file.
        progress: the line to draw progress on, if any.
        collector: frames already gathered from earlier videos of the same export.
        offset: seconds of those earlier videos, so filming rates span them all.

    Raises:
        SourceError: the file is not a readable video, or PyAV, OpenCV or zxing-cpp is missing.
    """
    scanner = FrameScanner()
    collector = collector if collector is not None else Collector()
    seconds = 0.0
    start: float | None = None
    for at, grey in decode_pictures(path):
        start = at if start is None else start
        seconds = at - start
        whole = False
        for text in scanner.scan(grey):
            whole = collector.add(text, offset + seconds)
        if progress is not None:
            progress.update(scanner.counts, collector, force=whole)
        if whole:
            break
    if progress is not None:
        progress.done()
    return VideoResult(collector.bundle, collector, scanner.counts, seconds)


def import_videos(importer: Importer, paths: list[Path]) -> Iterator[Outcome]:
    """Scan videos in turn and import each bundle as soon as it is whole.

    Frames pool across the videos of one import, per transfer, so a second video of the same
    QR screen completes a first that was too short; videos left incomplete store nothing.
    """
    collector, filmed = Collector(), 0.0
    used: list[str] = []
    for path in paths:
        try:
            result = read_video(path, ProgressLine(str(path)), collector, filmed)
        except SourceError as error:
            yield Outcome(str(path), error=str(error))
            continue
        used.append(str(path))
        filmed += result.seconds
        if result.bundle is not None and collector.transfer_id is not None:
            name = (
                f"{', '.join(used)} (QR transfer {collector.transfer_id.hex()}, whole after "
                f"{filmed:.1f} s of video)"
            )
            yield importer.import_bundle(name, result.bundle)
            collector, used, filmed = Collector(), [], 0.0
    if used:
        yield Outcome(", ".join(used), error=collector.shortfall(filmed))
