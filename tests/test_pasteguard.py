"""Escape sequences inside a bracketed paste never reach the parser; typing is untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.pasteguard import PASTE_END, PASTE_START, PasteGuard

HOSTILE = "hej \x1b[31mrød\x1b[0m [bold]fed[/bold] \x1b]0;title\x07slut"


def test_escape_sequences_inside_a_paste_are_removed_whole() -> None:
    guard = PasteGuard()
    out = guard.filter(f"a{PASTE_START}{HOSTILE}{PASTE_END}b")
    assert out == f"a{PASTE_START}hej rød [bold]fed[/bold] slut{PASTE_END}b"
    assert not guard.in_paste


def test_input_outside_a_paste_passes_unchanged() -> None:
    keys = "abc\x1b[A\x1b[B\x1b\x1b[1;5C\x03"
    assert PasteGuard().filter(keys) == keys


@given(st.lists(st.integers(min_value=7, max_value=80), max_size=6))
def test_the_result_does_not_depend_on_where_reads_split_the_paste(cuts: list[int]) -> None:
    # Terminals write the start marker in one piece; a read may split anything after it.
    whole = f"x{PASTE_START}{HOSTILE}\x1b[2J\x1b{PASTE_END}y\x1b[A"
    guard = PasteGuard()
    pieces, start = [], 0
    for cut in sorted(cuts):
        pieces.append(whole[start:cut])
        start = max(start, cut)
    pieces.append(whole[start:])
    assert "".join(guard.filter(piece) for piece in pieces) == PasteGuard().filter(whole)


@given(st.text())
def test_no_escape_survives_inside_any_paste(text: str) -> None:
    out = PasteGuard().filter(PASTE_START + text.replace(PASTE_END, "") + PASTE_END)
    inner = out[len(PASTE_START) : -len(PASTE_END)]
    assert "\x1b" not in inner
