"""The canonical payload: coarse dates, no language, kiosk and site inside, padding, parse."""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
from datetime import date

import pytest

from kiosk import records
from kiosk.instruments import Answer, Instrument
from kiosk.sealing import SEALED_OVERHEAD
from kiosk.simulate import random_answer

CATALOGUE = records.default_catalogue()
SUPPORT = CATALOGUE[("support", 1)]
CHECKIN = CATALOGUE[("checkin", 1)]
CONTRIBUTION = CATALOGUE[("contribution", 1)]
PSYCH = CATALOGUE[("psych_safety", 1)]
KIOSK = "3c9e0a51d2f4b867"
SITE = "Testafdeling"


def build(instrument: Instrument, answers: dict[str, Answer], day: date, **kw: object) -> bytes:
    options = {"kiosk_id": KIOSK, "site": SITE, **kw}
    return records.build(instrument, answers, day, **options)  # type: ignore[arg-type]


def body_of(plaintext: bytes) -> dict[str, object]:
    return json.loads(records.unpad(plaintext))  # type: ignore[no-any-return]


def test_week_is_iso_week_and_day_is_iso_date() -> None:
    assert records.coarse_date(date(2026, 11, 26)) == "2026-W48"
    assert records.coarse_date(date(2027, 1, 1)) == "2026-W53"
    assert records.coarse_date(date(2026, 11, 26), "day") == "2026-11-26"


def test_payload_holds_no_time_of_day_no_language_and_round_trips() -> None:
    plaintext = build(SUPPORT, {"practical": 7, "emotional": None}, date(2026, 11, 26))
    body = body_of(plaintext)
    assert set(body) == {"v", "k", "s", "i", "iv", "h", "d", "a"}
    assert body["d"] == "2026-W48" and body["k"] == KIOSK and body["s"] == SITE
    assert b'"da"' not in plaintext and b'"en"' not in plaintext and b'"l"' not in plaintext
    payload = records.parse(plaintext)
    assert payload == records.Payload(
        "support",
        1,
        "2026-W48",
        None,
        {"practical": 7, "emotional": None, "appraisal": None, "informational": None},
        kiosk_id=KIOSK,
        site=SITE,
    )


def test_choices_are_stored_as_option_numbers_and_read_back_as_ids() -> None:
    answers: dict[str, Answer] = {item.id: "uenig" for item in PSYCH.items}
    plaintext = build(PSYCH, answers, date(2026, 3, 2))
    assert body_of(plaintext)["a"] == [3] * len(PSYCH.items)
    assert records.parse(plaintext).answers == answers


def test_equal_answers_give_equal_plaintext() -> None:
    first = build(CHECKIN, {"score": 4, "why_here": "x"}, date(2026, 1, 5))
    second = build(CHECKIN, {"why_here": "x", "score": 4}, date(2026, 1, 7))
    assert first == second


@pytest.mark.parametrize("note_length", [1, 100, 280])
def test_short_and_long_notes_pad_to_the_same_size(note_length: int) -> None:
    plaintext = build(
        CONTRIBUTION, {"tag": "velkommen", "note": "æ" * note_length}, date(2026, 3, 2)
    )
    assert len(plaintext) == records.BUCKETS[0]


def test_two_full_notes_of_plain_letters_fit_the_first_note_bucket() -> None:
    ascii_answers: dict[str, Answer] = {
        "score": 10,
        "why_here": "a" * 280,
        "one_step_up": "b" * 280,
    }
    assert len(build(CHECKIN, ascii_answers, date(2026, 3, 2))) == 768
    # Ordinary Danish: about one letter in twenty is æ, ø or å (two bytes each).
    ordinary = ("Travlt på afdelingen, men vi hjælper hinanden godt. " * 6)[:280]
    assert sum(letter in "æøå" for letter in ordinary) >= 10
    both: dict[str, Answer] = {"score": 10, "why_here": ordinary, "one_step_up": ordinary}
    assert len(build(CHECKIN, both, date(2026, 3, 2))) == 768
    danish: dict[str, Answer] = {"score": 10, "why_here": "ø" * 280, "one_step_up": "å" * 280}
    assert len(build(CHECKIN, danish, date(2026, 3, 2))) == 1536


def random_text_free(instrument: Instrument, rng: random.Random) -> dict[str, Answer]:
    return {
        item.id: None if item.kind == "text" or rng.random() < 0.2 else random_answer(item, rng)
        for item in instrument.items
    }


@pytest.mark.parametrize("granularity", ["week", "day"])
def test_every_text_free_answer_of_every_tool_has_one_length(granularity: str) -> None:
    """The stick holder's view: without the key, a text-free record's length tells nothing."""
    menu = list(CATALOGUE.values())
    rng = random.Random(5)
    for site in (SITE, "Ærø Plejehjem, afsnit 3 " * 6, "x"):
        small = records.small_bucket(menu, KIOSK, site, granularity)  # type: ignore[arg-type]
        lengths = {
            len(
                build(
                    i,
                    random_text_free(i, rng),
                    date(2026, 3, 2),
                    site=site,
                    small=small,
                    granularity=granularity,
                )
            )
            for i in menu
            for _ in range(40)
        }
        assert lengths == {small}
        assert small < records.BUCKETS[0] or len(site.encode()) > 400
    assert records.small_bucket(menu, KIOSK, SITE) == records.SMALL_BUCKET


def test_text_free_records_average_under_400_sealed_bytes() -> None:
    rng = random.Random(7)
    menu = list(CATALOGUE.values())
    small = records.small_bucket(menu, KIOSK, SITE)
    sizes = [
        len(build(i, random_text_free(i, rng), date(2026, 3, 2), small=small)) + SEALED_OVERHEAD
        for i in menu
        for _ in range(50)
    ]
    assert statistics.mean(sizes) == 256 + SEALED_OVERHEAD < 400


def test_a_note_moves_a_record_to_the_note_bucket() -> None:
    menu = list(CATALOGUE.values())
    small = records.small_bucket(menu, KIOSK, SITE)
    without = build(CHECKIN, {"score": 3}, date(2026, 3, 2), small=small)
    with_note = build(CHECKIN, {"score": 3, "why_here": "travlt"}, date(2026, 3, 2), small=small)
    assert (len(without), len(with_note)) == (small, records.BUCKETS[0])


def test_pad_unpad_round_trip_and_bad_padding_rejected() -> None:
    for size in (0, 1, 766, 767, 768, 5000):
        data = b"{" + b"x" * size + b"}"
        padded = records.pad(data)
        assert len(padded) in records.BUCKETS or len(padded) % records.BUCKETS[-1] == 0
        assert records.unpad(padded) == data
    with pytest.raises(records.RecordFormatError):
        records.unpad(b"{}" + bytes(10))


def test_format_1_payloads_are_still_read_with_their_language() -> None:
    v1 = (
        b'{"a":{"note":"Tak","tag":"velkommen"},"d":"2026-W48","i":"contribution","iv":1,'
        b'"l":"da","v":1}'
    )
    payload = records.parse(records.pad(v1), sealed_version=1)
    assert payload == records.Payload(
        "contribution", 1, "2026-W48", "da", {"note": "Tak", "tag": "velkommen"}
    )
    assert payload.kiosk_id is None and payload.site is None


def test_a_reordered_instrument_definition_refuses_the_record_instead_of_misreading() -> None:
    plaintext = build(PSYCH, {"mistakes_held_against": "enig"}, date(2026, 3, 2))
    reordered = dataclasses.replace(PSYCH, items=PSYCH.items[::-1])
    with pytest.raises(records.RecordFormatError, match="another definition"):
        records.parse(plaintext, {("psych_safety", 1): reordered})
    with pytest.raises(records.RecordFormatError, match="does not have"):
        records.parse(plaintext, {})


V2 = {"v": 2, "k": KIOSK, "s": SITE, "i": "support", "iv": 1, "h": records.shape_tag(SUPPORT),
      "d": "2026-W10", "a": [1, 2, 3, None]}  # fmt: skip


def v2(**change: object) -> bytes:
    return records.pad(records.canonical_json({**V2, **change}))


@pytest.mark.parametrize(
    "plaintext",
    [
        records.pad(b"not json"),
        records.pad(b'{"v":3,"i":"x","iv":1,"d":"2026-W01","l":"da","a":{}}'),
        records.pad(b'{"v":1,"i":"x","iv":1,"d":"2026-W01","l":"da"}'),
        records.pad(b'{"a":{"q":[1]},"d":"2026-W01","i":"x","iv":1,"l":"da","v":1}'),
        records.pad(b'{"a":{},"d":"2026-W01","i":3,"iv":1,"l":"da","v":1}'),
        records.pad(b'{"a":{"q":true},"d":"2026-W01","i":"x","iv":1,"l":"da","v":1}'),
        records.pad(b'{"a":{},"d":"2026-W01","i":"x","iv":1,"l":"da","l":"en","v":1}'),
        records.pad(b'{"a":{},"d":"2026-W01","i":"x","iv":1,"l":"da","v":true}'),
        records.pad(b'{"v":1, "a":{},"d":"2026-W01","i":"x","iv":1,"l":"da"}'),
        records.pad(b"\xff\xfe"),
        v2(k="3C9E0A51D2F4B867"),
        v2(k="bench"),
        v2(s=""),
        v2(a=[1, 2, 3]),
        v2(a=[1, 2, 3, "4"]),
        v2(a=[1, 2, 3, True]),
        v2(h="00000000"),
        v2(extra=1),
        v2(iv=True),
    ],
)
def test_malformed_payloads_are_rejected(plaintext: bytes) -> None:
    with pytest.raises(records.RecordFormatError):
        records.parse(plaintext)


def test_the_payload_version_must_match_the_sealed_version() -> None:
    assert records.parse(v2()).site == SITE
    with pytest.raises(records.RecordFormatError, match="sealed format version 1"):
        records.parse(v2(), sealed_version=1)
