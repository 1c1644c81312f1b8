"""The release log: what every report published, kept encrypted in the admin store.

A release is the publication table's shown cells (keys and every number) with the store
state it came from (how many imports, which sites and closed weeks). The next table's audit
treats every earlier release as published, so comparing reports made before and after an
import tells nothing the audit has not proved safe. Each release is one file
`releases/NNNNNN.bin`, sealed like the opened cache (ChaCha20-Poly1305 under a key derived
from the administrator's private key) with its number as associated data, so files cannot
be swapped or reordered unnoticed; they are padded so their length tells little.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from kiosk.admin.model import Cell, Measure, Table
from kiosk.durable import StoreCorrupt, atomic_write, make_dirs

RELEASES_DIR = "releases"
MAGIC = b"TKR1"
NONCE_SIZE = 12
PAD_TO = 16 * 1024


@dataclass(frozen=True)
class Release:
    """One published table: its day, store state and shown cells."""

    number: int
    day: str
    imports: int
    sites: tuple[str, ...]
    weeks: tuple[str, ...]
    cells: tuple[Cell, ...]


def release_of(table: Table, number: int, imports: int) -> Release:
    """The release a table makes: its shown cells (and repeated earlier ones) only."""
    shown = tuple(cell for cell in table.cells.values() if cell.n is not None and not cell.as_of)
    return Release(number, table.generated.isoformat(), imports, table.sites, table.weeks, shown)


def same_numbers(a: Release, b: Release) -> bool:
    """True when two releases published the same cells over the same state."""
    return (a.imports, a.sites, a.weeks, a.cells) == (b.imports, b.sites, b.weeks, b.cells)


def _measure(measure: Measure) -> dict[str, object]:
    """A measure as JSON-ready fields: what dataclasses.asdict gives, without its deep copy
    (a release of a large store holds some 50,000 measures; asdict took seconds)."""
    return {name: getattr(measure, name) for name in _MEASURE_FIELDS}


_MEASURE_FIELDS = tuple(field.name for field in fields(Measure))


def _encode(release: Release) -> bytes:
    body = {
        "number": release.number,
        "day": release.day,
        "imports": release.imports,
        "sites": list(release.sites),
        "weeks": list(release.weeks),
        "cells": [
            [c.instrument, c.site, c.period, c.n, [_measure(m) for m in c.measures]]
            for c in release.cells
        ],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _decode(data: bytes) -> Release:
    body = json.loads(data)
    cells = tuple(
        Cell(
            instrument,
            site,
            period,
            n,
            tuple(
                Measure(
                    m["question"],
                    m["n"],
                    tuple((cat, count) for cat, count in m["distribution"]),
                    m["mean"],
                    m["share_low"],
                    m["share_high"],
                )
                for m in measures
            ),
        )
        for instrument, site, period, n, measures in body["cells"]
    )
    return Release(
        body["number"],
        body["day"],
        body["imports"],
        tuple(body["sites"]),
        tuple(body["weeks"]),
        cells,
    )


def _aad(number: int) -> bytes:
    return MAGIC + f"{number:06d}".encode()


def write_release(folder: Path, cipher: ChaCha20Poly1305, release: Release) -> Path:
    """Seal and store one release durably (temp file, fsync, rename)."""
    make_dirs(folder / RELEASES_DIR)
    body = _encode(release)
    plaintext = body + b" " * (-len(body) % PAD_TO)
    nonce = os.urandom(NONCE_SIZE)
    path = folder / RELEASES_DIR / f"{release.number:06d}.bin"
    atomic_write(path, MAGIC + nonce + cipher.encrypt(nonce, plaintext, _aad(release.number)))
    return path


def read_releases(folder: Path, cipher: ChaCha20Poly1305) -> list[Release]:
    """Every release, oldest first.

    Raises:
        StoreCorrupt: a release file does not open with this key, or the numbers have a gap;
            a report must not go on without knowing what was published before.
    """
    directory = folder / RELEASES_DIR
    if not directory.exists():
        return []
    names = sorted(name for name in os.listdir(directory) if name.endswith(".bin"))
    releases = []
    for expected, name in enumerate(names, 1):
        path = directory / name
        if name != f"{expected:06d}.bin":
            raise StoreCorrupt(f"{directory} lacks release {expected} (found {name})")
        blob = path.read_bytes()
        try:
            if not blob.startswith(MAGIC):
                raise InvalidTag
            nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_SIZE]
            plaintext = cipher.decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE :], _aad(expected))
            releases.append(_decode(plaintext))
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise StoreCorrupt(
                f"{path} does not open with this key (damaged, or made with another key); "
                "the earlier releases it holds are needed to keep reports safe"
            ) from None
    return releases
