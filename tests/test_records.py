"""The canonical payload: coarse dates, padding to buckets, parse round trip."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk import records


def test_week_is_iso_week_and_day_is_iso_date() -> None:
    assert records.coarse_date(date(2026, 11, 26)) == "2026-W48"
    assert records.coarse_date(date(2027, 1, 1)) == "2026-W53"
    assert records.coarse_date(date(2026, 11, 26), "day") == "2026-11-26"


def test_payload_holds_no_time_of_day_and_round_trips() -> None:
    plaintext = records.build(
        "support", 1, {"practical": 7, "emotional": None}, "da", date(2026, 11, 26)
    )
    assert b"T" not in plaintext.split(b'"d":"')[1][:9]
    payload = records.parse(plaintext)
    assert payload == records.Payload(
        "support", 1, "2026-W48", "da", {"practical": 7, "emotional": None}
    )


def test_equal_answers_give_equal_plaintext() -> None:
    first = records.build("checkin", 1, {"score": 4, "why_here": "x"}, "en", date(2026, 1, 5))
    second = records.build("checkin", 1, {"why_here": "x", "score": 4}, "en", date(2026, 1, 7))
    assert first == second


@pytest.mark.parametrize("note_length", [0, 1, 100, 280])
def test_short_and_long_notes_pad_to_the_same_size(note_length: int) -> None:
    plaintext = records.build(
        "contribution", 1, {"tag": "velkommen", "note": "æ" * note_length}, "da", date(2026, 3, 2)
    )
    assert len(plaintext) == records.BUCKETS[0]


def test_two_full_danish_notes_still_fit_the_first_bucket() -> None:
    answers = {"score": 10, "why_here": "ø" * 280, "one_step_up": "å" * 280}
    assert len(records.build("checkin", 1, answers, "da", date(2026, 3, 2))) == 2048
    ascii_answers = {"score": 10, "why_here": "a" * 280, "one_step_up": "b" * 280}
    assert len(records.build("checkin", 1, ascii_answers, "da", date(2026, 3, 2))) == 1024


def test_pad_unpad_round_trip_and_bad_padding_rejected() -> None:
    for size in (0, 1, 1022, 1023, 1024, 5000):
        data = b"{" + b"x" * size + b"}"
        padded = records.pad(data)
        assert len(padded) in records.BUCKETS or len(padded) % records.BUCKETS[-1] == 0
        assert records.unpad(padded) == data
    with pytest.raises(records.RecordFormatError):
        records.unpad(b"{}" + bytes(10))


@pytest.mark.parametrize(
    "plaintext",
    [
        records.pad(b"not json"),
        records.pad(b'{"v":2,"i":"x","iv":1,"d":"2026-W01","l":"da","a":{}}'),
        records.pad(b'{"v":1,"i":"x","iv":1,"d":"2026-W01","l":"da"}'),
        records.pad(b'{"v":1,"i":"x","iv":1,"d":"2026-W01","l":"da","a":{"q":[1]}}'),
        records.pad(b'{"v":1,"i":3,"iv":1,"d":"2026-W01","l":"da","a":{}}'),
        records.pad(b"\xff\xfe"),
    ],
)
def test_malformed_payloads_are_rejected(plaintext: bytes) -> None:
    with pytest.raises(records.RecordFormatError):
        records.parse(plaintext)
