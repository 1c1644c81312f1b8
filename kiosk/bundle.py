"""The export bundle: one file format for sealed records leaving the kiosk by USB or QR.

A bundle is a signature, a small JSON header, a receipt challenge sealed to the administrator
(format 2), the sealed records in shuffled order and a SHA-256 trailer. Reading one either
returns every record or raises BundleError: never a partial result. Files are read as a
stream, so a huge or endless file costs neither memory nor time before it is refused. The
byte layout is specified in docs/formats.md; receipt codes are in kiosk/receipts.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import stat
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from kiosk.config import MAX_GROUP
from kiosk.receipts import CHALLENGE_BYTES, new_challenge
from kiosk.sanitize import is_dropped
from kiosk.sealing import RECORD_ID_BYTES, PublicKey
from kiosk.tomlcheck import MAX_NUMBER, MIN_GROUP_FLOOR

# A binary signature in PNG's manner: the high byte and the CR LF / ^Z / LF bytes show at once
# whether a copy went through a text-mode transfer that rewrote line endings.
MAGIC = b"\x89TKB\r\n\x1a\n"
FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)
FILE_SUFFIX = ".tkb"
DIGEST_BYTES = 32
BUNDLE_ID_BYTES = 16
MAX_HEADER_BYTES = 65536
MAX_SEALED_BYTES = 65536
"""No sealed record a kiosk writes comes near this (a record with two long notes is 4 KiB)."""
MAX_BUNDLE_BYTES = 1 << 30
"""1 GiB: about a million records with notes, three million without; no kiosk holds that."""

_U32 = struct.Struct(">I")
_PREAMBLE = len(MAGIC) + 1 + _U32.size
_ENTRY_HEAD = RECORD_ID_BYTES + _U32.size
_CHUNK = 1 << 20

_HEADER_KEYS = frozenset(
    {"format", "kiosk_id", "site", "bundle_id", "created", "count", "fingerprint"}
)
_PROMISE = "promise"
"""The one optional header key (format 2): bundles from before it lack it and still read."""
_PROMISE_KEYS = frozenset({"min_group", "min_group_text"})
_FINGERPRINT = re.compile(r"[0-9a-f]{4}( [0-9a-f]{4}){3}")
_BUNDLE_ID = re.compile(r"[0-9a-f]{32}")
_KIOSK_ID = re.compile(r"[0-9a-f]{16}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def min_bundle_bytes(version: int) -> int:
    """The smallest possible bundle of a version: preamble, a 2-byte header, trailer."""
    return _PREAMBLE + 2 + (CHALLENGE_BYTES if version >= 2 else 0) + DIGEST_BYTES


class BundleError(ValueError):
    """A file is not a bundle this program can read; str() says why, for the administrator."""


@dataclass(frozen=True)
class Promise:
    """What a site's welcome screen told its staff: results are only shown together for at
    least `min_group` people (notes: `min_group_text`), from the site's kiosk.toml."""

    min_group: int
    min_group_text: int


@dataclass(frozen=True)
class Bundle:
    """A read bundle: its header fields and its sealed records, in the order they were sent.

    `sha256` is the whole file's SHA-256 (trailer included); `challenge` and `bound` (what
    the challenge is bound to) are empty for format 1. `promise` is None for a bundle from
    before kiosks carried it (and for format 1): no promise is known.
    """

    format_version: int
    kiosk_id: str
    site: str
    bundle_id: str
    created: date
    count: int
    fingerprint: str
    records: tuple[tuple[bytes, bytes], ...]
    digest: bytes
    sha256: bytes = b""
    challenge: bytes = b""
    bound: bytes = b""
    promise: Promise | None = None


class Written(NamedTuple):
    """A bundle file's bytes and what the kiosk keeps to recognise its receipt code."""

    data: bytes
    receipt_check: str


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_bundle(
    records: Iterable[tuple[bytes, bytes]],
    *,
    kiosk_id: str,
    site: str,
    public_key: PublicKey,
    created: date,
    bundle_id: str | None = None,
    promise: Promise | None = None,
) -> Written:
    """Pack sealed records into a bundle, in an order that says nothing of when they came.

    Args:
        records: (record id, sealed record) pairs.
        kiosk_id: the kiosk's own random id (16 hex digits).
        site: the site's name.
        public_key: the administrator key the records are sealed to; the receipt challenge
            is sealed to it too.
        created: the day of the export (never a time of day).
        bundle_id: 32 hex digits naming this bundle; random when not given.
        promise: the thresholds the site's welcome screen promises, so reports keep them;
            None writes a header without it, as kiosks did before.

    Raises:
        BundleError: a record id is not 16 bytes, an id repeats, a sealed record is empty.
    """
    entries = list(records)
    seen: set[bytes] = set()
    for record_id, sealed in entries:
        if len(record_id) != RECORD_ID_BYTES:
            raise BundleError(f"a record id is {RECORD_ID_BYTES} bytes; got {len(record_id)}")
        if record_id in seen:
            raise BundleError(f"record {record_id.hex()} is listed twice")
        if not sealed or len(sealed) > MAX_SEALED_BYTES:
            raise BundleError(f"record {record_id.hex()} is empty or too long")
        seen.add(record_id)
    if not _KIOSK_ID.fullmatch(kiosk_id):
        raise BundleError(f"a kiosk id is 16 lowercase hex digits; got {kiosk_id!r}")
    if bundle_id is None:
        bundle_id = secrets.token_hex(BUNDLE_ID_BYTES)
    if not _BUNDLE_ID.fullmatch(bundle_id):
        raise BundleError(f"a bundle id is 32 lowercase hex digits; got {bundle_id!r}")
    # Storage order is submission order; a cryptographic shuffle keeps it out of the file.
    secrets.SystemRandom().shuffle(entries)
    fields: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "kiosk_id": kiosk_id,
        "site": site,
        "bundle_id": bundle_id,
        "created": created.isoformat(),
        "count": len(entries),
        "fingerprint": public_key.fingerprint(),
    }
    if promise is not None:
        if why := _promise_fault(promise.__dict__):
            raise BundleError(f"the site's promise {why}")
        fields[_PROMISE] = {
            "min_group": promise.min_group,
            "min_group_text": promise.min_group_text,
        }
    header = _header_bytes(fields)
    body = b"".join(
        part for rid, sealed in entries for part in (rid, _U32.pack(len(sealed)), sealed)
    )
    bound = hashlib.sha256(_U32.pack(len(header)) + header + body).digest()
    challenge = new_challenge(public_key, bound)
    head = MAGIC + bytes([FORMAT_VERSION]) + _U32.pack(len(header)) + header + challenge.sealed
    whole = head + body
    return Written(whole + hashlib.sha256(whole).digest(), challenge.check)


def read_bundle(data: bytes) -> Bundle:
    """Check and unpack a bundle held in memory (a QR transfer's result).

    Raises:
        BundleError: see read_bundle_from.
    """
    return read_bundle_from(io.BytesIO(data), len(data))


def read_bundle_file(path: Path) -> Bundle:
    """Check and unpack a bundle file, streaming it; a file larger than any bundle is refused.

    Raises:
        BundleError: see read_bundle_from; also unreadable, or too large.
    """
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode):
                return read_bundle_from(handle, _checked_size(info.st_size))
            # A pipe or a device has no size: read it, but never past the limit.
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as error:
        raise BundleError(f"the file cannot be read ({error.strerror or error})") from None
    return read_bundle_from(io.BytesIO(data), _checked_size(len(data)))


def _checked_size(size: int) -> int:
    if size > MAX_BUNDLE_BYTES:
        raise BundleError(
            f"the file is {size:,} bytes, larger than any export bundle "
            f"(at most {MAX_BUNDLE_BYTES:,}); it is not one a kiosk wrote"
        )
    return size


class _Reader:
    """Exact reads at offsets of a seekable binary stream of known size."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size

    def at(self, offset: int, length: int) -> bytes:
        self.handle.seek(offset)
        data = self.handle.read(length)
        if len(data) != length:
            raise BundleError("the file changed while it was being read")
        return data

    def u32(self, offset: int) -> int:
        value: int = _U32.unpack(self.at(offset, _U32.size))[0]
        return value

    def sha256(self, start: int, end: int, running: Any = None) -> Any:
        hasher = running if running is not None else hashlib.sha256()
        self.handle.seek(start)
        left = end - start
        while left:
            chunk = self.handle.read(min(_CHUNK, left))
            if not chunk:
                raise BundleError("the file changed while it was being read")
            hasher.update(chunk)
            left -= len(chunk)
        return hasher


def read_bundle_from(handle: BinaryIO, size: int) -> Bundle:
    """Check and unpack a bundle from a seekable stream of `size` bytes.

    Raises:
        BundleError: not a bundle, an unsupported version, cut short, damaged (checksum),
            a malformed header, a record count that does not match, a repeated record id,
            or bytes after the end.
    """
    reader = _Reader(handle, size)
    if size == 0:
        raise BundleError("the file is empty; an export bundle is never empty")
    head = reader.at(0, min(size, len(MAGIC) + 1))
    if not head.startswith(MAGIC):
        if len(head) < len(MAGIC) and MAGIC.startswith(head):
            raise _truncated(size, min_bundle_bytes(1))
        raise BundleError(
            "this is not a Trivselskiosk export bundle (it does not start with a bundle's "
            "signature)"
        )
    if size == len(MAGIC):
        raise _truncated(size, min_bundle_bytes(1))
    version = head[len(MAGIC)]
    if version not in READ_VERSIONS:
        if version > FORMAT_VERSION:
            raise BundleError(
                f"this bundle has format version {version}; this program reads versions "
                f"1 and {FORMAT_VERSION} (a newer kiosk wrote it: update the admin tool)"
            )
        raise BundleError(
            f"this is not a bundle any kiosk writes: its format version is {version} "
            "(the file is damaged, or was not made by a kiosk)"
        )
    if size < min_bundle_bytes(version):
        raise _truncated(size, min_bundle_bytes(version))
    body_end = size - DIGEST_BYTES
    running = reader.sha256(0, body_end)
    digest = reader.at(body_end, DIGEST_BYTES)
    if running.digest() != digest:
        raise _diagnose(reader, version)
    whole = reader.sha256(body_end, size, running.copy()).digest()
    header_length = reader.u32(len(MAGIC) + 1)
    if header_length > MAX_HEADER_BYTES or _PREAMBLE + header_length > body_end:
        raise BundleError(f"the bundle's header is malformed: it claims {header_length} bytes")
    header_raw = reader.at(_PREAMBLE, header_length)
    header = _parse_header(header_raw, version)
    start = _PREAMBLE + header_length
    challenge = b""
    if version >= 2:
        if start + CHALLENGE_BYTES > body_end:
            raise BundleError("the bundle's receipt challenge is cut short")
        challenge = reader.at(start, CHALLENGE_BYTES)
        start += CHALLENGE_BYTES
    records = _parse_records(reader, start, body_end)
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
    bound = b""
    if version >= 2:
        hasher = hashlib.sha256(_U32.pack(header_length) + header_raw)
        bound = reader.sha256(start, body_end, hasher).digest()
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
        sha256=whole,
        challenge=challenge,
        bound=bound,
        promise=header.get(_PROMISE),
    )


def _truncated(have: int, need: int) -> BundleError:
    return BundleError(
        f"the file is incomplete: it has {have} bytes but the bundle needs at least {need} "
        "(was the copy interrupted, or the USB stick pulled too early?)"
    )


def _diagnose(reader: _Reader, version: int) -> BundleError:
    """Say why a bundle's checksum fails: cut short, bytes appended, or damaged.

    A file cut short has a structure that is sound up to where it ends; a flipped length
    field shows itself by a length no kiosk writes or by an entry that is no sealed record.
    """
    damaged = BundleError("the file is damaged: its checksum does not match")
    size = reader.size
    header_length = reader.u32(len(MAGIC) + 1)
    if header_length > MAX_HEADER_BYTES:
        return damaged
    header_end = _PREAMBLE + header_length
    entries = header_end + (CHALLENGE_BYTES if version >= 2 else 0)
    if entries + DIGEST_BYTES > size:
        return _truncated(size, entries + DIGEST_BYTES)
    try:
        count = _parse_header(reader.at(_PREAMBLE, header_length), version)["count"]
    except BundleError:
        return damaged
    end = entries
    for _ in range(count):
        if end + _ENTRY_HEAD > size:
            return _truncated(size, end + _ENTRY_HEAD + DIGEST_BYTES)
        length = reader.u32(end + RECORD_ID_BYTES)
        if not 1 <= length <= MAX_SEALED_BYTES:
            return damaged
        end += _ENTRY_HEAD
        if end < size and reader.at(end, 1)[0] not in READ_VERSIONS:
            return damaged
        end += length
    if end + DIGEST_BYTES > size:
        return _truncated(size, end + DIGEST_BYTES)
    total = end + DIGEST_BYTES
    if total < size and reader.sha256(0, end).digest() == reader.at(end, DIGEST_BYTES):
        return BundleError(
            f"the file has {size - total} unexpected bytes after the end of the bundle "
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


def _parse_header(raw: bytes, version: int) -> dict[str, Any]:
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
    allowed = _HEADER_KEYS | {_PROMISE} if version >= 2 else _HEADER_KEYS
    if not _HEADER_KEYS <= set(header) <= allowed:
        missing = sorted(_HEADER_KEYS - set(header))
        extra = ", ".join(ascii(key)[:40] for key in sorted(set(header) - allowed))
        raise BundleError(
            f"the bundle's header is malformed: missing {missing or 'nothing'}, "
            f"unexpected {f'[{extra}]' if extra else 'nothing'}"
        )
    if _header_bytes(header) != raw:
        raise BundleError("the bundle's header is malformed: it is not in canonical form")

    def bad(key: str, want: str) -> BundleError:
        return BundleError(f"the bundle's header is malformed: '{key}' should be {want}")

    for key in ("format", "count"):
        if type(header[key]) is not int or header[key] < 0:
            raise bad(key, "a whole number")
    if header["format"] != version:
        raise bad("format", f"{version}, the version byte's value")
    if not isinstance(header["kiosk_id"], str) or not _KIOSK_ID.fullmatch(header["kiosk_id"]):
        raise bad("kiosk_id", "16 lowercase hex digits")
    site = header["site"]
    if not isinstance(site, str) or not site or any(is_dropped(char) for char in site):
        raise bad("site", "a non-empty text without control or invisible characters")
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
    if _PROMISE in header:
        promise = header[_PROMISE]
        if not isinstance(promise, dict) or set(promise) != _PROMISE_KEYS:
            raise bad(_PROMISE, "an object of exactly 'min_group' and 'min_group_text'")
        if why := _promise_fault(promise):
            raise BundleError(f"the bundle's header is malformed: '{_PROMISE}' {why}")
        header[_PROMISE] = Promise(promise["min_group"], promise["min_group_text"])
    return header


def _promise_fault(promise: dict[str, Any]) -> str:
    """Why a promise holds thresholds no kiosk.toml can (the ranges the kiosk's config check
    uses), or "" if it could be a real one."""
    group, text = promise["min_group"], promise["min_group_text"]
    if type(group) is not int or not MIN_GROUP_FLOOR <= group <= MAX_GROUP:
        return f"should have 'min_group' a whole number from {MIN_GROUP_FLOOR} to {MAX_GROUP}"
    if type(text) is not int or not group <= text <= MAX_NUMBER:
        return f"should have 'min_group_text' a whole number from min_group to {MAX_NUMBER}"
    return ""


def _parse_records(reader: _Reader, start: int, end: int) -> list[tuple[bytes, bytes]]:
    records: list[tuple[bytes, bytes]] = []
    pos = start
    reader.handle.seek(pos)
    while pos < end:
        if pos + _ENTRY_HEAD > end:
            raise BundleError(f"the bundle's record {len(records) + 1} is malformed: cut short")
        head = reader.handle.read(_ENTRY_HEAD)
        record_id = head[:RECORD_ID_BYTES]
        (length,) = _U32.unpack_from(head, RECORD_ID_BYTES)
        pos += _ENTRY_HEAD
        if not 1 <= length <= MAX_SEALED_BYTES or pos + length > end:
            raise BundleError(
                f"the bundle's record {len(records) + 1} is malformed: it claims {length} bytes"
            )
        sealed = reader.handle.read(length)
        if len(sealed) != length:
            raise BundleError("the file changed while it was being read")
        records.append((record_id, sealed))
        pos += length
    return records
