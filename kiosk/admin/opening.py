"""Open many sealed records at once, on every core: HPKE opening is what an import costs.

Each record is opened, parsed and checked against its instrument. A record that does not open
(damaged, another key, moved to another id) is a Failure that stops the batch: its bundle was
damaged. A record that opens but is no payload the kiosk could have written is Invalid: the
import quarantines it and goes on.

Worker processes get the private key as raw bytes through the pool's initializer (a pipe),
never through a file. Small batches are opened in this process, where starting workers would
cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.admin.validation import InvalidPayload, check_payload
from kiosk.records import Catalogue, Payload, RecordFormatError, parse
from kiosk.sealing import OpenError, open_sealed

CHUNK = 2000
INLINE_LIMIT = 1500

_worker_key: X25519PrivateKey | None = None
_worker_catalogue: Catalogue = {}


class Failure(NamedTuple):
    """The first record of a batch that did not open, and why."""

    position: int
    record_id: bytes
    reason: str


class Invalid(NamedTuple):
    """A record that opened but is not a valid payload; it is quarantined, never counted."""

    reason: str


Sealed = tuple[bytes, bytes]
Opened = Payload | Invalid


def _init_worker(raw_key: bytes, catalogue: Catalogue) -> None:
    global _worker_key, _worker_catalogue
    _worker_key = X25519PrivateKey.from_private_bytes(raw_key)
    _worker_catalogue = catalogue


def open_one(
    key: X25519PrivateKey, record_id: bytes, sealed: bytes, catalogue: Catalogue
) -> Opened:
    """Open, parse and check one record; OpenError if it does not open."""
    plaintext = open_sealed(key, record_id, sealed)
    try:
        payload = parse(plaintext, catalogue, sealed_version=sealed[0])
        return check_payload(payload, catalogue)
    except (RecordFormatError, InvalidPayload) as error:
        return Invalid(str(error))


def _open_chunk(
    key: X25519PrivateKey, start: int, chunk: Sequence[Sealed], catalogue: Catalogue
) -> list[Opened] | Failure:
    results: list[Opened] = []
    for offset, (record_id, sealed) in enumerate(chunk):
        try:
            results.append(open_one(key, record_id, sealed, catalogue))
        except OpenError as error:
            return Failure(start + offset, record_id, str(error))
    return results


def _worker_chunk(start: int, chunk: Sequence[Sealed]) -> list[Opened] | Failure:
    assert _worker_key is not None
    return _open_chunk(_worker_key, start, chunk, _worker_catalogue)


def open_records(
    private_key: X25519PrivateKey,
    records: Sequence[Sealed],
    catalogue: Catalogue,
    *,
    workers: int | None = None,
) -> list[Opened] | Failure:
    """Open, parse and check every record, in order; or the first that does not open.

    Args:
        private_key: the administrator's private key.
        records: (record id, sealed) pairs.
        catalogue: the instruments records are checked against, by (id, version).
        workers: processes to use; by default one per core.
    """
    workers = workers or os.cpu_count() or 1
    if len(records) <= INLINE_LIMIT or workers == 1:
        return _open_chunk(private_key, 0, records, catalogue)
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    chunk = min(CHUNK, -(-len(records) // workers))
    starts = range(0, len(records), chunk)
    results: list[Opened] = []
    with ProcessPoolExecutor(
        workers, initializer=_init_worker, initargs=(raw, dict(catalogue))
    ) as pool:
        futures = [pool.submit(_worker_chunk, s, records[s : s + chunk]) for s in starts]
        for future in futures:
            result = future.result()
            if isinstance(result, Failure):
                for other in futures:
                    other.cancel()
                return result
            results.extend(result)
    return results
