"""Import export bundles into the admin store: from bundle files, QR frame images or frame text.

Every bundle is checked whole before anything of it is stored: its SHA-256 trailer, that it is
sealed to this administrator's key, that its receipt challenge opens (so its header and
records are as the kiosk wrote them), and that every new record opens. A bundle that fails
any check is rejected entirely; the other bundles of the same import go on. A record that
opens but is not a valid answer is quarantined: stored sealed, never counted, and reported.
Bundle files are read as a stream and refused when larger than any bundle. The records opened
here are kept as the import's encrypted opened cache, so a report need not open them again.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.admin.adminstore import AdminStore, ImportEntry, new_entry
from kiosk.admin.opencache import cache_key, seal_cache
from kiosk.admin.opening import Failure, Invalid, open_records
from kiosk.admin.validation import period_end, period_start
from kiosk.bundle import MAGIC, Bundle, BundleError, read_bundle, read_bundle_file
from kiosk.qrframes import PREFIX, FrameDecoder, FrameError, parse_frame
from kiosk.receipts import ChallengeError, legacy_code, open_challenge
from kiosk.records import Catalogue, Payload, default_catalogue
from kiosk.sealing import public_key_of

ADMIN_EXTRA = "install trivselskiosk[admin]"
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
STDIN = "-"
MAX_FRAME_SOURCE_BYTES = 64 << 20
"""An image or a file of frame text larger than this is no photo or scan of the kiosk."""
_HEAD_BYTES = 4096


class SourceError(Exception):
    """One source cannot be imported; str() names what is wrong with it."""


@dataclass
class Outcome:
    """What happened to one bundle (or one source that yielded no bundle).

    `skipped` marks a frame source with nothing usable (an image without a kiosk QR code):
    it fails the import only if no QR transfer was completed from the other sources.
    """

    source: str
    entry: ImportEntry | None = None
    already: bool = False
    error: str | None = None
    quarantined: Counter[str] = field(default_factory=Counter)
    future: int = 0
    early: int = 0
    legacy: bool = False
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Whether this source was imported (or had been before)."""
        return self.error is None


@dataclass
class _Transfer:
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    sources: list[str] = field(default_factory=list)
    rejected: int = 0


def shown(name: str) -> str:
    """A source name as it may reach a terminal: undecodable bytes and controls escaped."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def decode_images(path: Path, data: bytes) -> list[str]:
    """The texts of every QR code in an image file (a PNG or a photo of the kiosk's screen)."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise SourceError(
            f"{shown(str(path))}: reading QR images needs zxing-cpp and Pillow; {ADMIN_EXTRA}"
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found = zxingcpp.read_barcodes(image)
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise SourceError(f"{shown(str(path))}: the image cannot be read ({error})") from None
    texts = [code.text for code in found if code.text.startswith(PREFIX)]
    if not texts:
        raise SourceError(f"{shown(str(path))}: no kiosk QR frame found in the image")
    return texts


def _binary(name: str) -> SourceError:
    return SourceError(
        f"{name}: not a Trivselskiosk bundle, QR image or frame text (unknown binary file)"
    )


def _not_frames(name: str, line: str) -> SourceError:
    return SourceError(
        f"{name}: not a bundle, a QR image or frame text (a line starts with "
        f"{shown(line[:12])!r}, frames start with {PREFIX!r})"
    )


def _frame_lines(name: str, data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _binary(name) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(line.startswith(PREFIX) for line in lines):
        raise _not_frames(name, next((ln for ln in lines if not ln.startswith(PREFIX)), ""))
    return lines


def _check_head(name: str, head: bytes) -> None:
    """Refuse at once a file whose first bytes are neither an image nor a frame line."""
    if head.lstrip().startswith(PREFIX.encode()):
        return
    if b"\0" in head:
        raise _binary(name)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not merely a character cut at the end of the head
            raise _binary(name) from None
        text = head[: error.start].decode("utf-8")
    raise _not_frames(name, text.strip().split("\n", 1)[0])


def _read_capped(handle: BinaryIO, name: str, head: bytes) -> bytes:
    rest = handle.read(MAX_FRAME_SOURCE_BYTES + 1 - len(head))
    data = head + rest
    if len(data) > MAX_FRAME_SOURCE_BYTES:
        raise SourceError(
            f"{name}: larger than {MAX_FRAME_SOURCE_BYTES >> 20} MiB: not a bundle (those start "
            "with the bundle signature), and too large for a photo or a scan of QR frames"
        )
    return data


@dataclass(frozen=True)
class Source:
    """One command-line source: a bundle file to stream, or the frame texts it holds."""

    bundle: Path | None = None
    frames: tuple[str, ...] = ()


def read_source(path_text: str) -> Source:
    """Look at one command-line source and read it if it is an image or frame text.

    Only the first bytes are read to tell the kinds apart, so /dev/zero or a huge file of
    another kind is refused at once.
    """
    if path_text == STDIN:
        name = "standard input"
        stdin = sys.stdin.buffer
        head = stdin.read(_HEAD_BYTES)
        _check_head(name, head)
        return Source(frames=tuple(_frame_lines(name, _read_capped(stdin, name, head))))
    path = Path(path_text)
    name = shown(path_text)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
            if head.startswith(MAGIC[:4]):
                return Source(bundle=path)
            if not head:
                raise SourceError(f"{name}: the file is empty")
            if head.startswith(_IMAGE_SIGNATURES):
                return Source(frames=tuple(decode_images(path, _read_capped(handle, name, head))))
            _check_head(name, head)
            return Source(frames=tuple(_frame_lines(name, _read_capped(handle, name, head))))
    except OSError as error:
        raise SourceError(f"{name}: cannot be read ({error.strerror or error})") from None


class Importer:
    """Imports sources into one admin store with one private key."""

    def __init__(
        self,
        store: AdminStore,
        private_key: X25519PrivateKey,
        catalogue: Catalogue | None = None,
        today: date | None = None,
    ) -> None:
        """Prepare an import into `store`, opening records with `private_key`.

        Records are checked against `catalogue` (by default the shipped instruments); a
        record dated after `today` (by default the real day) is flagged.
        """
        self.store = store
        self.private_key = private_key
        self.catalogue = default_catalogue() if catalogue is None else catalogue
        self.today = today or date.today()
        self.fingerprint = public_key_of(private_key).fingerprint()
        self._cache_cipher = cache_key(private_key)

    def import_bundle(self, source: str, data: bytes) -> Outcome:
        """Check one bundle held in memory whole and store its new records, or none."""
        try:
            bundle = read_bundle(data)
        except BundleError as error:
            return Outcome(source, error=str(error))
        return self._import(source, bundle)

    def import_file(self, source: str, path: Path) -> Outcome:
        """Check one bundle file (streamed) whole and store its new records, or none."""
        try:
            bundle = read_bundle_file(path)
        except BundleError as error:
            return Outcome(source, error=str(error))
        return self._import(source, bundle)

    def _receipt(self, bundle: Bundle) -> str:
        if bundle.format_version == 1:
            return legacy_code(bundle.sha256)
        return open_challenge(self.private_key, bundle.bound, bundle.challenge)

    def _import(self, source: str, bundle: Bundle) -> Outcome:
        digest = bundle.sha256.hex()
        if (before := self.store.find(digest)) is not None:
            return Outcome(source, before, already=True)
        if bundle.fingerprint != self.fingerprint:
            return Outcome(
                source,
                error=(
                    f"sealed to another administrator key (fingerprint {bundle.fingerprint}; "
                    f"this key's is {self.fingerprint})"
                ),
            )
        try:
            receipt = self._receipt(bundle)
        except ChallengeError as error:
            return Outcome(source, error=f"{error}; nothing of this bundle was imported")
        if bundle.format_version == 1 and any(sealed[0] != 1 for _, sealed in bundle.records):
            # No kiosk ever wrote that: an old kiosk seals format 1 only, an updated one
            # writes format-2 bundles. Someone rewrote the bundle without its challenge.
            return Outcome(
                source,
                error=(
                    "a format-1 bundle cannot hold format-2 records: the bundle was rewritten "
                    "after the kiosk wrote it; nothing of it was imported"
                ),
            )
        known = self.store.known_ids
        new = [(rid, sealed) for rid, sealed in bundle.records if rid not in known]
        opened = open_records(self.private_key, new, self.catalogue)
        if isinstance(opened, Failure):
            return Outcome(
                source,
                error=(
                    f"record {opened.record_id.hex()} ({opened.position + 1} of {len(new)} new) "
                    f"is damaged: {opened.reason}; nothing of this bundle was imported"
                ),
            )
        outcome = Outcome(source, legacy=bundle.format_version == 1)
        pairs: list[tuple[bytes, Payload]] = []
        quarantined_ids: set[bytes] = set()
        for (rid, _), result in zip(new, opened, strict=True):
            if isinstance(result, Invalid):
                outcome.quarantined[result.reason] += 1
                quarantined_ids.add(rid)
            else:
                pairs.append((rid, result))
        self._flag_dates(outcome, bundle, [payload for _, payload in pairs])
        entry = new_entry(
            bundle_id=bundle.bundle_id,
            digest=digest,
            receipt=receipt,
            kiosk_id=bundle.kiosk_id,
            site=bundle.site,
            created=bundle.created,
            count=bundle.count,
            promise=bundle.promise,
        )
        cache = seal_cache(self._cache_cipher, digest, pairs)
        outcome.entry = self.store.add_import(entry, new, cache, frozenset(quarantined_ids))
        return outcome

    def _flag_dates(self, outcome: Outcome, bundle: Bundle, payloads: list[Payload]) -> None:
        """Count records dated after the export, or before their kiosk's first bundle.

        Exports carry every record not yet delivered, so a record new to the store but dated
        before the week of a bundle already imported from its kiosk was made while the
        kiosk's clock was wrong (or one dated in the future).
        """
        first: dict[str, date] = {}
        for entry in self.store.imports():
            day = date.fromisoformat(entry.created)
            first[entry.kiosk_id] = min(day, first.get(entry.kiosk_id, day))
        latest = min(bundle.created, self.today)
        for payload in payloads:
            kiosk = payload.kiosk_id or bundle.kiosk_id
            if period_start(payload.period) > latest:
                outcome.future += 1
            elif kiosk in first and period_end(payload.period) < _week_start(first[kiosk]):
                outcome.early += 1

    def run(self, sources: Iterable[str]) -> Iterator[Outcome]:
        """Import every source; frames from all sources are pooled per QR transfer."""
        transfers: dict[bytes, _Transfer] = {}
        for source in sources:
            name = "standard input" if source == STDIN else shown(source)
            try:
                found = read_source(source)
            except SourceError as error:
                yield Outcome(name, error=str(error), skipped=_is_frame_source(source))
                continue
            if found.bundle is not None:
                yield self.import_file(name, found.bundle)
                continue
            for text in found.frames:
                try:
                    transfer_id = parse_frame(text).transfer_id
                except FrameError as error:
                    yield Outcome(name, error=f"a QR frame is unreadable: {error}", skipped=True)
                    continue
                transfer = transfers.setdefault(transfer_id, _Transfer())
                if name not in transfer.sources:
                    transfer.sources.append(name)
                try:
                    transfer.decoder.add(text)
                except FrameError:
                    transfer.rejected += 1
        for transfer_id, transfer in transfers.items():
            yield self._finish(transfer_id, transfer)

    def _finish(self, transfer_id: bytes, transfer: _Transfer) -> Outcome:
        shown_sources = ", ".join(transfer.sources[:3]) + (
            " …" if len(transfer.sources) > 3 else ""
        )
        name = f"QR transfer {transfer_id.hex()} ({shown_sources})"
        decoder = transfer.decoder
        if not decoder.is_complete:
            progress = decoder.progress
            missing = progress.needed - progress.useful
            return Outcome(
                name,
                error=(
                    f"incomplete: {progress.useful} of {progress.needed} independent frames "
                    f"received; at least {missing} more frame(s) needed (scan more of the "
                    "animation and import all the frames again)"
                    + (f"; {transfer.rejected} frame(s) were rejected" if transfer.rejected else "")
                ),
            )
        return self.import_bundle(name, decoder.result())


def _week_start(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())


def _is_frame_source(path_text: str) -> bool:
    """Whether a source looks like a photo or a frame scan (so an unusable one is skippable)."""
    if path_text == STDIN:
        return False
    try:
        info = os.stat(path_text)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and Path(path_text).suffix.lower() in (
        ".png",
        ".jpg",
        ".jpeg",
    )
