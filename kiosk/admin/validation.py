"""Strict import: is an opened payload one the kiosk could have written with these instruments?

Anyone holding the administrator's public key can seal a record, so a record that opens is
not yet an answer. Each one is checked against its instrument exactly as the kiosk checks an
answer before storing it; one that fails is quarantined by the import (kept sealed, never
counted) and the import says how many and why. docs/formats.md lists the rules.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.instruments import Answer, InvalidAnswer, validate_answers
from kiosk.records import Catalogue, Payload
from kiosk.sanitize import clean_text, is_dropped

MAX_SITE_CHARS = 200
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_LANG = re.compile(r"[a-z]{2}")


class InvalidPayload(ValueError):
    """A payload the kiosk could not have written; str() says why, printable in a terminal."""


def period_start(period: str) -> date:
    """The first day of a stored period ("2026-W48" or "2026-11-26").

    Raises:
        InvalidPayload: not a real ISO week or day in either form.
    """
    try:
        if match := _WEEK.fullmatch(period):
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        if _DAY.fullmatch(period):
            return date.fromisoformat(period)
    except ValueError:
        pass
    raise InvalidPayload(f"its date {period!r:.24} is not a real ISO week or day")


def period_end(period: str) -> date:
    """The last day of a stored period (the Sunday of a week, or the day itself)."""
    start = period_start(period)
    if _WEEK.fullmatch(period):
        return date.fromordinal(start.toordinal() + 6)
    return start


def check_payload(payload: Payload, catalogue: Catalogue) -> Payload:
    """Return the payload with every item present, or raise InvalidPayload saying why.

    Checks: a known instrument and version; no unknown item; every answer of the right type,
    in range, a known option, text as the kiosk stores it (cleaned, within its length);
    required items answered; a real ISO week or day; format 1's language two letters;
    format 2's site printable text.
    """
    instrument = catalogue.get((payload.instrument_id, payload.instrument_version))
    if instrument is None:
        raise InvalidPayload(
            f"it was made with an instrument this admin tool does not have "
            f"({payload.instrument_id!r:.40} version {payload.instrument_version})"
        )
    period_start(payload.period)
    if payload.lang is not None and not _LANG.fullmatch(payload.lang):
        raise InvalidPayload(f"its language {payload.lang!r:.12} is not a language code")
    if payload.site is not None and (
        len(payload.site) > MAX_SITE_CHARS
        or payload.site != payload.site.strip()
        or any(is_dropped(char) for char in payload.site)
    ):
        raise InvalidPayload("its site name holds control or invisible characters")
    for item in instrument.items:
        value = payload.answers.get(item.id)
        if (
            item.kind == "text"
            and isinstance(value, str)
            and (not value or clean_text(value, item.max_length) != value)
        ):
            raise InvalidPayload(
                f"its answer to {instrument.id}.{item.id} is text the kiosk never stores "
                "(control characters, untrimmed, or over the length limit)"
            )
    try:
        answers: dict[str, Answer] = validate_answers(instrument, payload.answers)
    except InvalidAnswer as error:
        raise InvalidPayload(f"its answers do not fit {instrument.id}: {error!s:.120}") from None
    if answers == payload.answers:
        return payload
    return Payload(
        payload.instrument_id,
        payload.instrument_version,
        payload.period,
        payload.lang,
        answers,
        kiosk_id=payload.kiosk_id,
        site=payload.site,
    )
