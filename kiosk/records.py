"""A finished answer → the canonical, padded plaintext that gets sealed.

The payload holds only what a report needs: which instrument (id and version), the answers by
item id, the language, and a coarse date (the ISO week, or the day if the site asks for it).
Never a time of day, never anything about the device. It is padded to a fixed bucket so the
ciphertext's length does not tell how long a note was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kiosk.instruments import Answer

PAYLOAD_VERSION = 1
PAD_MARKER = 0x80
# Nearly every answer fits the first bucket (two 280-character notes of Danish text do);
# only text full of multi-byte characters reaches the larger ones.
BUCKETS = (1024, 2048, 4096)

Granularity = Literal["week", "day"]


class RecordFormatError(ValueError):
    """An opened record is not a payload this program understands."""


@dataclass(frozen=True)
class Payload:
    """One opened response."""

    instrument_id: str
    instrument_version: int
    period: str
    lang: str
    answers: dict[str, Answer]


def coarse_date(day: date, granularity: Granularity = "week") -> str:
    """Return the date as stored: "2026-W48" (ISO week) or "2026-11-26" (day)."""
    if granularity == "day":
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def canonical_json(payload: Mapping[str, object]) -> bytes:
    """Serialise with sorted keys, no spaces and raw UTF-8, so equal answers give equal bytes."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pad(data: bytes) -> bytes:
    """Append the 0x80 marker and zeros up to the smallest bucket that fits."""
    needed = len(data) + 1
    size = next((bucket for bucket in BUCKETS if needed <= bucket), None)
    if size is None:
        size = -(-needed // BUCKETS[-1]) * BUCKETS[-1]
    return data + bytes([PAD_MARKER]) + bytes(size - needed)


def unpad(data: bytes) -> bytes:
    """Remove the padding added by `pad`."""
    body = data.rstrip(b"\x00")
    if not body or body[-1] != PAD_MARKER:
        raise RecordFormatError("the record's padding is malformed")
    return body[:-1]


def build(
    instrument_id: str,
    instrument_version: int,
    answers: Mapping[str, Answer],
    lang: str,
    day: date,
    granularity: Granularity = "week",
) -> bytes:
    """Return the padded canonical plaintext for one response.

    Args:
        instrument_id: The instrument answered, e.g. "support".
        instrument_version: Its version, so a later rewording is reported apart.
        answers: Validated answers by item id; None means not answered.
        lang: The language the person answered in.
        day: Today; only its week (or day) is kept.
        granularity: "week" (default) or "day", from the site config.
    """
    payload = {
        "v": PAYLOAD_VERSION,
        "i": instrument_id,
        "iv": instrument_version,
        "d": coarse_date(day, granularity),
        "l": lang,
        "a": dict(answers),
    }
    return pad(canonical_json(payload))


def parse(plaintext: bytes) -> Payload:
    """Read a payload back from opened plaintext (the administrator's side)."""
    try:
        raw = json.loads(unpad(plaintext).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecordFormatError(f"the record is not valid JSON: {error}") from None
    if not isinstance(raw, dict) or raw.get("v") != PAYLOAD_VERSION:
        raise RecordFormatError("the record has an unknown payload version")
    try:
        answers = raw["a"]
        fields = (raw["i"], raw["iv"], raw["d"], raw["l"])
    except KeyError as missing:
        raise RecordFormatError(f"the record lacks the field {missing}") from None
    if not isinstance(answers, dict) or not all(
        isinstance(value, int | str) or value is None for value in answers.values()
    ):
        raise RecordFormatError("the record's answers are malformed")
    instrument_id, version, period, lang = fields
    if not (
        isinstance(instrument_id, str)
        and isinstance(version, int)
        and isinstance(period, str)
        and isinstance(lang, str)
    ):
        raise RecordFormatError("the record's header fields have the wrong types")
    return Payload(instrument_id, version, period, lang, answers)
