"""Exports leave the kiosk as one bundle (a USB file or QR frames); receipts confirm them.

An export never deletes anything. Building a bundle keeps only its receipt check (a hash of
the code that opening the bundle's challenge with the private key gives), so even a bundle
that left the kiosk unlogged, because power went during the export, gets a working receipt.
The export log gets its entry once the bundle has left (the USB file verified, the QR frames
written). The receipt code the administrator brings back marks exactly that bundle's records
delivered, and only delivered records are ever purged.
"""

from __future__ import annotations

import errno
import math
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from kiosk.bundle import Promise, write_bundle
from kiosk.damage import Damage
from kiosk.oplog import log_event
from kiosk.qrframes import encode_frames
from kiosk.qrrender import png_bytes, qr_matrix
from kiosk.receipts import ReceiptError, check_of, parse_receipt_code
from kiosk.site import Site
from kiosk.store import SettingValue
from kiosk.usb import (
    STICK_ROOTS,
    Progress,
    Target,
    UsbError,
    choose_target,
    remove_stale_partials,
    safe_write,
)

_DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})
_SLUG_MAX = 40
BUNDLE_PREFIX = 8
"""How much of a bundle id the operational log and the file name show."""
_USB_REASONS = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "read_only",
    errno.EACCES: "denied",
    errno.EPERM: "denied",
    errno.EFBIG: "too_large",
    errno.EIO: "pulled",
    errno.ENOENT: "pulled",
    errno.ENODEV: "pulled",
    errno.ENXIO: "pulled",
    errno.ESTALE: "pulled",
}


class ExportError(Exception):
    """An export or receipt cannot go on; str() says why and what to do."""


class NothingToExport(ExportError):
    """There are no records to put in a bundle."""


@dataclass(frozen=True)
class Export:
    """A bundle made for one export, with what the export log needs to know about it."""

    bundle: bytes
    bundle_id: str
    record_ids: tuple[bytes, ...]
    created: date
    site_name: str
    damaged: tuple[Damage, ...] = ()
    """Segments with lines that could not be read: they stay on the kiosk, untouched."""

    @property
    def count(self) -> int:
        """How many records the bundle holds."""
        return len(self.record_ids)

    @property
    def file_stem(self) -> str:
        """The file name without suffix, ASCII only: 'trivsel-aeroe-2026-03-02-1a2b3c4d'."""
        day = self.created.isoformat()
        return f"trivsel-{site_slug(self.site_name)}-{day}-{self.bundle_id[:BUNDLE_PREFIX]}"


class ReceiptResult(NamedTuple):
    """What a receipt did: its code, its bundle's record count, and how many were newly marked."""

    code: str
    total: int
    marked: int

    @property
    def already_applied(self) -> bool:
        """Whether every record was already marked delivered (the receipt was typed before)."""
        return self.marked == 0


def site_slug(name: str) -> str:
    """A site name as short lowercase ASCII for file names: 'Ærø Plejehjem' -> 'aeroe-plejehjem'."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.translate(_DANISH_LETTERS))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "site"


def build_export(
    site: Site, *, include_delivered: bool = False, today: date | None = None
) -> Export:
    """Make a bundle of the records not yet confirmed delivered (or of every stored record).

    The store keeps only the bundle's receipt check, durably, before the bundle can leave;
    call record_export once the bundle has left the kiosk.

    Raises:
        NothingToExport: no records to export.
    """
    damaged: list[Damage] = []
    records = [
        (stored.record_id, stored.sealed)
        for stored in site.store.iter_records(
            undelivered_only=not include_delivered, damage=damaged
        )
    ]
    if damaged:
        log_event(site.folder, "error", kind="damaged_records", where="export")
    if not records:
        if include_delivered or not site.store.count():
            raise NothingToExport("The kiosk holds no records yet: there is nothing to export.")
        raise NothingToExport(
            "There is nothing new to export: every stored record has been confirmed delivered. "
            "Use --all to export the stored records again."
        )
    created = today or date.today()
    bundle_id = os.urandom(16).hex()
    written = write_bundle(
        records,
        kiosk_id=site.store.kiosk_id,
        site=site.config.site_name,
        public_key=site.public_key,
        created=created,
        bundle_id=bundle_id,
        # The welcome screen's promise travels with the answers, so reports keep it.
        promise=Promise(site.config.min_group, site.config.min_group_text),
    )
    record_ids = tuple(record_id for record_id, _ in records)
    site.store.add_receipt_check(bundle_id, written.receipt_check, record_ids)
    return Export(
        bundle=written.data,
        bundle_id=bundle_id,
        record_ids=record_ids,
        created=created,
        site_name=site.config.site_name,
        damaged=tuple(damaged),
    )


def damage_report(site: Site, export: Export) -> str:
    """What an export could not carry, for the person exporting; "" if it carried everything."""
    if not export.damaged:
        return ""
    count = sum(damage.count for damage in export.damaged)
    where = "; ".join(damage.describe(site.folder) for damage in export.damaged)
    return (
        f"{count} damaged record line(s) could not be exported and stay on this kiosk, "
        f"untouched: {where}. Every intact record was exported. Run: kiosk doctor "
        f"--data-dir {site.folder}"
    )


def record_export(site: Site, export: Export, *, channel: str) -> None:
    """Log an export that has left the kiosk, so its receipt code can be recognised later.

    Args:
        site: the open site.
        export: the export made by build_export.
        channel: how it left: "usb" or "qr".
    """
    site.store.log_export(
        {
            "bundle_id": export.bundle_id,
            "channel": channel,
            "created": export.created.isoformat(),
            "count": export.count,
        }
    )
    log_event(
        site.folder,
        "export",
        channel=channel,
        count=export.count,
        bundle=export.bundle_id[:BUNDLE_PREFIX],
    )


def usb_failure_reason(error: UsbError, folder: Path, needed: int) -> str:
    """One word for the operational log on why a USB write failed, never the message itself."""
    cause = error.__context__
    if isinstance(cause, OSError) and cause.errno in _USB_REASONS:
        return _USB_REASONS[cause.errno]
    if not folder.is_dir():
        return "no_drive"
    try:
        stat = os.statvfs(folder)
    except OSError:
        return "pulled"
    if stat.f_flag & os.ST_RDONLY:
        return "read_only"
    if stat.f_bavail * stat.f_frsize < needed:
        return "full"
    return "write_failed"


def export_to_usb(
    site: Site,
    folder: Path,
    *,
    include_delivered: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> tuple[Path, Export]:
    """Write a verified bundle file into `folder` (a USB stick) and log the export.

    Raises:
        NothingToExport: no records to export.
        UsbError: the file could not be written and verified; nothing was kept or logged.
        StoreError: the export log could not be written; the file was removed again.
    """
    try:
        target = _stick_target(Path(folder))
    except UsbError as error:
        log_event(site.folder, "export_failed", channel="usb", reason="no_drive")
        raise error from None
    export = build_export(site, include_delivered=include_delivered, today=today)
    remove_stale_partials(target.folder)
    try:
        path = safe_write(target, export.file_stem, export.bundle, progress)
    except UsbError as error:
        reason = usb_failure_reason(error, Path(folder), len(export.bundle))
        log_event(site.folder, "export_failed", channel="usb", reason=reason)
        raise
    try:
        record_export(site, export, channel="usb")
    except BaseException:
        # An export the kiosk cannot recognise the receipt of would only confuse; take it back.
        path.unlink(missing_ok=True)
        raise
    return path, export


def _stick_target(folder: Path) -> Target:
    """The stick's file system, refused if it is only a stick's mount point left behind.

    Under /media, /run/media or /mnt, a folder on the same file system as that root is an
    unmounted stick's mount point (or a typo), not a stick: writing there would fill the
    kiosk's own disk and look like an export.
    """
    target = choose_target(folder)
    resolved = str(folder.resolve()) + "/"
    for root in STICK_ROOTS:
        if not resolved.startswith(root):
            continue
        try:
            on_root = os.stat(root).st_dev == target.device
        except OSError:
            on_root = False
        if on_root:
            raise UsbError(
                f"No USB stick is mounted at {folder}: that folder is on the kiosk's own disk. "
                "Plug the stick in, wait until it is mounted, and try again. Nothing was written."
            )
    return target


def apply_receipt(site: Site, code: str) -> ReceiptResult:
    """Mark the records of the export with this receipt code as delivered.

    Only `kiosk-admin import`, opening the bundle's challenge with the private key, can know
    the code; the kiosk keeps a hash of it. Applying the same receipt again changes nothing
    and says so (marked == 0). The operational log gets the counts, or why the code was
    refused; never the code itself.

    Raises:
        ReceiptError: the code is mistyped (its check characters do not match).
        ExportError: no export from this kiosk has this code, or it is a code of an export
            made before receipts needed the key.
    """
    try:
        normal = parse_receipt_code(code)
    except ReceiptError:
        log_event(site.folder, "receipt_refused", reason="mistyped")
        raise
    found = site.store.find_receipt_check(check_of(normal))
    if found is None:
        if any(entry.get("receipt") == normal for entry in site.store.export_log()):
            log_event(site.folder, "receipt_refused", reason="old_code")
            raise ExportError(
                f"The receipt code {normal} belongs to an export made before receipts needed "
                "the administrator's key, and is no longer accepted. Export again: the new "
                "bundle holds the same records, and kiosk-admin prints a code for it."
            )
        log_event(site.folder, "receipt_refused", reason="unknown_code")
        raise ExportError(
            f"No export from this kiosk has the receipt code {normal}. Check that the code "
            "belongs to a bundle exported from this kiosk (kiosk-admin prints it on import)."
        )
    marked = site.store.mark_delivered(found.record_ids)
    site.store.settle_receipt_checks()
    # Only a hex id goes into the log, so an odd receipt row cannot stop a receipt.
    hex_id = re.fullmatch(r"[0-9a-f]+", found.bundle_id)
    bundle = found.bundle_id[:BUNDLE_PREFIX] if hex_id else "unknown"
    log_event(site.folder, "receipt", count=found.total, marked=marked, bundle=bundle)
    return ReceiptResult(normal, found.total, marked)


def purge(site: Site) -> int:
    """Delete the records confirmed delivered (and only those); return how many.

    The kiosk then keeps no trace of which records there were (the counts stay): a receipt
    already dropped their ids from its receipt row, and compacting the state file here removes
    the superseded lines that still held them. Export-log entries written by older versions
    kept every id in submission order; they lose those ids now.
    """
    deleted = site.store.purge_delivered()
    site.store.rewrite_export_log(_without_record_ids)
    log_event(site.folder, "purge", count=deleted)
    return deleted


def _without_record_ids(entry: dict[str, SettingValue]) -> dict[str, SettingValue]:
    return {key: value for key, value in entry.items() if key != "record_ids"}


def default_frame_count(k: int) -> int:
    """Frames to write for K fragments: 1.4 K + 10, so a receiver losing 20 % still completes.

    The decoder needs about K + 2 of the frames it actually receives, so with 20 % lost the
    sender must show (K + 2) / 0.8 ≈ 1.25 K + 2.5 on average (docs/qr-transfer.md measures
    1.265 K at K = 100). Which frames are lost varies most at small K: over 400 random
    receivers at 20 % loss, 1.4 K + 10 frames were enough for 99.8 % at K = 5 (p99 16 of 17),
    99.8 % at K = 30 (p99 51 of 52) and all at K = 100 (worst 145 of 150).
    """
    return math.ceil(1.4 * k) + 10


def write_qr_pngs(
    export: Export,
    folder: Path,
    *,
    version: int,
    frames: int | None = None,
    ecc: str = "M",
    on_frame: Callable[[int, int], None] | None = None,
) -> int:
    """Write the export's QR frames as PNG images into `folder` (made if needed); return how many.

    Files are named '<file stem>-0001.png' onwards and never overwrite anything.

    Raises:
        ValueError: the QR version or error correction level is unusable.
        UsbError: the folder cannot be written (the message names it).
    """
    stream = encode_frames(export.bundle, version=version, ecc=ecc)
    total = default_frame_count(stream.k) if frames is None else frames
    if total < 1:
        raise ValueError(f"--frames must be at least 1; got {total}")
    width = max(4, len(str(total)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for seq in range(total):
            image = png_bytes(qr_matrix(stream.frame(seq), version, ecc))
            path = folder / f"{export.file_stem}-{seq + 1:0{width}d}.png"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            try:
                view = memoryview(image)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            if on_frame is not None:
                on_frame(seq + 1, total)
    except OSError as error:
        raise UsbError(
            f"Could not write the QR frames to {folder}: {error.strerror or error}."
        ) from None
    return total
