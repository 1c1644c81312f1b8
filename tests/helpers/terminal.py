"""A real program in a real pseudo-terminal, its screen read back through the pyte VT emulator.

The program gets a pty of a fixed size (`ptyprocess`); a reader thread feeds everything it
writes into a `pyte` screen, an emulator written independently of Textual, so a test sees
what a terminal would show: the text, each cell's colours, the window title, and the modes
the program switched on (bracketed paste). Keys are written as a terminal sends them.

Every wait polls the emulated screen for something observable (a text, a change, a quiet
spell); none sleeps for a fixed time, so the tests hold on a loaded machine.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TypeVar

import ptyprocess
import pyte
from pyte.screens import Char

POLL_SECONDS = 0.02
# A size left in the environment (pytest sets COLUMNS) would override the pty's real size.
UNSET = ("COLUMNS", "LINES", "TMUX", "TMUX_PANE", "COLORTERM", "TERM_PROGRAM")
BRACKETED_PASTE = 2004 << 5
"""pyte keeps a private mode (CSI ? n h) as n << 5 in `Screen.mode`."""

KEYS = {
    "Enter": "\r",
    "Tab": "\t",
    "BTab": "\x1b[Z",
    "Escape": "\x1b",
    "Space": " ",
    "BSpace": "\x7f",
    "Up": "\x1b[A",
    "Down": "\x1b[B",
    "Right": "\x1b[C",
    "Left": "\x1b[D",
    "Home": "\x1b[H",
    "End": "\x1b[F",
    "F2": "\x1bOQ",
    "F9": "\x1b[20~",
    "C-\\": "\x1c",
}
"""Named keys as an xterm (and the Linux console, for these) sends them; C-a … C-z too."""

T = TypeVar("T")


def key_bytes(key: str) -> bytes:
    """The bytes a terminal sends for a named key ("Right", "C-c") or a single character."""
    if key in KEYS:
        return KEYS[key].encode()
    if len(key) == 3 and key.startswith("C-") and key[2].isalpha():
        return bytes([ord(key[2].lower()) - ord("a") + 1])
    if len(key) == 1:
        return key.encode()
    raise ValueError(f"unknown key name {key!r}")


Cells = tuple[tuple[Char, ...], ...]
"""A copy of the screen: rows of pyte cells (character, colours, attributes)."""


class Terminal:
    """One program on a pseudo-terminal of a fixed size, driven by keys and pastes.

    Args:
        command: The program and its arguments, run directly (no shell).
        columns: Terminal width.
        rows: Terminal height.
        term: TERM for the program.
        env: Extra environment variables for the program.
    """

    def __init__(
        self,
        command: Sequence[str | os.PathLike[str]],
        *,
        columns: int = 100,
        rows: int = 30,
        term: str = "xterm-256color",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = [str(part) for part in command]
        self.columns = columns
        self.rows = rows
        self.term = term
        self.env = dict(env or {})
        self.screen = pyte.Screen(columns, rows)
        self._stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self._process: ptyprocess.PtyProcess | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Terminal:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    # --- the process -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the program on a fresh pty and begin reading its output."""
        env = {key: value for key, value in os.environ.items() if key not in UNSET}
        env.update(self.env, TERM=self.term)
        self._process = ptyprocess.PtyProcess.spawn(
            self.command, env=env, dimensions=(self.rows, self.columns)
        )
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Feed everything the program writes into the emulator, until the pty closes."""
        assert self._process is not None
        while True:
            try:
                data = self._process.read(65536)
            except (EOFError, OSError, ValueError):
                return
            with self._lock:
                self._stream.feed(data)

    @property
    def pid(self) -> int:
        """The program's process id."""
        assert self._process is not None, "start() the terminal first"
        return int(self._process.pid)

    def alive(self) -> bool:
        """Whether the program is still running."""
        return self._process is not None and bool(self._process.isalive())

    def kill(self, timeout: float = 10.0) -> None:
        """Hang up (SIGHUP, as a closed terminal does) and wait until the program has ended.

        Once this returns the program has exited, so every file it held (the store lock) is
        closed. A program that ignores the hang-up for `timeout` seconds is killed and fails.
        """
        process = self._process
        if process is None:
            return
        stubborn = False
        if process.isalive():
            process.kill(signal.SIGHUP)
            deadline = time.monotonic() + timeout
            while process.isalive():
                if time.monotonic() > deadline:
                    process.kill(signal.SIGKILL)
                    stubborn = True
                    break
                time.sleep(POLL_SECONDS)
        process.close(force=True)
        if self._reader is not None:
            self._reader.join(timeout)
        self._process = None
        if stubborn:
            raise AssertionError(f"{self.command[0]} was still running {timeout} s after SIGHUP")

    # --- input -----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write raw bytes to the program's terminal input."""
        assert self._process is not None, "start() the terminal first"
        view = memoryview(data)
        while view:
            view = view[os.write(self._process.fd, view) :]

    def send_keys(self, *keys: str) -> None:
        """Press named keys: "Right", "Tab", "Enter", "F9", "C-c", "C-\\", or one character."""
        for key in keys:
            self.write(key_bytes(key))

    def type(self, text: str) -> None:
        """Type text, one key per character."""
        for char in text:
            self.write(char.encode())

    def paste(self, text: str) -> None:
        """Paste text as a terminal does: in bracketed-paste markers, which the app must ask for."""
        with self._lock:
            asked = BRACKETED_PASTE in self.screen.mode
        assert asked, "the program has not switched bracketed paste on"
        self.write(b"\x1b[200~" + text.encode() + b"\x1b[201~")

    # --- what the screen shows -------------------------------------------------------------

    def _look(self, read: Callable[[pyte.Screen], T]) -> T:
        with self._lock:
            return read(self.screen)

    def lines(self) -> list[str]:
        """The visible text, one string per row."""
        return self._look(lambda screen: list(screen.display))

    def capture(self) -> str:
        """The visible text, one line per row."""
        return "\n".join(self.lines())

    @property
    def title(self) -> str:
        """The window title the program set (OSC 0 or 2), "" if none."""
        return self._look(lambda screen: str(screen.title))

    def cells(self) -> Cells:
        """A copy of every cell: character, colours and attributes."""

        def copy(screen: pyte.Screen) -> Cells:
            return tuple(
                tuple(screen.buffer[y][x] for x in range(screen.columns))
                for y in range(screen.lines)
            )

        return self._look(copy)

    def styled_row(self, text: str) -> tuple[Char, ...]:
        """The cells of the first row showing `text` (empty if no row shows it)."""

        def find(screen: pyte.Screen) -> tuple[Char, ...]:
            for y, line in enumerate(screen.display):
                if text in line:
                    return tuple(screen.buffer[y][x] for x in range(screen.columns))
            return ()

        return self._look(find)

    # --- waiting on the screen ------------------------------------------------------------

    def _until(self, done: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if not self.alive():
                raise AssertionError(f"the program ended; {what}:\n{self.capture()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} after {timeout} s:\n{self.capture()}")
            time.sleep(POLL_SECONDS)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Poll until the screen shows `text`; return the screen, or fail showing it."""
        self._until(lambda: text in self.capture(), f"{text!r} is not on screen", timeout)
        return self.capture()

    def wait_until_gone(self, text: str, timeout: float = 20.0) -> str:
        """Poll until `text` is no longer shown; return the screen, or fail."""
        self._until(lambda: text not in self.capture(), f"{text!r} is still on screen", timeout)
        return self.capture()

    def press(self, key: str, row: str | None = None, timeout: float = 20.0) -> None:
        """Press a key that changes the screen (moves the focus, a slider); return once it shows.

        A terminal app routes each key to whatever has the focus when the key arrives, so the
        key after a focus move must wait until the move shows; focus often shows only in colour,
        so cells are compared with their colours. With `row`, wait for the row showing that
        text to change (the buttons' row, say), so a blinking cursor elsewhere does not count.
        """

        def look() -> object:
            return self.cells() if row is None else self.styled_row(row)

        before = look()
        self.send_keys(key)
        self._until(lambda: look() != before, f"{key} changed nothing", timeout)

    def settle(self, quiet: float = 0.3, timeout: float = 20.0) -> str:
        """Poll until the text on screen has not changed for `quiet` seconds; return it.

        Only the text counts: a blinking cursor changes colours forever.
        """
        deadline = time.monotonic() + timeout
        screen = self.capture()
        still_since = time.monotonic()
        while time.monotonic() - still_since < quiet:
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen kept changing for {timeout} s:\n{screen}")
            time.sleep(POLL_SECONDS)
            latest = self.capture()
            if latest != screen:
                screen, still_since = latest, time.monotonic()
        return screen
