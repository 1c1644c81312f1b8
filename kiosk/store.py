"""Crash-safe storage of sealed records and kiosk state: record segments, lock, state DB.

The store sees only opaque sealed bytes and random record ids: nothing of an answer, no
timestamps. Each file is a TinyDB database on the journal storage of `kiosk.journal`.
Layout, journal format and the recovery rule are described in docs/storage.md.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from tinydb import Query, TinyDB
from tinydb.table import Document, Table

from kiosk import durable
from kiosk.damage import Damage, decode_record, read_segment, record_id_of
from kiosk.durable import (
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreLockLost,
    StoreMissing,
    StoreReadOnly,
    atomic_write,
    fsync_dir,
    lock_folder,
    make_dirs,
    mapped_errors,
    still_names,
)
from kiosk.journal import (
    COMPACT_MIN_DEAD,
    Doc,
    JournalStorage,
    encode_snapshot,
    load_journal,
    read_file,
)
from kiosk.oplog import log_event

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
    "StoreLockLost",
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
_KIOSK_ID = re.compile(r"[0-9a-f]{16}")
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
        self.notes: list[str] = []
        """What opening found damaged and worked around, in sentences for kiosk doctor."""
        self._delivered: set[bytes] = set()
        self._damaged_delivery_rows = 0
        for doc in self.state.table("delivered"):
            rids = _delivered_ids(doc)
            if rids is None:
                self._damaged_delivery_rows += 1
            else:
                self._delivered.update(rids)
        if self._damaged_delivery_rows:
            self.notes.append(
                f"{self._damaged_delivery_rows} damaged delivery row(s) in state.jsonl were "
                "ignored: their records count as not delivered and are exported again (nothing "
                "is lost); the next kiosk purge clears the rows"
            )
        with mapped_errors(self._records_dir, "list"):
            names = os.listdir(self._records_dir)
        numbers = sorted(
            int(match.group(1)) for name in names if (match := _SEGMENT_NAME.fullmatch(name))
        )
        self._old_segments = numbers[:-1]
        self._old_counts: dict[int, int] = {}
        self._index: dict[bytes, int] | None = None
        self._damaged_segments: set[int] = set()
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
            if os.path.lexists(records_dir) and not records_dir.is_dir():
                raise StoreCorrupt(
                    f"{records_dir} should be the folder of record segments, but it is not a "
                    "folder. Nothing was changed. Move it aside (keep it: it may hold records) "
                    "and restore the folder from a backup, or ask for help."
                )
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
            store._log_repairs()
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
            self._require_lock()
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
            self._require_lock()
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

    def iter_records(
        self, undelivered_only: bool = False, damage: list[Damage] | None = None
    ) -> Iterator[StoredRecord]:
        """Yield the stored records, oldest segment first, reading one segment at a time.

        Args:
            undelivered_only: leave out the records confirmed delivered.
            damage: where to list damaged lines and go on with the intact records; without
                it, damage raises StoreCorrupt.
        """
        with self._mutex:
            self._require_open()
            old = [self._segment_path(n) for n in self._old_segments]
            current = self._current_storage.read().get("records", {})
            skip = set(self._delivered) if undelivered_only else set()
        for path in old:
            try:
                docs, found = read_segment(path)
            except StoreError:
                if not path.exists():
                    continue  # purged meanwhile: it held only delivered records
                raise
            yield from _records_of(docs, path, skip, found, damage)
        yield from _records_of(current, self._current_storage.path, skip, None, damage)

    def scan_damage(self) -> list[Damage]:
        """Check every line of every segment (checksum and shape); list what is damaged."""
        damage: list[Damage] = []
        for _ in self.iter_records(damage=damage):
            pass
        return damage

    # --- delivery receipts -----------------------------------------------------------------

    def mark_delivered(self, record_ids: Iterable[bytes]) -> int:
        """Mark stored records as delivered (after an import receipt); return how many are new."""
        with self._mutex:
            self._require_lock()
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
            self._require_lock()
            if not self._delivered:
                if self._damaged_delivery_rows:
                    self.state.table("delivered").truncate()
                    self._damaged_delivery_rows = 0
                return 0
            index = self._ensure_index()
            by_segment: dict[int, set[str]] = {}
            for rid in self._delivered:
                if rid in index:
                    by_segment.setdefault(index[rid], set()).add(rid.hex())
            purged = 0
            kept: list[bytes] = []
            for number, rids in sorted(by_segment.items()):
                if number in self._damaged_segments:
                    # A damaged segment is left as it is; only intact files are rewritten.
                    kept.extend(bytes.fromhex(hex_id) for hex_id in rids)
                    continue
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
            self._damaged_delivery_rows = 0
            if kept:
                self.state.table("delivered").insert(
                    {"rids": " ".join(sorted(r.hex() for r in kept))}
                )
                self._delivered.update(kept)
            return purged

    def _purge_old_segment(self, number: int, rids: set[str]) -> None:
        """Rewrite an older segment without the given records, or remove it if none remain."""
        path = self._segment_path(number)
        docs = load_journal(path).get("records", {})
        keep = {doc_id: doc for doc_id, doc in docs.items() if doc.get("rid") not in rids}
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
        value = doc.get("value", default)
        return value if isinstance(value, str | int | float | bool | None) else default

    def set_setting(self, key: str, value: SettingValue) -> None:
        """Save one setting durably."""
        with self._mutex:
            self._require_lock()
            self.state.table("settings").upsert({"key": key, "value": value}, Query().key == key)

    def log_export(self, entry: Mapping[str, SettingValue]) -> None:
        """Append one entry (flat values only) to the export log, durably."""
        with self._mutex:
            self._require_lock()
            self.state.table("exports").insert(dict(entry))

    def export_log(self) -> list[dict[str, SettingValue]]:
        """The export log, oldest first."""
        with self._mutex:
            return [dict(doc) for doc in self.state.table("exports")]

    def rewrite_export_log(
        self, rewrite: Callable[[dict[str, SettingValue]], dict[str, SettingValue]]
    ) -> None:
        """Replace each export-log entry by `rewrite(entry)`, then compact the state file.

        Compacting drops the superseded journal lines, so what an entry said before is gone
        from the disk, not only from the table. An entry is rewritten in one durable write;
        a crash midway leaves the rest as they were.
        """
        with self._mutex:
            self._require_lock()
            table = self.state.table("exports")
            for doc in table.all():
                new = rewrite(dict(doc))
                if new != dict(doc):
                    table.update(_replaced_by(new), doc_ids=[doc.doc_id])
            storage = self.state.storage
            assert isinstance(storage, JournalStorage)
            storage.compact()

    def holds(self, record_id: bytes) -> bool:
        """Whether a record with this id is stored."""
        with self._mutex:
            self._require_open()
            return record_id in self._ensure_index()

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

    def _require_lock(self) -> None:
        """Refuse to write once our locked folder is no longer the one at `data_dir`."""
        self._require_open()
        if not still_names(self._lock_fd, self.data_dir):
            raise StoreLockLost(
                f"The kiosk's store {self.data_dir} was moved or replaced while this program "
                "had it open, so it no longer holds the store's lock; nothing was written. Stop "
                "every program using the store, then start the kiosk again."
            )

    def _ensure_kiosk_id(self) -> None:
        """Make the kiosk id on first open; replace a damaged one, so exports can still go."""
        kiosk = self.state.table("kiosk")
        doc = kiosk.get(doc_id=1)
        if doc is None:
            kiosk.insert({"kiosk_id": secrets.token_hex(8)})
        elif isinstance(doc, list) or not _KIOSK_ID.fullmatch(str(doc.get("kiosk_id"))):
            new_id = secrets.token_hex(8)
            kiosk.upsert(Document({"kiosk_id": new_id}, doc_id=1))
            self.notes.append(
                f"the kiosk id in state.jsonl was damaged and is replaced by a new one, "
                f"{new_id}: tell the administrator that this kiosk's next exports carry it"
            )
            log_event(self.data_dir, "store_repaired", file="state.jsonl", what="kiosk_id")

    def _log_repairs(self) -> None:
        """Log each torn last write cut off on open: which file, how many lines and bytes."""
        for storage in (self.state.storage, self._current.storage):
            assert isinstance(storage, JournalStorage)
            if storage.cut is not None:
                lines, size = storage.cut
                name = storage.path.relative_to(self.data_dir).as_posix()
                log_event(self.data_dir, "store_repaired", file=name, lines=lines, bytes=size)
                self.notes.append(
                    f"{name}: an unfinished last write ({lines} line(s), {size} bytes, never "
                    "acknowledged) was cut off on open"
                )

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
                docs, found = read_segment(self._segment_path(number))
                index.update(_ids_of(docs, number))
                if found is None:
                    self._old_counts[number] = len(docs)
                else:
                    self._damaged_segments.add(number)
            index.update(_ids_of(self._current_storage.read().get("records", {}), self._current_no))
            self._index = index
        return self._index


def _delivered_ids(doc: Doc) -> list[bytes] | None:
    """The record ids of one delivery row; None if the row is damaged."""
    rids = doc.get("rids")
    if not isinstance(rids, str):
        return None
    try:
        ids = [bytes.fromhex(rid) for rid in rids.split()]
    except ValueError:
        return None
    return ids if all(1 <= len(rid) <= 64 for rid in ids) else None


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


def _insertion_order(doc_id: str) -> tuple[int, str]:
    return (int(doc_id), "") if doc_id.isdigit() else (1 << 62, doc_id)


def _ids_of(docs: Mapping[str, Doc], number: int) -> Iterator[tuple[bytes, int]]:
    """(record id, segment number) of each document with a valid record id."""
    for doc in docs.values():
        record_id = record_id_of(doc)
        if record_id is not None:
            yield record_id, number


def _records_of(
    docs: Mapping[str, Doc],
    path: Path,
    skip: set[bytes],
    found: Damage | None,
    damage: list[Damage] | None,
) -> Iterator[StoredRecord]:
    """Decode a segment's documents in insertion order, leaving out `skip`.

    Damage (found while reading, or a malformed document here) goes to `damage`, or raises
    StoreCorrupt where the caller gave no list.
    """
    malformed = []
    records = []
    for doc_id in sorted(docs, key=_insertion_order):
        decoded = decode_record(docs[doc_id])
        if decoded is None:
            malformed.append(doc_id)
        else:
            records.append(StoredRecord(*decoded))
    if malformed:
        found = Damage(path, found.lines if found else (), tuple(malformed))
    if found is not None:
        if damage is None:
            raise StoreCorrupt(
                f"{found.describe(path.parent.parent)} cannot be read (damaged). Run kiosk "
                "doctor: it says what to do."
            )
        damage.append(found)
    yield from (record for record in records if record.record_id not in skip)


def _replaced_by(new: Mapping[str, SettingValue]) -> Callable[[MutableMapping[str, Any]], None]:
    """A TinyDB update that replaces a document whole (a dict update would keep dropped keys)."""

    def replace(doc: MutableMapping[str, Any]) -> None:
        doc.clear()
        doc.update(new)

    return replace
