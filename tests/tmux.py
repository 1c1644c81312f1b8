"""A small driver for a program running in a private tmux server, for end-to-end tests.

Each `Tmux` starts its own server on a unique socket (`tmux -L`) with no user config, so a
test never touches a developer's tmux sessions, and kills that server when done.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

POLL_SECONDS = 0.05
SESSION = "e2e"
# A size left in the environment (pytest sets COLUMNS) would override the pane's real size,
# and TMUX would make tmux refuse to start inside a developer's own tmux.
UNSET = ("COLUMNS", "LINES", "TMUX", "TMUX_PANE")


def tmux_available() -> bool:
    """Whether the tmux command is installed."""
    return shutil.which("tmux") is not None


def process_ended(pid: int) -> bool:
    """Whether a process (not necessarily our child) has exited; a zombie counts as ended.

    Every thread is checked, not just the main one: a dying process's main thread is a zombie
    while its other threads still run, and the open files (the store lock) close with the last.
    """
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        stats = [(task / "stat").read_text() for task in tasks]
    except (FileNotFoundError, ProcessLookupError):
        return True
    # The state letter follows the command name, which is in parentheses and may hold spaces.
    return all(stat[stat.rindex(")") + 2] in "ZX" for stat in stats)


class Tmux:
    """One program in a detached tmux pane of a fixed size, driven by keys and pastes.

    Args:
        command: The program and its arguments, run directly (no shell).
        width: Pane columns.
        height: Pane rows.
        term: TERM inside the pane.
        env: Extra environment variables for the program.
    """

    def __init__(
        self,
        command: Sequence[str | os.PathLike[str]],
        *,
        width: int = 100,
        height: int = 30,
        term: str = "xterm-256color",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = [str(part) for part in command]
        self.width = width
        self.height = height
        self.term = term
        self.env = dict(env or {})
        self.socket = f"kiosk-e2e-{uuid.uuid4().hex[:12]}"
        self.target = f"{SESSION}:0.0"
        self.pid: int | None = None
        self._config: Path | None = None
        self._socket_path: Path | None = None

    def __enter__(self) -> Tmux:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    def tmux(self, *args: str, check: bool = True) -> str:
        """Run one tmux command against this server and return its output."""
        assert self._config is not None, "start() the session first"
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self._config), *args],
            capture_output=True,
            text=True,
            check=False,
            env={key: value for key, value in os.environ.items() if key not in UNSET},
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        """Start the server and the program in a detached session of the given size."""
        handle, name = tempfile.mkstemp(prefix="kiosk-e2e-", suffix=".tmux.conf")
        # remain-on-exit keeps a crashed program's last screen (a traceback) for the assertion.
        os.write(
            handle,
            f'set -g default-terminal "{self.term}"\nset -g remain-on-exit on\n'
            "set -g status off\nset -g escape-time 0\n".encode(),
        )
        os.close(handle)
        self._config = Path(name)
        env_args = [arg for key, value in self.env.items() for arg in ("-e", f"{key}={value}")]
        self.tmux(
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            *env_args,
            *self.command,
        )
        self.pid = int(self.pane_info("#{pane_pid}"))
        self._socket_path = Path(self.pane_info("#{socket_path}"))

    def pane_info(self, fmt: str) -> str:
        """A tmux format (e.g. "#{pane_dead}") evaluated for the pane."""
        return self.tmux("display-message", "-p", "-t", self.target, fmt).strip()

    def alive(self) -> bool:
        """Whether the program in the pane is still running."""
        return self.pid is not None and not process_ended(self.pid)

    def send_keys(self, *keys: str) -> None:
        """Press named keys as tmux spells them: "Right", "Tab", "Enter", "C-c", "C-\\"."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Type text literally, one key per character."""
        self.tmux("send-keys", "-t", self.target, "-l", "--", text)

    def paste(self, text: str) -> None:
        """Paste text as a terminal does, wrapped in bracketed-paste markers if the app asked."""
        self.tmux("set-buffer", "-b", "e2e", "--", text)
        self.tmux("paste-buffer", "-p", "-d", "-b", "e2e", "-t", self.target)

    def capture(self, *, styled: bool = False) -> str:
        """The pane's visible text, one line per row; with `styled`, with its colour codes too."""
        return self.tmux("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.target)

    def styled_row(self, text: str) -> str:
        """The first row showing `text`, with its colour codes ("" if no row shows it)."""
        plain, styled = self.capture().splitlines(), self.capture(styled=True).splitlines()
        rows = [index for index, line in enumerate(plain) if text in line]
        return styled[rows[0]] if rows and rows[0] < len(styled) else ""

    def press(self, key: str, row: str | None = None, timeout: float = 10.0) -> None:
        """Press a key that changes the screen (e.g. moves the focus); return once it shows.

        A terminal app routes each key to whatever has the focus when the key arrives, so the
        key after a focus move must wait until the move shows; focus often shows only in colour.
        With `row`, wait for the row showing that text to change (e.g. the buttons' row).
        """

        def look() -> str:
            return self.capture(styled=True) if row is None else self.styled_row(row)

        before = look()
        self.send_keys(key)
        deadline = time.monotonic() + timeout
        while look() == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"{key} changed nothing in {timeout} s:\n{self.capture()}")
            time.sleep(POLL_SECONDS)

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        """Poll the pane until it shows `text`; return the screen, or fail showing it."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{screen}")
            time.sleep(POLL_SECONDS)

    def wait_until_gone(self, text: str, timeout: float = 10.0) -> str:
        """Poll the pane until `text` is no longer shown; return the screen, or fail."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if text not in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} still on screen after {timeout} s:\n{screen}")
            time.sleep(POLL_SECONDS)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> str:
        """Poll until the pane has not changed for `quiet` seconds; return the screen."""
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

    def kill(self, timeout: float = 10.0) -> None:
        """Kill the server (the program gets SIGHUP) and wait until the program has ended."""
        if self._config is None:
            return
        self.tmux("kill-server", check=False)
        self._config.unlink(missing_ok=True)
        if self._socket_path is not None:
            self._socket_path.unlink(missing_ok=True)
        self._config = None
        deadline = time.monotonic() + timeout
        while self.pid is not None and not process_ended(self.pid):
            if time.monotonic() > deadline:
                raise AssertionError(f"pid {self.pid} still running {timeout} s after SIGHUP")
            time.sleep(POLL_SECONDS)
