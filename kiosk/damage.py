"""Reading a finished record segment despite damage: the intact records, and what is not.

A finished (older) segment is never written again, so a line that fails its checksum there is
damage to acknowledged data: a failing disk, or a hand. It must not stop every export: the
intact lines are still read, and the damaged ones are named, left untouched and reported
(kiosk doctor, the export's message). See docs/storage.md, "Damage in an older segment".
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

from kiosk.durable import StoreCorrupt
from kiosk.journal import Doc, read_file, replay, salvage


@dataclass(frozen=True)
class Damage:
    """The unreadable parts of one segment.

    Attributes:
        path: the segment file.
        lines: its line numbers (from 1) that fail their checksum.
        malformed: ids of documents on intact lines that hold no valid record.
    """

    path: Path
    lines: tuple[int, ...] = ()
    malformed: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many damaged lines and malformed records."""
        return len(self.lines) + len(self.malformed)

    def describe(self, root: Path) -> str:
        """ "records/seg-000001.jsonl line 17, 18" (relative to `root` where possible)."""
        try:
            name = self.path.relative_to(root).as_posix()
        except ValueError:
            name = str(self.path)
        parts = []
        if self.lines:
            word = "line" if len(self.lines) == 1 else "lines"
            parts.append(f"{word} {', '.join(str(n) for n in self.lines[:20])}")
            if len(self.lines) > 20:
                parts[-1] += f" and {len(self.lines) - 20} more"
        if self.malformed:
            parts.append(f"{len(self.malformed)} malformed record(s)")
        return f"{name} {'; '.join(parts)}"


def decode_record(doc: Doc) -> tuple[bytes, bytes] | None:
    """A stored document as (record id, sealed bytes); None if it is not a valid record."""
    try:
        record_id = bytes.fromhex(doc["rid"])
        sealed = base64.b64decode(doc["sealed"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    if not 1 <= len(record_id) <= 64 or not sealed:
        return None
    return record_id, sealed


def record_id_of(doc: Doc) -> bytes | None:
    """Only the record id of a stored document (cheap: no base64); None if it is not valid."""
    try:
        record_id = bytes.fromhex(doc["rid"])
    except (KeyError, TypeError, ValueError):
        return None
    return record_id if 1 <= len(record_id) <= 64 else None


def read_segment(path: Path) -> tuple[dict[str, Doc], Damage | None]:
    """A finished segment's documents by id, and its damaged lines (None if every line is whole).

    The documents are not yet checked to be valid records: decode_record does that.
    Raises StoreError only if the file cannot be read at all.
    """
    data = read_file(path)
    try:
        return replay(data, path, allow_torn_tail=False).tables.get("records", {}), None
    except StoreCorrupt:
        salvaged = salvage(data)
        return salvaged.tables.get("records", {}), Damage(path, salvaged.damaged)
