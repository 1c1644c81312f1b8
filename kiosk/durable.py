"""Durable file primitives for the store: appends that survive power loss, atomic replaces.

Every state-changing file operation goes through the module-level `ops` object, so the
crash simulator in the tests can record the real operations while they run.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

StrPath = str | os.PathLike[str]


class StoreError(Exception):
    """A storage failure with a message for humans; subclasses say which kind."""


class StoreLocked(StoreError):
    """Another program holds the store's lock."""


class StoreFull(StoreError):
    """The disk is full: nothing was written, and the store is as it was."""


class StoreReadOnly(StoreError):
    """The store's folder or disk cannot be written."""


class StoreCorrupt(StoreError):
    """A store file is damaged in a way that a torn last write cannot explain."""


class StoreLockLost(StoreError):
    """The store's folder or one of its files was moved or replaced while we had it open."""


class StoreMissing(StoreError):
    """The folder is not a store (and was not to be created)."""


class FileOps:
    """The state-changing file operations the store performs, as plain os calls."""

    def open(self, path: StrPath, flags: int, mode: int = 0o600) -> int:
        """Open (or create) a file or folder and return its descriptor."""
        return os.open(path, flags | os.O_CLOEXEC, mode)

    def pwrite(self, fd: int, data: bytes, offset: int) -> int:
        """Write bytes at an offset; may write fewer than asked."""
        return os.pwrite(fd, data, offset)

    def ftruncate(self, fd: int, length: int) -> None:
        """Cut or extend a file to a length."""
        os.ftruncate(fd, length)

    def fsync(self, fd: int) -> None:
        """Flush a file's data and metadata (or a folder's entries) to the disk."""
        os.fsync(fd)

    def fdatasync(self, fd: int) -> None:
        """Flush a file's data and size to the disk."""
        os.fdatasync(fd)

    def close(self, fd: int) -> None:
        """Close a descriptor."""
        os.close(fd)

    def replace(self, src: StrPath, dst: StrPath) -> None:
        """Rename `src` over `dst` atomically (same folder)."""
        os.replace(src, dst)

    def unlink(self, path: StrPath) -> None:
        """Remove a file."""
        os.unlink(path)

    def mkdir(self, path: StrPath, mode: int = 0o700) -> None:
        """Make one folder."""
        os.mkdir(path, mode)


ops = FileOps()


def map_os_error(err: OSError, path: StrPath, action: str) -> StoreError:
    """Turn an OSError into the StoreError a person can act on, naming the file."""
    where = os.fspath(path)
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(
            f"The disk is full: could not {action} {where}. Nothing was changed; "
            "free some space and try again."
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnly(
            f"Cannot {action} {where}: {err.strerror}. Check that the folder is writable "
            "and the disk is not mounted read-only."
        )
    return StoreError(f"Could not {action} {where}: {err.strerror or err}.")


@contextmanager
def mapped_errors(path: StrPath, action: str) -> Iterator[None]:
    """Re-raise any OSError inside the block as the matching StoreError."""
    try:
        yield
    except OSError as err:
        raise map_os_error(err, path, action) from err


def write_all(fd: int, data: bytes, offset: int) -> None:
    """Write every byte of `data` at `offset`, looping over short writes."""
    done = 0
    while done < len(data):
        done += ops.pwrite(fd, data[done:] if done else data, offset + done)


def append_durably(fd: int, data: bytes, offset: int, path: StrPath) -> None:
    """Write `data` at the end of a file (`offset`) and fdatasync; on failure cut it back.

    A failed append leaves the file exactly as long as it was, so a full disk costs
    nothing but the error. If even the cut-back fails, the error says so.
    """
    try:
        write_all(fd, data, offset)
        ops.fdatasync(fd)
    except OSError as err:
        try:
            ops.ftruncate(fd, offset)
            ops.fdatasync(fd)
        except OSError as undo_err:
            raise StoreError(
                f"Could not write {os.fspath(path)} ({err.strerror}), nor undo the partial "
                f"write ({undo_err.strerror}). Restart the kiosk: the file is repaired on open."
            ) from err
        raise map_os_error(err, path, "write to") from err


def fsync_dir(path: StrPath) -> None:
    """Flush a folder's entries, so files created or renamed in it survive power loss."""
    with mapped_errors(path, "flush the folder"):
        fd = ops.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            ops.fsync(fd)
        finally:
            ops.close(fd)


def temp_path(path: Path) -> Path:
    """Name a temp file beside `path`, recognisable so stale ones can be cleared on open."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that after a crash it holds either the old or the new bytes.

    Writes a temp file in the same folder, fsyncs it, renames it over `path` and fsyncs
    the folder. On failure the temp file is removed and `path` is untouched.
    """
    tmp = temp_path(path)
    with mapped_errors(path, "write"):
        fd = ops.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            try:
                write_all(fd, data, 0)
                ops.fsync(fd)
            finally:
                ops.close(fd)
            ops.replace(tmp, path)
        except OSError:
            with suppress(OSError):
                ops.unlink(tmp)
            raise
    fsync_dir(path.parent)


def make_dirs(path: Path) -> None:
    """Create a folder and any missing parents, flushing each parent so they persist."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with mapped_errors(folder, "create the folder"):
            ops.mkdir(folder)
        fsync_dir(folder.parent)


def lock_folder(folder: Path, in_use: Callable[[str], str]) -> int:
    """Lock `folder` itself (non-blocking), note our pid in its `.lock`, return the descriptor.

    The lock is an flock on the folder's own descriptor, not on a file inside it: a file can
    be deleted and made anew under a running program (and a second program would then lock
    the new one), a folder in use cannot be swapped without `lock_lost` noticing.

    Args:
        folder: The store folder; its `.lock` file only tells the next comer our pid.
        in_use: Builds the StoreLocked message from the holder's pid (or "unknown").
    """
    with mapped_errors(folder, "open the folder"):
        fd = ops.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        ops.close(fd)
        raise StoreLocked(in_use(_lock_holder(folder / ".lock"))) from None
    try:
        _note_pid(folder / ".lock")
    except StoreError:
        ops.close(fd)
        raise
    return fd


def _lock_holder(path: Path) -> str:
    """The pid the lock holder noted, for the message; "unknown" if it cannot be read."""
    try:
        with open(path, "rb") as file:
            text = file.read(32).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


def _note_pid(path: Path) -> None:
    """Write our pid into the `.lock` note (not itself locked: the folder is)."""
    with mapped_errors(path, "write the lock file"):
        fd = ops.open(path, os.O_RDWR | os.O_CREAT)
        try:
            ops.ftruncate(fd, 0)
            write_all(fd, b"%d\n" % os.getpid(), 0)
        finally:
            ops.close(fd)


def still_names(fd: int, path: Path) -> bool:
    """Whether `path` still names the open file or folder `fd` (not moved, deleted or replaced).

    A writer checks this before each write, so one that lost its lock (its folder swapped, its
    file replaced by another program) stops with an error instead of writing where no one reads.
    """
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
