"""Kiosk start to first screen, and peak memory, against a bare Textual "hello" app.

Each sample is a fresh interpreter (imports included), run headless, that exits as soon as
its first screen has been drawn. Prints medians and the kiosk/hello ratios: wall time (the
target) and CPU time (user + system), which a loaded machine disturbs far less.

Both sides run from compiled bytecode, kept in a temporary PYTHONPYCACHEPREFIX and written by
the warm-up runs: with PYTHONDONTWRITEBYTECODE set (or a source tree the user cannot write),
every kiosk start would compile the kiosk's own modules again, while Textual's come
precompiled from pip, and the ratio would measure the compiler.

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
from typing import NamedTuple

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
from screens.app import KioskApp
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


class Sample(NamedTuple):
    """One fresh interpreter's run."""

    seconds: float
    cpu_seconds: float
    peak_mib: float


def sample(code: str, *args: str, env: dict[str, str]) -> Sample:
    """Run one fresh interpreter with `env`."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-c", code, *args], env)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark child failed with status {status}")
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


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


def median(samples: list[Sample], field: str) -> float:
    """The median of one field over the samples."""
    return statistics.median(float(getattr(one, field)) for one in samples)


def main() -> None:
    """Alternate hello and kiosk runs so both see the same machine load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        site = make_site(Path(tmp))
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        hello: list[Sample] = []
        kiosk: list[Sample] = []
        # Warm-up: compiles both sides' bytecode and fills the file cache.
        for _ in range(2):
            sample(HELLO, env=env)
            sample(KIOSK, str(site), env=env)
        for _ in range(args.runs):
            hello.append(sample(HELLO, env=env))
            kiosk.append(sample(KIOSK, str(site), env=env))
    h_time, k_time = median(hello, "seconds"), median(kiosk, "seconds")
    h_cpu, k_cpu = median(hello, "cpu_seconds"), median(kiosk, "cpu_seconds")
    h_mem, k_mem = median(hello, "peak_mib"), median(kiosk, "peak_mib")
    load = os.getloadavg()[0]
    print(f"runs: {args.runs} each, alternating, fresh interpreter, headless, bytecode compiled")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} (1 min) at the end")
    print(
        f"bare Textual hello: start {h_time * 1000:.0f} ms (cpu {h_cpu * 1000:.0f} ms), "
        f"peak {h_mem:.1f} MiB"
    )
    print(
        f"kiosk welcome     : start {k_time * 1000:.0f} ms (cpu {k_cpu * 1000:.0f} ms), "
        f"peak {k_mem:.1f} MiB"
    )
    print(
        f"ratio             : time {k_time / h_time:.2f} (target <= 1.5), "
        f"cpu {k_cpu / h_cpu:.2f}, memory {k_mem / h_mem:.2f} (target <= 2.0)"
    )


if __name__ == "__main__":
    main()
