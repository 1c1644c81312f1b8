"""The administrator's store: imported sealed records, deduplicated by id, and the import log.

Records stay sealed here; a report opens them again with the private key. Each import's new
records go into a segment file of their own (a TinyDB journal), written before the import
log entry that names it, so a crash mid-import leaves either the whole import or none of it.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

from tinydb import TinyDB

from kiosk import durable
from kiosk.durable import StoreCorrupt, StoreLocked, StoreMissing, make_dirs, mapped_errors
from kiosk.store import JournalStorage, load_journal

IMPORT_LOG = "imports.jsonl"
RECORDS_DIR = "records"
_SEGMENT_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class ImportEntry:
    """One imported bundle: where it came from, its receipt code and its new records' segment."""

    bundle_id: str
    digest: str
    receipt: str
    kiosk_id: str
    site: str
    created: str
    imported: str
    count: int
    new: int
    segment: str


def _lock(folder: Path) -> int:
    path = folder / ".lock"
    with mapped_errors(path, "open the lock file"):
        fd = durable.ops.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        durable.ops.close(fd)
        raise StoreLocked(
            f"The admin store {folder} is in use by another kiosk-admin; wait for it to finish."
        ) from None
    return fd


class AdminStore:
    """A locked admin store folder: the import log and one segment of records per import."""

    def __init__(self, folder: Path, lock_fd: int) -> None:
        """Set up an opened store; use AdminStore.open()."""
        self.folder = folder
        self._lock_fd = lock_fd
        self._records_dir = folder / RECORDS_DIR
        self._log = TinyDB(folder / IMPORT_LOG, storage=JournalStorage)
        self._imports = self._log.table("imports")
        self._entries: list[ImportEntry] = []
        self.known_ids: set[bytes] = set()
        for doc in self._imports.all():
            fields = {key: doc[key] for key in ImportEntry.__dataclass_fields__}
            self._entries.append(ImportEntry(**fields))
            try:
                self.known_ids.update(bytes.fromhex(rid) for rid in doc["rids"].split())
            except (KeyError, ValueError, AttributeError):
                raise StoreCorrupt(f"{folder / IMPORT_LOG} holds a malformed import") from None
        self._remove_orphan_segments()

    @classmethod
    def open(cls, folder: Path, *, create: bool = False) -> AdminStore:
        """Open (or, with create, make) the admin store in `folder`, locked for this process.

        Raises:
            StoreMissing: the folder holds no admin store and create is false.
            StoreLocked: another kiosk-admin has it open.
            StoreCorrupt: the import log or a segment is damaged beyond a torn last write.
        """
        folder = Path(folder)
        if not (folder / IMPORT_LOG).exists():
            if not create:
                raise StoreMissing(
                    f"{folder} is not an admin store (it has no {IMPORT_LOG}); "
                    "import a bundle into it first"
                )
            make_dirs(folder / RECORDS_DIR)
        lock_fd = _lock(folder)
        try:
            make_dirs(folder / RECORDS_DIR)
            return cls(folder, lock_fd)
        except BaseException:
            durable.ops.close(lock_fd)
            raise

    def __enter__(self) -> AdminStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the import log and release the lock; closing twice is harmless."""
        if self._lock_fd < 0:
            return
        self._log.close()
        durable.ops.close(self._lock_fd)
        self._lock_fd = -1

    def _remove_orphan_segments(self) -> None:
        """Delete segments no import names: a crash came between writing one and logging it."""
        named = {entry.segment for entry in self._entries}
        for name in os.listdir(self._records_dir):
            if name not in named:
                with mapped_errors(self._records_dir / name, "remove"):
                    durable.ops.unlink(self._records_dir / name)

    def imports(self) -> list[ImportEntry]:
        """Every import, oldest first."""
        return list(self._entries)

    def find(self, digest: str) -> ImportEntry | None:
        """The import of the bundle with this SHA-256 (hex), if it was imported before."""
        return next((entry for entry in self._entries if entry.digest == digest), None)

    @property
    def record_count(self) -> int:
        """How many distinct records the store holds."""
        return len(self.known_ids)

    def add_import(
        self,
        entry: ImportEntry,
        records: Sequence[tuple[bytes, bytes]],
    ) -> ImportEntry:
        """Store a bundle's new records and log the import; durable when this returns.

        Args:
            entry: the import to log; its `segment` and `new` are filled in here.
            records: (record id, sealed) pairs not yet in the store.
        """
        segment = f"{entry.digest[:32]}{_SEGMENT_SUFFIX}" if records else ""
        if records:
            path = self._records_dir / segment
            if path.exists():
                with mapped_errors(path, "remove"):
                    durable.ops.unlink(path)
            segment_db = TinyDB(path, storage=JournalStorage)
            try:
                segment_db.table("records").insert_multiple(
                    {"rid": rid.hex(), "sealed": base64.b64encode(sealed).decode("ascii")}
                    for rid, sealed in records
                )
            finally:
                segment_db.close()
        done = ImportEntry(**{**entry.__dict__, "segment": segment, "new": len(records)})
        rids = " ".join(rid.hex() for rid, _ in records)
        self._imports.insert({**done.__dict__, "rids": rids})
        self._entries.append(done)
        self.known_ids.update(rid for rid, _ in records)
        return done

    def sealed_records(self) -> Iterator[tuple[ImportEntry, list[tuple[bytes, bytes]]]]:
        """Each import with its stored sealed records, segment by segment."""
        for entry in self._entries:
            if not entry.segment:
                continue
            path = self._records_dir / entry.segment
            if not path.exists():
                raise StoreCorrupt(f"{path} is missing; the import of {entry.bundle_id} is lost")
            docs = load_journal(path).get("records", {})
            try:
                records = [
                    (bytes.fromhex(doc["rid"]), base64.b64decode(doc["sealed"], validate=True))
                    for doc in docs.values()
                ]
            except (KeyError, TypeError, ValueError, binascii.Error):
                raise StoreCorrupt(f"{path} holds a malformed record") from None
            yield entry, records


def new_entry(
    *,
    bundle_id: str,
    digest: str,
    receipt: str,
    kiosk_id: str,
    site: str,
    created: date,
    count: int,
) -> ImportEntry:
    """An import log entry for a bundle about to be stored (imported today)."""
    return ImportEntry(
        bundle_id=bundle_id,
        digest=digest,
        receipt=receipt,
        kiosk_id=kiosk_id,
        site=site,
        created=created.isoformat(),
        imported=date.today().isoformat(),
        count=count,
        new=0,
        segment="",
    )
