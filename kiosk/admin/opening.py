"""Open many sealed records at once, on every core: HPKE opening is what an import costs.

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

from kiosk.records import Payload, RecordFormatError, parse
from kiosk.sealing import OpenError, open_sealed

CHUNK = 2000
INLINE_LIMIT = 1500

_worker_key: X25519PrivateKey | None = None


class Failure(NamedTuple):
    """The first record of a batch that did not open or parse, and why."""

    position: int
    record_id: bytes
    reason: str


Sealed = tuple[bytes, bytes]


def _init_worker(raw_key: bytes) -> None:
    global _worker_key
    _worker_key = X25519PrivateKey.from_private_bytes(raw_key)


def _open_chunk(
    key: X25519PrivateKey, start: int, chunk: Sequence[Sealed]
) -> list[Payload] | Failure:
    payloads: list[Payload] = []
    for offset, (record_id, sealed) in enumerate(chunk):
        try:
            payloads.append(parse(open_sealed(key, record_id, sealed)))
        except (OpenError, RecordFormatError) as error:
            return Failure(start + offset, record_id, str(error))
    return payloads


def _worker_chunk(start: int, chunk: Sequence[Sealed]) -> list[Payload] | Failure:
    assert _worker_key is not None
    return _open_chunk(_worker_key, start, chunk)


def open_records(
    private_key: X25519PrivateKey, records: Sequence[Sealed], *, workers: int | None = None
) -> list[Payload] | Failure:
    """Open and parse every record, in order; or the first failure found.

    Args:
        private_key: the administrator's private key.
        records: (record id, sealed) pairs.
        workers: processes to use; by default one per core.
    """
    workers = workers or os.cpu_count() or 1
    if len(records) <= INLINE_LIMIT or workers == 1:
        return _open_chunk(private_key, 0, records)
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    chunk = min(CHUNK, -(-len(records) // workers))
    starts = range(0, len(records), chunk)
    payloads: list[Payload] = []
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(raw,)) as pool:
        futures = [pool.submit(_worker_chunk, s, records[s : s + chunk]) for s in starts]
        for future in futures:
            result = future.result()
            if isinstance(result, Failure):
                for other in futures:
                    other.cancel()
                return result
            payloads.extend(result)
    return payloads
