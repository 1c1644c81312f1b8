"""The animated QR view: what it draws on screen is read by a real decoder back into the bundle."""

from __future__ import annotations

from typing import Any

import pytest
import zxingcpp
from helpers.pilot import wait_until
from helpers.qrscreen import kiosk_frames, lines_image
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from kiosk.export import build_export
from kiosk.qrframes import FrameDecoder, encode_frames
from kiosk.qrrender import fit_version, half_block_lines, qr_matrix
from kiosk.simulate import simulate
from kiosk.site import Site
from kiosk.submit import Submitter
from screens.widgets.qr_view import DEFAULT_RATE, QUIET_ZONE, QrView


class QrApp(App[None]):
    """Nothing but a QR view filling the terminal."""

    def __init__(self, bundle: bytes, rate: float = DEFAULT_RATE) -> None:
        super().__init__()
        self.bundle = bundle
        self.rate = rate

    def compose(self) -> ComposeResult:
        yield QrView(self.bundle, rate=self.rate)


def read_frames(lines: list[str]) -> set[str]:
    """The kiosk frame texts zxing-cpp reads from the drawn lines (a phantom code is left out)."""
    texts = kiosk_frames(lines_image(lines))
    # One frame is on screen: a second kiosk frame read from it would be a real defect.
    assert len(texts) <= 1, f"zxing-cpp read {len(texts)} different kiosk frames"
    return texts


@pytest.fixture
def bundle(site: Site) -> bytes:
    """A real export bundle of a few sealed records."""
    submitter = Submitter(site.store, site.config, site.public_key)
    simulate(submitter, site.config.instruments, 4, seed=7)
    return build_export(site).bundle


async def wait_for_new_frame(pilot: Pilot[Any], view: QrView, seen: int) -> None:
    """Let the app run until the view has drawn a frame after the `seen`-th."""

    def what() -> str:
        return f"no new frame drawn after {seen} (shown {view.frames_shown})"

    await wait_until(pilot, lambda: view.frames_drawn > seen, what)


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
            for text in read_frames(lines):
                decoder.add(text)
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
        # Let three frames' time pass, measured by a timer of our own at the view's rate.
        ticks: list[None] = []
        app.set_interval(1 / view.rate, lambda: ticks.append(None))
        await wait_until(pilot, lambda: len(ticks) >= 3, lambda: "our timer never ticked")
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
        await wait_until(pilot, lambda: view.problem is not None, lambda: "no problem shown")
        assert view.version is None
        shown = " ".join(view.render_line(y).text.strip() for y in range(view.size.height))
        assert "Too small for a QR code" in shown


async def test_a_bundle_too_large_for_the_version_is_refused_on_screen() -> None:
    app = QrApp(bytes(7_000_000))
    async with app.run_test(size=(30, 16)) as pilot:
        view = app.query_one(QrView)
        await wait_until(pilot, lambda: view.problem is not None, lambda: "no problem shown")
        assert view.version == 2
        assert view.stream is None
        shown = " ".join(view.render_line(y).text.strip() for y in range(view.size.height))
        assert "too large for QR transfer" in shown


def test_a_code_that_is_not_a_kiosk_frame_is_left_out(bundle: bytes) -> None:
    # zxing-cpp once read a phantom 'D9$D' beside a real frame: here a real foreign code sits
    # beside a real kiosk frame, and only the frame is read.
    frame = encode_frames(bundle, version=10).frame(0)
    kiosk_lines = half_block_lines(qr_matrix(frame, 10), QUIET_ZONE)
    foreign = half_block_lines(qr_matrix("D9$D", 1), QUIET_ZONE)
    foreign += [" " * len(foreign[0])] * (len(kiosk_lines) - len(foreign))
    side_by_side = [left + right for left, right in zip(kiosk_lines, foreign, strict=True)]
    # zxing-cpp does read both codes: without the filter, the reader would see two.
    found = {code.text for code in zxingcpp.read_barcodes(lines_image(side_by_side))}
    assert found == {frame, "D9$D"}
    assert read_frames(side_by_side) == {frame}
