"""The export bundle format and receipt codes: round trips, and every kind of damage refused."""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.bundle import (
    DIGEST_BYTES,
    MAGIC,
    RECEIPT_ALPHABET,
    Bundle,
    BundleError,
    ReceiptError,
    parse_receipt_code,
    read_bundle,
    receipt_code,
    write_bundle,
)

FINGERPRINT = "e547 8450 368a 4d62"
DAY = date(2026, 3, 2)
SEALED_SIZE = 1073


def make_records(count: int, size: int = 60) -> list[tuple[bytes, bytes]]:
    return [(os.urandom(16), os.urandom(size)) for _ in range(count)]


def bundle_of(records: list[tuple[bytes, bytes]]) -> bytes:
    return write_bundle(
        records,
        kiosk_id="a1b2c3d4e5f60718",
        site="Ærø Plejehjem",
        fingerprint=FINGERPRINT,
        created=DAY,
    )


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
    assert (bundle.count, bundle.fingerprint, bundle.format_version) == (5, FINGERPRINT, 1)
    assert len(bundle.bundle_id) == 32
    assert sorted(bundle.records) == sorted(records)
    assert bundle.digest == hashlib.sha256(data[:-DIGEST_BYTES]).digest()


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
    with pytest.raises(BundleError, match="format version 7"):
        read_bundle(bytes(data))


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
    preamble, header, records = split(data)
    fields = json.loads(header)
    fields["count"] = 2
    raw = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body = preamble[:-4] + struct.pack(">I", len(raw)) + raw + records + records
    with pytest.raises(BundleError, match="more than once"):
        read_bundle(resealed(body))
    with pytest.raises(BundleError, match="listed twice"):
        bundle_of([record, record])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": "3"}, "'count'"),
        ({"count": True}, "'count'"),
        ({"format": 2}, "'format'"),
        ({"site": ""}, "'site'"),
        ({"kiosk_id": 5}, "'kiosk_id'"),
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
    preamble, header, records = split(data)
    body = preamble + header + records[:16] + struct.pack(">I", 0)
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
    code = receipt_code(data)
    assert len(code) == 12 and code[4] == "-" and code[9] == "-"
    assert all(ch in RECEIPT_ALPHABET for ch in code.replace("-", ""))
    assert parse_receipt_code(code) == code
    assert parse_receipt_code(f"  {code.lower().replace('-', ' ')} ") == code
    assert parse_receipt_code(code.replace("-", "")) == code
    assert receipt_code(data) == code
    assert receipt_code(bundle_of(make_records(2))) != code


def test_confusable_letters_are_read_as_digits() -> None:
    codes = (receipt_code(bundle_of(make_records(1))) for _ in range(200))
    code = next(c for c in codes if "0" in c and "1" in c)
    typed = code.replace("0", "o", 1).replace("1", "I", 1)
    assert parse_receipt_code(typed) == code
    assert parse_receipt_code(code.replace("1", "l", 1)) == code


def test_every_single_typo_and_neighbour_swap_is_rejected() -> None:
    code = receipt_code(bundle_of(make_records(1)))
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
    chars = receipt_code(bundle_of(make_records(1))).replace("-", "")
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


def test_the_worked_example_in_the_format_doc() -> None:
    sealed = bytes.fromhex(
        "01cf9095b26db502e41b819c843e5ee27064051156f534b55efc4b26be174a2f"
        "4dc5c0f4c6eb384f3d254b3f645c7649c584558342622186c528d0d798761b4e"
        "38ba296077c8792f8396d867"
    )
    data = write_bundle(
        [(bytes(range(16)), sealed)],
        kiosk_id="3c9e0a51d2f4b867",
        site="Testafdeling",
        fingerprint=FINGERPRINT,
        created=DAY,
        bundle_id="0" * 32,
    )
    assert len(data) == 321
    assert data[:13].hex() == "89544b420d0a1a0a01000000b4"
    assert data[193:213].hex() == "000102030405060708090a0b0c0d0e0f0000004c"
    assert data[-32:].hex() == "dacdaed24be734140bd85f750d31fb580d9994dcd15dc774bb57a7b7ab1278f7"
    assert hashlib.sha256(data).hexdigest().startswith("2ff4e8abd9")
    assert receipt_code(data) == "5ZTE-HAYS-NB"
