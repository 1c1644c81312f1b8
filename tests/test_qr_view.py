"""The animated QR view: what it draws on screen is read by a real decoder back into the bundle."""

from __future__ import annotations

from typing import Any

import pytest
import zxingcpp
from PIL import Image
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from kiosk.export import build_export
from kiosk.qrframes import FrameDecoder
from kiosk.qrrender import fit_version
from kiosk.simulate import simulate
from kiosk.site import Site
from kiosk.submit import Submitter
from screens.widgets.qr_view import DEFAULT_RATE, QrView

PIXELS = 3
HALVES = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


class QrApp(App[None]):
    """Nothing but a QR view filling the terminal."""

    def __init__(self, bundle: bytes, rate: float = DEFAULT_RATE) -> None:
        super().__init__()
        self.bundle = bundle
        self.rate = rate

    def compose(self) -> ComposeResult:
        yield QrView(self.bundle, rate=self.rate)


def rasterise(lines: list[str]) -> Image.Image:
    """Paint the cells as a black-on-white terminal shows them: one cell is two modules tall."""
    rows: list[bytes] = []
    for line in lines:
        for half in (0, 1):
            pixels = b"".join(
                (b"\x00" if HALVES[char][half] else b"\xff") * PIXELS for char in line
            )
            rows += [pixels] * PIXELS
    return Image.frombytes("L", (len(rows[0]), len(rows)), b"".join(rows))


def read_frame(lines: list[str]) -> str:
    """The frame text zxing-cpp reads from the drawn lines."""
    found = zxingcpp.read_barcodes(rasterise(lines))
    # zxing-cpp may report one code twice (found at two scales); it must be one frame's text.
    texts = {barcode.text for barcode in found}
    assert len(texts) == 1, f"zxing-cpp read {len(texts)} different QR codes"
    return texts.pop()


@pytest.fixture
def bundle(site: Site) -> bytes:
    """A real export bundle of a few sealed records."""
    submitter = Submitter(site.store, site.config, site.public_key)
    simulate(submitter, site.config.instruments, 4, seed=7)
    return build_export(site).bundle


async def wait_for_new_frame(pilot: Pilot[Any], view: QrView, seen: int) -> None:
    """Let the app run until the view has drawn a frame after the `seen`-th."""
    for _ in range(200):
        if view.frames_drawn > seen:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"no new frame drawn after {seen} (shown {view.frames_shown})")


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (120, 40), (200, 60)])
async def test_drawn_frames_decode_to_the_bundle(bundle: bytes, columns: int, rows: int) -> None:
    app = QrApp(bundle, rate=30)
    async with app.run_test(size=(columns, rows)) as pilot:
        view = app.query_one(QrView)
        decoder = FrameDecoder()
        while not decoder.is_complete:
            await wait_for_new_frame(pilot, view, view.frames_drawn)
            lines = view.drawn_lines()
            assert len(lines) <= rows and len(lines[0]) <= columns
            decoder.add(read_frame(lines))
            assert view.frames_drawn < 4 * decoder.progress.needed + 10
        assert view.version == fit_version(columns, rows)
        assert decoder.result() == bundle


async def test_space_pauses_and_plus_minus_change_the_rate(bundle: bytes) -> None:
    app = QrApp(bundle, rate=10)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(QrView)
        view.focus()
        await wait_for_new_frame(pilot, view, 0)
        await pilot.press("space")
        assert view.paused
        held = view.frames_shown
        await pilot.pause(0.4)
        assert view.frames_shown == held
        await pilot.press("space")
        await wait_for_new_frame(pilot, view, view.frames_drawn)
        await pilot.press("plus", "plus")
        assert view.rate == 12
        await pilot.press("minus")
        assert view.rate == 11
        await pilot.press(*["minus"] * 20)
        assert view.rate == 1


async def test_resize_refits_the_version_and_too_small_says_so(bundle: bytes) -> None:
    app = QrApp(bundle, rate=30)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(QrView)
        await wait_for_new_frame(pilot, view, 0)
        assert view.version == fit_version(80, 24)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert view.version == fit_version(120, 40)
        seen = view.frames_drawn
        await wait_for_new_frame(pilot, view, seen)
        assert view.version is not None
        assert len(view.drawn_lines()) == (17 + 4 * view.version + 4 + 1) // 2
        await pilot.resize_terminal(20, 8)
        await pilot.pause(0.1)
        assert view.version is None
        shown = " ".join(view.render_line(y).text.strip() for y in range(view.size.height))
        assert "Too small for a QR code" in shown


async def test_a_bundle_too_large_for_the_version_is_refused_on_screen() -> None:
    app = QrApp(bytes(7_000_000))
    async with app.run_test(size=(30, 16)) as pilot:
        await pilot.pause(0.1)
        view = app.query_one(QrView)
        assert view.version == 2
        assert view.stream is None
        shown = " ".join(view.render_line(y).text.strip() for y in range(view.size.height))
        assert "too large for QR transfer" in shown
