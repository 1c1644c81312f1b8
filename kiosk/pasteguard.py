"""Keep escape sequences inside a bracketed paste from turning into key presses.

Textual's input parser reads an ESC inside a bracketed paste as the start of a key sequence,
so a pasted "\\x1b[31m" arrives as the keys "^", "[", "3", "1", "m" — out of order with the rest
of the paste and able to reach key bindings. The kiosk filters the raw terminal input first:
between the paste start and end markers every escape sequence is removed whole, so the parser
only ever sees plain pasted text, which the note field then cleans as usual.

The start marker is expected whole in one read, as terminals write it; anything after it may be
split anywhere. A start marker cut in two is passed on unfiltered, and the note field's own
cleaning still keeps every control character out of what is stored.
"""

from __future__ import annotations

import re

from kiosk.sanitize import ESCAPE_SEQUENCE

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ESC = "\x1b"
# An escape sequence longer than this at the end of a read is not waited for: it is dropped.
LONGEST_HELD = 256

# An escape sequence that has all of its parts, terminator included.
FINISHED = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)
    | \x1b[PX^_][^\x1b]*\x1b\\
    | \x1b[@-OQ-WYZ\\]
    """,
    re.VERBOSE,
)


class PasteGuard:
    """A stateful filter for raw terminal input, fed chunk by chunk as it is read."""

    def __init__(self) -> None:
        self.in_paste = False
        self.held = ""

    def filter(self, chunk: str) -> str:
        """Return `chunk` with every escape sequence inside a bracketed paste removed."""
        data = self.held + chunk
        self.held = ""
        out: list[str] = []
        while data:
            if not self.in_paste:
                start = data.find(PASTE_START)
                if start < 0:
                    out.append(data)
                    break
                cut = start + len(PASTE_START)
                out.append(data[:cut])
                data = data[cut:]
                self.in_paste = True
                continue
            end = data.find(PASTE_END)
            body = data if end < 0 else data[:end]
            if end < 0:
                body = self._hold_unfinished_tail(body)
            out.append(ESCAPE_SEQUENCE.sub("", body).replace(ESC, ""))
            if end < 0:
                break
            out.append(PASTE_END)
            data = data[end + len(PASTE_END) :]
            self.in_paste = False
        return "".join(out)

    def _hold_unfinished_tail(self, body: str) -> str:
        """Keep back an escape sequence cut off by the end of this read; return the rest."""
        last_escape = body.rfind(ESC)
        if last_escape < 0 or len(body) - last_escape > LONGEST_HELD:
            return body
        tail = body[last_escape:]
        finished = FINISHED.match(tail)
        if finished is not None and finished.end() == len(tail):
            return body
        self.held = tail
        return body[:last_escape]
