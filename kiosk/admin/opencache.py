"""The opened cache: one import's opened payloads, encrypted under a key only the admin holds.

A report would otherwise open every sealed record again with HPKE, the one cost that matters
(about 7 s per 100,000 records on two cores). The import already opened them, so it keeps
the payloads as one ChaCha20-Poly1305 blob per import, under a key derived (HKDF-SHA256) from
the administrator's private key, with the import's bundle hash as associated data. The blob
is derived data: the sealed records stay the source of truth and rebuild it when it is
missing, damaged or made with another key.

The blob holds one line per record (`TKC2`): the record id in hex, a space, the rest of the
row as JSON. A report does not need the ids, so it counts equal lines and reads each
distinct one once (`open_cache_grouped`): a million records without notes are a few
thousand distinct lines. Older caches (`TKC1`, one JSON array) still read.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.records import Payload

INFO = b"trivselskiosk/admin-cache/v1"
MAGIC = b"TKC1"
"""The first cache format: one JSON array of rows (read, no longer written)."""
MAGIC_LINES = b"TKC2"
"""The cache format written now: a line per record, `<id hex> <JSON row without the id>`."""
_ID_HEX = 32
NONCE_SIZE = 12
# The blob's length tells only how large the import is in steps of 64 KiB, not how long
# its notes are (the sealed records are padded for the same reason).
PAD_TO = 64 * 1024


class CacheUnreadable(Exception):
    """A cache blob is not one this key made for this import; str() says why."""


def cache_key(private_key: X25519PrivateKey, info: bytes = INFO) -> ChaCha20Poly1305:
    """The cache cipher for this administrator key (HKDF-SHA256 over its raw bytes).

    Args:
        private_key: the administrator's private key.
        info: what the key is for; other stores of the admin folder (the action plan) pass
            their own, so each gets a key of its own.
    """
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)
    return ChaCha20Poly1305(key)


def _aad(digest: str, magic: bytes = MAGIC) -> bytes:
    return magic + digest.encode("ascii")


def seal_cache(
    cipher: ChaCha20Poly1305, digest: str, opened: Sequence[tuple[bytes, Payload]]
) -> bytes:
    """Encrypt one import's (record id, payload) pairs; `digest` is its bundle's SHA-256 hex."""
    # JSON escapes every newline inside a string, so each record is exactly one line.
    body = b"".join(
        b"%s %s\n"
        % (
            rid.hex().encode("ascii"),
            json.dumps(
                [
                    p.instrument_id,
                    p.instrument_version,
                    p.period,
                    p.lang,
                    p.answers,
                    p.kiosk_id,
                    p.site,
                ],
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode(),
        )
        for rid, p in opened
    )
    plaintext = body + b" " * (-len(body) % PAD_TO)
    nonce = os.urandom(NONCE_SIZE)
    return MAGIC_LINES + nonce + cipher.encrypt(nonce, plaintext, _aad(digest, MAGIC_LINES))


def _plaintext(cipher: ChaCha20Poly1305, digest: str, blob: bytes) -> tuple[bytes, bytes]:
    """The blob's format (its magic) and decrypted contents, or CacheUnreadable."""
    magic = blob[: len(MAGIC)]
    if magic not in (MAGIC, MAGIC_LINES) or len(blob) < len(MAGIC) + NONCE_SIZE:
        raise CacheUnreadable("it is not an opened-cache file")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_SIZE]
    try:
        return magic, cipher.decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE :], _aad(digest, magic))
    except InvalidTag:
        raise CacheUnreadable(
            "it does not decrypt (damaged, or made with another key or for another import)"
        ) from None


def _lines(plaintext: bytes) -> list[bytes]:
    lines = plaintext.rstrip(b" ").split(b"\n")
    if lines[-1]:
        raise CacheUnreadable("its contents are malformed (the last line is cut)")
    lines.pop()
    return lines


def _payload(row: object) -> Payload:
    """A payload from a row without its id (older rows have no kiosk id and no site)."""
    if type(row) is not list or not 5 <= len(row) <= 7:
        raise CacheUnreadable("its contents are malformed (a row is not a record)")
    return Payload(*row)


def open_cache(cipher: ChaCha20Poly1305, digest: str, blob: bytes) -> list[tuple[bytes, Payload]]:
    """Decrypt and read one import's cache blob: every (record id, payload), in stored order.

    Raises:
        CacheUnreadable: the blob is damaged, belongs to another import or another key.
    """
    magic, plaintext = _plaintext(cipher, digest, blob)
    try:
        if magic == MAGIC:
            return [(bytes.fromhex(row[0]), _payload(row[1:])) for row in json.loads(plaintext)]
        return [
            (bytes.fromhex(line[:_ID_HEX].decode("ascii")), _payload(json.loads(line[_ID_HEX:])))
            for line in _lines(plaintext)
        ]
    except (ValueError, TypeError, IndexError, KeyError) as error:
        raise CacheUnreadable(f"its contents are malformed ({error})") from None


def open_cache_grouped(
    cipher: ChaCha20Poly1305, digest: str, blob: bytes
) -> list[tuple[Payload, int]]:
    """Decrypt one import's cache blob: each distinct payload once, with how many records
    hold it (what a report needs, without building an object per record).

    Raises:
        CacheUnreadable: the blob is damaged, belongs to another import or another key.
    """
    magic, plaintext = _plaintext(cipher, digest, blob)
    if magic == MAGIC:
        return [(payload, 1) for _, payload in open_cache(cipher, digest, blob)]
    lines = _lines(plaintext)
    if any(line[_ID_HEX : _ID_HEX + 1] != b" " for line in lines):
        raise CacheUnreadable("its contents are malformed (a line has no record id)")
    same = Counter(map(itemgetter(slice(_ID_HEX + 1, None)), lines))
    try:
        # One parse of all distinct rows (each is a JSON array) costs far less than one each.
        rows = json.loads(b"[" + b",".join(same) + b"]")
        if len(rows) != len(same):
            raise ValueError("a line holds more than one row")
        return [(_payload(row), n) for row, n in zip(rows, same.values(), strict=True)]
    except (ValueError, TypeError) as error:
        raise CacheUnreadable(f"its contents are malformed ({error})") from None
