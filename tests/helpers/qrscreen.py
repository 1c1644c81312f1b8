"""Read a QR code back from a terminal screen: paint its cells as pixels, decode with zxing-cpp.

A cell is one module wide and two tall: a half-block character's foreground paints one half,
its background the other. zxing-cpp then reads the picture as a camera photo would be read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import zxingcpp
from PIL import Image
from pyte.screens import Char

from kiosk.qrframes import FrameError, parse_frame

PIXELS = 3
"""Pixels per module side: enough for zxing-cpp to find the finder patterns reliably."""
HALVES = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}
"""Which halves of a cell (top, bottom) a character paints in its foreground colour."""
NAMED = {
    "black": 0,
    "red": 80,
    "green": 100,
    "brown": 110,
    "blue": 40,
    "magenta": 90,
    "cyan": 150,
    "white": 200,
    "brightblack": 110,
    "brightwhite": 255,
}
"""Rough luminance of pyte's named (16-colour) colours; any bright one not listed is light."""


@cache
def luminance(colour: str, *, default: int) -> int:
    """0 (black) … 255 (white) for a pyte colour: "default", a name, or "rrggbb"."""
    if colour == "default":
        return default
    if colour in NAMED:
        return NAMED[colour]
    if colour.startswith("bright"):
        return 200
    red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return (299 * red + 587 * green + 114 * blue) // 1000


@cache
def cell_halves(cell: Char) -> tuple[bool, bool]:
    """Whether the top and bottom halves of a cell are dark, as its colours show them."""
    fg = luminance(cell.fg, default=229) < 128
    bg = luminance(cell.bg, default=0) < 128
    if cell.reverse:
        fg, bg = bg, fg
    # Any other character (text next to the code) counts as its background.
    top, bottom = HALVES.get(cell.data, (False, False))
    return (fg if top else bg), (fg if bottom else bg)


def paint(rows: Sequence[Sequence[tuple[bool, bool]]]) -> Image.Image:
    """A greyscale picture of cell halves (dark or light), PIXELS per module."""
    scanlines = [bytes(0 if cell[half] else 255 for cell in row) for row in rows for half in (0, 1)]
    image = Image.frombytes("L", (len(scanlines[0]), len(scanlines)), b"".join(scanlines))
    return image.resize((image.width * PIXELS, image.height * PIXELS), Image.Resampling.NEAREST)


def lines_image(lines: Sequence[str]) -> Image.Image:
    """Half-block text lines painted black on white, as the QR view means them."""
    return paint([[HALVES[char] for char in line] for line in lines])


def cells_image(cells: Iterable[Sequence[Char]]) -> Image.Image:
    """An emulated screen's cells painted in the colours the terminal shows."""
    return paint([[cell_halves(cell) for cell in row] for row in cells])


def kiosk_frames(image: Image.Image) -> set[str]:
    """The kiosk frame texts zxing-cpp reads in a picture.

    zxing-cpp may report one code twice (found at two scales), and now and then a phantom
    code in the modules' pattern (a short text such as 'D9$D'); a text that is not a kiosk
    frame is not what the screen shows, so it is left out rather than failing the reader.
    """
    texts = {barcode.text for barcode in zxingcpp.read_barcodes(image)}
    return {text for text in texts if is_kiosk_frame(text)}


def is_kiosk_frame(text: str) -> bool:
    """Whether a text is a well-formed kiosk QR frame (prefix, base45, CRC)."""
    try:
        parse_frame(text)
    except FrameError:
        return False
    return True
