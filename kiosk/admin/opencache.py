"""The opened cache: one import's opened payloads, encrypted under a key only the admin holds.

A report would otherwise open every sealed record again with HPKE, the one cost that matters
(about 7 s per 100,000 records on two cores). The import already opened them, so it keeps
the payloads as one ChaCha20-Poly1305 blob per import, under a key derived (HKDF-SHA256) from
the administrator's private key, with the import's bundle hash as associated data. The blob
is derived data: the sealed records stay the source of truth and rebuild it when it is
missing, damaged or made with another key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.records import Payload

INFO = b"trivselskiosk/admin-cache/v1"
MAGIC = b"TKC1"
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


def _aad(digest: str) -> bytes:
    return MAGIC + digest.encode("ascii")


def seal_cache(
    cipher: ChaCha20Poly1305, digest: str, opened: Sequence[tuple[bytes, Payload]]
) -> bytes:
    """Encrypt one import's (record id, payload) pairs; `digest` is its bundle's SHA-256 hex."""
    rows = [
        [
            rid.hex(),
            p.instrument_id,
            p.instrument_version,
            p.period,
            p.lang,
            p.answers,
            p.kiosk_id,
            p.site,
        ]
        for rid, p in opened
    ]
    body = json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode()
    plaintext = body + b" " * (-len(body) % PAD_TO)
    nonce = os.urandom(NONCE_SIZE)
    return MAGIC + nonce + cipher.encrypt(nonce, plaintext, _aad(digest))


def open_cache(cipher: ChaCha20Poly1305, digest: str, blob: bytes) -> list[tuple[bytes, Payload]]:
    """Decrypt and read one import's cache blob.

    Raises:
        CacheUnreadable: the blob is damaged, belongs to another import or another key.
    """
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_SIZE:
        raise CacheUnreadable("it is not an opened-cache file")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_SIZE]
    try:
        plaintext = cipher.decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE :], _aad(digest))
    except InvalidTag:
        raise CacheUnreadable(
            "it does not decrypt (damaged, or made with another key or for another import)"
        ) from None
    try:
        # Rows of caches written before format 2 have six fields: no kiosk id, no site.
        return [(bytes.fromhex(row[0]), Payload(*row[1:])) for row in json.loads(plaintext)]
    except (ValueError, TypeError, IndexError, KeyError) as error:
        raise CacheUnreadable(f"its contents are malformed ({error})") from None
