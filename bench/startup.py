"""Kiosk start to first screen, and peak memory, against a bare Textual "hello" app.

Each sample is a fresh interpreter (imports included), run headless, that exits as soon as
its first screen has been drawn. Prints medians and the kiosk/hello ratios.

    .venv/bin/python bench/startup.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.exit)

Hello().run(headless=True)
"""

KIOSK = """
import sys
from pathlib import Path
from kiosk.app import KioskApp
from kiosk.site import open_site

class FirstScreen(KioskApp):
    # Textual runs KioskApp.on_mount too (handlers run down the class hierarchy), so this one
    # only schedules the exit once the welcome screen it pushes has been drawn.
    def on_mount(self):
        self.call_after_refresh(lambda: self.call_after_refresh(self.exit))

site = open_site(Path(sys.argv[1]))
FirstScreen(site).run(headless=True)
site.close()
"""


def sample(code: str, *args: str) -> tuple[float, float]:
    """Run one fresh interpreter; return (seconds, peak MiB)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", code, *args])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark child failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def make_site(folder: Path) -> Path:
    """A kiosk site with a fresh key, made through the real CLI."""
    env = {**os.environ, "KIOSK_ADMIN_PASSPHRASE": "bench-passphrase"}
    bindir = Path(sys.executable).parent
    subprocess.run(
        [bindir / "kiosk-admin", "keygen", "--out", folder / "key"],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            bindir / "kiosk",
            "init",
            "--data-dir",
            folder / "site",
            "--public-key",
            folder / "key" / "admin-key.pub",
        ],
        check=True,
        capture_output=True,
    )
    return folder / "site"


def main() -> None:
    """Alternate hello and kiosk runs so both see the same machine load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        site = make_site(Path(tmp))
        hello: list[tuple[float, float]] = []
        kiosk: list[tuple[float, float]] = []
        sample(HELLO)
        sample(KIOSK, str(site))
        for _ in range(args.runs):
            hello.append(sample(HELLO))
            kiosk.append(sample(KIOSK, str(site)))
    h_time = statistics.median(t for t, _ in hello)
    k_time = statistics.median(t for t, _ in kiosk)
    h_mem = statistics.median(m for _, m in hello)
    k_mem = statistics.median(m for _, m in kiosk)
    print(f"runs: {args.runs} each, alternating, fresh interpreter, headless")
    print(f"bare Textual hello: start {h_time * 1000:.0f} ms, peak {h_mem:.1f} MiB")
    print(f"kiosk welcome     : start {k_time * 1000:.0f} ms, peak {k_mem:.1f} MiB")
    print(
        f"ratio             : time {k_time / h_time:.2f} (target <= 1.5), "
        f"memory {k_mem / h_mem:.2f} (target <= 2.0)"
    )


if __name__ == "__main__":
    main()
