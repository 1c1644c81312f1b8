"""Simulated power loss: record a workload's file operations, then build crash images of them.

The Recorder performs every operation for real (in a temp folder) and logs it. For a
point in the log, an image is what a disk could hold after power failed there:
- a file's bytes up to its last fsync/fdatasync are intact; later writes may be lost,
  torn (a prefix), or garbage or zeros, and later truncates lost;
- creates, renames, unlinks and mkdirs not followed by an fsync of their folder may be lost.
The workload also logs "ack" events when an operation returned to its caller, so a checker
knows what must survive a crash at each point.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kiosk import durable

Event = tuple[Any, ...]

DATA_VARIANTS = ("kept", "lost", "torn", "garbage", "zeros")
NAME_VARIANTS = ("kept", "lost")


class Recorder(durable.FileOps):
    """Real file operations under `root`, each one logged; also a recording `open` for TinyDB."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[Event] = []
        self._names: dict[str, int] = {}
        self._dirs: set[str] = {"."}
        self._fds: dict[int, tuple[str, Any]] = {}
        self._inodes = 0

    def rel(self, path: durable.StrPath) -> str:
        """A path relative to the recorded root."""
        return os.path.relpath(os.path.abspath(path), self.root)

    def ack(self, *what: Any) -> None:
        """Note that an operation returned to its caller: it must survive later crashes."""
        self.log.append(("ack", *what))

    def _file_for(self, path: durable.StrPath, flags: int) -> int:
        rel = self.rel(path)
        if rel not in self._names:
            self._inodes += 1
            self._names[rel] = self._inodes
            self.log.append(("create", rel, self._inodes))
        elif flags & os.O_TRUNC:
            self.log.append(("truncate", self._names[rel], 0))
        return self._names[rel]

    def open(self, path: durable.StrPath, flags: int, mode: int = 0o600) -> int:
        fd = super().open(path, flags, mode)
        rel = self.rel(path)
        if rel in self._dirs:
            self._fds[fd] = ("dir", rel)
        else:
            self._fds[fd] = ("file", self._file_for(path, flags))
        return fd

    def pwrite(self, fd: int, data: bytes, offset: int) -> int:
        written = super().pwrite(fd, data, offset)
        self.log.append(("write", self._fds[fd][1], offset, bytes(data[:written])))
        return written

    def ftruncate(self, fd: int, length: int) -> None:
        super().ftruncate(fd, length)
        self.log.append(("truncate", self._fds[fd][1], length))

    def fsync(self, fd: int) -> None:
        super().fsync(fd)
        kind, what = self._fds[fd]
        self.log.append(("dirsync", what) if kind == "dir" else ("sync", what))

    def fdatasync(self, fd: int) -> None:
        super().fdatasync(fd)
        self.log.append(("sync", self._fds[fd][1]))

    def close(self, fd: int) -> None:
        super().close(fd)
        del self._fds[fd]

    def replace(self, src: durable.StrPath, dst: durable.StrPath) -> None:
        super().replace(src, dst)
        self._names[self.rel(dst)] = self._names.pop(self.rel(src))
        self.log.append(("rename", self.rel(src), self.rel(dst)))

    def unlink(self, path: durable.StrPath) -> None:
        super().unlink(path)
        del self._names[self.rel(path)]
        self.log.append(("unlink", self.rel(path)))

    def mkdir(self, path: durable.StrPath, mode: int = 0o700) -> None:
        super().mkdir(path, mode)
        self._dirs.add(self.rel(path))
        self.log.append(("mkdir", self.rel(path)))

    def open_file(self, path: str, mode: str = "r", encoding: str | None = None) -> Any:
        """A stand-in for the builtin `open` that records writes at their file positions."""
        inode = self._file_for(path, 0) if "r" not in mode or os.path.exists(path) else None
        real = open(path, mode, encoding=encoding)  # noqa: SIM115
        if inode is None:
            return real
        self._fds[real.fileno()] = ("file", inode)
        return RecordingFile(real, self, inode)

    def os_fsync(self, fd: int) -> None:
        """A stand-in for os.fsync on a file opened through `open_file`."""
        os.fsync(fd)
        self.log.append(("sync", self._fds[fd][1]))


class RecordingFile:
    """A text file whose writes and truncates are logged at their byte positions."""

    def __init__(self, real: IO[Any], recorder: Recorder, inode: int) -> None:
        self._real = real
        self._recorder = recorder
        self._inode = inode
        self._pos = 0

    def __enter__(self) -> RecordingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = self._real.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._real.tell()

    def read(self, size: int = -1) -> str:
        text: str = self._real.read(size)
        self._pos = self._real.tell()
        return text

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self._recorder.log.append(("write", self._inode, self._pos, data))
        self._pos += len(data)
        return self._real.write(text)

    def flush(self) -> None:
        self._real.flush()

    def fileno(self) -> int:
        return self._real.fileno()

    def truncate(self) -> int:
        self._real.flush()
        self._recorder.log.append(("truncate", self._inode, self._pos))
        return self._real.truncate()

    def close(self) -> None:
        self._recorder._fds.pop(self._real.fileno(), None)
        self._real.close()


@dataclass
class _File:
    durable: bytes = b""
    live: bytearray = field(default_factory=bytearray)
    pending: list[Event] = field(default_factory=list)


@dataclass
class Image:
    """One possible disk after power loss: folders, file contents, and what was acknowledged."""

    point: int
    variant: str
    dirs: set[str]
    files: dict[str, bytes]
    acks: list[Event]

    def materialize(self, dest: Path) -> None:
        """Write the image to a fresh folder."""
        for rel in sorted(self.dirs, key=len):
            (dest / rel).mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            (dest / rel).write_bytes(data)


def _apply(content: bytearray, op: Event) -> None:
    if op[0] == "write":
        _, _, offset, data = op
        if len(content) < offset:
            content.extend(bytes(offset - len(content)))
        content[offset : offset + len(data)] = data
    else:
        del content[op[2] :]


def _parent(rel: str) -> str:
    return os.path.dirname(rel) or "."


def _apply_name(names: dict[str, Any], op: Event) -> None:
    kind = op[0]
    if kind == "create":
        names[op[1]] = op[2]
    elif kind == "mkdir":
        names[op[1]] = "dir"
    elif kind == "rename":
        if op[1] in names:
            names[op[2]] = names.pop(op[1])
    elif kind == "unlink":
        names.pop(op[1], None)


def crash_images(log: list[Event], rng: random.Random) -> Iterator[Image]:
    """Yield crash images for every point of the log, in every data and name variant."""
    files: dict[int, _File] = {}
    names: dict[str, Any] = {}
    pending_names: dict[str, list[Event]] = {}
    acks: list[Event] = []
    for point, event in enumerate([*log, ("end",)]):
        if point and log[point - 1][0] != "ack":
            for data_variant in DATA_VARIANTS:
                for name_variant in NAME_VARIANTS:
                    yield _image(
                        point, data_variant, name_variant, files, names, pending_names, acks, rng
                    )
        kind = event[0]
        if kind == "ack":
            acks.append(event)
        elif kind in ("create", "mkdir", "rename", "unlink"):
            if kind == "create":
                files[event[2]] = _File()
            folder = _parent(event[2] if kind == "rename" else event[1])
            pending_names.setdefault(folder, []).append(event)
        elif kind in ("write", "truncate"):
            files[event[1]].pending.append(event)
            _apply(files[event[1]].live, event)
        elif kind == "sync":
            files[event[1]].durable = bytes(files[event[1]].live)
            files[event[1]].pending.clear()
        elif kind == "dirsync":
            for op in pending_names.pop(event[1], []):
                _apply_name(names, op)


def _image(
    point: int,
    data_variant: str,
    name_variant: str,
    files: dict[int, _File],
    names: dict[str, Any],
    pending_names: dict[str, list[Event]],
    acks: list[Event],
    rng: random.Random,
) -> Image:
    visible = dict(names)
    if name_variant == "kept":
        for ops in pending_names.values():
            for op in ops:
                _apply_name(visible, op)
    dirs = {"."} | {rel for rel, node in visible.items() if node == "dir"}
    contents: dict[str, bytes] = {}
    for rel, node in visible.items():
        if node == "dir" or _parent(rel) not in dirs:
            continue
        contents[rel] = _content(files[node], data_variant, rng)
    reachable = {d for d in dirs if d == "." or _parent(d) in dirs}
    return Image(
        point,
        f"{data_variant} data, {name_variant} names",
        reachable,
        {rel: data for rel, data in contents.items() if _parent(rel) in reachable},
        list(acks),
    )


def _content(file: _File, variant: str, rng: random.Random) -> bytes:
    content = bytearray(file.durable)
    if variant == "lost" or not file.pending:
        return bytes(content)
    writes = [i for i, op in enumerate(file.pending) if op[0] == "write"]
    last = writes[-1] if writes and variant != "kept" else -1
    for i, op in enumerate(file.pending):
        if i == last:
            _, _, offset, data = op
            if variant == "torn":
                data = data[: rng.randrange(len(data))] if data else data
            elif variant == "garbage":
                data = rng.randbytes(len(data))
            else:
                data = bytes(len(data))
            op = ("write", op[1], offset, data)
        _apply(content, op)
    return bytes(content)
