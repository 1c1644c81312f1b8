"""Free text loses escape sequences, control and invisible characters, and floods."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.sanitize import clean_text, remove_control


def test_escape_sequences_are_removed_whole() -> None:
    hostile = "hej\x1b[31mrød\x1b[0m \x1b]0;title\x07og\x1b]52;c;Zm9v\x1b\\ farvel\x9b2J"
    assert clean_text(hostile) == "hejrød og farvel"


def test_control_and_bidi_characters_are_dropped_and_lines_joined() -> None:
    assert clean_text("a\x00b\x07c\u202ed\u200be\r\nf\tg") == "abcde f g"


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
