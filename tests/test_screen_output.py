"""The real `kiosk run` in a real pseudo-terminal, with stderr sent to a file as systemd's
`StandardError=journal` did: the screen, and what people type, stay on the terminal.

The terminal is `os.openpty()` read through pyte, a terminal emulator, so the test sees what a
person at tty8 would. stderr is a plain file standing in for the journal.
"""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyte
import pytest

from kiosk.install_checks import check_screen_output

KIOSK = Path(sys.executable).parent / "kiosk"
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
WELCOME = "Hvordan har du det på arbejdet?"
CONTRIBUTION = "Hvad hjalp det en kollega"
NOTE = "Min chef Jensen raabte"
COLUMNS, ROWS = 80, 25
# `kiosk run` with its refusal to start lifted, so the driver's own choice of stream is what is
# tested: with stderr in a file, it must still draw on the terminal (defence in depth).
RUN_WITHOUT_REFUSAL = (
    "import sys, kiosk.cli, kiosk.cli.run as run; run.layout_problem = lambda: None; "
    "sys.exit(kiosk.cli.kiosk_main(sys.argv[1:]))"
)

Cells = tuple[tuple[str, str, str, bool, bool], ...]


class Terminal:
    """A program on a pseudo-terminal of COLUMNS×ROWS, its output rendered by pyte."""

    def __init__(self, argv: list[str], stderr: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = {"TERM": "linux", "HOME": os.environ["HOME"], "PATH": os.environ["PATH"]}
        with stderr.open("wb") as err:
            self.process = subprocess.Popen(
                argv, stdin=slave, stdout=slave, stderr=err, env=env, start_new_session=True
            )
        os.close(slave)
        self.master = master
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the program closed the terminal
                return
            if not data:
                return
            with self.lock:
                self.stream.feed(data)

    def text(self) -> str:
        """The screen as text, one line a row."""
        with self.lock:
            return "\n".join(self.screen.display)

    def cells(self) -> Cells:
        """Every cell with its colours and attributes: focus often shows only in colour."""
        with self.lock:
            return tuple(
                (cell.data, cell.fg, cell.bg, cell.reverse, cell.bold)
                for row in range(ROWS)
                for cell in (self.screen.buffer[row][column] for column in range(COLUMNS))
            )

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Poll until the screen shows `text`; return the screen, or fail showing it."""
        deadline = time.monotonic() + timeout
        while text not in (shown := self.text()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{shown}")
            time.sleep(0.1)
        return shown

    def settle(self, quiet: float = 0.4, timeout: float = 10.0) -> None:
        """Wait until the screen has not changed for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        before = self.cells()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            if (now := self.cells()) == before:
                return
            before = now
        raise AssertionError(f"the screen kept changing:\n{self.text()}")

    def type(self, keys: str) -> None:
        """Send keys as a person types them."""
        os.write(self.master, keys.encode())

    def press(self, key: str, timeout: float = 10.0) -> None:
        """Send a key that changes the screen (moves the focus); return once it shows."""
        before = self.cells()
        self.type(key)
        deadline = time.monotonic() + timeout
        while self.cells() == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"{key!r} changed nothing:\n{self.text()}")
            time.sleep(0.05)

    def wait_exit(self, timeout: float = 20.0) -> int:
        """The program's exit code, once it has exited by itself."""
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        """Hang up on the program (as a terminal closing does) and close the terminal."""
        if self.master < 0:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGHUP)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.reader.join(timeout=5)
        os.close(self.master)
        self.master = -1


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def test_with_stderr_in_a_file_the_screen_and_a_typed_note_stay_on_the_terminal(
    site_dir: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    journal = tmp_path / "stderr.log"
    argv = [sys.executable, "-c", RUN_WITHOUT_REFUSAL, "run", "--data-dir", str(site_dir)]
    kiosk = Terminal(argv, stderr=journal)
    terminals.append(kiosk)
    kiosk.wait_for(WELCOME)
    kiosk.settle()
    kiosk.type("4")
    kiosk.wait_for(CONTRIBUTION)
    kiosk.type("2")  # the tag "Velkommen"; then Tab to the note field
    kiosk.wait_for("● 2 Velkommen")
    kiosk.settle()
    kiosk.press("\t")
    kiosk.settle()
    kiosk.type(NOTE)
    shown = kiosk.wait_for(NOTE)
    assert WELCOME not in shown and CONTRIBUTION in shown
    assert kiosk.process.poll() is None
    kiosk.close()
    # Nothing at all went to stderr: not a frame, not a key.
    assert journal.read_bytes() == b""


def test_kiosk_run_refuses_when_stderr_is_not_its_terminal(
    site_dir: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    journal = tmp_path / "stderr.log"
    kiosk = Terminal([str(KIOSK), "run", "--data-dir", str(site_dir)], stderr=journal)
    terminals.append(kiosk)
    assert kiosk.wait_exit() == 2
    kiosk.reader.join(timeout=5)
    # The person at the kiosk's screen and the journal both read why.
    on_screen = " ".join(kiosk.text().split())
    assert "not started" in on_screen and "StandardError=inherit" in on_screen
    logged = journal.read_text(encoding="utf-8")
    assert logged.startswith("kiosk: not started: standard output is the terminal /dev/pts/")
    assert "standard error is a file" in logged and "\x1b" not in logged
    assert WELCOME not in on_screen


def test_kiosk_run_refuses_to_draw_into_a_file(site_dir: Path, tmp_path: Path) -> None:
    screen_file = tmp_path / "stdout.log"
    with screen_file.open("wb") as out:
        done = subprocess.run(
            [str(KIOSK), "run", "--data-dir", str(site_dir)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "standard output is a file, not a terminal" in done.stderr
    assert screen_file.read_bytes() == b""


def test_doctor_fails_when_stderr_leaves_the_terminal(
    site_dir: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    journal = tmp_path / "stderr.log"
    doctor = Terminal([str(KIOSK), "doctor", "--data-dir", str(site_dir)], stderr=journal)
    terminals.append(doctor)
    doctor.wait_exit()
    doctor.reader.join(timeout=5)
    shown = doctor.text()
    assert "FAIL  screen output" in shown, shown


def test_doctor_checks_the_installed_unit(tmp_path: Path) -> None:
    shipped = (DEPLOY / "trivselskiosk.service").read_text(encoding="utf-8")
    unit = tmp_path / "trivselskiosk.service"
    unit.write_text(shipped, encoding="utf-8")
    assert check_screen_output(unit).detail.startswith("the installed unit keeps it on tty8")
    # The layout that put every frame in the journal.
    unit.write_text(shipped.replace("StandardError=inherit", "StandardError=journal"))
    failed = check_screen_output(unit)
    assert not failed.ok and "StandardError=journal" in failed.detail
    # A drop-in that sends error output to the journal counts too.
    unit.write_text(shipped, encoding="utf-8")
    (tmp_path / "trivselskiosk.service.d").mkdir()
    (tmp_path / "trivselskiosk.service.d" / "debug.conf").write_text(
        "[Service]\nStandardError=journal\n"
    )
    assert not check_screen_output(unit).ok
    # The cage variant's journal gets cage's output; the kiosk draws on foot's terminal.
    cage = tmp_path / "cage" / "trivselskiosk.service"
    cage.parent.mkdir()
    cage.write_text((DEPLOY / "trivselskiosk-cage.service").read_text(encoding="utf-8"))
    assert check_screen_output(cage).ok
