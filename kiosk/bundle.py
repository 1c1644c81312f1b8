"""The export bundle: one file format for sealed records leaving the kiosk by USB or QR.

A bundle is a signature, a small JSON header, the sealed records in shuffled order and a
SHA-256 trailer. Reading one either returns every record or raises BundleError: never a
partial result. The byte layout and the receipt code are specified in docs/formats.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.sealing import RECORD_ID_BYTES

# A binary signature in PNG's manner: the high byte and the CR LF / ^Z / LF bytes show at once
# whether a copy went through a text-mode transfer that rewrote line endings.
MAGIC = b"\x89TKB\r\n\x1a\n"
FORMAT_VERSION = 1
FILE_SUFFIX = ".tkb"
DIGEST_BYTES = 32
BUNDLE_ID_BYTES = 16
MAX_HEADER_BYTES = 65536

_U32 = struct.Struct(">I")
_PREAMBLE = len(MAGIC) + 1 + _U32.size
_ENTRY_HEAD = RECORD_ID_BYTES + _U32.size
MIN_BUNDLE_BYTES = _PREAMBLE + 2 + DIGEST_BYTES

_HEADER_KEYS = frozenset(
    {"format", "kiosk_id", "site", "bundle_id", "created", "count", "fingerprint"}
)
_FINGERPRINT = re.compile(r"[0-9a-f]{4}( [0-9a-f]{4}){3}")
_BUNDLE_ID = re.compile(r"[0-9a-f]{32}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# Receipt codes: Crockford's base32 (no I, L, O, U), so they read aloud and type cleanly.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_DATA_CHARS = 8
RECEIPT_CHECK_CHARS = 2
RECEIPT_CHARS = RECEIPT_DATA_CHARS + RECEIPT_CHECK_CHARS
_RECEIPT_CONFUSABLES = {"O": "0", "I": "1", "L": "1"}
_RECEIPT_SEPARATORS = frozenset(" -_.\t")
# GF(32) with the primitive polynomial x^5 + x^2 + 1; the two check characters make every
# receipt code a Reed-Solomon codeword, so any one or two mistyped characters (and any swap of
# two neighbours) are caught.
_GF_POLY = 0b100101


def _gf_tables() -> tuple[list[int], list[int]]:
    """Powers of α (twice over, so products need no modulo) and their logarithms."""
    exp, log = [0] * 62, [0] * 32
    value = 1
    for power in range(31):
        exp[power] = exp[power + 31] = value
        log[value] = power
        value <<= 1
        if value & 32:
            value ^= _GF_POLY
    return exp, log


_GF_EXP, _GF_LOG = _gf_tables()


class BundleError(ValueError):
    """A file is not a bundle this program can read; str() says why, for the administrator."""


class ReceiptError(ValueError):
    """A receipt code as typed is not a valid code; str() says what is wrong with it."""


@dataclass(frozen=True)
class Bundle:
    """A read bundle: its header fields and its sealed records, in the order they were sent."""

    format_version: int
    kiosk_id: str
    site: str
    bundle_id: str
    created: date
    count: int
    fingerprint: str
    records: tuple[tuple[bytes, bytes], ...]
    digest: bytes


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_bundle(
    records: Iterable[tuple[bytes, bytes]],
    *,
    kiosk_id: str,
    site: str,
    fingerprint: str,
    created: date,
    bundle_id: str | None = None,
) -> bytes:
    """Pack sealed records into a bundle, in an order that says nothing of when they came.

    Args:
        records: (record id, sealed record) pairs.
        kiosk_id: the kiosk's own random id.
        site: the site's name.
        fingerprint: the fingerprint of the administrator key the records are sealed to.
        created: the day of the export (never a time of day).
        bundle_id: 32 hex digits naming this bundle; random when not given.

    Raises:
        BundleError: a record id is not 16 bytes, an id repeats, or a sealed record is empty.
    """
    entries = list(records)
    seen: set[bytes] = set()
    for record_id, sealed in entries:
        if len(record_id) != RECORD_ID_BYTES:
            raise BundleError(f"a record id is {RECORD_ID_BYTES} bytes; got {len(record_id)}")
        if record_id in seen:
            raise BundleError(f"record {record_id.hex()} is listed twice")
        if not sealed:
            raise BundleError(f"record {record_id.hex()} is empty")
        seen.add(record_id)
    if not _FINGERPRINT.fullmatch(fingerprint):
        raise BundleError(f"{fingerprint!r} is not a key fingerprint like '3f2a 9c01 77be 0d45'")
    if bundle_id is None:
        bundle_id = secrets.token_hex(BUNDLE_ID_BYTES)
    if not _BUNDLE_ID.fullmatch(bundle_id):
        raise BundleError(f"a bundle id is 32 lowercase hex digits; got {bundle_id!r}")
    # Storage order is submission order; a cryptographic shuffle keeps it out of the file.
    secrets.SystemRandom().shuffle(entries)
    header = _header_bytes(
        {
            "format": FORMAT_VERSION,
            "kiosk_id": kiosk_id,
            "site": site,
            "bundle_id": bundle_id,
            "created": created.isoformat(),
            "count": len(entries),
            "fingerprint": fingerprint,
        }
    )
    parts = [MAGIC, bytes([FORMAT_VERSION]), _U32.pack(len(header)), header]
    for record_id, sealed in entries:
        parts += (record_id, _U32.pack(len(sealed)), sealed)
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def read_bundle(data: bytes) -> Bundle:
    """Check and unpack a bundle file's bytes.

    Raises:
        BundleError: not a bundle, an unsupported version, cut short, damaged (checksum),
            a malformed header, a record count that does not match, a repeated record id,
            or bytes after the end.
    """
    data = bytes(data)
    if not data:
        raise BundleError("the file is empty; an export bundle is never empty")
    if not data.startswith(MAGIC):
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            raise _truncated(len(data), MIN_BUNDLE_BYTES)
        raise BundleError(
            "this is not a Trivselskiosk export bundle (it does not start with a bundle's "
            "signature)"
        )
    if len(data) == len(MAGIC):
        raise _truncated(len(data), MIN_BUNDLE_BYTES)
    version = data[len(MAGIC)]
    if version != FORMAT_VERSION:
        raise BundleError(
            f"this bundle has format version {version}; this program reads version "
            f"{FORMAT_VERSION} (a newer kiosk wrote it: update the admin tool)"
        )
    if len(data) < MIN_BUNDLE_BYTES:
        raise _truncated(len(data), MIN_BUNDLE_BYTES)
    body, digest = data[:-DIGEST_BYTES], data[-DIGEST_BYTES:]
    if hashlib.sha256(body).digest() != digest:
        raise _diagnose(data)
    (header_length,) = _U32.unpack_from(body, len(MAGIC) + 1)
    if header_length > MAX_HEADER_BYTES or _PREAMBLE + header_length > len(body):
        raise BundleError(f"the bundle's header is malformed: it claims {header_length} bytes")
    header = _parse_header(body[_PREAMBLE : _PREAMBLE + header_length])
    records = _parse_records(body, _PREAMBLE + header_length)
    if len(records) != header["count"]:
        raise BundleError(
            f"the bundle's header says {header['count']} records, but it holds {len(records)}"
        )
    ids = {record_id for record_id, _ in records}
    if len(ids) != len(records):
        raise BundleError(
            f"the bundle lists {len(records) - len(ids)} record id(s) more than once; "
            "a kiosk never writes that, so the file was not made by a kiosk"
        )
    return Bundle(
        format_version=version,
        kiosk_id=header["kiosk_id"],
        site=header["site"],
        bundle_id=header["bundle_id"],
        created=header["created"],
        count=header["count"],
        fingerprint=header["fingerprint"],
        records=tuple(records),
        digest=digest,
    )


def _truncated(have: int, need: int) -> BundleError:
    return BundleError(
        f"the file is incomplete: it has {have} bytes but the bundle needs at least {need} "
        "(was the copy interrupted, or the USB stick pulled too early?)"
    )


def _diagnose(data: bytes) -> BundleError:
    """Say why a bundle's checksum fails: cut short, bytes appended, or damaged."""
    damaged = BundleError("the file is damaged: its checksum does not match")
    (header_length,) = _U32.unpack_from(data, len(MAGIC) + 1)
    header_end = _PREAMBLE + header_length
    if header_length > MAX_HEADER_BYTES:
        return damaged
    if header_end + DIGEST_BYTES > len(data):
        return _truncated(len(data), header_end + DIGEST_BYTES)
    try:
        count = _parse_header(data[_PREAMBLE:header_end])["count"]
    except BundleError:
        return damaged
    end = header_end
    for _ in range(count):
        if end + _ENTRY_HEAD > len(data):
            return _truncated(len(data), end + _ENTRY_HEAD + DIGEST_BYTES)
        (length,) = _U32.unpack_from(data, end + RECORD_ID_BYTES)
        end += _ENTRY_HEAD + length
    if end + DIGEST_BYTES > len(data):
        return _truncated(len(data), end + DIGEST_BYTES)
    total = end + DIGEST_BYTES
    if total < len(data) and hashlib.sha256(data[:end]).digest() == data[end:total]:
        return BundleError(
            f"the file has {len(data) - total} unexpected bytes after the end of the bundle "
            f"(byte {total} on); it was changed after the kiosk wrote it"
        )
    return damaged


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key appears twice")
    return result


def _parse_header(raw: bytes) -> dict[str, Any]:
    """Decode the header JSON and check every field; the result holds `created` as a date."""
    try:
        header = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BundleError(f"the bundle's header is malformed: not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise BundleError("the bundle's header is malformed: it is not a JSON object")
    if set(header) != _HEADER_KEYS:
        missing = sorted(_HEADER_KEYS - set(header))
        extra = sorted(set(header) - _HEADER_KEYS)
        raise BundleError(
            f"the bundle's header is malformed: missing {missing or 'nothing'}, "
            f"unexpected {extra or 'nothing'}"
        )
    if _header_bytes(header) != raw:
        raise BundleError("the bundle's header is malformed: it is not in canonical form")

    def bad(key: str, want: str) -> BundleError:
        return BundleError(f"the bundle's header is malformed: '{key}' should be {want}")

    for key in ("format", "count"):
        if type(header[key]) is not int or header[key] < 0:
            raise bad(key, "a whole number")
    if header["format"] != FORMAT_VERSION:
        raise bad("format", f"{FORMAT_VERSION}, the version byte's value")
    for key in ("kiosk_id", "site"):
        if not isinstance(header[key], str) or not header[key]:
            raise bad(key, "a non-empty text")
    if not isinstance(header["bundle_id"], str) or not _BUNDLE_ID.fullmatch(header["bundle_id"]):
        raise bad("bundle_id", "32 lowercase hex digits")
    if not isinstance(header["fingerprint"], str) or not _FINGERPRINT.fullmatch(
        header["fingerprint"]
    ):
        raise bad("fingerprint", "a key fingerprint like '3f2a 9c01 77be 0d45'")
    created = header["created"]
    if not isinstance(created, str) or not _DAY.fullmatch(created):
        raise bad("created", "a day as YYYY-MM-DD")
    try:
        header["created"] = date.fromisoformat(created)
    except ValueError:
        raise bad("created", "a real day as YYYY-MM-DD") from None
    return header


def _parse_records(body: bytes, start: int) -> list[tuple[bytes, bytes]]:
    records: list[tuple[bytes, bytes]] = []
    pos = start
    while pos < len(body):
        if pos + _ENTRY_HEAD > len(body):
            raise BundleError(f"the bundle's record {len(records) + 1} is malformed: cut short")
        record_id = body[pos : pos + RECORD_ID_BYTES]
        (length,) = _U32.unpack_from(body, pos + RECORD_ID_BYTES)
        pos += _ENTRY_HEAD
        if length == 0 or pos + length > len(body):
            raise BundleError(
                f"the bundle's record {len(records) + 1} is malformed: it claims {length} bytes"
            )
        records.append((record_id, body[pos : pos + length]))
        pos += length
    return records


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _GF_EXP[_GF_LOG[a] + _GF_LOG[b]]


def _gf_eval(symbols: list[int], x: int) -> int:
    """The polynomial with these coefficients (highest power first) at x, by Horner's rule."""
    result = 0
    for symbol in symbols:
        result = _gf_mul(result, x) ^ symbol
    return result


def _check_symbols(data: list[int]) -> list[int]:
    """The two Reed-Solomon check symbols: the remainder of data(x)·x² by (x − α)(x − α²)."""
    g1 = _GF_EXP[1] ^ _GF_EXP[2]
    g0 = _GF_EXP[3]
    high = low = 0
    for symbol in data:
        feedback = symbol ^ high
        high = low ^ _gf_mul(feedback, g1)
        low = _gf_mul(feedback, g0)
    return [high, low]


def _format_receipt(chars: str) -> str:
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def receipt_code(bundle_bytes: bytes) -> str:
    """The short code the administrator types into the kiosk after importing this bundle.

    Eight characters come from the bundle file's SHA-256, two are check characters, e.g.
    'K7QM-2XPA-9D'.
    """
    value = int.from_bytes(hashlib.sha256(bundle_bytes).digest()[:5], "big")
    data = [(value >> (5 * (RECEIPT_DATA_CHARS - 1 - i))) & 31 for i in range(RECEIPT_DATA_CHARS)]
    symbols = data + _check_symbols(data)
    return _format_receipt("".join(RECEIPT_ALPHABET[s] for s in symbols))


def parse_receipt_code(text: str) -> str:
    """Read a receipt code as typed: any case, spaces and dashes anywhere, O for 0, I or L for 1.

    Returns:
        The code in its printed form, e.g. 'K7QM-2XPA-9D'.

    Raises:
        ReceiptError: an impossible character, the wrong length, or a typo (the check
            characters do not match).
    """
    chars: list[str] = []
    for ch in text.upper():
        if ch in _RECEIPT_SEPARATORS:
            continue
        ch = _RECEIPT_CONFUSABLES.get(ch, ch)
        if ch not in RECEIPT_ALPHABET:
            raise ReceiptError(f"a receipt code cannot contain {ch!r}; check the code")
        chars.append(ch)
    if not chars:
        raise ReceiptError("the receipt code is empty")
    if len(chars) != RECEIPT_CHARS:
        raise ReceiptError(
            f"a receipt code has {RECEIPT_CHARS} letters and digits (like K7QM-2XPA-9D); "
            f"this one has {len(chars)}"
        )
    symbols = [RECEIPT_ALPHABET.index(ch) for ch in chars]
    if _gf_eval(symbols, _GF_EXP[1]) or _gf_eval(symbols, _GF_EXP[2]):
        raise ReceiptError(
            f"the receipt code {_format_receipt(''.join(chars))} has a typo: its check "
            "characters do not match; compare it with the code kiosk-admin printed"
        )
    return _format_receipt("".join(chars))
