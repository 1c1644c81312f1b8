"""Make free text safe to store and to show: no control or escape characters, bounded length.

Staff type and paste into a shared terminal, and administrators later read the notes in a
terminal or a browser. Whatever arrives (a terminal escape sequence, a bidi override, a
megabyte paste) is reduced here to plain printable text before it is sealed.
"""

from __future__ import annotations

import re
import unicodedata

ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI: colours, cursor moves, bracketed paste markers
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC: window titles, hyperlinks, clipboard writes
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?  # DCS, SOS, PM, APC strings
    | \x1b[@-Z\\-_]                  # two-character escapes
    | \x9b[0-?]*[ -/]*[@-~]          # 8-bit CSI
    """,
    re.VERBOSE,
)

# Controls, surrogates, private use and unassigned code points, plus every format character
# (Cf: bidi marks and overrides, zero-width spaces, tag characters, soft hyphens): they reorder
# or hide text, and a note must read the same to everyone who sees it. The zero width joiner
# goes too, on purpose: a joined emoji merely falls apart into its parts, a small price for a
# rule with no exceptions.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

# Line and paragraph separators are not controls by category but still break lines.
LINE_SEPARATORS = frozenset("\u2028\u2029")

WHITESPACE_RUN = re.compile(r"[ \t]+")


def is_dropped(char: str) -> bool:
    """Whether `char` is a control, invisible or reordering character that free text must lose."""
    return char in LINE_SEPARATORS or unicodedata.category(char) in DROPPED_CATEGORIES


def clean_text(text: str, max_length: int | None = None) -> str:
    """Return `text` as plain printable text, capped at `max_length` characters.

    Escape sequences are removed whole (not just their ESC byte), other control and invisible
    formatting characters are dropped, line breaks and tabs become single spaces, and the
    result is NFC-normalised and stripped.

    Args:
        text: What was typed or pasted.
        max_length: The most characters to keep; None keeps everything.
    """
    # Cap early so a huge paste costs little, leaving room for what the filters remove.
    if max_length is not None and len(text) > max_length * 8 + 64:
        text = text[: max_length * 8 + 64]
    # str.isprintable() is false for every character the loop below drops or replaces
    # (controls, format, surrogate, private-use, unassigned, line and paragraph separators; so
    # for every escape sequence too): most text needs no loop, which a report of a million
    # notes feels.
    if not text.isprintable():
        text = ESCAPE_SEQUENCE.sub("", text)
        kept = []
        for char in text:
            if char in "\n\r\t":
                kept.append(" ")
            elif is_dropped(char):
                continue
            else:
                kept.append(char)
        text = "".join(kept)
    text = unicodedata.normalize("NFC", text)
    if "  " in text or "\t" in text:
        text = WHITESPACE_RUN.sub(" ", text)
    cleaned = text.strip()
    if max_length is not None:
        cleaned = cleaned[:max_length].rstrip()
    return cleaned


def remove_control(text: str) -> str:
    """Drop escape sequences and control characters but keep spaces and line breaks as typed.

    Used live while someone types, where `clean_text`'s trimming would eat the space just typed.
    """
    text = ESCAPE_SEQUENCE.sub("", text)
    return "".join(char for char in text if char == "\n" or not is_dropped(char))
