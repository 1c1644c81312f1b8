"""`kiosk doctor`'s checks of how the kiosk is installed: where its screen goes, who owns it.

Two ways a correct program still leaks: its screen (with everything typed) written somewhere
other than its terminal, and its code writable by someone other than root, who could then
change what sees every answer before it is sealed. See docs/deploy.md.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.check import Check
from kiosk.terminal_layout import SERVICE_UNIT, STDOUT_FD, describe_fd, layout_problem, unit_problem

INSTALL_PREFIX = Path("/opt/trivselskiosk")
"""Where deploy/install.sh installs the program (releases, venv); everything in it is root's."""
PROGRAM_FILE = Path(__file__).resolve()
SYSRQ_SETTING = Path("/proc/sys/kernel/sysrq")
MAX_NAMED = 5


def check_screen_output(unit: Path = SERVICE_UNIT) -> Check:
    """The screen and error output stay on the kiosk's terminal: the unit and this process."""
    if problem := unit_problem(unit):
        return Check(
            "screen output",
            False,
            problem,
            "Reinstall the unit (deploy/install.sh) or set StandardOutput=tty and "
            "StandardError=inherit, then purge the journal: docs/deploy.md, 'A journal that "
            "already holds kiosk output'.",
        )
    installed = "the installed unit keeps it on tty8" if unit.exists() else "no unit installed"
    if not os.isatty(STDOUT_FD):
        return Check("screen output", True, f"{installed}; this process has no terminal")
    if problem := layout_problem():
        return Check(
            "screen output",
            False,
            problem,
            "Run the kiosk (and this check) with stdout and stderr on the same terminal.",
        )
    return Check("screen output", True, f"{installed}; here both go to {describe_fd(STDOUT_FD)}")


def foreign_entries(prefix: Path) -> list[str]:
    """Paths under `prefix` (itself included) not owned by root, or writable by others."""
    found: list[str] = []
    for root, dirs, files in os.walk(prefix):
        for name in [root, *(os.path.join(root, entry) for entry in dirs + files)]:
            info = os.lstat(name)
            shared = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            if info.st_uid != 0 or (shared and not stat.S_ISLNK(info.st_mode)):
                found.append(f"{name} (uid {info.st_uid}, mode {stat.filemode(info.st_mode)})")
    # A folder is seen twice: as an entry of its parent and as a root of its own.
    return sorted(set(found))


def check_install_owner(prefix: Path = INSTALL_PREFIX, program: Path = PROGRAM_FILE) -> Check:
    """Everything under the install prefix is root's and writable by root only."""
    if not program.is_relative_to(prefix.resolve()):
        return Check(
            "program owner",
            True,
            f"not checked: this program runs from {program.parent}, not from {prefix}",
        )
    foreign = foreign_entries(prefix)
    if foreign:
        shown = ", ".join(foreign[:MAX_NAMED]) + (" …" if len(foreign) > MAX_NAMED else "")
        return Check(
            "program owner",
            False,
            f"{len(foreign)} paths under {prefix} are not root's alone: {shown}",
            "Whoever owns them can change the code that sees every answer. Reinstall with "
            "deploy/install.sh (it installs a built wheel as root), or: chown -R root:root "
            f"{prefix} && chmod -R go-w {prefix}",
        )
    return Check("program owner", True, f"everything under {prefix} is root's")


def check_sysrq(
    setting: Path = SYSRQ_SETTING, prefix: Path = INSTALL_PREFIX, program: Path = PROGRAM_FILE
) -> Check:
    """On an installed kiosk, the magic SysRq key is off (deploy/install.sh turns it off)."""
    if not program.is_relative_to(prefix.resolve()):
        return Check("SysRq key", True, "not checked: not an install under " + str(prefix))
    try:
        value = setting.read_text(encoding="ascii").strip()
    except OSError:
        return Check("SysRq key", True, f"not checked: {setting} cannot be read")
    if value != "0":
        return Check(
            "SysRq key",
            False,
            f"kernel.sysrq = {value}: alt+SysRq can reboot, remount read-only or kill the kiosk",
            "Run deploy/install.sh again, or: sysctl --load=/etc/sysctl.d/90-trivselskiosk.conf",
        )
    return Check("SysRq key", True, "off (kernel.sysrq = 0)")


def install_checks() -> list[Check]:
    """The install checks, in the order doctor shows them."""
    return [check_screen_output(), check_install_owner(), check_sysrq()]
