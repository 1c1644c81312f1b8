"""Receiving the kiosk's QR stream live: a webcam read with OpenCV until the bundle is whole.

The source is a camera number or a video file: OpenCV opens either the same way, so the tests
drive exactly this loop with a recorded video. Pictures go through the same scanner and
collector as `kiosk-admin import capture.mp4`; the terminal shows one live progress line and
rings the bell when the bundle is whole, and only then is anything stored.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from kiosk.admin.importer import Importer, Outcome, SourceError
from kiosk.admin.video import Collector, FrameScanner, ProgressLine, VideoResult, needs_extra

if TYPE_CHECKING:
    import cv2

# A webcam may fail a read now and then (USB hiccup, exposure change); this many in a row
# means it has gone away.
MAX_FAILED_READS = 30
CAMERA_SIZE = (1920, 1080)


def source_name(source: str) -> str:
    """How the admin reads the source in messages: 'camera 0' or the file's name."""
    return f"camera {source}" if source.isdigit() else source


def open_capture(source: str) -> cv2.VideoCapture:
    """Open camera number `source` (0 is the first) or the video file it names.

    Raises:
        SourceError: OpenCV is missing, or the camera or file cannot be opened.
    """
    try:
        import cv2
    except ImportError:
        raise needs_extra("OpenCV") from None
    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if source.isdigit():
        # Webcams start at 640×480, too coarse for a large code; the driver picks the nearest.
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, CAMERA_SIZE[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, CAMERA_SIZE[1])
    if not capture.isOpened():
        capture.release()
        if source.isdigit():
            raise SourceError(
                f"camera {source} cannot be opened: is it connected and not in use by another "
                "program? (--camera 1 picks the second camera)"
            )
        raise SourceError(f"{source}: the video cannot be opened")
    return capture


def receive(
    source: str,
    progress: ProgressLine,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> VideoResult:
    """Read pictures from `source` until the bundle is whole, the video ends or Ctrl-C.

    Times are the video's own for a file and the wall clock for a camera, so "seconds of
    filming" means the same in both.

    Raises:
        SourceError: the source cannot be opened, or OpenCV or zxing-cpp is missing.
    """
    scanner = FrameScanner()
    collector = Collector()
    capture = open_capture(source)
    import cv2  # present: open_capture has checked

    is_camera = source.isdigit()
    start = clock()
    seconds = 0.0
    failed_reads = 0
    try:
        while True:
            ok, picture = capture.read()
            if not ok:
                failed_reads += 1
                if is_camera and failed_reads < MAX_FAILED_READS:
                    continue
                break
            failed_reads = 0
            at = clock() - start if is_camera else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            seconds = at
            grey = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
            whole = False
            for text in scanner.scan(grey):
                whole = collector.add(text, seconds)
            progress.update(scanner.counts, collector, force=whole)
            if whole:
                break
    except KeyboardInterrupt:
        pass
    finally:
        capture.release()
        progress.done()
    if is_camera and not scanner.counts.pictures and failed_reads:
        raise SourceError(
            f"camera {source} opened but gave no pictures: is another program using it, or "
            "does the system block camera access for this terminal?"
        )
    return VideoResult(collector.bundle, collector, scanner.counts, seconds)


def receive_and_import(
    importer: Importer, source: str, stream: TextIO | None = None, **options: Any
) -> Outcome:
    """Receive from `source`, say when the bundle is whole (with the bell), and import it."""
    stream = stream or sys.stderr
    name = source_name(source)
    try:
        result = receive(source, ProgressLine(name, stream), **options)
    except SourceError as error:
        return Outcome(name, error=str(error))
    collector = result.collector
    if result.bundle is None or collector.transfer_id is None:
        again = "run kiosk-admin receive again and keep the camera on the code for longer"
        return Outcome(name, error=collector.shortfall(result.seconds, again))
    stream.write(
        f"\aAll {collector.progress.needed} fragments received after {result.seconds:.1f} s; "
        "importing.\n"
    )
    stream.flush()
    name = f"{name} (QR transfer {collector.transfer_id.hex()})"
    return importer.import_bundle(name, result.bundle)
