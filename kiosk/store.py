"""Crash-safe storage of sealed records and kiosk state: record segments, lock, state DB.

The store sees only opaque sealed bytes and random record ids: nothing of an answer, no
timestamps. Each file is a TinyDB database on the journal storage of `kiosk.journal`.
Layout, journal format and the recovery rule are described in docs/storage.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from tinydb import Query, TinyDB
from tinydb.table import Table

from kiosk import durable
from kiosk.durable import (
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreMissing,
    StoreReadOnly,
    atomic_write,
    fsync_dir,
    lock_folder,
    make_dirs,
    mapped_errors,
)
from kiosk.journal import (
    COMPACT_MIN_DEAD,
    Doc,
    JournalStorage,
    encode_snapshot,
    load_journal,
    read_file,
)

__all__ = [
    "COMPACT_MIN_DEAD",
    "FORMAT",
    "SEGMENT_SIZE",
    "JournalStorage",
    "RecordStore",
    "SettingValue",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreLocked",
    "StoreMissing",
    "StoreReadOnly",
    "StoredRecord",
    "load_journal",
]

FORMAT = 1
SEGMENT_SIZE = 1000

SettingValue = str | int | float | bool | None

_SEGMENT_NAME = re.compile(r"seg-(\d{6,})\.jsonl")
_OUR_TEMP = re.compile(r"\.(state\.jsonl|store\.json|seg-\d{6,}\.jsonl)\.[0-9a-f]{8}\.tmp")


class StoredRecord(NamedTuple):
    """One sealed record as stored: its random id and the sealed bytes."""

    record_id: bytes
    sealed: bytes


class ReceiptCheck(NamedTuple):
    """A built bundle's receipt check: its id, its record count and its undelivered ids."""

    bundle_id: str
    total: int
    record_ids: list[bytes]


_RECEIPT_CHECK = re.compile(r"[0-9a-f]{64}")


def _lock_store(data_dir: Path) -> int:
    """Take the store's lock (non-blocking) and write our pid into it for the next comer."""
    return lock_folder(
        data_dir,
        lambda holder: (
            f"The kiosk's store is in use by another program (pid {holder}): {data_dir}. "
            "Close that program (or wait for it to finish) and try again."
        ),
    )


def _decode_record(doc: Doc, path: Path) -> StoredRecord:
    """Turn a stored document back into a record; a malformed one means a damaged file."""
    try:
        return StoredRecord(
            bytes.fromhex(doc["rid"]), base64.b64decode(doc["sealed"], validate=True)
        )
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise StoreCorrupt(f"{path} holds a malformed record: {str(doc)[:80]}") from None


class RecordStore:
    """The kiosk's data folder: sealed records in bounded segments, plus a small state DB.

    Only the newest segment is open for writing; older ones are read when needed, so
    opening and adding cost the same with 50 or 50,000 records stored. A file lock keeps
    a second program out.
    """

    def __init__(
        self,
        data_dir: Path,
        lock_fd: int,
        *,
        segment_size: int,
        compact_min_dead: int,
    ) -> None:
        """Set up an opened store; use RecordStore.open()."""
        self.data_dir = data_dir
        self._lock_fd = lock_fd
        self._segment_size = segment_size
        self._compact_min_dead = compact_min_dead
        self._mutex = threading.RLock()
        self._records_dir = data_dir / "records"
        self.state = TinyDB(
            data_dir / "state.jsonl", storage=JournalStorage, compact_min_dead=compact_min_dead
        )
        self._delivered: set[bytes] = set()
        for doc in self.state.table("delivered"):
            self._delivered.update(bytes.fromhex(rid) for rid in doc["rids"].split())
        numbers = sorted(
            int(match.group(1))
            for name in os.listdir(self._records_dir)
            if (match := _SEGMENT_NAME.fullmatch(name))
        )
        self._old_segments = numbers[:-1]
        self._old_counts: dict[int, int] = {}
        self._index: dict[bytes, int] | None = None
        self._current_no = numbers[-1] if numbers else 1
        self._current = self._open_segment(self._current_no)

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        create: bool = False,
        segment_size: int = SEGMENT_SIZE,
        compact_min_dead: int = COMPACT_MIN_DEAD,
    ) -> RecordStore:
        """Open the store in `data_dir` (making it if `create`), locked for this process.

        Raises StoreMissing if the folder is not a store and `create` is false, StoreLocked
        if another program has it open, StoreCorrupt if a file is damaged beyond a torn
        last write.
        """
        data_dir = Path(data_dir)
        marker = data_dir / "store.json"
        if not marker.exists():
            if not create:
                raise StoreMissing(
                    f"{data_dir} is not a kiosk store (it has no store.json). "
                    "Check the path, or set the kiosk up first."
                )
            make_dirs(data_dir)
        lock_fd = _lock_store(data_dir)
        try:
            _check_marker(marker)
            records_dir = data_dir / "records"
            if not records_dir.is_dir():
                make_dirs(records_dir)
            _clear_temp_files(data_dir, records_dir)
            store = cls(
                data_dir, lock_fd, segment_size=segment_size, compact_min_dead=compact_min_dead
            )
        except BaseException:
            durable.ops.close(lock_fd)
            raise
        try:
            store._ensure_kiosk_id()
            if not marker.exists():
                atomic_write(marker, json.dumps({"format": FORMAT}).encode("ascii") + b"\n")
        except BaseException:
            store.close()
            raise
        return store

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every file and release the lock; closing twice is harmless."""
        with self._mutex:
            if self._lock_fd < 0:
                return
            self._current.close()
            self.state.close()
            durable.ops.close(self._lock_fd)
            self._lock_fd = -1

    # --- records ---------------------------------------------------------------------------

    def add(self, record_id: bytes, sealed: bytes) -> None:
        """Store one sealed record; it is on disk (fdatasync'ed) when this returns.

        On failure (StoreFull, …) the store is exactly as before and the next add works
        once the cause is gone.
        """
        _check_record(record_id, sealed)
        with self._mutex:
            self._require_open()
            if self._current_storage.count("records") >= self._segment_size:
                self._start_segment()
            self._records.insert(_record_doc(record_id, sealed))
            if self._index is not None:
                self._index[record_id] = self._current_no

    def add_many(self, records: Iterable[tuple[bytes, bytes]]) -> int:
        """Store many records with one durable write per segment; return how many.

        If it fails, the segments written before the failure are stored and the rest not.
        """
        pending = list(records)
        for record_id, sealed in pending:
            _check_record(record_id, sealed)
        with self._mutex:
            self._require_open()
            done = 0
            while done < len(pending):
                room = self._segment_size - self._current_storage.count("records")
                if room <= 0:
                    self._start_segment()
                    continue
                batch = pending[done : done + room]
                self._records.insert_multiple(_record_doc(rid, sealed) for rid, sealed in batch)
                if self._index is not None:
                    self._index.update((rid, self._current_no) for rid, _ in batch)
                done += len(batch)
            return done

    def count(self) -> int:
        """Count the stored records."""
        with self._mutex:
            self._require_open()
            old = sum(self._old_count(number) for number in self._old_segments)
            return old + self._current_storage.count("records")

    def count_undelivered(self) -> int:
        """Count the records not yet confirmed delivered by an import receipt."""
        with self._mutex:
            self._require_open()
            if not self._delivered:
                return self.count()
            index = self._ensure_index()
            return len(index) - sum(1 for rid in self._delivered if rid in index)

    def iter_records(self, undelivered_only: bool = False) -> Iterator[StoredRecord]:
        """Yield the stored records, oldest segment first, reading one segment at a time."""
        with self._mutex:
            self._require_open()
            old = [(self._segment_path(n), n) for n in self._old_segments]
            current = list(self._current_storage.read().get("records", {}).items())
            skip = set(self._delivered) if undelivered_only else set()
        for path, _ in old:
            try:
                docs = load_journal(path).get("records", {})
            except StoreError:
                if not path.exists():
                    continue  # purged meanwhile: it held only delivered records
                raise
            yield from _records_of(docs.items(), path, skip)
        yield from _records_of(current, self._current_storage.path, skip)

    # --- delivery receipts -----------------------------------------------------------------

    def mark_delivered(self, record_ids: Iterable[bytes]) -> int:
        """Mark stored records as delivered (after an import receipt); return how many are new."""
        with self._mutex:
            self._require_open()
            wanted = set(record_ids) - self._delivered
            if not wanted:
                return 0
            index = self._ensure_index()
            new = sorted(rid for rid in wanted if rid in index)
            if new:
                rids = " ".join(rid.hex() for rid in new)
                self.state.table("delivered").insert({"rids": rids})
                self._delivered.update(new)
            return len(new)

    def is_delivered(self, record_id: bytes) -> bool:
        """Tell whether a record was confirmed delivered."""
        return record_id in self._delivered

    def purge_delivered(self) -> int:
        """Delete the delivered records, durably, segment by segment; return how many."""
        with self._mutex:
            self._require_open()
            if not self._delivered:
                return 0
            index = self._ensure_index()
            by_segment: dict[int, set[str]] = {}
            for rid in self._delivered:
                if rid in index:
                    by_segment.setdefault(index[rid], set()).add(rid.hex())
            purged = 0
            for number, rids in sorted(by_segment.items()):
                if number == self._current_no:
                    self._records.remove(lambda doc, rids=rids: doc["rid"] in rids)
                    self._current_storage.compact()
                else:
                    self._purge_old_segment(number, rids)
                for hex_id in rids:
                    del index[bytes.fromhex(hex_id)]
                purged += len(rids)
            self.state.table("delivered").truncate()
            self._delivered.clear()
            return purged

    def _purge_old_segment(self, number: int, rids: set[str]) -> None:
        """Rewrite an older segment without the given records, or remove it if none remain."""
        path = self._segment_path(number)
        docs = load_journal(path).get("records", {})
        keep = {doc_id: doc for doc_id, doc in docs.items() if doc["rid"] not in rids}
        if keep:
            atomic_write(path, encode_snapshot({"records": keep}, 1))
            self._old_counts[number] = len(keep)
        else:
            with mapped_errors(path, "remove"):
                durable.ops.unlink(path)
            fsync_dir(self._records_dir)
            self._old_segments.remove(number)
            self._old_counts.pop(number, None)

    # --- receipt checks --------------------------------------------------------------------
    # One row per bundle built: a hash of its receipt code and the ids it carries, sorted so
    # they keep no submission order. Ids leave the rows once delivered, so nothing of a
    # purged record stays.

    def add_receipt_check(self, bundle_id: str, check: str, record_ids: Iterable[bytes]) -> None:
        """Remember, durably, which records the bundle whose code hashes to `check` carries."""
        rids = sorted(rid.hex() for rid in record_ids)
        with self._mutex:
            self._require_open()
            self.state.table("receipts").insert(
                {"bundle_id": bundle_id, "check": check, "count": len(rids), "rids": " ".join(rids)}
            )

    def find_receipt_check(self, check: str) -> ReceiptCheck | None:
        """The bundle whose receipt code hashes to `check`, if this kiosk built it.

        A damaged row is passed over, so it cannot stop another receipt.
        """
        with self._mutex:
            self._require_open()
            rows = list(self.state.table("receipts"))
        for row in rows:
            if row.get("check") != check or not _RECEIPT_CHECK.fullmatch(check):
                continue
            try:
                record_ids = [bytes.fromhex(rid) for rid in str(row["rids"]).split()]
                count = int(row["count"])
            except (KeyError, ValueError, TypeError):
                continue
            return ReceiptCheck(str(row.get("bundle_id", "")), count, record_ids)
        return None

    def settle_receipt_checks(self) -> None:
        """Drop delivered ids from every receipt row (after a receipt marked them)."""
        with self._mutex:
            self._require_open()
            table = self.state.table("receipts")
            for row in list(table):
                rids = str(row.get("rids", "")).split()
                try:
                    kept = [rid for rid in rids if bytes.fromhex(rid) not in self._delivered]
                except ValueError:
                    continue  # a damaged row; find_receipt_check passes over it as well
                if len(kept) != len(rids):
                    table.update({"rids": " ".join(kept)}, doc_ids=[row.doc_id])

    # --- kiosk state -----------------------------------------------------------------------

    @property
    def kiosk_id(self) -> str:
        """This kiosk's random id, made when the store was created."""
        with self._mutex:
            doc = self.state.table("kiosk").get(doc_id=1)
        assert doc is not None
        return str(doc["kiosk_id"])

    def get_setting(self, key: str, default: SettingValue = None) -> SettingValue:
        """Read one setting saved on this kiosk."""
        with self._mutex:
            doc = self.state.table("settings").get(Query().key == key)
        if doc is None or isinstance(doc, list):
            return default
        value: SettingValue = doc["value"]
        return value

    def set_setting(self, key: str, value: SettingValue) -> None:
        """Save one setting durably."""
        with self._mutex:
            self._require_open()
            self.state.table("settings").upsert({"key": key, "value": value}, Query().key == key)

    def log_export(self, entry: Mapping[str, SettingValue]) -> None:
        """Append one entry (flat values only) to the export log, durably."""
        with self._mutex:
            self._require_open()
            self.state.table("exports").insert(dict(entry))

    def export_log(self) -> list[dict[str, SettingValue]]:
        """The export log, oldest first."""
        with self._mutex:
            return [dict(doc) for doc in self.state.table("exports")]

    # --- internals -------------------------------------------------------------------------

    @property
    def _current_storage(self) -> JournalStorage:
        storage = self._current.storage
        assert isinstance(storage, JournalStorage)
        return storage

    @property
    def _records(self) -> Table:
        return self._current.table("records")

    def _require_open(self) -> None:
        if self._lock_fd < 0:
            raise StoreError(f"The store in {self.data_dir} is closed.")

    def _ensure_kiosk_id(self) -> None:
        kiosk = self.state.table("kiosk")
        if kiosk.get(doc_id=1) is None:
            kiosk.insert({"kiosk_id": secrets.token_hex(8)})

    def _segment_path(self, number: int) -> Path:
        return self._records_dir / f"seg-{number:06d}.jsonl"

    def _open_segment(self, number: int) -> TinyDB:
        return TinyDB(
            self._segment_path(number),
            storage=JournalStorage,
            compact_min_dead=self._compact_min_dead,
        )

    def _start_segment(self) -> None:
        """Seal the full current segment (compacted: one line per record) and start the next."""
        storage = self._current_storage
        if storage.dead_lines:
            storage.compact()
        new = self._open_segment(self._current_no + 1)
        self._current.close()
        self._old_segments.append(self._current_no)
        self._old_counts[self._current_no] = storage.count("records")
        self._current = new
        self._current_no += 1

    def _old_count(self, number: int) -> int:
        """Count an older segment's records by its lines (a sealed segment has one per record)."""
        if number not in self._old_counts:
            self._old_counts[number] = read_file(self._segment_path(number)).count(b"\n")
        return self._old_counts[number]

    def _ensure_index(self) -> dict[bytes, int]:
        """Map every stored record id to its segment, reading the older segments once."""
        if self._index is None:
            index: dict[bytes, int] = {}
            for number in self._old_segments:
                docs = load_journal(self._segment_path(number)).get("records", {})
                index.update((bytes.fromhex(doc["rid"]), number) for doc in docs.values())
                self._old_counts[number] = len(docs)
            for doc in self._current_storage.read().get("records", {}).values():
                index[bytes.fromhex(doc["rid"])] = self._current_no
            self._index = index
        return self._index


def _check_marker(marker: Path) -> None:
    """Refuse a store made by a newer version, or with a damaged store.json."""
    if not marker.exists():
        return
    try:
        found = json.loads(read_file(marker))["format"]
    except (ValueError, KeyError, TypeError):
        raise StoreCorrupt(f'{marker} is damaged; it should read {{"format": {FORMAT}}}.') from None
    if found != FORMAT:
        raise StoreError(
            f"{marker} says format {found}, but this kiosk reads format {FORMAT}. "
            "Use the kiosk version that made this store."
        )


def _clear_temp_files(*folders: Path) -> None:
    """Remove temp files a crash left behind; their targets are whole without them."""
    for folder in folders:
        for name in os.listdir(folder):
            if _OUR_TEMP.fullmatch(name):
                with mapped_errors(folder / name, "remove"):
                    durable.ops.unlink(folder / name)


def _check_record(record_id: bytes, sealed: bytes) -> None:
    if not isinstance(record_id, bytes) or not 1 <= len(record_id) <= 64:
        raise ValueError(f"A record id must be 1–64 bytes, not {record_id!r:.40}.")
    if not isinstance(sealed, bytes) or not sealed:
        raise ValueError("A sealed record must be non-empty bytes.")


def _record_doc(record_id: bytes, sealed: bytes) -> Doc:
    return {"rid": record_id.hex(), "sealed": base64.b64encode(sealed).decode("ascii")}


def _records_of(
    docs: Iterable[tuple[str, Doc]], path: Path, skip: set[bytes]
) -> Iterator[StoredRecord]:
    """Decode a segment's documents in insertion order, leaving out `skip`."""
    for _, doc in sorted(docs, key=lambda item: int(item[0])):
        record = _decode_record(doc, path)
        if record.record_id not in skip:
            yield record
