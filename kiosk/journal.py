"""A TinyDB storage that keeps each file as a crash-safe journal of transactions.

Each write appends only the changed documents, with one fdatasync; opening replays the
complete transactions and cuts off a torn last write. The line format and recovery rule are
described in docs/storage.md.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from tinydb.storages import Storage

from kiosk import durable
from kiosk.durable import (
    StoreCorrupt,
    StoreError,
    StoreLockLost,
    StrPath,
    append_durably,
    atomic_write,
    fsync_dir,
    mapped_errors,
    still_names,
)

__all__ = [
    "COMPACT_MIN_DEAD",
    "Doc",
    "JournalStorage",
    "Replayed",
    "Tables",
    "decode_line",
    "encode_line",
    "encode_snapshot",
    "load_journal",
    "read_file",
    "replay",
    "salvage",
]

COMPACT_MIN_DEAD = 500

Doc = dict[str, Any]
Tables = dict[str, dict[str, Doc]]


def encode_line(tx: int, n: int, entry: Mapping[str, Any]) -> bytes:
    """Encode one journal line: CRC32 of the JSON body, a space, the body, a newline."""
    body = json.dumps({"tx": tx, "n": n, **entry}, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode_line(line: bytes) -> Doc | None:
    """Decode one journal line (without its newline); None if it is torn, garbage or odd."""
    body = line[9:]
    if line[8:9] != b" " or line[:8] != b"%08x" % zlib.crc32(body):
        return None
    try:
        entry = json.loads(body)
    except ValueError:
        return None
    if not (
        isinstance(entry, dict)
        and isinstance(entry.get("tx"), int)
        and isinstance(entry.get("n"), int)
        and entry["n"] >= 1
        and isinstance(entry.get("t"), str)
        and isinstance(entry.get("id"), str)
        and (
            (entry.get("op") == "put" and isinstance(entry.get("doc"), dict))
            or entry.get("op") == "del"
        )
    ):
        return None
    return entry


def encode_snapshot(tables: Tables, tx: int) -> bytes:
    """Encode every document as one transaction of put lines: a compacted journal."""
    count = sum(len(docs) for docs in tables.values())
    return b"".join(
        encode_line(tx, count, {"op": "put", "t": name, "id": doc_id, "doc": doc})
        for name, docs in tables.items()
        for doc_id, doc in docs.items()
    )


class Replayed(NamedTuple):
    """What a journal file holds: its tables and where its committed part ends."""

    tables: Tables
    end: int
    last_tx: int
    lines: int


def replay(data: bytes, path: Path, *, allow_torn_tail: bool) -> Replayed:
    """Replay a journal's complete transactions; drop a torn last write, refuse anything else.

    A transaction is the lines of one write, all sharing its number `tx` and count `n`.
    Whatever follows the last complete transaction must look like a single unfinished
    write (torn, zero-filled or garbage, with at most some of its own lines intact);
    anything else is corruption of acknowledged data and raises StoreCorrupt.
    """
    pieces: list[tuple[int, int, Doc | None]] = []
    pos = 0
    while pos < len(data):
        newline = data.find(b"\n", pos)
        if newline < 0:
            pieces.append((pos, len(data), None))
            break
        pieces.append((pos, newline + 1, decode_line(data[pos:newline])))
        pos = newline + 1

    tables: Tables = {}
    end = last_tx = lines = i = 0
    while i < len(pieces):
        entry = pieces[i][2]
        if entry is None or entry["tx"] <= last_tx:
            break
        tx, n = entry["tx"], entry["n"]
        group = [piece[2] for piece in pieces[i : i + n]]
        if len(group) < n or any(e is None or e["tx"] != tx or e["n"] != n for e in group):
            break
        for e in group:
            assert e is not None
            docs = tables.setdefault(e["t"], {})
            if e["op"] == "put":
                docs[e["id"]] = e["doc"]
            else:
                docs.pop(e["id"], None)
                if not docs:
                    del tables[e["t"]]
        end, last_tx, lines, i = pieces[i + n - 1][1], tx, lines + n, i + n

    rest = pieces[i:]
    if rest:
        intact = [e for _, _, e in rest if e is not None]
        txs = {e["tx"] for e in intact}
        one_unfinished_write = len(txs) <= 1 and all(
            (last_tx == 0 or e["tx"] == last_tx + 1) and len(intact) < e["n"] for e in intact
        )
        if not (allow_torn_tail and one_unfinished_write):
            what = "an unfinished last write" if one_unfinished_write else "damaged data"
            raise StoreCorrupt(
                f"{path} is damaged at line {i + 1} (byte {rest[0][0]}): found {what} where "
                "complete entries belong. The file was left as it is; keep a copy of the "
                "folder and restore it from a backup."
            )
    return Replayed(tables, end, last_tx, lines)


class Salvaged(NamedTuple):
    """What a damaged journal still holds: the effect of its intact lines, and the rest."""

    tables: Tables
    damaged: tuple[int, ...]
    """Line numbers (from 1) whose checksum or shape is wrong."""


def salvage(data: bytes) -> Salvaged:
    """Apply every intact line of a journal in file order, each checked on its own.

    For reading what a finished segment (one snapshot transaction) still holds after a byte
    in it changed: the damaged lines are named, never guessed at, and the file is not touched.
    """
    tables: Tables = {}
    damaged: list[int] = []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, 1):
        entry = decode_line(line)
        if entry is None:
            damaged.append(number)
            continue
        docs = tables.setdefault(entry["t"], {})
        if entry["op"] == "put":
            docs[entry["id"]] = entry["doc"]
        else:
            docs.pop(entry["id"], None)
    return Salvaged(tables, tuple(damaged))


def read_file(path: Path) -> bytes:
    """Read a store file, with errors a person can act on."""
    with mapped_errors(path, "read"):
        return path.read_bytes()


def load_journal(path: Path) -> Tables:
    """Load a finished journal (an older segment) read-only; any damage raises StoreCorrupt."""
    return replay(read_file(path), path, allow_torn_tail=False).tables


class JournalStorage(Storage):
    """A TinyDB storage that appends only the changes of each write, durably, to a journal.

    The state lives in memory; `write` diffs against it and appends the changed documents
    as one transaction (one write, one fdatasync), so a write costs the same however many
    documents the file holds. When superseded lines outnumber live ones, the journal is
    compacted into a fresh snapshot by an atomic replace.
    """

    def __init__(self, path: StrPath, *, compact_min_dead: int = COMPACT_MIN_DEAD) -> None:
        """Open (or create) the journal at `path`, repairing a torn last write."""
        super().__init__()
        self._path = Path(path)
        self._compact_min_dead = compact_min_dead
        self._compact_at = compact_min_dead
        self._fd = self._open_fd()
        data = read_file(self._path)
        replayed = replay(data, self._path, allow_torn_tail=True)
        self.cut: tuple[int, int] | None = None
        """(lines, bytes) of a torn last write cut off on open, for the operational log."""
        if replayed.end < len(data):
            with mapped_errors(self._path, "repair"):
                durable.ops.ftruncate(self._fd, replayed.end)
                durable.ops.fdatasync(self._fd)
            tail = data[replayed.end :]
            self.cut = (tail.count(b"\n") + (not tail.endswith(b"\n")), len(tail))
        self._tables = replayed.tables
        self._size = replayed.end
        self._next_tx = replayed.last_tx + 1
        self._lines = replayed.lines

    def _open_fd(self) -> int:
        """Open the journal file; a new file is made durable by flushing its folder."""
        with mapped_errors(self._path, "open"):
            try:
                return durable.ops.open(self._path, os.O_RDWR)
            except FileNotFoundError:
                fd = durable.ops.open(self._path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        try:
            fsync_dir(self._path.parent)
        except StoreError:
            durable.ops.close(fd)
            raise
        return fd

    @property
    def path(self) -> Path:
        """The journal file."""
        return self._path

    def read(self) -> Tables:
        """Return a copy of the state that TinyDB may change freely (documents are flat)."""
        return {
            name: {doc_id: dict(doc) for doc_id, doc in docs.items()}
            for name, docs in self._tables.items()
        }

    def count(self, table: str) -> int:
        """Count a table's documents without copying them."""
        return len(self._tables.get(table, ()))

    @property
    def dead_lines(self) -> int:
        """How many journal lines no longer describe a live document."""
        return self._lines - sum(len(docs) for docs in self._tables.values())

    def write(self, data: Mapping[str, Mapping[str, Doc]]) -> None:
        """Append the difference between `data` and the stored state; durable on return."""
        entries: list[Doc] = []
        for name in [*self._tables, *(name for name in data if name not in self._tables)]:
            old = self._tables.get(name, {})
            new = data.get(name, {})
            for doc_id, doc in new.items():
                if old.get(doc_id) != doc:
                    entries.append({"op": "put", "t": name, "id": doc_id, "doc": doc})
            for doc_id in old.keys() - new.keys():
                entries.append({"op": "del", "t": name, "id": doc_id})
        if not entries:
            return
        payload = b"".join(encode_line(self._next_tx, len(entries), e) for e in entries)
        if not still_names(self._fd, self._path):
            raise StoreLockLost(
                f"{self._path} was deleted or replaced by another program while this one had "
                "it open; nothing was written. Stop every program using the folder, then start "
                "the kiosk again."
            )
        append_durably(self._fd, payload, self._size, self._path)
        self._size += len(payload)
        self._next_tx += 1
        self._lines += len(entries)
        for e in entries:
            docs = self._tables.setdefault(e["t"], {})
            if e["op"] == "put":
                docs[e["id"]] = dict(e["doc"])
            else:
                del docs[e["id"]]
            if not docs:
                del self._tables[e["t"]]
        live = self._lines - self.dead_lines
        if self.dead_lines >= max(self._compact_at, live):
            self._compact_quietly()

    def _compact_quietly(self) -> None:
        """Compact after a durable write; a failure loses nothing and is retried later."""
        try:
            self.compact()
        except StoreError:
            self._compact_at = self.dead_lines + self._compact_min_dead
        else:
            self._compact_at = self._compact_min_dead

    def compact(self) -> None:
        """Rewrite the journal as a snapshot of the live documents (atomic replace)."""
        snapshot = encode_snapshot(self._tables, self._next_tx)
        atomic_write(self._path, snapshot)
        with mapped_errors(self._path, "reopen"):
            durable.ops.close(self._fd)
            self._fd = durable.ops.open(self._path, os.O_RDWR)
        self._size = len(snapshot)
        self._lines = sum(len(docs) for docs in self._tables.values())
        self._next_tx += 1

    def close(self) -> None:
        """Close the journal file."""
        if self._fd >= 0:
            durable.ops.close(self._fd)
            self._fd = -1
