"""`kiosk doctor`: check a kiosk site and its machine, and say what to do about each failure.

Every check opens and closes what it needs. Nothing is changed, except what the kiosk itself
does at every start (opening the store cuts back a torn last write and removes stale temp
files) and one temp file made and removed to prove the data folder is writable.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from kiosk.check import Check
from kiosk.config import ConfigError, SiteConfig, default_config_dir
from kiosk.damage import Damage
from kiosk.install_checks import install_checks
from kiosk.keyscan import find_private_keys
from kiosk.oplog import LOG_NAME
from kiosk.pin import PinGuard
from kiosk.sealing import SealingError, parse_public_key_line
from kiosk.site import SiteError, load_site_config
from kiosk.store import RecordStore, StoreError, StoreLocked

MIN_FREE_BYTES = 50 * 1024 * 1024
MIN_COLUMNS = 80
MIN_ROWS = 24
EARLIEST_YEAR = 2024
LATEST_YEAR = 2100
FUTURE_SLACK_SECONDS = 24 * 3600


def check_config(folder: Path) -> tuple[Check, SiteConfig | None]:
    """The site's kiosk.toml and instruments load and validate."""
    try:
        config = load_site_config(folder)
    except (SiteError, ConfigError) as error:
        advice = "Fix the file and key named above, then run: kiosk check-config --data-dir DIR"
        return Check("config", False, str(error), advice), None
    names = ", ".join(instrument.id for instrument in config.instruments)
    return Check("config", True, f"{config.source} is valid; instruments: {names}"), config


def check_public_key(config: SiteConfig | None) -> Check:
    """The administrator's public key is pinned; show its fingerprint to compare."""
    if config is None:
        return Check("admin key", False, "not checked: the config does not load", "Fix it first.")
    if not config.public_key:
        return Check(
            "admin key",
            False,
            f"{config.source}: admin.public_key is empty",
            "Paste the key line from the administrator's admin-key.pub there.",
        )
    try:
        fingerprint = parse_public_key_line(config.public_key).fingerprint()
    except SealingError as error:
        return Check(
            "admin key",
            False,
            f"{config.source}: admin.public_key: {error}",
            "Copy the key line again from admin-key.pub; a typo is caught by its checksum.",
        )
    return Check(
        "admin key",
        True,
        f"pinned, fingerprint {fingerprint} (compare with: kiosk-admin fingerprint admin-key.pub)",
    )


def check_private_keys(folder: Path, config: SiteConfig | None) -> Check:
    """No private key lies in the data or config folders, where the disk would expose it."""
    folders = {folder, default_config_dir()}
    if config is not None:
        folders.add(config.source.parent)
    found = find_private_keys(*sorted(folders))
    if found:
        listing = ", ".join(str(path) for path in found[:5])
        return Check(
            "no private key",
            False,
            f"private key found: {listing}",
            "Move it to the administrator's own computer (or delete it): with it, anyone "
            "holding this disk could read every answer. The kiosk refuses to start until then.",
        )
    searched = ", ".join(str(path) for path in sorted(folders))
    return Check("no private key", True, f"none in {searched}")


def check_store_and_pin(folder: Path) -> list[Check]:
    """The store opens (so its lock is free) and an admin PIN is set in it."""
    try:
        store = RecordStore.open(folder)
    except StoreLocked as error:
        return [
            Check(
                "store",
                False,
                f"locked: the kiosk is running or another program holds the store. {error}",
                "That is normal while the kiosk runs. To check the store, stop it first "
                "(systemctl stop trivselskiosk), run kiosk doctor again, then start it.",
            ),
            Check("admin PIN", False, "not checked: the store is locked", "See the store check."),
            Check("records intact", False, "not checked: the store is locked", "See above."),
        ]
    except StoreError as error:
        return [
            Check(
                "store",
                False,
                str(error),
                "Keep a copy of the folder before changing anything in it.",
            ),
            Check("admin PIN", False, "not checked: the store does not open", "Fix it first."),
            Check("records intact", False, "not checked: the store does not open", "See above."),
        ]
    with store:
        count, waiting = store.count(), store.count_undelivered()
        guard = PinGuard(store)
        pin_set, pin_problem = guard.is_set(), guard.problem()
        damage = store.scan_damage()
        notes = list(store.notes)
    summary = f"opens, lock free; {count} records, {waiting} not yet delivered"
    if notes:
        checks = [
            Check(
                "store",
                False,
                f"{summary}; found on opening: {'; '.join(notes)}",
                "Nothing acknowledged was lost; run kiosk doctor again to confirm.",
            )
        ]
    else:
        checks = [Check("store", True, summary)]
    if pin_problem:
        checks.append(
            Check(
                "admin PIN",
                False,
                pin_problem,
                f"Admin mode cannot be opened until you run: kiosk set-pin --data-dir {folder}",
            )
        )
    elif pin_set:
        checks.append(Check("admin PIN", True, "set"))
    else:
        checks.append(
            Check(
                "admin PIN",
                False,
                "no admin PIN is set, so admin mode (export, receipts) cannot be opened",
                f"Set one (8 digits or more) with: kiosk set-pin --data-dir {folder}",
            )
        )
    checks.append(check_damage(folder, damage))
    return checks


def check_damage(folder: Path, damage: list[Damage]) -> Check:
    """Every line of every record segment passes its checksum and holds a valid record."""
    if not damage:
        return Check("records intact", True, "every line of every segment checks out")
    count = sum(found.count for found in damage)
    where = "; ".join(found.describe(folder) for found in damage)
    return Check(
        "records intact",
        False,
        f"{count} damaged record line(s), which no one can open any more: {where}",
        "Export as usual: every intact record is exported, and the damaged lines stay on the "
        "kiosk, untouched, named in the export's message. Keep a copy of the data folder "
        f"(cp -a {folder} {folder}.copy) for the administrator. Damage in a finished file "
        "means the disk or its memory may be failing: check it (smartctl -a, fsck) and "
        "replace it if it reports errors.",
    )


def check_log(folder: Path) -> Check:
    """The operational log can be written, and only the kiosk's user can read it."""
    path = folder / LOG_NAME
    try:
        info = path.lstat()
    except FileNotFoundError:
        return Check("operational log", True, f"{path} not made yet (the kiosk makes it)")
    except OSError as error:
        return Check("operational log", False, f"{path}: {error.strerror}", "Check the folder.")
    if not stat.S_ISREG(info.st_mode):
        return Check(
            "operational log",
            False,
            f"{path} is not a regular file",
            "The kiosk will not start this way: move it away (it is remade).",
        )
    if not os.access(path, os.W_OK):
        return Check(
            "operational log",
            False,
            f"{path} cannot be written by this user",
            "The kiosk will not start this way: give the kiosk's user the file "
            f"(chown trivsel {path}), or remove it.",
        )
    if info.st_mode & 0o077:
        return Check(
            "operational log",
            False,
            f"{path} is readable by others (mode {stat.S_IMODE(info.st_mode):o})",
            f"It holds export and PIN-failure times: chmod 600 {path}",
        )
    return Check("operational log", True, f"{path}")


def check_writable(folder: Path) -> Check:
    """A temp file can be made, flushed and removed in the data folder."""
    try:
        fd, name = tempfile.mkstemp(prefix=".doctor-", dir=folder)
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as error:
        return Check(
            "data folder writable",
            False,
            f"cannot write in {folder}: {error.strerror}",
            "Answers could not be stored. Check the folder's owner (the kiosk user) and that "
            "its file system is not mounted read-only or full.",
        )
    return Check("data folder writable", True, f"{folder}")


def check_free_space(folder: Path) -> Check:
    """Enough free disk for records, logs and compaction."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError as error:
        return Check("free disk", False, f"{folder}: {error.strerror}", "Check the folder.")
    megabytes = free // (1024 * 1024)
    if free < MIN_FREE_BYTES:
        return Check(
            "free disk",
            False,
            f"only {megabytes} MB free on the data folder's disk "
            f"(at least {MIN_FREE_BYTES // (1024 * 1024)} MB wanted)",
            "Free some space, or export, receive the receipt and purge delivered records.",
        )
    return Check("free disk", True, f"{megabytes} MB free")


def colour_support(environ: Mapping[str, str]) -> str | None:
    """What colours TERM and COLORTERM promise; None for a terminal without colour."""
    term = environ.get("TERM", "")
    if environ.get("COLORTERM", "") in ("truecolor", "24bit"):
        return "24-bit colour"
    if term in ("", "dumb"):
        return None
    if "256color" in term:
        return "256 colours"
    if term.startswith("linux"):
        return "16 colours (Linux console)"
    return "at least 8 colours"


def check_terminal(terminal_size: tuple[int, int] | None, environ: Mapping[str, str]) -> Check:
    """The terminal is at least 80×24 and has colours (the kiosk is built for this)."""
    if terminal_size is None:
        return Check("terminal", True, "not checked: no terminal")
    columns, rows = terminal_size
    colours = colour_support(environ)
    term = environ.get("TERM", "") or "(unset)"
    if columns < MIN_COLUMNS or rows < MIN_ROWS:
        return Check(
            "terminal",
            False,
            f"{columns}×{rows} is smaller than {MIN_COLUMNS}×{MIN_ROWS}",
            "Use a larger console font area (see docs/deploy.md: console font) or window.",
        )
    if colours is None:
        return Check(
            "terminal",
            False,
            f"{columns}×{rows}, but TERM={term} has no colours",
            "Run the kiosk with TERM=linux on the console, or xterm-256color in a terminal.",
        )
    return Check("terminal", True, f"{columns}×{rows}, TERM={term}: {colours}")


def implausible_day(day: date) -> bool:
    """Whether a clock showing this day is surely wrong (answers would be dated by it)."""
    return not EARLIEST_YEAR <= day.year <= LATEST_YEAR


def check_clock(folder: Path, now: float) -> Check:
    """The clock is plausible, and no store file claims to be from the future."""
    if implausible_day(datetime.fromtimestamp(now).date()):
        return Check(
            "clock",
            False,
            f"the clock says {datetime.fromtimestamp(now):%Y-%m-%d}",
            "Set the date (timedatectl set-time, or an NTP server on the local network): "
            "answers are dated by it.",
        )
    newest: tuple[float, Path] | None = None
    for path in [folder / "store.json", folder / "state.jsonl", *folder.glob("records/*")]:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if newest is None or mtime > newest[0]:
            newest = (mtime, path)
    if newest is not None and newest[0] > now + FUTURE_SLACK_SECONDS:
        return Check(
            "clock",
            False,
            f"{newest[1]} was changed {datetime.fromtimestamp(newest[0]):%Y-%m-%d %H:%M}, "
            f"after now ({datetime.fromtimestamp(now):%Y-%m-%d %H:%M})",
            "The clock was set back, or was wrong earlier. Set the right date; records keep "
            "only their week, so nothing needs repair.",
        )
    return Check("clock", True, f"{datetime.fromtimestamp(now):%Y-%m-%d %H:%M}")


def check_usb_tools() -> Check:
    """lsblk finds sticks; udisksctl (optional) mounts and ejects them without root."""
    lsblk, udisksctl = shutil.which("lsblk"), shutil.which("udisksctl")
    if lsblk is None:
        return Check(
            "USB tools",
            False,
            "lsblk not found: the kiosk falls back to /proc/self/mountinfo",
            "Install util-linux (it provides lsblk).",
        )
    if udisksctl is None:
        return Check(
            "USB tools",
            True,
            f"{lsblk}; note: no udisksctl, so sticks must be mounted and unmounted by hand "
            "(install udisks2 and deploy/50-trivselskiosk-udisks.rules to let the kiosk do it)",
        )
    return Check("USB tools", True, f"{lsblk}, {udisksctl}")


def attached_terminal_size() -> tuple[int, int] | None:
    """The size of the terminal on stdout, if there is one."""
    if not sys.stdout.isatty():
        return None
    size = os.get_terminal_size(sys.stdout.fileno())
    return size.columns, size.lines


def run_checks(
    folder: Path,
    *,
    terminal_size: tuple[int, int] | None = None,
    environ: Mapping[str, str] | None = None,
    now: float | None = None,
) -> list[Check]:
    """Run every check on a site folder, in the order a person would fix them.

    Args:
        folder: the site's data folder.
        terminal_size: (columns, rows) to check; None checks the terminal on stdout, if any.
        environ: where TERM and COLORTERM are read; the process environment by default.
        now: the time to judge the clock by; time.time() by default.
    """

    folder = Path(folder)
    config_check, config = check_config(folder)
    return [
        config_check,
        check_public_key(config),
        check_private_keys(folder, config),
        *check_store_and_pin(folder),
        check_writable(folder),
        check_log(folder),
        check_free_space(folder),
        check_clock(folder, time.time() if now is None else now),
        check_terminal(
            terminal_size if terminal_size is not None else attached_terminal_size(),
            os.environ if environ is None else environ,
        ),
        check_usb_tools(),
        *install_checks(),
    ]


def format_report(checks: list[Check]) -> str:
    """One line per check (pass or FAIL), the advice under each failure, and a summary."""
    width = max((len(check.name) for check in checks), default=0)
    lines: list[str] = []
    for check in checks:
        lines.append(f"{'pass' if check.ok else 'FAIL'}  {check.name:<{width}}  {check.detail}")
        if check.advice and not check.ok:
            lines.append(f"      {'':<{width}}  -> {check.advice}")
    failed = sum(not check.ok for check in checks)
    lines.append(
        f"All {len(checks)} checks passed."
        if not failed
        else f"{failed} of {len(checks)} checks failed."
    )
    return "\n".join(lines)
