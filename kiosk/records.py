"""A finished answer → the canonical, padded plaintext that gets sealed, and back.

The payload holds only what a report needs: which instrument (id, version and the shape of
its items), the answers, a coarse date (the ISO week, or the day if the site asks for it),
and the kiosk and site it was made at, so a bundle's header cannot relabel it. Never a time
of day, never the language, never anything about the device. Format 2 stores the answers
positionally (choices as option numbers), so an answer without free text fits a small
bucket; a record with a note is padded to 768 bytes or more. The ciphertext's length then
tells only whether a record holds free text. Format 1 records (with the language, answers by item
id, all padded to 1 KiB) are still read. docs/formats.md specifies both.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from kiosk.instruments import Answer, Instrument

PAYLOAD_VERSION = 2
READ_VERSIONS = (1, 2)
PAD_MARKER = 0x80
# Records with free text: two full 280-character notes of ordinary Danish text (a few æ, ø,
# å) fit the first bucket; only text full of multi-byte characters reaches the larger ones.
# 768 rather than 1,024: a QR transfer carries a third more answers with notes per minute.
BUCKETS = (768, 1536, 3072)
# Records without free text: the smallest size, in steps of 128, that holds the longest
# text-free answer any instrument of the kiosk's menu can give at this site. With the shipped
# instruments and a site name under ~100 bytes that is 256.
SMALL_BUCKET = 256
SMALL_STEP = 128
SHAPE_DOMAIN = b"trivselskiosk/instrument-shape/v1"

Granularity = Literal["week", "day"]
Catalogue = Mapping[tuple[str, int], Instrument]
"""Instruments by (id, version): what a reader needs to decode format-2 answers."""

_KIOSK_ID = re.compile(r"[0-9a-f]{16}")
_SHAPE = re.compile(r"[0-9a-f]{8}")
_V1_KEYS = frozenset({"v", "i", "iv", "d", "l", "a"})
_V2_KEYS = frozenset({"v", "k", "s", "i", "iv", "h", "d", "a"})
# Keyed by id() and holding the instrument, so an id is never reused while its entry lives.
_SHAPE_TAGS: dict[int, tuple[Instrument, str]] = {}


class RecordFormatError(ValueError):
    """An opened record is not a payload this program understands; str() says why."""


@dataclass(frozen=True)
class Payload:
    """One opened response, answers by item id (choices as option ids) whatever the format.

    `lang` is set only by format-1 records; `kiosk_id` and `site` only by format-2 records
    (a format-1 record's kiosk and site are its bundle's).
    """

    instrument_id: str
    instrument_version: int
    period: str
    lang: str | None
    answers: dict[str, Answer]
    kiosk_id: str | None = None
    site: str | None = None


def coarse_date(day: date, granularity: Granularity = "week") -> str:
    """Return the date as stored: "2026-W48" (ISO week) or "2026-11-26" (day)."""
    if granularity == "day":
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def canonical_json(payload: object) -> bytes:
    """Serialise with sorted keys, no spaces and raw UTF-8, so equal answers give equal bytes."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def shape_tag(instrument: Instrument) -> str:
    """8 hex digits naming the order and kinds of an instrument's items and options.

    A format-2 record stores answers by position; the tag makes a reader whose definition of
    the instrument differs (reordered items or options) refuse the record instead of
    misreading it. Computed once per instrument object: an import reads thousands of records.
    """
    known = _SHAPE_TAGS.get(id(instrument))
    if known is not None and known[0] is instrument:
        return known[1]
    shape = [
        [item.id, item.kind, [option.id for option in item.options]] for item in instrument.items
    ]
    tag = hashlib.sha256(SHAPE_DOMAIN + canonical_json(shape)).hexdigest()[:8]
    _SHAPE_TAGS[id(instrument)] = (instrument, tag)
    return tag


def catalogue_of(instruments: Iterable[Instrument]) -> dict[tuple[str, int], Instrument]:
    """Index instruments by (id, version)."""
    return {(instrument.id, instrument.version): instrument for instrument in instruments}


def default_catalogue() -> dict[tuple[str, int], Instrument]:
    """The instruments shipped with the program (config/instruments)."""
    from kiosk.config import default_config_dir, load_instruments

    return catalogue_of(load_instruments(default_config_dir() / "instruments").values())


def _pad_to(data: bytes, size: int) -> bytes:
    return data + bytes([PAD_MARKER]) + bytes(size - len(data) - 1)


def pad(data: bytes) -> bytes:
    """Append the 0x80 marker and zeros up to the smallest note bucket that fits."""
    needed = len(data) + 1
    size = next((bucket for bucket in BUCKETS if needed <= bucket), None)
    if size is None:
        size = -(-needed // BUCKETS[-1]) * BUCKETS[-1]
    return _pad_to(data, size)


def unpad(data: bytes) -> bytes:
    """Remove the padding added by `pad`."""
    body = data.rstrip(b"\x00")
    if not body or body[-1] != PAD_MARKER:
        raise RecordFormatError("the record's padding is malformed")
    return body[:-1]


def _encode(instrument: Instrument, answers: Mapping[str, Answer]) -> list[Answer]:
    """Answers in item order: a choice as its option's index, a scale value, a text, or null."""
    encoded: list[Answer] = []
    for item in instrument.items:
        value = answers.get(item.id)
        if item.kind == "choice" and value is not None:
            encoded.append([option.id for option in item.options].index(str(value)))
        else:
            encoded.append(value)
    return encoded


def _body(
    instrument: Instrument,
    encoded: list[Answer],
    period: str,
    kiosk_id: str,
    site: str,
) -> bytes:
    return canonical_json(
        {
            "v": PAYLOAD_VERSION,
            "k": kiosk_id,
            "s": site,
            "i": instrument.id,
            "iv": instrument.version,
            "h": shape_tag(instrument),
            "d": period,
            "a": encoded,
        }
    )


def _widest_text_free(instrument: Instrument) -> list[Answer]:
    """The text-free answers whose encoding is longest: per item, null or its widest value."""
    widest: list[Answer] = []
    for item in instrument.items:
        candidates: list[Answer] = [None]
        if item.kind == "choice":
            candidates.append(len(item.options) - 1)
        elif item.kind == "scale":
            candidates += [v for v in (item.min, item.max) if v is not None]
        widest.append(max(candidates, key=lambda value: len(json.dumps(value))))
    return widest


def small_bucket(
    instruments: Iterable[Instrument], kiosk_id: str, site: str, granularity: Granularity = "week"
) -> int:
    """The size every text-free record of this kiosk is padded to (docs/formats.md).

    It depends on the menu and the site only, never on an answer, so all text-free records
    of one kiosk have one length.
    """
    period = coarse_date(date(2000, 1, 3), granularity)
    longest = max(
        (len(_body(i, _widest_text_free(i), period, kiosk_id, site)) + 1 for i in instruments),
        default=0,
    )
    if longest <= SMALL_BUCKET:
        return SMALL_BUCKET
    return SMALL_BUCKET + -(-(longest - SMALL_BUCKET) // SMALL_STEP) * SMALL_STEP


def build(
    instrument: Instrument,
    answers: Mapping[str, Answer],
    day: date,
    *,
    kiosk_id: str,
    site: str,
    granularity: Granularity = "week",
    small: int | None = None,
) -> bytes:
    """Return the padded canonical format-2 plaintext for one response.

    Args:
        instrument: The instrument answered.
        answers: Validated answers by item id; None means not answered.
        day: Today; only its week (or day) is kept.
        kiosk_id: The kiosk's id (16 hex digits), bound into the record.
        site: The site's name, bound into the record.
        granularity: "week" (default) or "day", from the site config.
        small: The kiosk's text-free size (small_bucket over its menu); by default the one
            for this instrument alone.
    """
    if not _KIOSK_ID.fullmatch(kiosk_id):
        raise ValueError(f"a kiosk id is 16 lowercase hex digits; got {kiosk_id!r}")
    encoded = _encode(instrument, answers)
    body = _body(instrument, encoded, coarse_date(day, granularity), kiosk_id, site)
    has_text = any(
        item.kind == "text" and value is not None
        for item, value in zip(instrument.items, encoded, strict=True)
    )
    if has_text:
        return pad(body)
    size = small if small is not None else small_bucket([instrument], kiosk_id, site, granularity)
    if len(body) + 1 > size:
        raise ValueError(f"a text-free record of {len(body)} bytes does not fit {size}")
    return _pad_to(body, size)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _load(plaintext: bytes) -> dict[str, Any]:
    """The payload's JSON object, which must be exactly in canonical form.

    Re-serialising and comparing also refuses duplicate keys (the copy keeps one of them),
    whitespace, escapes the kiosk never writes and keys out of order.
    """
    body = unpad(plaintext)
    try:
        raw = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RecordFormatError(f"the record is not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise RecordFormatError("the record is not a JSON object")
    if canonical_json(raw) != body:
        raise RecordFormatError(
            "the record is not in canonical form (a duplicate key, spaces or keys out of order)"
        )
    return raw


def _keys(raw: Mapping[str, Any], expected: frozenset[str]) -> None:
    if set(raw) != expected:
        missing = sorted(expected - set(raw))
        extra = sorted(set(raw) - expected)
        raise RecordFormatError(
            f"the record's fields are wrong (missing {missing or 'none'}, unexpected {len(extra)})"
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(
    plaintext: bytes, catalogue: Catalogue | None = None, *, sealed_version: int | None = None
) -> Payload:
    """Read a payload back from opened plaintext (the administrator's side).

    Args:
        plaintext: What a sealed record opened to.
        catalogue: Instruments by (id, version), needed to decode format 2; by default the
            shipped ones.
        sealed_version: The sealed record's version byte (bound in HPKE's info); the
            payload's own version must equal it.

    Raises:
        RecordFormatError: malformed padding or JSON, a duplicate key, not canonical, a field
            missing, unexpected or of the wrong type, an unknown payload version, or (format
            2) an instrument the catalogue lacks or defines differently.
    """
    raw = _load(plaintext)
    version = raw.get("v")
    if not _is_int(version):
        raise RecordFormatError("the record has an unknown payload version")
    if sealed_version is not None and version != sealed_version:
        raise RecordFormatError(
            f"its payload version does not match its sealed format version {sealed_version}"
        )
    if version == 1:
        return _parse_v1(raw)
    if version == 2:
        return _parse_v2(raw, default_catalogue() if catalogue is None else catalogue)
    raise RecordFormatError("the record has an unknown payload version")


def _parse_v1(raw: Mapping[str, Any]) -> Payload:
    _keys(raw, _V1_KEYS)
    instrument_id, version, period, lang, answers = (
        raw["i"],
        raw["iv"],
        raw["d"],
        raw["l"],
        raw["a"],
    )
    if not (
        isinstance(instrument_id, str)
        and _is_int(version)
        and isinstance(period, str)
        and isinstance(lang, str)
    ):
        raise RecordFormatError("the record's header fields have the wrong types")
    if not isinstance(answers, dict) or not all(
        _is_int(value) or isinstance(value, str) or value is None for value in answers.values()
    ):
        raise RecordFormatError("the record's answers are malformed")
    return Payload(instrument_id, version, period, lang, dict(answers))


def _parse_v2(raw: Mapping[str, Any], catalogue: Catalogue) -> Payload:
    _keys(raw, _V2_KEYS)
    kiosk_id, site, instrument_id, version = raw["k"], raw["s"], raw["i"], raw["iv"]
    shape, period, encoded = raw["h"], raw["d"], raw["a"]
    if not (
        isinstance(kiosk_id, str)
        and _KIOSK_ID.fullmatch(kiosk_id)
        and isinstance(site, str)
        and site
        and isinstance(instrument_id, str)
        and _is_int(version)
        and isinstance(shape, str)
        and _SHAPE.fullmatch(shape)
        and isinstance(period, str)
        and isinstance(encoded, list)
    ):
        raise RecordFormatError("the record's header fields have the wrong types")
    instrument = catalogue.get((instrument_id, version))
    if instrument is None:
        raise RecordFormatError(
            f"the record was made with an instrument this admin tool does not have "
            f"({instrument_id!r:.40} version {version})"
        )
    if shape_tag(instrument) != shape:
        raise RecordFormatError(
            f"the record was made with another definition of {instrument.id} version "
            f"{version} (its items or options differ)"
        )
    if len(encoded) != len(instrument.items):
        raise RecordFormatError(
            f"the record holds {len(encoded)} answers; {instrument.id} has "
            f"{len(instrument.items)} items"
        )
    answers: dict[str, Answer] = {}
    for item, value in zip(instrument.items, encoded, strict=True):
        if value is None:
            answers[item.id] = None
        elif item.kind == "choice" and _is_int(value) and 0 <= value < len(item.options):
            answers[item.id] = item.options[value].id
        elif (item.kind == "scale" and _is_int(value)) or (
            item.kind == "text" and isinstance(value, str)
        ):
            answers[item.id] = value
        else:
            raise RecordFormatError(f"the record's answer to {item.id} is malformed")
    return Payload(instrument_id, version, period, None, answers, kiosk_id=kiosk_id, site=site)
