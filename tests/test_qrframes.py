"""The QR frame codec: capacity, byte-exact round trips under loss, and hostile frames."""

from __future__ import annotations

import hashlib
import random
import statistics
import zlib

import pytest
import qrcode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qrcode import util as qr_util

from kiosk import base45
from kiosk.qrframes import (
    CRC,
    ECC_LEVELS,
    FORMAT_VERSION,
    HEADER,
    PREFIX,
    FrameDecoder,
    FrameError,
    FrameStream,
    alphanumeric_capacity,
    binary_capacity,
    encode_frames,
    fragment_mask,
    frame_capacity,
    parse_frame,
    splitmix64,
)

TID = bytes.fromhex("c0ffee01")
OTHER_TID = bytes.fromhex("0badf00d")


def make_frame(
    *,
    fragment: bytes,
    seq: int = 0,
    length: int | None = None,
    k: int = 1,
    version: int = FORMAT_VERSION,
    transfer_id: bytes = TID,
) -> str:
    """A frame with a valid CRC, built by hand so tests can say what the encoder never does."""
    length = len(fragment) if length is None else length
    header = HEADER.pack(version, transfer_id, length, k, seq)
    whitening = hashlib.shake_128(header).digest(len(fragment))
    body = header + bytes(a ^ b for a, b in zip(fragment, whitening, strict=True))
    return PREFIX + base45.encode(body + CRC.pack(zlib.crc32(body)))


def frames_needed(k: int, loss: float, seed: int) -> int:
    """Frames sent until a receiver that loses `loss` of them at random has the bundle."""
    rnd = random.Random(seed)
    fragment_size = 32
    bundle = rnd.randbytes(k * fragment_size - rnd.randrange(fragment_size))
    stream = FrameStream(bundle, fragment_size, rnd.randbytes(4))
    decoder = FrameDecoder()
    for seq in range(20 * k + 20):
        if rnd.random() >= loss and decoder.add(stream.frame(seq)):
            assert decoder.result() == bundle
            return seq + 1
    raise AssertionError(f"K={k} seed={seed}: not complete after {20 * k + 20} frames")


def decode_all(frames: list[str]) -> bytes:
    decoder = FrameDecoder()
    for text in frames:
        if decoder.add(text):
            return decoder.result()
    raise AssertionError(f"incomplete after {len(frames)} frames: {decoder.progress}")


def test_prng_and_masks_match_the_documented_vectors() -> None:
    generator = splitmix64(0)  # Vigna's reference outputs for seed 0
    assert next(generator) == 0xE220_A839_7B1D_CDAF
    assert next(generator) == 0x6E78_9E6A_A1B9_65F4
    assert fragment_mask(TID, 3, 10) == 1 << 3
    assert fragment_mask(TID, 10, 10) == 0b10_0010_1000
    assert fragment_mask(TID, 100, 100) == 0xF_9A96_38D6_73C5_9322_9388_2F61
    assert fragment_mask(TID, 7, 1) == 1


DOCUMENTED_FRAMES = {  # docs/qr-transfer.md: "Trivselskiosk", 4-byte fragments, id c0ffee01
    3: "TK:/90/FWV50000/S1000YM0000*J02AC%WAA7535",
    4: "TK:/90/FWV50000/S1000YM00006N04$Q40O1W2A2",
    5: "TK:/90/FWV50000/S1000YM0000*U0RIKUVG/I8A3",
    6: "TK:/90/FWV50000/S1000YM00003*0DCJ*.G$28U1",
}


def test_documented_frames_are_what_the_encoder_makes_and_decode() -> None:
    stream = FrameStream(b"Trivselskiosk", 4, TID)
    assert {seq: stream.frame(seq) for seq in DOCUMENTED_FRAMES} == DOCUMENTED_FRAMES
    assert [fragment_mask(TID, seq, 4) for seq in DOCUMENTED_FRAMES] == [8, 1, 2, 6]
    assert decode_all(list(DOCUMENTED_FRAMES.values())) == b"Trivselskiosk"


@pytest.mark.parametrize("version", [5, 10, 13, 23, 30, 40])
def test_frames_fill_the_alphanumeric_capacity(version: int) -> None:
    stream = encode_frames(b"x" * 5000, version=version, transfer_id=TID)
    text = stream.frame(stream.k + 3)
    assert len(text) in (alphanumeric_capacity(version), alphanumeric_capacity(version) - 1)
    assert stream.fragment_size == frame_capacity(version)
    carried, binary = frame_capacity(version), binary_capacity(version)
    print(f"v{version}: {carried} of {binary} bytes ({carried / binary:.1%})")
    if version >= 13:
        assert carried / binary >= 0.85


@pytest.mark.parametrize("version", [13, 23])
def test_frames_encode_at_exactly_that_version_in_alphanumeric_mode(version: int) -> None:
    text = encode_frames(bytes(range(256)) * 20, version=version).frame(0)
    # More characters than byte mode could hold: only alphanumeric mode can fit them.
    assert len(text) > binary_capacity(version)
    data = qr_util.QRData(text.encode("ascii"))
    assert data.mode == qr_util.MODE_ALPHA_NUM
    code = qrcode.QRCode(error_correction=ECC_LEVELS["M"])
    code.add_data(data)
    assert code.best_fit() == version


def test_capacity_errors_name_the_version() -> None:
    with pytest.raises(ValueError, match="version 1 at level M is too small"):
        frame_capacity(1)
    with pytest.raises(ValueError, match="version 41 does not exist"):
        frame_capacity(41)
    with pytest.raises(ValueError, match="level 'X'"):
        frame_capacity(10, "X")
    with pytest.raises(ValueError, match="too large for QR transfer at version 2"):
        encode_frames(bytes(3_000_000), version=2)
    with pytest.raises(ValueError, match="transfer id must be 4 bytes"):
        encode_frames(b"x", version=10, transfer_id=b"abc")


@pytest.mark.parametrize("size", [0, 1, 1200, 30_000])
def test_round_trip_is_byte_identical(size: int) -> None:
    bundle = random.Random(size).randbytes(size)
    stream = encode_frames(bundle, version=10)
    frames = [stream.frame(seq) for seq in range(stream.k)]
    assert decode_all(frames) == bundle


def test_five_thousand_records_at_v40_with_a_few_frames_lost() -> None:
    bundle = random.Random(5000).randbytes(5000 * 1500)
    stream = encode_frames(bundle, version=40)
    lost = set(random.Random(1).sample(range(stream.k), stream.k // 100))
    frames = [stream.frame(seq) for seq in range(stream.k) if seq not in lost]
    frames += [stream.frame(seq) for seq in range(stream.k, stream.k + len(lost) + 20)]
    assert decode_all(frames) == bundle


def test_twenty_percent_lost_at_random_still_decodes() -> None:
    rnd = random.Random(20)
    bundle = rnd.randbytes(20_000)
    stream = encode_frames(bundle, version=8)
    frames = [stream.frame(seq) for seq in range(3 * stream.k) if rnd.random() >= 0.2]
    rnd.shuffle(frames)
    assert decode_all(frames) == bundle


def test_no_source_frames_at_all_still_decodes() -> None:
    stream = encode_frames(b"only fountain frames " * 50, version=6)
    frames = [stream.frame(seq) for seq in range(stream.k, stream.k * 3 + 20)]
    assert decode_all(frames) == b"only fountain frames " * 50


def test_frames_needed_with_twenty_percent_loss() -> None:
    means = {}
    for k in (5, 10, 30, 100):
        means[k] = statistics.mean(frames_needed(k, 0.2, seed) for seed in range(200)) / k
        print(f"K={k}: mean frames sent until whole with 20% lost = {means[k]:.3f} K")
    assert means[100] <= 1.3


def test_progress_counts_frames_and_independent_ones() -> None:
    stream = encode_frames(bytes(500), version=5, transfer_id=TID)
    decoder = FrameDecoder()
    assert decoder.progress == (0, 0, 0)
    decoder.add(stream.frame(1))
    decoder.add(stream.frame(1))
    assert decoder.progress == (1, 1, stream.k)
    assert decoder.transfer_id == TID
    assert not decoder.is_complete
    with pytest.raises(RuntimeError, match="not complete yet: 1 of"):
        decoder.result()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("HELLO", "does not start with 'TK:'"),
        ("TK:abc", "invalid base45 character 'a'"),
        ("TK:BB8", "frame is too short"),
        (make_frame(fragment=b"data")[:-3] + "000", "CRC32 does not match"),
        (make_frame(fragment=b"data", version=2), "format version 2"),
        (make_frame(fragment=b"data", k=2), "make 1 fragments, but it says 2"),
        (make_frame(fragment=b"d", length=2**32 - 1, k=2**32 - 1), "at most 1048576"),
    ],
)
def test_bad_frames_are_rejected_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        parse_frame(text)
    decoder = FrameDecoder()
    with pytest.raises(FrameError):
        decoder.add(text)
    assert decoder.progress == (0, 0, 0)


def test_a_frame_from_another_transfer_is_rejected() -> None:
    decoder = FrameDecoder()
    decoder.add(make_frame(fragment=b"ab", length=4, k=2))
    with pytest.raises(FrameError, match="frame belongs to another transfer"):
        decoder.add(make_frame(fragment=b"cd", length=4, k=2, seq=1, transfer_id=OTHER_TID))
    with pytest.raises(FrameError, match="disagrees with earlier frames"):
        decoder.add(make_frame(fragment=b"cd", length=3, k=2, seq=1))
    assert decoder.add(make_frame(fragment=b"cd", length=4, k=2, seq=1))
    assert decoder.result() == b"abcd"


def test_a_contradicting_frame_is_rejected_and_changes_nothing() -> None:
    seq = next(seq for seq in range(3, 100) if fragment_mask(TID, seq, 3) == 0b011)
    decoder = FrameDecoder()
    decoder.add(make_frame(fragment=b"ab", length=6, k=3))
    decoder.add(make_frame(fragment=b"cd", length=6, k=3, seq=1))
    # A valid CRC, but its XOR of fragments 0 and 1 disagrees with those already held.
    with pytest.raises(FrameError, match=f"frame {seq} contradicts"):
        decoder.add(make_frame(fragment=b"zz", length=6, k=3, seq=seq))
    assert decoder.progress == (2, 2, 3)
    assert decoder.add(make_frame(fragment=b"ef", length=6, k=3, seq=2))
    assert decoder.result() == b"abcdef"


def test_non_zero_padding_is_never_returned_as_a_bundle() -> None:
    decoder = FrameDecoder()
    decoder.add(make_frame(fragment=b"ab", length=3, k=2))
    with pytest.raises(FrameError, match="non-zero padding"):
        decoder.add(make_frame(fragment=b"c!", length=3, k=2, seq=1))
    assert not decoder.is_complete
    assert decoder.progress == (0, 0, 0)


BUNDLE = random.Random(7).randbytes(700)
STREAM = encode_frames(BUNDLE, version=5, transfer_id=TID)
REAL = [STREAM.frame(seq) for seq in range(3 * STREAM.k)]
FOREIGN = encode_frames(BUNDLE, version=5, transfer_id=OTHER_TID)


@st.composite
def hostile_frames(draw: st.DrawFn) -> str:
    """Garbage, cut, flipped, re-versioned or foreign frames, or a real one."""
    real = draw(st.sampled_from(REAL))
    payload = base45.decode(real[len(PREFIX) :])
    kind = draw(st.sampled_from(["real", "garbage", "cut", "flip", "char", "version", "foreign"]))
    if kind == "garbage":
        return draw(st.text(max_size=80) | st.text(alphabet=base45.ALPHABET, max_size=200))
    if kind == "cut":
        return real[: draw(st.integers(0, len(real) - 1))]
    if kind == "flip":
        position = draw(st.integers(0, len(payload) * 8 - 1))
        flipped = int.from_bytes(payload, "big") ^ (1 << position)
        return PREFIX + base45.encode(flipped.to_bytes(len(payload), "big"))
    if kind == "char":
        position = draw(st.integers(len(PREFIX), len(real) - 1))
        char = draw(st.sampled_from(base45.ALPHABET).filter(lambda c: c != real[position]))
        return real[:position] + char + real[position + 1 :]
    if kind == "version":
        body = bytes([draw(st.integers(2, 255))]) + payload[1 : -CRC.size]
        return PREFIX + base45.encode(body + CRC.pack(zlib.crc32(body)))
    if kind == "foreign":
        return FOREIGN.frame(draw(st.integers(0, 3 * STREAM.k)))
    return real


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_frames(), min_size=1, max_size=60))
def test_hostile_frames_raise_frame_error_and_never_a_wrong_bundle(frames: list[str]) -> None:
    decoder = FrameDecoder()
    for text in [REAL[0], *frames, *REAL]:
        try:
            decoder.add(text)
        except FrameError as error:
            assert str(error)
    assert decoder.is_complete
    assert decoder.result() == BUNDLE
