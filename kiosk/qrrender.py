"""QR codes for frame texts: module matrices, terminal half-block lines, and PNG images.

The half-block lines are meant to be styled "black on white": a drawn half ("▀", "▄", "█") is
a dark module in the foreground colour, a blank is a light module showing the background.
"""

from __future__ import annotations

import struct
import zlib

import qrcode
from qrcode import exceptions as qr_exceptions
from qrcode import util as qr_util

from kiosk.qrframes import ECC_LEVELS, frame_capacity

Matrix = list[list[bool]]

_HALF_BLOCKS = {
    (False, False): " ",
    (True, False): "▀",
    (False, True): "▄",
    (True, True): "█",
}


def modules_for(version: int) -> int:
    """Modules per side of a QR code of this version."""
    return 17 + 4 * version


def qr_matrix(text: str, version: int, ecc: str = "M", *, border: int = 0) -> Matrix:
    """The module matrix (True = dark) of `text` at exactly `version`, in alphanumeric mode.

    Raises:
        ValueError: the text has characters outside the alphanumeric set, or does not fit.
    """
    if ecc not in ECC_LEVELS:
        raise ValueError(f"unknown QR error correction level {ecc!r}: use L, M, Q or H")
    data = text.encode("ascii", errors="replace")
    if not qr_util.RE_ALPHA_NUM.match(data):
        raise ValueError("QR frame text has characters outside the QR alphanumeric set")
    code = qrcode.QRCode(version=version, error_correction=ECC_LEVELS[ecc], border=border)
    code.add_data(qr_util.QRData(data, mode=qr_util.MODE_ALPHA_NUM))
    try:
        code.make(fit=False)
    except qr_exceptions.DataOverflowError:
        raise ValueError(
            f"{len(text)} characters do not fit a version {version} QR code at level {ecc}"
        ) from None
    return [[bool(module) for module in row] for row in code.get_matrix()]


def _with_quiet_zone(matrix: Matrix, quiet_zone: int) -> Matrix:
    width = len(matrix[0]) + 2 * quiet_zone if matrix else 2 * quiet_zone
    blank = [False] * width
    side = [False] * quiet_zone
    return [blank] * quiet_zone + [side + row + side for row in matrix] + [blank] * quiet_zone


def half_block_lines(matrix: Matrix, quiet_zone: int = 2) -> list[str]:
    """Terminal lines showing two module rows per line, for "black on white" styling.

    An odd number of rows gets one more light row at the bottom, which only widens the quiet
    zone.
    """
    rows = _with_quiet_zone(matrix, quiet_zone)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return [
        "".join(_HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    ]


def fit_version(columns: int, rows: int, ecc: str = "M", quiet_zone: int = 2) -> int | None:
    """The largest QR version whose half-block drawing fits `columns` × `rows` cells.

    None when not even the smallest version that carries a frame at level `ecc` fits.
    """
    for version in range(40, 0, -1):
        side = modules_for(version) + 2 * quiet_zone
        if side <= columns and (side + 1) // 2 <= rows:
            try:
                frame_capacity(version, ecc)
            except ValueError:
                return None
            return version
    return None


def png_bytes(matrix: Matrix, scale: int = 4, quiet_zone: int = 4) -> bytes:
    """A 1-bit greyscale PNG of the matrix, written with zlib alone so the kiosk needs no PIL."""
    rows = _with_quiet_zone(matrix, quiet_zone)
    width = len(rows[0]) * scale
    raw = bytearray()
    for row in rows:
        bits = "".join(("0" if dark else "1") * scale for dark in row)
        bits = bits.ljust(-(-width // 8) * 8, "0")
        line = b"\0" + int(bits, 2).to_bytes(len(bits) // 8, "big")
        raw += line * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, len(rows) * scale, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )
