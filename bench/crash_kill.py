"""kill -9 a submitting kiosk process thousands of times; every acknowledged record must survive.

Run: .venv/bin/python bench/crash_kill.py --kills 2000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_crash_kill import kill_loop


def main() -> None:
    """Run the kill loop and print kills, acknowledged, lost and elapsed time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--segment-size", type=int, default=25, help="small, to roll often")
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kiosk-kill-") as tmp:
        result = kill_loop(
            Path(tmp) / "store", args.kills, seed=args.seed, segment_size=args.segment_size
        )
    elapsed = time.perf_counter() - start
    print(
        f"kills {result.kills}  acknowledged {result.acknowledged}  stored {result.stored}  "
        f"lost {result.lost}  elapsed {elapsed:.1f} s"
    )
    sys.exit(1 if result.lost else 0)


if __name__ == "__main__":
    main()
