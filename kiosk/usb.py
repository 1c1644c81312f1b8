"""USB sticks: find the mounted ones without root, write a file safely and verify it, eject.

A bundle reaches the stick as `<name>.tkb.partial`, written, flushed, renamed to a name that
does not exist yet, then read back and compared by SHA-256. Any failure removes what was
written and raises UsbError with a sentence a person can act on; a complete-looking `.tkb` is
only ever a verified one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.bundle import FILE_SUFFIX

Progress = Callable[[int, int], None]
"""Called as progress(bytes written, bytes in all) after each chunk."""

CHUNK_BYTES = 1 << 20
PARTIAL_SUFFIX = ".partial"
LSBLK_COLUMNS = "NAME,PATH,TRAN,HOTPLUG,RM,{mount},LABEL,FSAVAIL,RO"
MEDIA_ROOTS = ("/media/", "/run/media/")
STICK_ROOTS = (*MEDIA_ROOTS, "/mnt/")
"""Where sticks are mounted; such a folder on the kiosk's own disk is an empty mount point."""
_COMMAND_SECONDS = 30
_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
_OUR_PARTIAL = re.compile(r"trivsel-[a-z0-9-]+-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}(-\d+)?\.tkb\.partial")
_PULLED = frozenset({errno.EIO, errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ESTALE})
_NO_DIR_SYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EBADF})
_UNCHANGED = "Nothing was kept on the stick, and the kiosk's records are unchanged."


class UsbError(Exception):
    """Writing to a USB stick failed; str() says what happened and what to do."""


@dataclass(frozen=True)
class Drive:
    """A mounted removable drive: where it is mounted and what it can take."""

    path: Path
    label: str | None
    free_bytes: int | None
    read_only: bool
    device: str | None

    @property
    def name(self) -> str:
        """What to call the drive on screen: its label, or its mount point."""
        return self.label or str(self.path)


@dataclass(frozen=True)
class Target:
    """The file system chosen for an export, to check again right before and after writing.

    Attributes:
        folder: where the bundle goes.
        device: the folder's device number when it was chosen.
        mount_point: whether it was a file system's root (its device differs from its parent's).
    """

    folder: Path
    device: int
    mount_point: bool


def choose_target(folder: Path) -> Target:
    """Note which file system `folder` is on now; UsbError if there is no such folder."""
    folder = Path(folder)
    try:
        device = os.stat(folder).st_dev
        parent = os.stat(folder.resolve().parent).st_dev
    except OSError:
        raise UsbError(
            f"No USB stick at {folder}: the folder does not exist. Plug the stick in, wait "
            "until it is mounted, and try again."
        ) from None
    if not folder.is_dir():
        raise UsbError(f"{folder} is not a folder: choose the stick's folder (mount point).")
    return Target(folder, device, device != parent or folder.resolve() == Path("/"))


def _listed_as_mounted(folder: Path) -> bool:
    """Whether /proc/self/mountinfo lists `folder` as a mount point (True if it cannot tell)."""
    try:
        text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    real = str(folder.resolve())
    return any(
        len(fields) > 4 and _unescape_mount(fields[4]) == real
        for fields in (line.split() for line in text.splitlines())
    )


def check_target(target: Target) -> None:
    """Refuse to go on unless `target` is still the file system that was chosen.

    A stick unmounted (or pulled and auto-unmounted) leaves its mount-point folder behind, on
    the kiosk's own disk: writing there would look like a finished export.
    """
    try:
        device = os.stat(target.folder).st_dev
        parent = os.stat(target.folder.resolve().parent).st_dev
    except OSError:
        device = parent = -1
    still = device == target.device and (
        not target.mount_point or (device != parent and _listed_as_mounted(target.folder))
    )
    if not still:
        raise UsbError(
            f"The USB stick at {target.folder} is no longer mounted (was it pulled out or "
            f"ejected?). Plug it in, wait until it is mounted, and export again. {_UNCHANGED}"
        )


def remove_stale_partials(folder: Path) -> list[str]:
    """Remove `.partial` files an interrupted export of ours left in `folder`; return their names.

    Only our own names (trivsel-<site>-<date>-<id>.tkb.partial) are touched: such a file was
    never verified, so it is never a bundle anyone needs.
    """
    removed: list[str] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if _OUR_PARTIAL.fullmatch(name):
            with contextlib.suppress(OSError):
                (Path(folder) / name).unlink()
                removed.append(name)
    return removed


# --- finding drives ------------------------------------------------------------------------


def _flag(value: Any) -> bool:
    """An lsblk yes/no column: JSON booleans in new lsblk, "0"/"1" strings in old ones."""
    if isinstance(value, str):
        return value.strip() not in ("", "0", "false")
    return bool(value)


def _size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _mount_points(device: dict[str, Any]) -> list[str]:
    points = device.get("mountpoints")
    if not isinstance(points, list):
        points = [device.get("mountpoint")]
    return [p for p in points if isinstance(p, str) and p.startswith("/")]


def _walk(devices: Any, removable_parent: bool) -> Iterator[Drive]:
    if not isinstance(devices, list):
        return
    for device in devices:
        if not isinstance(device, dict):
            continue
        removable = (
            removable_parent
            or device.get("tran") == "usb"
            or _flag(device.get("hotplug"))
            or _flag(device.get("rm"))
        )
        if removable:
            path = device.get("path")
            label = device.get("label")
            for point in _mount_points(device):
                yield Drive(
                    path=Path(point),
                    label=label if isinstance(label, str) and label else None,
                    free_bytes=_size(device.get("fsavail")),
                    read_only=_flag(device.get("ro")),
                    device=path if isinstance(path, str) else None,
                )
        yield from _walk(device.get("children"), removable)


def parse_lsblk(text: str) -> list[Drive]:
    """The mounted removable drives in `lsblk -J -b` output (USB, hotplug or removable).

    A partition counts as removable when its disk is; anything unreadable gives no drives.
    """
    try:
        tree = json.loads(text)
    except ValueError:
        return []
    if not isinstance(tree, dict):
        return []
    return list(_walk(tree.get("blockdevices"), False))


def _unescape_mount(field: str) -> str:
    """Undo the octal escapes (\\040 for a space) the kernel writes in mount paths."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Drive]:
    """The mounts under /media and /run/media in /proc/self/mountinfo, where desktops put sticks."""
    drives: list[Drive] = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields[6:]:
            continue
        point = _unescape_mount(fields[4])
        if not point.startswith(MEDIA_ROOTS):
            continue
        separator = fields.index("-", 6)
        source = fields[separator + 2] if len(fields) > separator + 2 else ""
        drives.append(
            Drive(
                path=Path(point),
                label=None,
                free_bytes=None,
                read_only="ro" in fields[5].split(","),
                device=source if source.startswith("/dev/") else None,
            )
        )
    return drives


def _run_lsblk() -> str | None:
    """lsblk's JSON, asking old versions (before MOUNTPOINTS, util-linux 2.37) for MOUNTPOINT."""
    for mount in ("MOUNTPOINTS", "MOUNTPOINT"):
        command = ["lsblk", "-J", "-b", "-o", LSBLK_COLUMNS.format(mount=mount)]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_COMMAND_SECONDS, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode == 0:
            return done.stdout
    return None


def _free_bytes(folder: Path) -> int | None:
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize


def _mounted_read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def find_drives() -> list[Drive]:
    """The mounted USB sticks and other removable drives, found without root; never raises."""
    found: dict[Path, Drive] = {}
    lsblk = _run_lsblk()
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        mountinfo = ""
    for drive in [*parse_lsblk(lsblk or ""), *parse_mountinfo(mountinfo)]:
        if drive.path in found or not drive.path.is_dir():
            continue
        free = _free_bytes(drive.path)
        found[drive.path] = Drive(
            path=drive.path,
            label=drive.label,
            free_bytes=drive.free_bytes if free is None else free,
            read_only=drive.read_only or _mounted_read_only(drive.path),
            device=drive.device,
        )
    return sorted(found.values(), key=lambda drive: str(drive.path))


# --- writing safely ------------------------------------------------------------------------


def _megabytes(count: int) -> str:
    if count < 1_000_000:
        return f"{count / 1000:.0f} kB"
    if count < 10_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1_000_000:.0f} MB"


def _sizes(free: int, needed: int) -> tuple[str, str]:
    """Both sizes, in a unit fine enough that a shortfall never reads as "19 MB, needs 19 MB"."""
    if _megabytes(free) != _megabytes(needed):
        return _megabytes(free), _megabytes(needed)
    return f"{free:,} bytes", f"{needed:,} bytes"


def _full(folder: Path, needed: int) -> UsbError:
    free = _free_bytes(folder)
    if free is None:
        have, need = "too little space free", f"the export needs {_megabytes(needed)}"
    else:
        free_text, needed_text = _sizes(free, needed)
        have = f"{free_text} free"
        need = f"the export needs {needed_text} ({_megabytes(max(needed - free, 1))} more)"
    return UsbError(
        f"The USB stick is full: {have} at {folder}, {need}. "
        f"Free some space or use another stick, then try again. {_UNCHANGED}"
    )


def _usb_error(error: OSError, folder: Path, needed: int) -> UsbError:
    """Turn an OSError while writing into the sentence a person can act on."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _full(folder, needed)
    if error.errno == errno.EFBIG:
        return UsbError(
            f"The export ({_megabytes(needed)}) is too large for the file system of the stick "
            f"at {folder}. Use a stick formatted as exFAT or ext4. {_UNCHANGED}"
        )
    if error.errno == errno.EROFS:
        return UsbError(
            f"The USB stick at {folder} is read-only (write-protected, or mounted read-only). "
            f"Slide its lock switch off or use another stick. {_UNCHANGED}"
        )
    if error.errno in (errno.EACCES, errno.EPERM):
        return UsbError(
            f"Cannot write to {folder}: permission denied. Choose a folder on the stick this "
            f"user may write to. {_UNCHANGED}"
        )
    if error.errno in _PULLED:
        return UsbError(
            f"The USB stick at {folder} stopped answering during the export (was it pulled "
            f"out?). Plug it in again and export again. {_UNCHANGED}"
        )
    return UsbError(
        f"Could not write the export to {folder}: {error.strerror or error}. {_UNCHANGED}"
    )


def _free_name(folder: Path, stem: str) -> Path:
    """The first of stem.tkb, stem-2.tkb, … for which neither the file nor its .partial exists."""
    number = 1
    while True:
        name = stem if number == 1 else f"{stem}-{number}"
        target = folder / f"{name}{FILE_SUFFIX}"
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        if not os.path.lexists(target) and not os.path.lexists(partial):
            return target
        number += 1


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as error:
        # Some file systems (and FUSE drivers) cannot flush a folder; the renamed file's data
        # is flushed already and the read-back below still checks it.
        if error.errno not in _NO_DIR_SYNC:
            raise
    finally:
        os.close(fd)


def _read_back_digest(path: Path) -> str:
    """SHA-256 of the file as the stick returns it, not as the page cache remembers it."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError, AttributeError):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        while chunk := os.read(fd, CHUNK_BYTES):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def safe_write(
    folder: Path | Target, name_stem: str, data: bytes, progress: Progress | None = None
) -> Path:
    """Write `data` as a new file `<name_stem>.tkb` in `folder`, flushed and verified.

    The name gets -2, -3, … if taken; nothing is ever overwritten. On any failure what was
    written is removed (as far as the stick still allows) and UsbError is raised. Right before
    and after writing, the folder must still be the file system chosen (see check_target).

    Args:
        folder: where to write, usually a stick's mount point, or the Target chosen earlier.
        name_stem: the file name without suffix, ASCII letters, digits, '.', '_' and '-'.
        data: the bytes to write.
        progress: called after each chunk with (bytes written, bytes in all).

    Returns:
        The path of the verified file.
    """
    if not _SAFE_STEM.fullmatch(name_stem):
        raise ValueError(f"{name_stem!r} is not a safe ASCII file name")
    target_fs = folder if isinstance(folder, Target) else choose_target(Path(folder))
    folder = target_fs.folder
    check_target(target_fs)
    free = _free_bytes(folder)
    if free is not None and free < len(data):
        raise _full(folder, len(data))
    expected = hashlib.sha256(data).hexdigest()
    written: list[Path] = []
    try:
        target = _free_name(folder, name_stem)
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        written.append(partial)
        try:
            view = memoryview(data)
            done = 0
            while done < len(data):
                done += os.write(fd, view[done : done + CHUNK_BYTES])
                if progress is not None:
                    progress(done, len(data))
            os.fsync(fd)
        finally:
            os.close(fd)
        if os.path.lexists(target):
            target = _free_name(folder, name_stem)
        os.rename(partial, target)
        written[0] = target
        _fsync_folder(folder)
        if _read_back_digest(target) != expected:
            raise UsbError(
                f"The file written to {folder} does not read back as written: the stick may "
                f"be failing. Try another stick. {_UNCHANGED}"
            )
        check_target(target_fs)
    except OSError as error:
        _remove(written)
        raise _usb_error(error, folder, len(data)) from None
    except BaseException:
        _remove(written)
        raise
    return target


def _remove(paths: list[Path]) -> None:
    """Remove what a failed write left, as far as a stick that may be gone allows."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


# --- ejecting ------------------------------------------------------------------------------


def _udisks(tool: str, action: str, device: str) -> tuple[bool, str]:
    try:
        done = subprocess.run(
            [tool, action, "--no-user-interaction", "-b", device],
            capture_output=True,
            text=True,
            timeout=_COMMAND_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return False, str(error)
    lines = (done.stderr or done.stdout).strip().splitlines()
    return done.returncode == 0, lines[0] if lines else ""


def eject(drive: Drive) -> str:
    """Flush and unmount a stick (and power it off) with udisks2; say what happened.

    Never raises: without udisks2 it says how to unmount by hand.
    """
    os.sync()
    tool = shutil.which("udisksctl")
    by_hand = f"umount {shlex.quote(str(drive.path))}"
    if tool is None or drive.device is None:
        return (
            "The export is written and flushed to the stick. Ejecting is not supported here; "
            f"unmount the stick before pulling it out ({by_hand}, or the desktop's eject button)."
        )
    unmounted, why = _udisks(tool, "unmount", drive.device)
    if not unmounted:
        return (
            f"The export is complete, but the stick could not be unmounted ({why}). Close any "
            f"program using {drive.path} and try again, or run: {by_hand}"
        )
    powered_off, _ = _udisks(tool, "power-off", drive.device)
    if powered_off:
        return f"{drive.name} is unmounted and powered off: you can pull it out now."
    return f"{drive.name} is unmounted: you can pull it out now."
