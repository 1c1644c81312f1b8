"""Refresh the README's screenshots from the snapshot tests, or check that they are current.

The snapshot tests (tests/test_screen_snapshots.py) photograph the real app on a real site at
fixed sizes, languages and looks; the README shows a few of those pictures. Run

    make snapshots && .venv/bin/python docs/screenshots/make.py

after a change to a screen, and commit what changed. `--check` only compares, and fails when a
README picture differs from its snapshot (tests/test_app_sizes.py runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE.parent.parent / "tests" / "__snapshots__" / "test_screen_snapshots"

SHOTS = {
    "welcome.svg": "test_screen[welcome-da-80x24].svg",
    "checkin.svg": "test_screen[checkin_scale-da-80x24].svg",
    "support.svg": "test_screen[support-da-80x24].svg",
    "psych_safety.svg": "test_screen[psych_safety-da-80x24].svg",
    "welcome-200x60.svg": "test_screen[welcome-da-200x60].svg",
    "support-200x60.svg": "test_screen[support-da-200x60].svg",
    "welcome-console.svg": "test_look[welcome-console-en].svg",
}
"""README picture → the snapshot it is a copy of."""


def stale() -> list[str]:
    """The README pictures that are missing or differ from their snapshot."""
    return [
        name
        for name, snapshot in SHOTS.items()
        if not (HERE / name).exists()
        or (HERE / name).read_bytes() != (SNAPSHOTS / snapshot).read_bytes()
    ]


def main(argv: list[str]) -> int:
    """Copy the snapshots over the README pictures, or with --check only report stale ones."""
    if "--check" in argv:
        names = stale()
        for name in names:
            print(f"docs/screenshots/{name} differs from {SHOTS[name]}: run this script")
        return 1 if names else 0
    for name, snapshot in SHOTS.items():
        (HERE / name).write_bytes((SNAPSHOTS / snapshot).read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
