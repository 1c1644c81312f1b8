"""Fountain-coded QR frames: an export bundle as an endless stream of frame texts, and back.

Frames 0..K-1 carry the bundle's fragments as they are; every later frame carries the XOR of a
pseudo-random half of them, so a receiver that misses any frames completes from about K + 2 of
whichever frames it catches. The byte layout, the PRNG and the decoder are specified in
docs/qr-transfer.md so that another program can read the frames.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import struct
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from qrcode import constants as qr_constants
from qrcode import util as qr_util

from kiosk import base45

PREFIX = "TK:"
FORMAT_VERSION = 1
HEADER = struct.Struct(">B4sIII")  # format version, transfer id, bundle length, K, sequence
CRC = struct.Struct(">I")
OVERHEAD = HEADER.size + CRC.size
TRANSFER_ID_SIZE = 4
MAX_SEQUENCE = 0xFFFF_FFFF
MAX_BUNDLE = 0xFFFF_FFFF
# Bounds the decoder's work and memory for any frame, even a forged one with a valid CRC;
# a transfer this long would take days to show anyway.
MAX_FRAGMENTS = 1 << 20

ECC_LEVELS: dict[str, int] = {
    "L": qr_constants.ERROR_CORRECT_L,
    "M": qr_constants.ERROR_CORRECT_M,
    "Q": qr_constants.ERROR_CORRECT_Q,
    "H": qr_constants.ERROR_CORRECT_H,
}

_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_GAMMA = 0x9E37_79B9_7F4A_7C15


class FrameError(ValueError):
    """A frame text that cannot be part of this transfer; str() says why, for the admin."""


class Progress(NamedTuple):
    """How far a transfer has come: frames taken, independent ones among them, and K."""

    received: int
    useful: int
    needed: int


def _ecc_constant(ecc: str) -> int:
    try:
        return ECC_LEVELS[ecc]
    except KeyError:
        raise ValueError(f"unknown QR error correction level {ecc!r}: use L, M, Q or H") from None


def _check_version(version: int) -> None:
    if not 1 <= version <= 40:
        raise ValueError(f"QR version {version} does not exist: use 1 to 40")


def _data_bits(version: int, ecc: str) -> int:
    _check_version(version)
    return int(qr_util.BIT_LIMIT_TABLE[_ecc_constant(ecc)][version])


def alphanumeric_capacity(version: int, ecc: str = "M") -> int:
    """Characters one QR code of this version holds in alphanumeric mode (ISO 18004 table 7)."""
    bits = _data_bits(version, ecc) - 4
    bits -= int(qr_util.length_in_bits(qr_util.MODE_ALPHA_NUM, version))
    pairs, rest = divmod(bits, 11)
    return 2 * pairs + (1 if rest >= 6 else 0)


def binary_capacity(version: int, ecc: str = "M") -> int:
    """Bytes one QR code of this version holds in byte mode: the yardstick for our efficiency."""
    bits = _data_bits(version, ecc) - 4
    bits -= int(qr_util.length_in_bits(qr_util.MODE_8BIT_BYTE, version))
    return bits // 8


def _payload_capacity(version: int, ecc: str) -> int:
    chars = alphanumeric_capacity(version, ecc) - len(PREFIX)
    return 2 * (chars // 3) + (1 if chars % 3 == 2 else 0)


def frame_capacity(version: int, ecc: str = "M") -> int:
    """Bundle bytes one frame carries at this QR version, after prefix, header and CRC.

    Raises:
        ValueError: the version or level is unknown, or the code is too small for a frame.
    """
    fragment = _payload_capacity(version, ecc) - OVERHEAD
    if fragment < 1:
        raise ValueError(f"QR version {version} at level {ecc} is too small to carry a frame")
    return fragment


def fragment_count(bundle_length: int, fragment_size: int) -> int:
    """K: how many fragments a bundle of this length splits into (an empty bundle has one)."""
    return max(1, math.ceil(bundle_length / fragment_size))


def splitmix64(state: int) -> Iterator[int]:
    """Vigna's splitmix64 from a 64-bit seed: the PRNG the frame format specifies."""
    while True:
        state = (state + _GAMMA) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & _MASK64
        yield z ^ (z >> 31)


def fragment_mask(transfer_id: bytes, seq: int, k: int) -> int:
    """Which source fragments frame `seq` XORs together, as a K-bit set (bit i = fragment i).

    Source frames (seq < K) hold one fragment. Later frames take each fragment with probability
    one half from splitmix64 seeded with (transfer id << 32 | seq); an empty draw falls back to
    fragment seq mod K so that no frame is wasted.
    """
    if seq < k:
        return 1 << seq
    words = splitmix64(int.from_bytes(transfer_id, "big") << 32 | seq)
    mask = 0
    for index in range((k + 63) // 64):
        mask |= next(words) << (64 * index)
    mask &= (1 << k) - 1
    return mask or 1 << (seq % k)


def _whitening(header: bytes, size: int) -> int:
    # qrcode 8.2 crashes on an all-zero Reed-Solomon block (glog(0)), and a zero-padded last
    # fragment makes one; XOR with SHAKE128 of the header means that never happens in practice.
    return int.from_bytes(hashlib.shake_128(header).digest(size), "big")


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class Frame(NamedTuple):
    """One parsed frame: who it belongs to, where it sits, and its fragment bytes."""

    transfer_id: bytes
    bundle_length: int
    k: int
    seq: int
    fragment: bytes


def parse_frame(text: str) -> Frame:
    """Check and unpack one frame text as a scanner delivered it (a trailing newline is ignored).

    Raises:
        FrameError: not one of our frames, bad base45, CRC mismatch, unknown format version,
            or a fragment count that does not match the bundle length.
    """
    text = text.rstrip("\r\n")
    if not text.startswith(PREFIX):
        raise FrameError(f"not a kiosk QR frame: it does not start with {PREFIX!r}")
    try:
        payload = base45.decode(text[len(PREFIX) :])
    except ValueError as error:
        raise FrameError(f"frame is damaged: {error}") from None
    if len(payload) < OVERHEAD + 1:
        raise FrameError(f"frame is too short: {len(payload)} bytes, at least {OVERHEAD + 1}")
    body, (crc,) = payload[: -CRC.size], CRC.unpack(payload[-CRC.size :])
    if zlib.crc32(body) != crc:
        raise FrameError("frame is damaged: its CRC32 does not match (misread or cut off)")
    header = body[: HEADER.size]
    version, transfer_id, length, k, seq = HEADER.unpack(header)
    if version != FORMAT_VERSION:
        raise FrameError(
            f"frame has format version {version}; this kiosk reads version {FORMAT_VERSION}"
        )
    size = len(body) - HEADER.size
    whitened = int.from_bytes(body[HEADER.size :], "big")
    fragment = (whitened ^ _whitening(header, size)).to_bytes(size, "big")
    expected_k = fragment_count(length, len(fragment))
    if expected_k > MAX_FRAGMENTS:
        raise FrameError(
            f"frame describes {expected_k} fragments; at most {MAX_FRAGMENTS} are supported"
        )
    if k != expected_k:
        raise FrameError(
            f"frame is inconsistent: {length} bytes in {len(fragment)}-byte fragments "
            f"make {expected_k} fragments, but it says {k}"
        )
    return Frame(transfer_id, length, k, seq, fragment)


class FrameStream:
    """The endless frame sequence of one bundle; frame(seq) works for any seq in any order."""

    def __init__(self, bundle: bytes, fragment_size: int, transfer_id: bytes) -> None:
        """Split the bundle into zero-padded fragments of `fragment_size` bytes."""
        self.transfer_id = transfer_id
        self.bundle_length = len(bundle)
        self.fragment_size = fragment_size
        self.k = fragment_count(len(bundle), fragment_size)
        padded = bundle.ljust(self.k * fragment_size, b"\0")
        self._fragments = [
            int.from_bytes(padded[i : i + fragment_size], "big")
            for i in range(0, len(padded), fragment_size)
        ]

    def frame(self, seq: int) -> str:
        """The frame text for sequence number `seq` (0..K-1 source, then fountain-coded)."""
        if not 0 <= seq <= MAX_SEQUENCE:
            raise ValueError(f"frame sequence number {seq} is outside 0..{MAX_SEQUENCE}")
        if seq < self.k:
            data = self._fragments[seq]
        else:
            data = 0
            for index in _bits(fragment_mask(self.transfer_id, seq, self.k)):
                data ^= self._fragments[index]
        header = HEADER.pack(FORMAT_VERSION, self.transfer_id, self.bundle_length, self.k, seq)
        data ^= _whitening(header, self.fragment_size)
        body = header + data.to_bytes(self.fragment_size, "big")
        return PREFIX + base45.encode(body + CRC.pack(zlib.crc32(body)))

    def __iter__(self) -> Iterator[str]:
        """Frames 0, 1, 2, … for as long as the receiver needs them."""
        return (self.frame(seq) for seq in range(MAX_SEQUENCE + 1))


def encode_frames(
    bundle: bytes, *, version: int, ecc: str = "M", transfer_id: bytes | None = None
) -> FrameStream:
    """Frames that each fill one QR code of `version` at level `ecc` in alphanumeric mode.

    Args:
        bundle: the export bundle's bytes.
        version: the QR version every frame is drawn at (see qrrender.fit_version).
        ecc: QR error correction level.
        transfer_id: 4 bytes naming this transfer; random when not given.
    """
    fragment_size = frame_capacity(version, ecc)
    if len(bundle) > MAX_BUNDLE or fragment_count(len(bundle), fragment_size) > MAX_FRAGMENTS:
        raise ValueError(
            f"bundle of {len(bundle)} bytes is too large for QR transfer at version {version}"
        )
    if transfer_id is None:
        transfer_id = secrets.token_bytes(TRANSFER_ID_SIZE)
    if len(transfer_id) != TRANSFER_ID_SIZE:
        raise ValueError(f"transfer id must be {TRANSFER_ID_SIZE} bytes, not {len(transfer_id)}")
    return FrameStream(bundle, fragment_size, transfer_id)


class FrameDecoder:
    """Rebuilds one bundle from frame texts in any order, with any frames missing or repeated.

    Each frame is a linear equation over GF(2) on the K fragments; the decoder keeps them in
    echelon form as they arrive and solves once K are independent.
    """

    def __init__(self) -> None:
        """Start empty; the first valid frame fixes the transfer."""
        self._reset()

    def _reset(self) -> None:
        self._first: Frame | None = None
        self._rows: dict[int, tuple[int, int]] = {}
        self._seen: set[int] = set()
        self._result: bytes | None = None

    @property
    def transfer_id(self) -> bytes | None:
        """The transfer being collected, once a frame has arrived."""
        return self._first.transfer_id if self._first else None

    @property
    def is_complete(self) -> bool:
        """Whether the whole bundle has been rebuilt."""
        return self._result is not None

    @property
    def progress(self) -> Progress:
        """Frames accepted, independent frames among them, and the K independent ones needed."""
        needed = self._first.k if self._first else 0
        useful = needed if self._result is not None else len(self._rows)
        return Progress(len(self._seen), useful, needed)

    def add(self, text: str) -> bool:
        """Take one frame text; True once the bundle is complete (repeats are harmless).

        Raises:
            FrameError: the frame is damaged, foreign, from another transfer, or contradicts
                what this transfer's other frames said; the decoder's state is then unchanged.
                Also when the K-th independent frame solves to a bundle with non-zero
                padding: the frames were inconsistent, so the decoder starts over empty
                (the next frame may begin a transfer again).
        """
        frame = parse_frame(text)
        first = self._first
        if first is None:
            self._first = first = frame
        elif frame.transfer_id != first.transfer_id:
            raise FrameError(
                f"frame belongs to another transfer ({frame.transfer_id.hex()}); "
                f"this import is collecting transfer {first.transfer_id.hex()}"
            )
        elif (frame.bundle_length, frame.k, len(frame.fragment)) != (
            first.bundle_length,
            first.k,
            len(first.fragment),
        ):
            raise FrameError(
                f"frame {frame.seq} of transfer {first.transfer_id.hex()} disagrees with "
                f"earlier frames on the bundle length, fragment count or fragment size"
            )
        if self._result is not None or frame.seq in self._seen:
            return self._result is not None
        self._insert(frame)
        self._seen.add(frame.seq)
        if len(self._rows) == first.k:
            self._result = self._solve(first)
        return self._result is not None

    def _insert(self, frame: Frame) -> None:
        mask = fragment_mask(frame.transfer_id, frame.seq, frame.k)
        data = int.from_bytes(frame.fragment, "big")
        while mask:
            pivot = (mask & -mask).bit_length() - 1
            row = self._rows.get(pivot)
            if row is None:
                self._rows[pivot] = (mask, data)
                return
            mask ^= row[0]
            data ^= row[1]
        if data:
            raise FrameError(
                f"frame {frame.seq} contradicts frames already received for transfer "
                f"{frame.transfer_id.hex()}"
            )

    def _solve(self, first: Frame) -> bytes:
        size = len(first.fragment)
        solved = [0] * first.k
        for pivot in range(first.k - 1, -1, -1):
            mask, data = self._rows[pivot]
            for index in _bits(mask ^ (1 << pivot)):
                data ^= solved[index]
            solved[pivot] = data
        self._rows.clear()
        whole = b"".join(value.to_bytes(size, "big") for value in solved)
        if any(whole[first.bundle_length :]):
            self._reset()
            raise FrameError(
                f"transfer {first.transfer_id.hex()} decoded with non-zero padding; "
                "its frames were inconsistent, so the import starts over"
            )
        return whole[: first.bundle_length]

    def result(self) -> bytes:
        """The rebuilt bundle; only call once is_complete is True."""
        if self._result is None:
            useful, needed = len(self._rows), self._first.k if self._first else 0
            raise RuntimeError(f"bundle is not complete yet: {useful} of {needed} fragments")
        return self._result
