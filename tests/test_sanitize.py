"""Free text loses escape sequences, control and invisible characters, and floods."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.sanitize import (
    ESCAPE_SEQUENCE,
    WHITESPACE_RUN,
    clean_text,
    is_dropped,
    remove_control,
)


def test_escape_sequences_are_removed_whole() -> None:
    hostile = "hej\x1b[31mrød\x1b[0m \x1b]0;title\x07og\x1b]52;c;Zm9v\x1b\\ farvel\x9b2J"
    assert clean_text(hostile) == "hejrød og farvel"


def test_control_and_bidi_characters_are_dropped_and_lines_joined() -> None:
    assert clean_text("a\x00b\x07c\u202ed\u200be\r\nf\tg") == "abcde f g"


FORMAT_CHARACTERS = [
    "\u061c",  # ARABIC LETTER MARK: reorders like the bidi overrides
    "\u00ad",  # SOFT HYPHEN: invisible unless a line breaks there
    "\u200d",  # ZERO WIDTH JOINER: dropped too, emoji sequences fall apart into their parts
    "\u2061",  # FUNCTION APPLICATION
    "\u2064",  # INVISIBLE PLUS
    "\u206a",  # INHIBIT SYMMETRIC SWAPPING
    "\u206f",  # NOMINAL DIGIT SHAPES
    "\ufff9",  # INTERLINEAR ANNOTATION ANCHOR
    "\ufffb",  # INTERLINEAR ANNOTATION TERMINATOR
    "\U000e0001",  # LANGUAGE TAG
    "\U000e0041",  # TAG LATIN CAPITAL LETTER A: can smuggle hidden text
    "\U000e007f",  # CANCEL TAG
]


@pytest.mark.parametrize("char", FORMAT_CHARACTERS, ids=lambda char: f"U+{ord(char):04X}")
def test_invisible_format_characters_are_dropped(char: str) -> None:
    assert unicodedata.category(char) == "Cf"
    assert clean_text(f"ja{char}nej") == "janej"
    assert remove_control(f"ja{char} \nnej") == "ja \nnej"


def test_rich_markup_is_kept_as_literal_text() -> None:
    assert (
        clean_text("[bold red]hi[/] [link=http://x]y[/link]")
        == "[bold red]hi[/] [link=http://x]y[/link]"
    )


def test_length_is_capped_even_for_a_huge_paste() -> None:
    assert len(clean_text("x" * 5_000_000, 280)) == 280


def test_remove_control_keeps_spaces_and_newlines() -> None:
    assert remove_control("a \n b\x1b[2J ") == "a \n b "


@given(st.text())
def test_cleaned_text_has_no_control_characters(text: str) -> None:
    cleaned = clean_text(text, 280)
    assert len(cleaned) <= 280
    assert not any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in cleaned)
    assert clean_text(cleaned, 280) == cleaned


FORMAT_OR_ANY = st.text(st.characters(categories=["Cf"]) | st.characters())


@given(FORMAT_OR_ANY)
def test_no_format_character_survives_either_function(text: str) -> None:
    for kept in (clean_text(text), remove_control(text)):
        assert not any(unicodedata.category(char) == "Cf" for char in kept)


def test_every_character_clean_text_drops_or_replaces_is_unprintable() -> None:
    """clean_text skips its per-character pass for printable text; that must lose nothing."""
    touched = [
        chr(code)
        for code in range(0x110000)
        if chr(code) in "\n\r\t\x1b\x9b" or is_dropped(chr(code))
    ]
    assert len(touched) > 900_000  # unassigned and private-use code points are most of them
    assert not any(char.isprintable() for char in touched)


@given(st.text(st.characters(codec="utf-8") | st.sampled_from("\u00e6\u00f8\u00e5 \u00a0")))
def test_printable_text_is_cleaned_as_before(text: str) -> None:
    reference = "".join(
        " " if char in "\n\r\t" else "" if is_dropped(char) else char
        for char in ESCAPE_SEQUENCE.sub("", text)
    )
    expected = WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", reference)).strip()
    assert clean_text(text) == expected
