"""Where the kiosk's screen and error output go: both must be the one terminal it runs on.

The kiosk draws its screen, and so echoes everything people type, on standard output
(`screens.app.KioskDriver`). Error output goes to standard error. A service manager can send
either stream somewhere else: systemd's `StandardError=journal` once put every frame, typed
notes included, into the journal on disk. `kiosk run` therefore starts only when standard
output is a terminal and standard error is that same terminal, and `kiosk doctor` checks both
the process it runs in and the installed service unit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

STDOUT_FD = 1
STDERR_FD = 2
SERVICE_UNIT = Path("/etc/systemd/system/trivselskiosk.service")
"""Where deploy/install.sh puts the kiosk's unit (either variant, under this one name)."""


def describe_fd(fd: int) -> str:
    """What a file descriptor leads to, in words for the person reading an error."""
    try:
        info = os.fstat(fd)
    except OSError:
        return "closed"
    if os.isatty(fd):
        try:
            return f"the terminal {os.ttyname(fd)}"
        except OSError:
            return "a terminal"
    if stat.S_ISREG(info.st_mode):
        return "a file"
    if stat.S_ISSOCK(info.st_mode):
        return "a socket (the system journal, under systemd)"
    if stat.S_ISFIFO(info.st_mode):
        return "a pipe"
    if stat.S_ISCHR(info.st_mode):
        return "a device that is not a terminal (/dev/null?)"
    return "something that is not a terminal"


def same_terminal(first: int, second: int) -> bool:
    """True if both descriptors are terminals and the same terminal device."""
    if not (os.isatty(first) and os.isatty(second)):
        return False
    return os.fstat(first).st_rdev == os.fstat(second).st_rdev


def layout_problem(stdout_fd: int = STDOUT_FD, stderr_fd: int = STDERR_FD) -> str | None:
    """Why the kiosk must not start with these streams; None when both are one terminal."""
    if not os.isatty(stdout_fd):
        return (
            f"standard output is {describe_fd(stdout_fd)}, not a terminal. The kiosk draws its "
            "screen there, with everything people type, so it only starts on a terminal."
        )
    if not same_terminal(stdout_fd, stderr_fd):
        return (
            f"standard output is {describe_fd(stdout_fd)} but standard error is "
            f"{describe_fd(stderr_fd)}. Error output could carry what people type, so it must "
            "stay on the kiosk's own terminal: in the systemd unit set StandardError=inherit "
            "(as deploy/trivselskiosk.service does), or run it without 2>."
        )
    return None


def unit_setting(lines: list[str], key: str) -> str | None:
    """The last value a unit's lines give `key` (later lines and drop-ins override)."""
    value: str | None = None
    for line in lines:
        name, sep, rest = line.strip().partition("=")
        if sep and name.strip() == key:
            value = rest.strip()
    return value


def unit_problem(unit: Path = SERVICE_UNIT) -> str | None:
    """Why an installed console unit would send the screen or errors off the terminal.

    Reads the unit and its drop-ins (`<unit>.d/*.conf`). The cage variant is fine with the
    journal: there the kiosk's streams are foot's terminal, not the unit's.
    """
    try:
        lines = unit.read_text(encoding="utf-8").splitlines()
        for drop_in in sorted(unit.parent.glob(f"{unit.name}.d/*.conf")):
            lines += drop_in.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    exec_start = unit_setting(lines, "ExecStart") or ""
    if "kiosk" not in exec_start or "cage" in exec_start:
        return None
    stdin = unit_setting(lines, "StandardInput") or "null"
    # systemd's defaults: output inherits a tty input, else goes to the journal; error
    # output inherits the output.
    output = unit_setting(lines, "StandardOutput") or "inherit"
    if output == "inherit":
        output = stdin if stdin.startswith("tty") else "journal"
    error = unit_setting(lines, "StandardError") or "inherit"
    if not output.startswith("tty"):
        return f"{unit} has StandardOutput={output}: the screen would not reach the terminal"
    if error not in ("inherit", "tty"):
        return f"{unit} has StandardError={error}: error output would leave the terminal"
    return None
