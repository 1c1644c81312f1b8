"""Store-level submit latency: add() of ~1,100-byte sealed blobs with 1,000 and 50,000 stored.

Targets (DESIGN.md): p99 ≤ 10 ms at 50k, and p50 at 50k ≤ 1.5 × p50 at 1k. Also times
opening the store and count() at 50k. Run: .venv/bin/python bench/submit_latency.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.store import RecordStore

BLOB = 1100


def prefill(store: RecordStore, target: int) -> None:
    """Fill the store up to `target` records through the batch API (one write per segment)."""
    missing = target - store.count()
    store.add_many((os.urandom(16), os.urandom(BLOB)) for _ in range(missing))


def add_latencies_ms(store: RecordStore, samples: int) -> list[float]:
    """Time `samples` single durable adds."""
    times = []
    for _ in range(samples):
        record_id, sealed = os.urandom(16), os.urandom(BLOB)
        start = time.perf_counter()
        store.add(record_id, sealed)
        times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=1000, help="adds timed at each size")
    parser.add_argument("--large", type=int, default=50_000, help="records stored, large case")
    parser.add_argument("--dir", type=Path, default=None, help="folder (default: a temp dir)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    data_dir = root / "store"

    p50: dict[int, float] = {}
    for size in (1000, args.large):
        with RecordStore.open(data_dir, create=True) as store:
            start = time.perf_counter()
            prefill(store, size)
            filled = time.perf_counter() - start
            times = add_latencies_ms(store, args.samples)
        p50[size] = statistics.median(times)
        print(
            f"{size:>6} stored: add p50 {p50[size]:.2f} ms  p99 {percentile(times, 0.99):.2f} ms"
            f"  max {max(times):.2f} ms  ({args.samples} adds; prefill {filled:.1f} s)"
        )

    start = time.perf_counter()
    store = RecordStore.open(data_dir)
    opened = time.perf_counter() - start
    start = time.perf_counter()
    total = store.count()
    counted = time.perf_counter() - start
    start = time.perf_counter()
    store.count()
    counted_again = time.perf_counter() - start
    start = time.perf_counter()
    store.mark_delivered([os.urandom(16)])
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    exported = sum(1 for _ in store.iter_records())
    iterated = time.perf_counter() - start
    store.close()
    print(f"open at {total} records: {opened * 1000:.1f} ms")
    print(f"count(): {counted * 1000:.1f} ms first, {counted_again * 1000:.3f} ms after")
    print(f"first receipt (reads every record id once): {indexed * 1000:.1f} ms")
    print(f"iter_records() over {exported} records: {iterated * 1000:.1f} ms")
    print(f"ratio p50@{args.large} / p50@1000: {p50[args.large] / p50[1000]:.2f}")


if __name__ == "__main__":
    main()
