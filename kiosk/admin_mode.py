"""The one path from admin mode's screens to the kiosk's store, exports and receipts.

As answers go through `kiosk.submit.Submitter`, everything admin mode reads or changes goes
through `AdminService`: the screens never touch `site.store` themselves. Its calls block (a
purge at 50k records rewrites segments), so the screens run them in worker threads.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kiosk.doctor import implausible_day
from kiosk.export import (
    Export,
    ReceiptResult,
    apply_receipt,
    build_export,
    export_to_usb,
    purge,
    record_export,
)
from kiosk.notice import Notice, import_notice, read_notice_file
from kiosk.site import Site
from kiosk.store import SettingValue
from kiosk.usb import Progress


@dataclass(frozen=True)
class AdminFacts:
    """What admin mode shows about the kiosk: counts and identity, never an answer.

    Attributes:
        site_name: the site's display name.
        kiosk_id: this kiosk's id.
        fingerprint: the pinned administrator key's fingerprint.
        stored: records held, delivered or not.
        undelivered: records not yet confirmed delivered by a receipt.
        last_export: the newest export-log entry, or None before the first export.
        free_disk: free bytes on the site folder's file system.
    """

    site_name: str
    kiosk_id: str
    fingerprint: str
    stored: int
    undelivered: int
    last_export: dict[str, SettingValue] | None
    free_disk: int

    @property
    def delivered(self) -> int:
        """Records confirmed delivered: the ones a purge would delete."""
        return self.stored - self.undelivered


@dataclass(frozen=True)
class PurgeResult:
    """What a purge did: how many delivered records went, and how many records remain."""

    deleted: int
    remaining: int


class AdminService:
    """Admin mode's reads and actions on one open site; every call may block on the disk."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def facts(self) -> AdminFacts:
        """Count the records and read the identity, the last export and the free space."""
        store = self.site.store
        log = store.export_log()
        return AdminFacts(
            site_name=self.site.config.site_name,
            kiosk_id=store.kiosk_id,
            fingerprint=self.site.public_key.fingerprint(),
            stored=store.count(),
            undelivered=store.count_undelivered(),
            last_export=log[-1] if log else None,
            free_disk=shutil.disk_usage(self.site.folder).free,
        )

    def has_records(self) -> bool:
        """Whether the kiosk holds any record (to tell 'nothing new' from 'nothing yet')."""
        return self.site.store.count() > 0

    def delivered_count(self) -> int:
        """Records confirmed delivered, which a purge would delete."""
        store = self.site.store
        return store.count() - store.count_undelivered()

    @staticmethod
    def clock_is_wrong(day: date) -> bool:
        """Whether the kiosk's day is surely wrong (before the software existed, or far ahead)."""
        return implausible_day(day)

    def apply_receipt(self, code: str) -> ReceiptResult:
        """Mark the records of the export with this receipt code delivered.

        Raises:
            ReceiptError: the code is mistyped.
            ExportError: no export from this kiosk has this code.
            StoreError: the store could not be written.
        """
        return apply_receipt(self.site, code)

    def purge(self) -> PurgeResult:
        """Delete the delivered records (and only those).

        Raises:
            StoreError: the store could not be rewritten.
        """
        deleted = purge(self.site)
        return PurgeResult(deleted, self.site.store.count())

    def export_to_usb(self, folder: Path, progress: Progress | None = None) -> tuple[Path, Export]:
        """Write a verified bundle of the undelivered records to a stick and log the export."""
        return export_to_usb(self.site, folder, progress=progress)

    def build_export(self) -> Export:
        """A bundle of the undelivered records, for the QR view (log it once shown)."""
        return build_export(self.site)

    def record_export(self, export: Export, channel: str) -> None:
        """Log an export that has left the kiosk, so its receipt is recognised later."""
        record_export(self.site, export, channel=channel)

    def can_check_notices(self) -> bool:
        """Whether this kiosk holds the key that signed notices are checked against."""
        return self.site.signing_key is not None

    def import_notice(self, path: Path, today: date) -> Notice:
        """Verify a notice file for this site and keep it to show.

        Raises:
            NoticeRefused: the notice is not shown, and why.
            StoreError: it could not be kept.
        """
        return import_notice(self.site, read_notice_file(path), today)
