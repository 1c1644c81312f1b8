"""The store's lock against real processes: it cannot be bypassed, and a writer that lost it stops.

A holder process opens the site as the kiosk does and stores one record per line it reads,
answering "ok" or the error. Other programs are the real `kiosk` commands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import RecordStore

REPO = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from kiosk.site import open_site
    from kiosk.store import StoreError
    site = open_site(Path(sys.argv[1]))
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            site.store.add(os.urandom(16), os.urandom(200))
        except StoreError as error:
            print("error", error, flush=True)
        else:
            print("ok", flush=True)
    site.close()
    """
)


class Holder:
    """A running program holding the site open, storing a record on request."""

    def __init__(self, site_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(site_dir)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line != "ready\n":
            raise AssertionError(f"the holder did not start: {line}{self.stderr()}")

    def stderr(self) -> str:
        self.process.kill()
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def add(self) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("add\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)


@pytest.fixture
def holder(site_dir: Path) -> Iterator[Holder]:
    running = Holder(site_dir)
    yield running
    running.stop()
    if running.process.poll() is None:
        running.process.kill()


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `kiosk` command line in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deleting_the_lock_file_lets_no_second_program_in(site_dir: Path, holder: Holder) -> None:
    assert holder.add() == "ok"
    (site_dir / ".lock").unlink()
    for command in (["purge"], ["simulate", "--count", "3"]):
        done = kiosk(*command, "--data-dir", str(site_dir))
        assert done.returncode == 1, done.stderr
        assert "in use by another program" in done.stderr
        assert "Traceback" not in done.stderr
    assert holder.add() == "ok"
    holder.stop()
    with RecordStore.open(site_dir) as store:
        assert store.count() == 2


def test_a_writer_whose_folder_was_swapped_stops_and_writes_nothing(
    site_dir: Path, holder: Holder, tmp_path: Path
) -> None:
    assert holder.add() == "ok"
    moved = tmp_path / "moved"
    site_dir.rename(moved)
    shutil.copytree(moved, site_dir)
    done = kiosk("simulate", "--count", "3", "--data-dir", str(site_dir))
    assert done.returncode == 0, done.stderr
    before = {path.name: path.read_bytes() for path in (moved / "records").iterdir()}
    answer = holder.add()
    assert answer.startswith("error") and "moved or replaced" in answer
    assert {path.name: path.read_bytes() for path in (moved / "records").iterdir()} == before
    with RecordStore.open(site_dir) as store:
        assert store.count() == 4


def test_a_segment_replaced_under_a_writer_is_not_written_to(
    site_dir: Path, holder: Holder
) -> None:
    assert holder.add() == "ok"
    segment = site_dir / "records" / "seg-000001.jsonl"
    copy = segment.with_name("copy")
    shutil.copyfile(segment, copy)
    os.replace(copy, segment)
    before = segment.read_bytes()
    answer = holder.add()
    assert answer.startswith("error") and "replaced" in answer
    assert segment.read_bytes() == before
