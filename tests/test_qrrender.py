"""QR drawing: matrices, half-block terminal lines and PNGs, all read back by zxing-cpp."""

from __future__ import annotations

import random
from io import BytesIO

import pytest
import zxingcpp
from helpers.qrscreen import lines_image
from PIL import Image

from kiosk.qrframes import FrameDecoder, encode_frames
from kiosk.qrrender import (
    Matrix,
    fit_version,
    half_block_lines,
    modules_for,
    png_bytes,
    qr_matrix,
)

BUNDLE = random.Random(13).randbytes(3000)


def read_qr(image: Image.Image) -> tuple[str, str]:
    """The text and version zxing-cpp reads from the one QR code in the image."""
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"zxing-cpp found {len(found)} codes"
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    extra = found[0].extra
    assert isinstance(extra, dict)
    return found[0].text, str(extra["Version"])


def test_matrix_has_the_versions_size() -> None:
    matrix = qr_matrix("TK:HELLO", 7)
    assert len(matrix) == modules_for(7) == 45
    assert all(len(row) == 45 for row in matrix)
    assert len(qr_matrix("TK:HELLO", 7, border=3)) == 51
    assert matrix[0][:8] == [True] * 7 + [False]  # finder pattern's top edge, then separator


def test_matrix_rejects_what_alphanumeric_mode_cannot_hold() -> None:
    with pytest.raises(ValueError, match="outside the QR alphanumeric set"):
        qr_matrix("tk:lower", 5)
    with pytest.raises(ValueError, match="do not fit a version 1 QR code at level M"):
        qr_matrix("A" * 21, 1)
    with pytest.raises(ValueError, match="level 'Z'"):
        qr_matrix("A", 1, "Z")


def test_half_blocks_pair_module_rows() -> None:
    matrix: Matrix = [[True, False, True], [True, True, False], [False, False, True]]
    assert half_block_lines(matrix, quiet_zone=0) == ["█▄▀", "  ▀"]
    assert half_block_lines(matrix, quiet_zone=1) == [" ▄ ▄ ", " ▀▀▄ ", "     "]


def test_half_block_lines_have_the_drawn_size() -> None:
    matrix = qr_matrix("TK:SIZE", 10)
    lines = half_block_lines(matrix, quiet_zone=2)
    side = modules_for(10) + 4
    assert len(lines) == (side + 1) // 2
    assert {len(line) for line in lines} == {side}
    assert set("".join(lines)) <= set(" ▀▄█")
    assert lines[0] == " " * side


@pytest.mark.parametrize(
    ("columns", "rows", "version"),
    [
        (80, 24, 6),
        (120, 40, 14),
        (200, 60, 24),
        (400, 200, 40),
        (30, 15, 2),
        (26, 13, None),  # version 1 fits but cannot carry a frame
        (20, 10, None),
    ],
)
def test_fit_version_is_the_largest_that_fits(columns: int, rows: int, version: int | None) -> None:
    assert fit_version(columns, rows) == version
    if version is not None:
        lines = half_block_lines(qr_matrix("TK:", version))
        assert len(lines) <= rows
        assert len(lines[0]) <= columns
    if version is not None and version < 40:
        bigger = half_block_lines(qr_matrix("TK:", version + 1))
        assert len(bigger) > rows or len(bigger[0]) > columns


@pytest.mark.parametrize("version", [5, 13, 23, 40])
def test_png_frames_are_read_back_by_zxing(version: int) -> None:
    stream = encode_frames(BUNDLE, version=version)
    text = stream.frame(stream.k + 1)
    image = Image.open(BytesIO(png_bytes(qr_matrix(text, version), scale=3, quiet_zone=4)))
    assert read_qr(image) == (text, str(version))


def test_frames_of_an_all_zero_bundle_render() -> None:
    # Without whitening, zero fragments give all-zero Reed-Solomon blocks that qrcode 8.2
    # cannot encode (glog(0)).
    stream = encode_frames(bytes(5000), version=40)
    for seq in range(stream.k + 1):
        assert len(qr_matrix(stream.frame(seq), 40)) == modules_for(40)


def test_png_bytes_need_no_pil_and_read_back() -> None:
    text = encode_frames(BUNDLE, version=9).frame(0)
    data = png_bytes(qr_matrix(text, 9), scale=2, quiet_zone=4)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(BytesIO(data))
    assert image.size == ((modules_for(9) + 8) * 2,) * 2
    assert read_qr(image) == (text, "9")


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (120, 40), (200, 60)])
def test_terminal_drawing_is_read_back_by_zxing(columns: int, rows: int) -> None:
    version = fit_version(columns, rows)
    assert version is not None
    stream = encode_frames(BUNDLE, version=version)
    text = stream.frame(stream.k)
    assert read_qr(lines_image(half_block_lines(qr_matrix(text, version)))) == (text, str(version))


def test_a_bundle_crosses_the_terminal_with_frames_lost() -> None:
    stream = encode_frames(BUNDLE, version=6)
    decoder = FrameDecoder()
    rnd = random.Random(6)
    for seq in range(4 * stream.k):
        if rnd.random() < 0.2:
            continue
        seen, _ = read_qr(lines_image(half_block_lines(qr_matrix(stream.frame(seq), 6))))
        if decoder.add(seen):
            break
    assert decoder.result() == BUNDLE
