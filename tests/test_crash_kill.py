"""kill -9 at random moments while submitting: the store always opens, no acknowledged record lost.

A child process adds records in a loop and prints each id only after add() returned; the
parent kills it at random moments, restarts it on the same store, and finally checks that
every printed id is stored. bench/crash_kill.py runs the same loop for thousands of kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import os, sys
from pathlib import Path
from kiosk.store import RecordStore
store = RecordStore.open(Path(sys.argv[1]), create=True, segment_size=int(sys.argv[2]))
os.write(1, b"ready\\n")
while True:
    record_id = os.urandom(16)
    store.add(record_id, os.urandom(1100))
    os.write(1, record_id.hex().encode() + b"\\n")
"""


class KillResult(NamedTuple):
    """What a kill loop found."""

    kills: int
    acknowledged: int
    lost: int
    stored: int


def kill_loop(
    data_dir: Path, kills: int, *, seed: int, segment_size: int = 25, max_delay: float = 0.03
) -> KillResult:
    """Start, kill -9 and restart a submitting child `kills` times; then count what was lost."""
    rng = random.Random(seed)
    acknowledged: set[bytes] = set()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(kills):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(data_dir), str(segment_size)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None and child.stderr is not None
        if child.stdout.readline() != b"ready\n":
            child.wait()
            raise AssertionError(f"the store did not open: {child.stderr.read().decode()}")
        time.sleep(rng.uniform(0, max_delay))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        acknowledged.update(bytes.fromhex(line) for line in out.decode().split())

    from kiosk.store import RecordStore

    with RecordStore.open(data_dir, segment_size=segment_size) as store:
        ids = {record.record_id for record in store.iter_records()}
        assert store.count() == len(ids)
    return KillResult(kills, len(acknowledged), len(acknowledged - ids), len(ids))


def test_kill_minus_9_loses_no_acknowledged_record(tmp_path: Path) -> None:
    result = kill_loop(tmp_path / "store", kills=120, seed=1)
    print(result)
    assert result.acknowledged > 200  # the children did get to write
    assert result.lost == 0
