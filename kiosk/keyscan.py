"""The scan for planted private keys: the kiosk refuses to start beside one."""

from __future__ import annotations

import os
import re
from pathlib import Path

_PRIVATE_KEY_PEM = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|PuTTY-User-Key-File-")
_HEAD_BYTES = 4096
_PEM_SCAN_BYTES = 1 << 20
MAX_SCANNED_FILES = 5000


def _looks_like_private_key(path: Path) -> bool:
    limit = _PEM_SCAN_BYTES if path.suffix.lower() in (".pem", ".key") else _HEAD_BYTES
    try:
        with path.open("rb") as handle:
            head = handle.read(limit)
    except OSError:
        return False
    return _PRIVATE_KEY_PEM.search(head) is not None


def find_private_keys(*folders: Path, max_files: int = MAX_SCANNED_FILES) -> list[Path]:
    """Every file in folders that looks like a private key, so the kiosk can refuse to start.

    Symlinked folders are followed only when they stay inside the folder being searched; the
    walk stops after max_files files so a huge tree cannot stall the start.
    """
    found: list[Path] = []
    scanned = 0
    for folder in folders:
        folder = Path(folder)
        if folder.is_file():
            if _looks_like_private_key(folder):
                found.append(folder)
            continue
        if not folder.is_dir():
            continue
        root = folder.resolve()
        visited: set[Path] = set()
        pending = [folder]
        while pending:
            current = pending.pop()
            real = current.resolve()
            if real in visited:
                continue
            visited.add(real)
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                path = Path(entry.path)
                try:
                    is_dir = entry.is_dir()
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    if not entry.is_symlink() or path.resolve().is_relative_to(root):
                        pending.append(path)
                elif is_file:
                    scanned += 1
                    if scanned > max_files:
                        return found
                    if _looks_like_private_key(path):
                        found.append(path)
    return found
