"""Headless Chromium and axe-core fixtures for the handout's browser checks (test-browser).

Not a conftest.py: a second conftest module would replace tests/conftest.py's in sys.modules
while pytest collects, and the other test files import from that one.

Chromium comes from the system's packages (Debian: `apt-get install chromium`), axe-core from
npm into the git-ignored tests/browser/.deps (the make target installs it). Each run gets a
fresh profile folder and every flag that stops Chromium from reaching the network on its own.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

AXE = Path(__file__).parent / ".deps" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

Browser = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: sudo apt-get install chromium")
    return found


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            "axe-core is not installed: make test-browser installs it "
            "(npm install --prefix tests/browser/.deps axe-core)"
        )
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def chromium(chromium_path: str, tmp_path: Path) -> Browser:
    """Run Chromium once with a fresh profile; extra arguments are appended to the flags."""
    counter = iter(range(1000))

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        profile = tmp_path / f"profile-{next(counter)}"
        return subprocess.run(
            [chromium_path, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
