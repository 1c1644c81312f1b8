"""The administrator's store: imported sealed records, deduplicated by id, and the import log.

Each import's new records go into a segment file of their own (a TinyDB journal), still
sealed, and its opened payloads into an encrypted cache file (kiosk/admin/opencache.py). Both
are written before the import log entry that names them, so a crash mid-import leaves either
the whole import or none of it, and no entry ever names a file that is not there.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import TracebackType

from tinydb import Query, TinyDB

from kiosk import durable
from kiosk.bundle import Promise
from kiosk.durable import (
    StoreCorrupt,
    StoreMissing,
    atomic_write,
    lock_folder,
    make_dirs,
    mapped_errors,
)
from kiosk.store import JournalStorage, load_journal

IMPORT_LOG = "imports.jsonl"
STORE_CONFIG = "config.json"
RECORDS_DIR = "records"
CACHE_DIR = "opened"
_SEGMENT_SUFFIX = ".jsonl"
_CACHE_SUFFIX = ".bin"


@dataclass(frozen=True)
class ImportEntry:
    """One imported bundle: where it came from, its receipt code, its segment and opened cache.

    `cache` is empty for an import without new records, and in stores from before the cache.
    `quarantined` counts the new records that opened but were not valid answers: they are
    stored sealed like the others but never counted (their ids are in `quarantined_ids`).
    `promised_min_group` and `promised_min_group_text` are the thresholds the site's welcome
    screen promised, from the bundle's header; 0 for a bundle from before kiosks sent them.
    """

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
    cache: str = ""
    quarantined: int = 0
    promised_min_group: int = 0
    promised_min_group_text: int = 0


@dataclass(frozen=True)
class StoreConfig:
    """The store's report settings: thresholds (never below 3) and retired kiosks.

    They belong to the store, not to a report, so every report from it applies the same
    ones; changing them is safe because the audit covers every release made before.
    """

    min_group: int = 5
    min_group_text: int = 10
    retired: tuple[str, ...] = ()


def _lock(folder: Path) -> int:
    return lock_folder(
        folder,
        lambda holder: (
            f"The admin store {folder} is in use by another kiosk-admin (pid {holder}); "
            "wait for it to finish."
        ),
    )


class AdminStore:
    """A locked admin store folder: the import log and one segment of records per import."""

    def __init__(self, folder: Path, lock_fd: int) -> None:
        """Set up an opened store; use AdminStore.open()."""
        self.folder = folder
        self._lock_fd = lock_fd
        self._records_dir = folder / RECORDS_DIR
        self._cache_dir = folder / CACHE_DIR
        self._log = TinyDB(folder / IMPORT_LOG, storage=JournalStorage)
        self._imports = self._log.table("imports")
        self._entries: list[ImportEntry] = []
        self._rids: list[str] = []
        self._known: set[bytes] | None = None
        self._quarantined: dict[str, frozenset[bytes]] = {}
        for doc in self._imports.all():
            try:
                fields = {key: doc[key] for key in ImportEntry.__dataclass_fields__ if key in doc}
                entry = ImportEntry(**fields)
                self._entries.append(entry)
                _check_rids(doc["rids"])
                self._rids.append(doc["rids"])
                quarantined = frozenset(bytes.fromhex(r) for r in doc.get("qrids", "").split())
                if len(quarantined) != entry.quarantined:
                    raise ValueError("quarantine count")
                self._quarantined[entry.digest] = quarantined
            except (KeyError, ValueError, AttributeError, TypeError):
                raise StoreCorrupt(f"{folder / IMPORT_LOG} holds a malformed import") from None
        self._remove_orphans(self._records_dir, {entry.segment for entry in self._entries})
        self._remove_orphans(self._cache_dir, {entry.cache for entry in self._entries})

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
            make_dirs(folder / CACHE_DIR)
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

    @staticmethod
    def _remove_orphans(folder: Path, named: set[str]) -> None:
        """Delete files no import names: a crash came between writing one and logging it."""
        for name in os.listdir(folder):
            if name not in named:
                with mapped_errors(folder / name, "remove"):
                    durable.ops.unlink(folder / name)

    def imports(self) -> list[ImportEntry]:
        """Every import, oldest first."""
        return list(self._entries)

    def find(self, digest: str) -> ImportEntry | None:
        """The import of the bundle with this SHA-256 (hex), if it was imported before."""
        return next((entry for entry in self._entries if entry.digest == digest), None)

    @property
    def known_ids(self) -> set[bytes]:
        """The ids of every stored record (quarantined ones included).

        Read from the import log when first asked for: a report never needs them, and a
        million of them take a second and a hundred megabytes.
        """
        if self._known is None:
            self._known = {bytes.fromhex(rid) for rids in self._rids for rid in rids.split()}
        return self._known

    @property
    def record_count(self) -> int:
        """How many distinct records the store holds (quarantined ones included)."""
        return len(self.known_ids)

    @property
    def quarantined_count(self) -> int:
        """How many stored records are quarantined: they opened but are not valid answers.

        Reports leave them out and say how many there are.
        """
        return sum(entry.quarantined for entry in self._entries)

    def quarantined_ids(self, entry: ImportEntry) -> frozenset[bytes]:
        """The ids of an import's quarantined records."""
        return self._quarantined.get(entry.digest, frozenset())

    def add_import(
        self,
        entry: ImportEntry,
        records: Sequence[tuple[bytes, bytes]],
        cache: bytes,
        quarantined: frozenset[bytes] = frozenset(),
    ) -> ImportEntry:
        """Store a bundle's new records and their opened cache, then log the import; durable.

        Args:
            entry: the import to log; its `segment`, `cache`, `new` and `quarantined` are
                filled in here.
            records: (record id, sealed) pairs not yet in the store.
            cache: the encrypted opened cache of the valid ones (opencache.seal_cache).
            quarantined: the ids among `records` that are not valid answers.
        """
        segment = f"{entry.digest[:32]}{_SEGMENT_SUFFIX}" if records else ""
        cache_name = f"{entry.digest[:32]}{_CACHE_SUFFIX}" if records else ""
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
            atomic_write(self._cache_dir / cache_name, cache)
        done = replace(
            entry,
            segment=segment,
            cache=cache_name,
            new=len(records),
            quarantined=len(quarantined),
        )
        rids = " ".join(rid.hex() for rid, _ in records)
        qrids = " ".join(sorted(rid.hex() for rid in quarantined))
        self._imports.insert({**done.__dict__, "rids": rids, "qrids": qrids})
        self._entries.append(done)
        self._quarantined[done.digest] = quarantined
        self._rids.append(rids)
        if self._known is not None:
            self._known.update(rid for rid, _ in records)
        return done

    def read_cache(self, entry: ImportEntry) -> bytes | None:
        """The import's encrypted opened cache, or None if it has none (or it went missing)."""
        if not entry.cache:
            return None
        path = self._cache_dir / entry.cache
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise durable.map_os_error(error, path, "read") from None

    def write_cache(self, entry: ImportEntry, cache: bytes) -> ImportEntry:
        """Store a rebuilt opened cache for an import, then let its log entry name it.

        The file is complete on disk before the entry names it; a crash in between leaves an
        unnamed file that the next open removes.
        """
        name = f"{entry.digest[:32]}{_CACHE_SUFFIX}"
        atomic_write(self._cache_dir / name, cache)
        if entry.cache == name:
            return entry
        done = replace(entry, cache=name)
        self._imports.update({"cache": name}, Query().digest == entry.digest)
        self._entries[self._entries.index(entry)] = done
        return done

    def config(self) -> StoreConfig:
        """The store's report settings (the defaults until `kiosk-admin config` sets them).

        Raises:
            StoreCorrupt: the file is there but is not a valid store config.
        """
        path = self.folder / STORE_CONFIG
        if not path.exists():
            return StoreConfig()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            config = StoreConfig(
                int(data["min_group"]),
                int(data["min_group_text"]),
                tuple(str(kiosk) for kiosk in data.get("retired", [])),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise StoreCorrupt(f"{path} is not a valid store config") from None
        if config.min_group < 3 or config.min_group_text < config.min_group:
            raise StoreCorrupt(f"{path} sets thresholds below the floor of 3")
        return config

    def write_config(self, config: StoreConfig) -> None:
        """Store the report settings durably (temp file, fsync, rename)."""
        body = {
            "min_group": config.min_group,
            "min_group_text": config.min_group_text,
            "retired": list(config.retired),
        }
        atomic_write(self.folder / STORE_CONFIG, json.dumps(body, indent=1).encode() + b"\n")

    def sealed_records(self, entry: ImportEntry) -> list[tuple[bytes, bytes]]:
        """The sealed records an import stored (its segment), in their stored order."""
        if not entry.segment:
            return []
        path = self._records_dir / entry.segment
        if not path.exists():
            raise StoreCorrupt(f"{path} is missing; the import of {entry.bundle_id} is lost")
        docs = load_journal(path).get("records", {})
        try:
            return [
                (bytes.fromhex(doc["rid"]), base64.b64decode(doc["sealed"], validate=True))
                for doc in docs.values()
            ]
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise StoreCorrupt(f"{path} holds a malformed record") from None


def _check_rids(rids: object) -> None:
    """Raise ValueError unless `rids` is record ids of 32 hex digits, one space apart.

    Checked whole in C (one fromhex over the text, the spaces by slicing), as it runs over
    every stored id each time the store is opened.
    """
    if not isinstance(rids, str):
        raise ValueError("record ids are not text")
    ids = (len(rids) + 1) // 33
    if rids and (
        len(rids) != 33 * ids - 1
        or rids[32::33] != " " * (ids - 1)
        or len(bytes.fromhex(rids)) != 16 * ids
    ):
        raise ValueError("malformed record ids")


def new_entry(
    *,
    bundle_id: str,
    digest: str,
    receipt: str,
    kiosk_id: str,
    site: str,
    created: date,
    count: int,
    promise: Promise | None = None,
) -> ImportEntry:
    """An import log entry for a bundle about to be stored (imported today), with the
    thresholds its kiosk promised (None: the bundle carries no promise)."""
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
        promised_min_group=promise.min_group if promise else 0,
        promised_min_group_text=promise.min_group_text if promise else 0,
    )
