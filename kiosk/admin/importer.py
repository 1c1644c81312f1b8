"""Import export bundles into the admin store: from bundle files, QR frame images or frame text.

Every bundle is checked whole before anything of it is stored: its SHA-256 trailer, that it is
sealed to this administrator's key, and that every new record opens. A bundle that fails any
check is rejected entirely; the other bundles of the same import go on. The records opened
here are kept as the import's encrypted opened cache, so a report need not open them again.
"""

from __future__ import annotations

import hashlib
import io
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.admin.adminstore import AdminStore, ImportEntry, new_entry
from kiosk.admin.opencache import cache_key, seal_cache
from kiosk.admin.opening import Failure, Invalid, open_records
from kiosk.bundle import MAGIC, BundleError, read_bundle, receipt_code
from kiosk.qrframes import PREFIX, FrameDecoder, FrameError, parse_frame
from kiosk.records import Catalogue, Payload, default_catalogue
from kiosk.sealing import public_key_of

ADMIN_EXTRA = "install trivselskiosk[admin]"
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
STDIN = "-"


class SourceError(Exception):
    """One source cannot be imported; str() names what is wrong with it."""


@dataclass
class Outcome:
    """What happened to one bundle (or one source that yielded no bundle)."""

    source: str
    entry: ImportEntry | None = None
    already: bool = False
    error: str | None = None
    quarantined: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        """Whether this source was imported (or had been before)."""
        return self.error is None


@dataclass
class _Transfer:
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    sources: list[str] = field(default_factory=list)
    rejected: int = 0


def decode_images(path: Path, data: bytes) -> list[str]:
    """The texts of every QR code in an image file (a PNG or a photo of the kiosk's screen)."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise SourceError(
            f"{path}: reading QR images needs zxing-cpp and Pillow; {ADMIN_EXTRA}"
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found = zxingcpp.read_barcodes(image)
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise SourceError(f"{path}: the image cannot be read ({error})") from None
    texts = [code.text for code in found if code.text.startswith(PREFIX)]
    if not texts:
        raise SourceError(f"{path}: no kiosk QR frame found in the image")
    return texts


def _frame_lines(name: str, text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(line.startswith(PREFIX) for line in lines):
        bad = next((line for line in lines if not line.startswith(PREFIX)), "")
        raise SourceError(
            f"{name}: not a bundle, a QR image or frame text (a line starts with {bad[:12]!r}, "
            f"frames start with {PREFIX!r})"
        )
    return lines


def read_source(path_text: str) -> tuple[bytes | None, list[str]]:
    """Read one command-line source: a bundle's bytes, or the frame texts it holds."""
    if path_text == STDIN:
        return None, _frame_lines("standard input", sys.stdin.read())
    path = Path(path_text)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from None
    if data.startswith(MAGIC[:4]):
        return data, []
    if data.startswith(_IMAGE_SIGNATURES):
        return None, decode_images(path, data)
    if not data:
        raise SourceError(f"{path}: the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(
            f"{path}: not a Trivselskiosk bundle, QR image or frame text (unknown binary file)"
        ) from None
    return None, _frame_lines(str(path), text)


class Importer:
    """Imports sources into one admin store with one private key."""

    def __init__(
        self,
        store: AdminStore,
        private_key: X25519PrivateKey,
        catalogue: Catalogue | None = None,
    ) -> None:
        """Prepare an import into `store`, opening records with `private_key`.

        Records are checked against `catalogue` (by default the shipped instruments).
        """
        self.store = store
        self.private_key = private_key
        self.catalogue = default_catalogue() if catalogue is None else catalogue
        self.fingerprint = public_key_of(private_key).fingerprint()
        self._cache_cipher = cache_key(private_key)

    def import_bundle(self, source: str, data: bytes) -> Outcome:
        """Check one bundle whole and store its new records, or reject it and store nothing."""
        digest = hashlib.sha256(data).hexdigest()
        if (before := self.store.find(digest)) is not None:
            return Outcome(source, before, already=True)
        try:
            bundle = read_bundle(data)
        except BundleError as error:
            return Outcome(source, error=str(error))
        if bundle.fingerprint != self.fingerprint:
            return Outcome(
                source,
                error=(
                    f"sealed to another administrator key (fingerprint {bundle.fingerprint}; "
                    f"this key's is {self.fingerprint})"
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
        entry = new_entry(
            bundle_id=bundle.bundle_id,
            digest=digest,
            receipt=receipt_code(data),
            kiosk_id=bundle.kiosk_id,
            site=bundle.site,
            created=bundle.created,
            count=bundle.count,
        )
        pairs: list[tuple[bytes, Payload]] = []
        quarantined: Counter[str] = Counter()
        quarantined_ids: set[bytes] = set()
        for (rid, _), result in zip(new, opened, strict=True):
            if isinstance(result, Invalid):
                quarantined[result.reason] += 1
                quarantined_ids.add(rid)
            else:
                pairs.append((rid, result))
        cache = seal_cache(self._cache_cipher, digest, pairs)
        done = self.store.add_import(entry, new, cache, frozenset(quarantined_ids))
        return Outcome(source, done, quarantined=quarantined)

    def run(self, sources: Iterable[str]) -> Iterator[Outcome]:
        """Import every source; frames from all sources are pooled per QR transfer."""
        transfers: dict[bytes, _Transfer] = {}
        for source in sources:
            try:
                data, frames = read_source(source)
            except SourceError as error:
                yield Outcome(source, error=str(error))
                continue
            if data is not None:
                yield self.import_bundle(source, data)
                continue
            name = "standard input" if source == STDIN else source
            for text in frames:
                try:
                    transfer_id = parse_frame(text).transfer_id
                except FrameError as error:
                    yield Outcome(name, error=f"a QR frame is unreadable: {error}")
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
        shown = ", ".join(transfer.sources[:3]) + (" …" if len(transfer.sources) > 3 else "")
        name = f"QR transfer {transfer_id.hex()} ({shown})"
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
