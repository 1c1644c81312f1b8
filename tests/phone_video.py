"""A simulated phone filming the kiosk's QR export: the real widget's frames, a camera model, H.264.

The frames are what the real QrView draws, read back from the screen of a headless Textual app
(its half-block lines, as tests/test_qr_view.py reads them). `Camera` models what comes between
the screen and the video file: the kiosk showing frames at its rate with timer jitter, a 30 fps
camera starting at an arbitrary moment with a finite exposure (a frame change during an exposure
gives a torn picture: new rows above, old ones below, as the terminal redraws top to bottom),
dropped camera frames (the previous picture repeated), the screen placed in a larger scene with
perspective and rotation, blur, half contrast, sensor noise, and lossy encoding with PyAV at a
phone's bit rate (bits per pixel of a 1080p30 phone video at 16 Mbit/s).

Used by tests/test_video_import.py (a few records, small videos) and bench/qr_throughput.py.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from numpy.typing import NDArray
from textual.app import App, ComposeResult

from screens.widgets.qr_view import QrView

PHONE_BITS_PER_PIXEL = 16e6 / (1920 * 1080 * 30)
MODULE_PIXELS = 4
_HALVES = {" ": (0, 0), "▀": (1, 0), "▄": (0, 1), "█": (1, 1)}

Picture = NDArray[np.uint8]
_FAST = {
    "libx264": {"preset": "veryfast"},
    "libx265": {"preset": "ultrafast", "x265-params": "log-level=error"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"},
}


class _QrApp(App[None]):
    """Nothing but the kiosk's QR view filling the terminal."""

    def __init__(self, bundle: bytes, rate: float) -> None:
        super().__init__()
        self.bundle = bundle
        self.rate = rate

    def compose(self) -> ComposeResult:
        yield QrView(self.bundle, rate=self.rate, max_rate=max(self.rate, 30.0))


async def drawn_frames(bundle: bytes, columns: int, rows: int, count: int) -> list[list[str]]:
    """The first `count` frames the real QrView draws for `bundle` in a columns × rows terminal.

    The widget runs as fast as it can make frames; the kiosk's real pace is the Camera's job.
    """
    app = _QrApp(bundle, rate=60.0)
    frames: list[list[str]] = []
    async with app.run_test(size=(columns, rows)) as pilot:
        view = app.query_one(QrView)
        seen = 0
        for _ in range(count * 400):
            if view.frames_drawn > seen:
                seen = view.frames_drawn
                frames.append(view.drawn_lines())
                if len(frames) == count:
                    return frames
            await pilot.pause(0.004)
    raise AssertionError(f"the QR view drew {len(frames)} frames, not {count}")


def collect_frames(bundle: bytes, columns: int, rows: int, count: int) -> list[list[str]]:
    """drawn_frames for synchronous callers (the benchmark)."""
    return asyncio.run(drawn_frames(bundle, columns, rows, count))


def terminal_raster(lines: list[str], columns: int, rows: int) -> Picture:
    """The whole terminal as a black-on-white picture, the code centred as the widget puts it."""
    modules = np.zeros((2 * rows, columns), np.uint8)
    top = (rows - len(lines)) // 2
    for y, line in enumerate(lines):
        left = (columns - len(line)) // 2
        for x, char in enumerate(line):
            upper, lower = _HALVES[char]
            modules[2 * (top + y), left + x] = upper
            modules[2 * (top + y) + 1, left + x] = lower
    picture = np.where(modules == 1, 0, 255).astype(np.uint8)
    return np.kron(picture, np.ones((MODULE_PIXELS, MODULE_PIXELS), np.uint8))


@dataclass(frozen=True)
class Camera:
    """A phone held in front of the kiosk, and the kiosk's display timing.

    Sizes are pixels, times seconds; `perspective` is how much shorter the far edge looks,
    `rotation` degrees, `blur_modules` the Gaussian sigma in QR modules, `contrast` the share
    of the grey range between a dark and a light module, `noise` the sensor noise's sigma in
    grey levels, `drop` the share of camera frames lost (the previous picture is repeated).
    """

    width: int = 854
    height: int = 480
    fps: float = 30.0
    fill: float = 0.85
    perspective: float = 0.07
    rotation: float = 3.0
    blur_modules: float = 0.3
    contrast: float = 0.5
    noise: float = 4.0
    exposure: float = 1 / 60
    readout: float = 0.02
    refresh: float = 1 / 60
    clock_error: float = 0.004
    clock_jitter: float = 0.002
    drop: float = 0.03
    jitter: float = 0.004
    bits_per_pixel: float = PHONE_BITS_PER_PIXEL
    background: int = 40

    def warp(self, columns: int, rows: int, seed: int) -> tuple[NDArray[np.float64], float]:
        """The homography from the terminal raster into the picture, and a module's size there."""
        rng = random.Random(seed)
        raster_w, raster_h = columns * MODULE_PIXELS, 2 * rows * MODULE_PIXELS
        scale = min(self.fill * self.height / raster_h, 0.92 * self.width / raster_w)
        w, h = raster_w * scale, raster_h * scale
        cx = self.width / 2 + rng.uniform(-0.02, 0.02) * self.width
        cy = self.height / 2 + rng.uniform(-0.02, 0.02) * self.height
        inset = self.perspective * w / 2
        quad = [(-w / 2 + inset, -h / 2), (w / 2 - inset, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
        angle = math.radians(self.rotation * rng.choice((-1, 1)))
        cos, sin = math.cos(angle), math.sin(angle)
        corners = [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in quad]
        source = np.float32([(0, 0), (raster_w, 0), (raster_w, raster_h), (0, raster_h)])
        matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
        return matrix, scale * MODULE_PIXELS

    def scene(self, raster: Picture, matrix: NDArray[np.float64], module: float) -> Picture:
        """The terminal in the scene, blurred and at the camera's contrast (noise comes later)."""
        placed = cv2.warpPerspective(
            raster,
            matrix,
            (self.width, self.height),
            flags=cv2.INTER_AREA,
            borderValue=(255 * self.background // 255,),
        )
        blurred = cv2.GaussianBlur(placed, (0, 0), self.blur_modules * module)
        low = 255 * (1 - self.contrast) / 2
        return (low + self.contrast * blurred.astype(np.float32)).astype(np.uint8)

    def pictures(
        self, frames: list[list[str]], columns: int, rows: int, rate: float, seed: int = 1
    ) -> Iterator[Picture]:
        """Camera pictures while the kiosk shows `frames` at `rate` per second, in order."""
        rng = random.Random(seed)
        noise_rng = np.random.default_rng(seed)
        matrix, module = self.warp(columns, rows, seed)
        shape = (self.height, self.width)
        noises = [noise_rng.normal(0, self.noise, shape).astype(np.int16) for _ in range(8)]
        # The kiosk's timer jitters, and the terminal paints a new frame at its next refresh.
        shown = [0.0]
        for index in range(1, len(frames)):
            due = index / rate + rng.gauss(0, self.jitter)
            shown.append(max(shown[-1], math.ceil(due / self.refresh) * self.refresh))
        scenes: dict[int, Picture] = {}

        def scene_of(index: int) -> Picture:
            if index not in scenes:
                raster = terminal_raster(frames[index], columns, rows)
                scenes[index] = self.scene(raster, matrix, module)
            return scenes[index]

        # The phone's clock is not the kiosk's: its pictures drift against the frames (and
        # jitter a little), so no lucky phase lock hides the tearing.
        start = rng.uniform(0, 1 / rate)
        period = (1 + self.clock_error) / self.fps
        previous: Picture | None = None
        for sample in range(math.floor((shown[-1] - start) / period)):
            begin = start + sample * period + rng.gauss(0, self.clock_jitter)
            # A rolling shutter reads the rows out one after another: a change during the
            # exposure or the readout tears the picture.
            window = self.exposure + self.readout
            end = begin + window
            index = max(0, bisect.bisect_right(shown, begin) - 1)
            if previous is not None and rng.random() < self.drop:
                yield previous
                continue
            if index + 1 < len(shown) and shown[index + 1] < end:
                new_share = (end - shown[index + 1]) / window
                split = round(new_share * 2 * rows * MODULE_PIXELS)
                torn = terminal_raster(frames[index], columns, rows)
                torn[:split] = terminal_raster(frames[index + 1], columns, rows)[:split]
                clean = self.scene(torn, matrix, module)
            else:
                clean = scene_of(index)
            noisy = clean.astype(np.int16) + noises[rng.randrange(len(noises))]
            previous = np.clip(noisy, 0, 255).astype(np.uint8)
            yield previous


def encode_video(
    pictures: Iterator[Picture],
    path: Path,
    camera: Camera,
    codec: str = "libx264",
) -> int:
    """Write grey pictures as a video at the camera's rate and a phone's bit rate; frame count."""
    count = 0
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=round(camera.fps))
        stream.width, stream.height = camera.width, camera.height
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = round(camera.bits_per_pixel * camera.width * camera.height * camera.fps)
        # Fast settings keep the tests quick; the bit rate is what limits the quality.
        stream.options = _FAST.get(codec, {})
        for picture in pictures:
            frame = av.VideoFrame.from_ndarray(picture, format="gray").reformat(format="yuv420p")
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    return count
