"""The instrument model: answer validation and the seed's scoring, on the shipped instruments."""

from __future__ import annotations

import pytest

from kiosk.config import default_config_dir, load_instruments
from kiosk.instruments import (
    Answer,
    Instrument,
    InvalidAnswer,
    Item,
    Option,
    Text,
    item_score,
    total_score,
    validate_answers,
)

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
PSYCH_SAFETY = INSTRUMENTS["psych_safety"]
LIKERT = ("meget_enig", "enig", "neutral", "uenig", "meget_uenig")
# The seed's table ("Spørgsmål til psykologisk tryghed"), typed in by hand, item by item.
SEED_POINTS = (
    (0, 2, 4, 7, 10),
    (10, 7, 4, 2, 0),
    (0, 2, 4, 7, 10),
    (10, 7, 4, 2, 0),
    (0, 2, 4, 7, 10),
    (10, 7, 4, 2, 0),
    (10, 7, 4, 2, 0),
)


def psych_answers(*choices: str) -> dict[str, Answer]:
    return {item.id: choice for item, choice in zip(PSYCH_SAFETY.items, choices, strict=True)}


@pytest.mark.parametrize("position", range(7))
@pytest.mark.parametrize("option", range(5))
def test_psych_safety_item_scores_match_the_seed_table(position: int, option: int) -> None:
    item = PSYCH_SAFETY.items[position]
    expected = SEED_POINTS[position][option]
    assert item_score(PSYCH_SAFETY, item.id, LIKERT[option]) == expected


@pytest.mark.parametrize(
    ("choices", "total"),
    [
        (("meget_enig",) * 7, 0 + 10 + 0 + 10 + 0 + 10 + 10),
        (("meget_uenig",) * 7, 10 + 0 + 10 + 0 + 10 + 0 + 0),
        (("neutral",) * 7, 7 * 4),
        (("meget_uenig", "meget_enig") * 3 + ("meget_enig",), 70),
        (("meget_enig", "meget_uenig") * 3 + ("meget_uenig",), 0),
        (
            ("enig", "uenig", "uenig", "enig", "neutral", "meget_enig", "enig"),
            2 + 2 + 7 + 7 + 4 + 10 + 7,
        ),
    ],
)
def test_psych_safety_total_follows_the_seed(choices: tuple[str, ...], total: int) -> None:
    assert total_score(PSYCH_SAFETY, psych_answers(*choices)) == total


def test_psych_safety_total_is_none_when_an_item_is_skipped() -> None:
    answers = psych_answers(*("neutral",) * 7)
    answers["skills_valued"] = None
    assert total_score(PSYCH_SAFETY, answers) is None
    assert validate_answers(PSYCH_SAFETY, answers)["skills_valued"] is None


def test_psych_safety_items_may_all_be_skipped() -> None:
    assert validate_answers(PSYCH_SAFETY, {}) == {item.id: None for item in PSYCH_SAFETY.items}


def test_guldkorn_scores_the_option_value() -> None:
    guldkorn = INSTRUMENTS["guldkorn"]
    assert [item_score(guldkorn, "influence", str(n)) for n in range(1, 6)] == [1, 2, 3, 4, 5]
    assert total_score(guldkorn, {item.id: "3" for item in guldkorn.items}) is None


def test_support_scores_the_slider_value_and_has_no_total() -> None:
    support = INSTRUMENTS["support"]
    assert item_score(support, "emotional", 8) == 8.0
    assert item_score(support, "emotional", None) is None
    assert total_score(support, {item.id: 5 for item in support.items}) is None


def test_checkin_scores_the_scale_and_not_the_texts() -> None:
    checkin = INSTRUMENTS["checkin"]
    assert item_score(checkin, "score", 3) == 3.0
    assert item_score(checkin, "why_here", "gode kolleger") is None


def test_exposures_answers_have_no_score() -> None:
    assert item_score(INSTRUMENTS["exposures"], "workload", "ja") is None


def test_validate_fills_in_every_item_and_keeps_good_answers() -> None:
    support = INSTRUMENTS["support"]
    assert validate_answers(support, {"practical": 1, "informational": 10}) == {
        "practical": 1,
        "emotional": None,
        "appraisal": None,
        "informational": 10,
    }
    checkin = INSTRUMENTS["checkin"]
    answers: dict[str, Answer] = {"score": 7, "why_here": "x" * 280, "one_step_up": "   "}
    assert validate_answers(checkin, answers) == {
        "score": 7,
        "why_here": "x" * 280,
        "one_step_up": None,
    }


@pytest.mark.parametrize(
    ("instrument_id", "answers", "message"),
    [
        ("support", {"pratical": 5}, "unknown item 'pratical'"),
        ("support", {"practical": 0}, "practical: 0 is outside 1–10"),
        ("support", {"practical": 11}, "practical: 11 is outside 1–10"),
        ("support", {"practical": "5"}, "practical: expected a whole number"),
        ("support", {"practical": 5.0}, "practical: expected a whole number"),
        ("support", {"practical": True}, "practical: expected a whole number"),
        ("psych_safety", {"raise_problems": "helt_enig"}, "unknown option 'helt_enig'"),
        ("psych_safety", {"raise_problems": 1}, "raise_problems: expected text"),
        ("guldkorn", {"meaning": 3}, "meaning: expected text"),
        ("checkin", {"why_here": "ok"}, "score: an answer is required"),
        ("checkin", {"score": 5, "why_here": "x" * 281}, "281 characters, at most 280"),
        ("contribution", {"note": "Hun hentede kaffe"}, "tag: an answer is required"),
        ("exposures", {"violence": "maaske"}, "unknown option 'maaske'"),
    ],
)
def test_validate_rejects_bad_answers(
    instrument_id: str, answers: dict[str, Answer], message: str
) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        validate_answers(INSTRUMENTS[instrument_id], answers)


def test_invalid_answer_is_a_value_error() -> None:
    assert issubclass(InvalidAnswer, ValueError)


def test_text_get_knows_only_the_kiosk_languages() -> None:
    text = Text(da="Tak!", en="Thank you!")
    assert (text.get("da"), text.get("en")) == ("Tak!", "Thank you!")
    with pytest.raises(ValueError, match="'de'"):
        text.get("de")


def test_model_is_frozen_and_works_without_config() -> None:
    options = (Option("ja", Text("Ja", "Yes")), Option("nej", Text("Nej", "No")))
    item = Item(id="q", kind="choice", label=Text("Spørgsmål", "Question"), options=options)
    instrument = Instrument(
        id="demo",
        version=1,
        form="questions",
        title=Text("Demo", "Demo"),
        intro=Text("Intro", "Intro"),
        source="test",
        items=(item,),
    )
    assert validate_answers(instrument, {"q": "nej"}) == {"q": "nej"}
    with pytest.raises(InvalidAnswer):
        instrument.item("other")
    with pytest.raises(AttributeError):
        instrument.version = 2  # type: ignore[misc]
