"""Frames per second the real QrView draws at v13 and v23 sizes, with its rate limit lifted.

Headless Pilot: the widget's worker thread makes frames (QR matrix + half-block lines) while
the UI thread shows each one and renders it; a frame counts once the compositor has drawn it.
The target (DESIGN.md) is at least 5 frames drawn per second.

Run: .venv/bin/python bench/qr_draw.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from textual.app import App, ComposeResult

from kiosk.qrframes import encode_frames
from kiosk.qrrender import fit_version, half_block_lines, qr_matrix
from screens.widgets.qr_view import QrView

UNLIMITED = 1000.0
TARGET = 5.0


class QrApp(App[None]):
    """Nothing but a QR view filling the terminal, free to go as fast as it can."""

    def __init__(self, bundle: bytes) -> None:
        super().__init__()
        self.bundle = bundle

    def compose(self) -> ComposeResult:
        yield QrView(self.bundle, rate=UNLIMITED, max_rate=UNLIMITED)


def size_for(version: int) -> tuple[int, int]:
    """The smallest standard-width terminal whose height makes fit_version pick `version`."""
    columns = 120 if version <= 15 else 200
    for rows in range(10, 200):
        if fit_version(columns, rows) == version:
            return columns, rows
    raise ValueError(f"no terminal size fits exactly v{version}")


def generation_ms(version: int, bundle: bytes, frames: int = 10) -> float:
    """Milliseconds to make one frame's lines alone, without Textual."""
    stream = encode_frames(bundle, version=version)
    start = time.perf_counter()
    for seq in range(frames):
        half_block_lines(qr_matrix(stream.frame(seq), version), 2)
    return (time.perf_counter() - start) / frames * 1000


async def drawn_per_second(version: int, bundle: bytes, seconds: float) -> tuple[float, int]:
    """Frames drawn per second by QrView at a size that fits `version`, after a warm-up."""
    columns, rows = size_for(version)
    app = QrApp(bundle)
    async with app.run_test(size=(columns, rows)) as pilot:
        view = app.query_one(QrView)
        while view.frames_drawn < 2:
            await pilot.pause(0.05)
        assert view.version == version, view.version
        first, start = view.frames_drawn, time.perf_counter()
        await pilot.pause(seconds)
        elapsed = time.perf_counter() - start
        return (view.frames_drawn - first) / elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per version")
    args = parser.parse_args()
    bundle = random.Random(5).randbytes(200_000)
    print("version  terminal  frame made (ms)  frames drawn/s  target")
    for version in (13, 23):
        made = generation_ms(version, bundle)
        rate, rows = asyncio.run(drawn_per_second(version, bundle, args.seconds))
        columns = size_for(version)[0]
        verdict = "ok" if rate >= TARGET else "BELOW"
        print(
            f"v{version:<7} {columns}×{rows:<5} {made:>15.1f} {rate:>15.1f}  "
            f"≥ {TARGET:.0f} {verdict}"
        )


if __name__ == "__main__":
    main()
