"""The export bundle format and receipt codes: round trips, and every kind of damage refused."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import struct
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.bundle import (
    DIGEST_BYTES,
    MAGIC,
    MAX_BUNDLE_BYTES,
    Bundle,
    BundleError,
    read_bundle,
    read_bundle_file,
    write_bundle,
)
from kiosk.receipts import (
    CHALLENGE_BYTES,
    EXAMPLE_CODE,
    RECEIPT_ALPHABET,
    ChallengeError,
    ReceiptError,
    check_of,
    legacy_code,
    open_challenge,
    parse_receipt_code,
)
from kiosk.sealing import generate_private_key, public_key_of

PRIVATE = generate_private_key()
PUBLIC = public_key_of(PRIVATE)
FINGERPRINT = PUBLIC.fingerprint()
DAY = date(2026, 3, 2)
SEALED_SIZE = 305


def make_records(count: int, size: int = 60) -> list[tuple[bytes, bytes]]:
    """Stand-ins for sealed records: random bytes after a version byte, as a kiosk's start."""
    return [(os.urandom(16), b"\x02" + os.urandom(size - 1)) for _ in range(count)]


def bundle_of(records: list[tuple[bytes, bytes]]) -> bytes:
    return write_bundle(
        records,
        kiosk_id="a1b2c3d4e5f60718",
        site="Ærø Plejehjem",
        public_key=PUBLIC,
        created=DAY,
    ).data


def receipt_of(data: bytes) -> str:
    """The code kiosk-admin prints: the bundle's challenge opened with the private key."""
    bundle = read_bundle(data)
    return open_challenge(PRIVATE, bundle.bound, bundle.challenge)


def v1_bundle(records: list[tuple[bytes, bytes]], header: dict[str, object]) -> bytes:
    """A format-1 bundle, written from docs/formats.md (old kiosks wrote these)."""
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body = MAGIC + b"\x01" + struct.pack(">I", len(raw)) + raw
    for rid, sealed in records:
        body += rid + struct.pack(">I", len(sealed)) + sealed
    return body + hashlib.sha256(body).digest()


def resealed(body: bytes) -> bytes:
    """A body with a correct trailer, as a buggy or hostile writer would produce."""
    return body + hashlib.sha256(body).digest()


def split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """Preamble (magic, version, header length), header, rest of the body (records)."""
    (length,) = struct.unpack_from(">I", data, len(MAGIC) + 1)
    start = len(MAGIC) + 5
    body = data[:-DIGEST_BYTES]
    return body[:start], body[start : start + length], body[start + length :]


def with_header(data: bytes, header: object, *, raw: bytes | None = None) -> bytes:
    preamble, _, records = split(data)
    encoded = raw if raw is not None else json.dumps(header, separators=(",", ":")).encode()
    return resealed(preamble[:-4] + struct.pack(">I", len(encoded)) + encoded + records)


def test_round_trip_keeps_every_field_and_record() -> None:
    records = make_records(5)
    data = bundle_of(records)
    bundle = read_bundle(data)
    assert isinstance(bundle, Bundle)
    assert (bundle.kiosk_id, bundle.site, bundle.created) == (
        "a1b2c3d4e5f60718",
        "Ærø Plejehjem",
        DAY,
    )
    assert (bundle.count, bundle.fingerprint, bundle.format_version) == (5, FINGERPRINT, 2)
    assert len(bundle.bundle_id) == 32
    assert sorted(bundle.records) == sorted(records)
    assert bundle.digest == hashlib.sha256(data[:-DIGEST_BYTES]).digest()
    assert bundle.sha256 == hashlib.sha256(data).digest()
    assert len(bundle.challenge) == CHALLENGE_BYTES


def test_round_trip_of_one_and_of_five_thousand_records() -> None:
    one = make_records(1)
    assert list(read_bundle(bundle_of(one)).records) == one
    many = make_records(5000, SEALED_SIZE)
    bundle = read_bundle(bundle_of(many))
    assert bundle.count == 5000
    assert set(bundle.records) == set(many)


def test_the_header_holds_only_what_the_design_lists() -> None:
    _, header, _ = split(bundle_of(make_records(2)))
    assert json.loads(header).keys() == {
        "format",
        "kiosk_id",
        "site",
        "bundle_id",
        "created",
        "count",
        "fingerprint",
    }
    assert json.loads(header)["created"] == "2026-03-02"


def test_bundle_ids_are_random() -> None:
    records = make_records(1)
    assert read_bundle(bundle_of(records)).bundle_id != read_bundle(bundle_of(records)).bundle_id


def test_order_is_shuffled_not_insertion_order() -> None:
    records = make_records(20)
    orders = [[rid for rid, _ in read_bundle(bundle_of(records)).records] for _ in range(5)]
    inserted = [rid for rid, _ in records]
    # Twenty records stay in order by chance once in 20! (about 2.4e18) bundles.
    assert all(order != inserted for order in orders)
    assert len({tuple(order) for order in orders}) == 5
    # Position is not tied to insertion: the first record lands all over the bundle.
    landing = {
        [rid for rid, _ in read_bundle(bundle_of(records)).records].index(inserted[0])
        for _ in range(40)
    }
    assert len(landing) >= 8


def test_every_truncation_is_refused() -> None:
    data = bundle_of(make_records(3))
    for cut in range(len(data)):
        with pytest.raises(BundleError):
            read_bundle(data[:cut])


def test_truncation_says_the_file_is_incomplete() -> None:
    data = bundle_of(make_records(3))
    for cut in (3, 12, len(data) // 2, len(data) - DIGEST_BYTES, len(data) - 1):
        with pytest.raises(BundleError, match="incomplete"):
            read_bundle(data[:cut])


def test_every_bit_flip_in_a_small_bundle_is_refused() -> None:
    data = bundle_of(make_records(2, 24))
    for position in range(len(data)):
        for bit in range(8):
            damaged = bytearray(data)
            damaged[position] ^= 1 << bit
            with pytest.raises(BundleError):
                read_bundle(bytes(damaged))


def test_random_bit_flips_in_a_larger_bundle_say_damaged() -> None:
    data = bundle_of(make_records(50, SEALED_SIZE))
    rng = random.Random(7)
    _, header, _ = split(data)
    records_start = len(MAGIC) + 5 + len(header)
    for _ in range(200):
        damaged = bytearray(data)
        # Inside a sealed record's bytes or the trailer, a flip changes no structure.
        position = rng.randrange(records_start, len(data))
        damaged[position] ^= 1 << rng.randrange(8)
        with pytest.raises(BundleError):
            read_bundle(bytes(damaged))
    sealed_byte = records_start + 16 + 4 + 10
    damaged = bytearray(data)
    damaged[sealed_byte] ^= 0x01
    with pytest.raises(BundleError, match="damaged: its checksum does not match"):
        read_bundle(bytes(damaged))


def test_not_a_bundle() -> None:
    with pytest.raises(BundleError, match="not a Trivselskiosk export bundle"):
        read_bundle(b"PK\x03\x04 a zip file, not a bundle at all......................")
    with pytest.raises(BundleError, match="empty"):
        read_bundle(b"")


def test_a_line_ending_conversion_is_caught_by_the_signature() -> None:
    data = bundle_of(make_records(1))
    with pytest.raises(BundleError, match="not a Trivselskiosk"):
        read_bundle(data.replace(b"\r\n", b"\n", 1))


def test_unsupported_version_names_it() -> None:
    data = bytearray(bundle_of(make_records(1)))
    data[len(MAGIC)] = 7
    with pytest.raises(BundleError, match=r"format version 7.*a newer kiosk wrote it"):
        read_bundle(bytes(data))


def test_version_0_is_not_called_newer() -> None:
    data = bytearray(bundle_of(make_records(1)))
    data[len(MAGIC)] = 0
    with pytest.raises(BundleError, match="not a bundle any kiosk writes") as refused:
        read_bundle(bytes(data))
    assert "newer" not in str(refused.value)


def test_a_flipped_length_field_says_damaged_not_a_huge_size() -> None:
    """A bit flip in an entry's length is damage; it must not ask for gigabytes."""
    data = bundle_of(make_records(3, SEALED_SIZE))
    _, header, _ = split(data)
    first_length = len(MAGIC) + 5 + len(header) + CHALLENGE_BYTES + 16
    for bit in range(32):
        damaged = bytearray(data)
        damaged[first_length + bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(BundleError) as refused:
            read_bundle(bytes(damaged))
        message = str(refused.value)
        assert "damaged" in message or "incomplete" in message
        assert not re.search(r"\d{6,}", message.replace(",", "")), message


def test_trailing_garbage_is_named() -> None:
    data = bundle_of(make_records(2))
    with pytest.raises(BundleError, match="12 unexpected bytes after the end"):
        read_bundle(data + b"x" * 12)


def test_a_record_count_that_does_not_match_is_refused() -> None:
    data = bundle_of(make_records(3))
    _, header, _ = split(data)
    fields = json.loads(header)
    fields["count"] = 4
    raw = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    with pytest.raises(BundleError, match="says 4 records, but it holds 3"):
        read_bundle(with_header(data, None, raw=raw))


def test_duplicate_record_ids_are_refused() -> None:
    record = make_records(1)[0]
    data = bundle_of([record])
    preamble, header, rest = split(data)
    challenge, records = rest[:CHALLENGE_BYTES], rest[CHALLENGE_BYTES:]
    fields = json.loads(header)
    fields["count"] = 2
    raw = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body = preamble[:-4] + struct.pack(">I", len(raw)) + raw + challenge + records + records
    with pytest.raises(BundleError, match="more than once"):
        read_bundle(resealed(body))
    with pytest.raises(BundleError, match="listed twice"):
        bundle_of([record, record])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": "3"}, "'count'"),
        ({"count": True}, "'count'"),
        ({"format": 1}, "'format'"),
        ({"site": ""}, "'site'"),
        ({"site": "Afd.\x1b]0;owned\x07"}, "'site'"),
        ({"site": "Afd.\u202e3"}, "'site'"),
        ({"kiosk_id": 5}, "'kiosk_id'"),
        ({"kiosk_id": "\x1b[2J\x1b[31mkiosk"}, "'kiosk_id'"),
        ({"kiosk_id": "A1B2C3D4E5F60718"}, "'kiosk_id'"),
        ({"kiosk_id": "a1b2c3d4e5f6071"}, "'kiosk_id'"),
        ({"bundle_id": "xyz"}, "'bundle_id'"),
        ({"fingerprint": "nope"}, "'fingerprint'"),
        ({"created": "2026-02-30"}, "'created'"),
        ({"created": "2026-03-02T10:00"}, "'created'"),
        ({"extra": 1}, "unexpected \\['extra'\\]"),
    ],
)
def test_a_malformed_header_is_refused_by_name(change: dict[str, object], message: str) -> None:
    data = bundle_of(make_records(3))
    _, header, _ = split(data)
    fields = json.loads(header) | change
    raw = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    with pytest.raises(BundleError, match=message):
        read_bundle(with_header(data, None, raw=raw))


@pytest.mark.parametrize(
    "raw",
    [b"[]", b"{", b"\xff\xfe", b'{"count":NaN}', b'{"a":1,"a":1}', b"", b" {}"],
)
def test_header_that_is_not_a_json_object_is_refused(raw: bytes) -> None:
    data = bundle_of(make_records(1))
    with pytest.raises(BundleError, match="header is malformed"):
        read_bundle(with_header(data, None, raw=raw))


def test_a_non_canonical_header_is_refused() -> None:
    data = bundle_of(make_records(1))
    _, header, _ = split(data)
    raw = json.dumps(json.loads(header), indent=1, sort_keys=True, ensure_ascii=False).encode()
    with pytest.raises(BundleError, match="canonical"):
        read_bundle(with_header(data, None, raw=raw))


def test_an_empty_record_is_refused() -> None:
    data = bundle_of(make_records(1))
    preamble, header, rest = split(data)
    body = preamble + header + rest[: CHALLENGE_BYTES + 16] + struct.pack(">I", 0)
    with pytest.raises(BundleError, match="record 1 is malformed"):
        read_bundle(resealed(body))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=600))
def test_fuzzed_garbage_raises_only_bundle_error(data: bytes) -> None:
    with pytest.raises(BundleError):
        read_bundle(data)
    with pytest.raises(BundleError):
        read_bundle(MAGIC + b"\x01" + data)


FUZZ_BASE = bundle_of(make_records(3, 40))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(FUZZ_BASE) - 1),
    st.binary(min_size=1, max_size=8),
    st.booleans(),
)
def test_fuzzed_edits_of_a_real_bundle_raise_only_bundle_error(
    position: int, patch: bytes, truncate: bool
) -> None:
    edited = FUZZ_BASE[:position] + patch + FUZZ_BASE[position + len(patch) :]
    if truncate:
        edited = edited[: position + 1]
    if edited == FUZZ_BASE:
        assert read_bundle(edited).count == 3
        return
    with pytest.raises(BundleError):
        read_bundle(edited)


def test_receipt_code_round_trip_and_forgiving_typing() -> None:
    data = bundle_of(make_records(2))
    code = receipt_of(data)
    assert len(code) == 12 and code[4] == "-" and code[9] == "-"
    assert all(ch in RECEIPT_ALPHABET for ch in code.replace("-", ""))
    assert parse_receipt_code(code) == code
    assert parse_receipt_code(f"  {code.lower().replace('-', ' ')} ") == code
    assert parse_receipt_code(code.replace("-", "")) == code
    assert receipt_of(data) == code
    assert receipt_of(bundle_of(make_records(2))) != code


def test_the_kiosk_keeps_only_a_check_that_the_key_holders_code_matches() -> None:
    records = make_records(2)
    written = write_bundle(
        records, kiosk_id="a1b2c3d4e5f60718", site="S", public_key=PUBLIC, created=DAY
    )
    code = receipt_of(written.data)
    assert check_of(code) == written.receipt_check
    # What a copy of the stick gives, without the key: the old code, or anything else.
    assert check_of(legacy_code(hashlib.sha256(written.data).digest())) != written.receipt_check
    assert code.encode() not in written.data and code.replace("-", "").encode() not in written.data


def test_the_challenge_opens_only_with_the_key_and_the_unchanged_contents() -> None:
    data = bundle_of(make_records(3))
    bundle = read_bundle(data)
    with pytest.raises(ChallengeError, match="does not open"):
        open_challenge(generate_private_key(), bundle.bound, bundle.challenge)
    with pytest.raises(ChallengeError):
        open_challenge(PRIVATE, hashlib.sha256(b"other contents").digest(), bundle.challenge)
    # A header edited by someone who recomputes the trailer: the bundle reads, but no code.
    _, header, _ = split(data)
    fields = json.loads(header) | {"site": "Other site"}
    raw = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    edited = read_bundle(with_header(data, None, raw=raw))
    assert edited.site == "Other site"
    with pytest.raises(ChallengeError):
        open_challenge(PRIVATE, edited.bound, edited.challenge)
    # Records dropped from it: no code either.
    fewer = read_bundle(bundle_of(make_records(1)))
    with pytest.raises(ChallengeError):
        open_challenge(PRIVATE, fewer.bound, bundle.challenge)


def test_the_example_code_in_messages_and_docs_is_valid() -> None:
    assert parse_receipt_code(EXAMPLE_CODE) == EXAMPLE_CODE
    root = Path(__file__).resolve().parent.parent
    texts = [
        (root / name).read_text(encoding="utf-8")
        for name in ("README.md", "docs/formats.md", "config/texts.toml", "kiosk/cli/__init__.py")
    ]
    examples = {
        code
        for text in texts
        for code in re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}\b", text)
        if code != "XXXX-XXXX-XX"  # the form, not a code
    }
    assert EXAMPLE_CODE in examples
    for code in examples:
        parse_receipt_code(code)


def test_confusable_letters_are_read_as_digits() -> None:
    codes = (receipt_of(bundle_of(make_records(1))) for _ in range(200))
    code = next(c for c in codes if "0" in c and "1" in c)
    typed = code.replace("0", "o", 1).replace("1", "I", 1)
    assert parse_receipt_code(typed) == code
    assert parse_receipt_code(code.replace("1", "l", 1)) == code


def test_every_single_typo_and_neighbour_swap_is_rejected() -> None:
    code = receipt_of(bundle_of(make_records(1)))
    chars = code.replace("-", "")
    for index, original in enumerate(chars):
        for replacement in RECEIPT_ALPHABET:
            if replacement == original:
                continue
            typo = chars[:index] + replacement + chars[index + 1 :]
            with pytest.raises(ReceiptError, match="typo"):
                parse_receipt_code(typo)
    for index in range(len(chars) - 1):
        if chars[index] != chars[index + 1]:
            swapped = chars[:index] + chars[index + 1] + chars[index] + chars[index + 2 :]
            with pytest.raises(ReceiptError, match="typo"):
                parse_receipt_code(swapped)


def test_every_double_typo_is_rejected() -> None:
    chars = receipt_of(bundle_of(make_records(1))).replace("-", "")
    rng = random.Random(3)
    for _ in range(2000):
        first, second = rng.sample(range(len(chars)), 2)
        typo = list(chars)
        for index in (first, second):
            typo[index] = rng.choice(RECEIPT_ALPHABET.replace(chars[index], ""))
        with pytest.raises(ReceiptError, match="typo"):
            parse_receipt_code("".join(typo))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "empty"),
        ("K7QM-2XPA", "has 8"),
        ("K7QM-2XPA-9D4", "has 11"),
        ("K7QM-2XPA-9U", "cannot contain 'U'"),
        ("K7QM#2XPA-9D", "cannot contain '#'"),
    ],
)
def test_malformed_receipt_codes_say_why(typed: str, message: str) -> None:
    with pytest.raises(ReceiptError, match=message):
        parse_receipt_code(typed)


def test_the_format_1_worked_example_in_the_format_doc_still_reads() -> None:
    sealed = bytes.fromhex(
        "01cf9095b26db502e41b819c843e5ee27064051156f534b55efc4b26be174a2f"
        "4dc5c0f4c6eb384f3d254b3f645c7649c584558342622186c528d0d798761b4e"
        "38ba296077c8792f8396d867"
    )
    header = {
        "format": 1,
        "kiosk_id": "3c9e0a51d2f4b867",
        "site": "Testafdeling",
        "bundle_id": "0" * 32,
        "created": DAY.isoformat(),
        "count": 1,
        "fingerprint": "e547 8450 368a 4d62",
    }
    data = v1_bundle([(bytes(range(16)), sealed)], header)
    assert len(data) == 321
    assert data[:13].hex() == "89544b420d0a1a0a01000000b4"
    assert data[193:213].hex() == "000102030405060708090a0b0c0d0e0f0000004c"
    assert data[-32:].hex() == "dacdaed24be734140bd85f750d31fb580d9994dcd15dc774bb57a7b7ab1278f7"
    assert hashlib.sha256(data).hexdigest().startswith("2ff4e8abd9")
    assert legacy_code(hashlib.sha256(data).digest()) == "5ZTE-HAYS-NB"
    bundle = read_bundle(data)
    assert (bundle.format_version, bundle.site, bundle.challenge) == (1, "Testafdeling", b"")


def test_files_larger_than_any_bundle_are_refused_without_reading_them(tmp_path: Path) -> None:
    huge = tmp_path / "huge.tkb"
    with huge.open("wb") as handle:
        handle.write(bundle_of(make_records(1)))
        handle.truncate(MAX_BUNDLE_BYTES + 1)  # sparse: nothing is written or read
    started = time.perf_counter()
    with pytest.raises(BundleError, match="larger than any export bundle"):
        read_bundle_file(huge)
    assert time.perf_counter() - started < 1.0


def test_a_bundle_file_is_read_as_a_stream_with_the_same_result(tmp_path: Path) -> None:
    data = bundle_of(make_records(40, SEALED_SIZE))
    (tmp_path / "b.tkb").write_bytes(data)
    assert read_bundle_file(tmp_path / "b.tkb") == read_bundle(data)
    for cut in (5, len(data) // 3, len(data) - 1):
        (tmp_path / "cut.tkb").write_bytes(data[:cut])
        with pytest.raises(BundleError, match="incomplete"):
            read_bundle_file(tmp_path / "cut.tkb")


def independent_receipt_code(value: bytes) -> str:
    """docs/formats.md's code of a 40-bit value, check digits found by trying all 1,024."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    def mul(a: int, b: int) -> int:  # GF(32) with x^5 + x^2 + 1
        product = 0
        while b:
            if b & 1:
                product ^= a
            b >>= 1
            a <<= 1
            if a & 32:
                a ^= 0b100101
        return product

    def at(digits: list[int], x: int) -> int:
        result = 0
        for digit in digits:
            result = mul(result, x) ^ digit
        return result

    number = int.from_bytes(value[:5], "big")
    data = [(number >> (35 - 5 * i)) & 31 for i in range(8)]
    (check,) = [
        [c8, c9]
        for c8 in range(32)
        for c9 in range(32)
        if at([*data, c8, c9], 2) == 0 and at([*data, c8, c9], 4) == 0
    ]
    chars = "".join(alphabet[d] for d in data + check)
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def test_the_version_2_worked_example_reads_with_an_independent_reader() -> None:
    from test_sealing import independent_hpke_open

    text = (Path(__file__).resolve().parent.parent / "docs" / "formats.md").read_text("utf-8")
    block = re.search(r"```bundle-v2\n(.+?)```", text, re.DOTALL)
    assert block
    data = bytes.fromhex("".join(block.group(1).split()))
    assert len(data) == 630 and data[:9] == bytes.fromhex("89544b420d0a1a0a02")
    assert hashlib.sha256(data[:-32]).digest() == data[-32:]
    (header_length,) = struct.unpack(">I", data[9:13])
    header = json.loads(data[13 : 13 + header_length])
    assert header["format"] == 2 and header["count"] == 1 and header["site"] == "Testafdeling"
    challenge = data[13 + header_length : 13 + header_length + 80]
    entries = data[13 + header_length + 80 : -32]
    (length,) = struct.unpack(">I", entries[16:20])
    assert entries[:16] == bytes(range(16)) and len(entries) == 20 + length == 325
    bound = hashlib.sha256(data[9 : 13 + header_length] + entries).digest()
    assert bound.hex() in text
    private_raw = hashlib.sha256(b"trivselskiosk example key").digest()
    secret = independent_hpke_open(
        private_raw, b"trivselskiosk/receipt/v2" + bound, challenge[:32], challenge[32:]
    )
    value = hashlib.sha256(b"trivselskiosk/receipt-code/v2" + secret).digest()[:5]
    code = independent_receipt_code(value)
    assert code == "HQ8J-PWQ2-WH" and f"the receipt code is `{code}`" in text
    # The program's reader and opener agree.
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    bundle = read_bundle(data)
    assert open_challenge(X25519PrivateKey.from_private_bytes(private_raw), bundle.bound,
                          bundle.challenge) == code  # fmt: skip
    assert check_of(code) == hashlib.sha256(b"trivselskiosk/receipt-check/v2" + value).hexdigest()
