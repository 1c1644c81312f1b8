"""USB export of 10,000 records: build the bundle, write it safely (fsync, rename) and verify.

Sealed records are random bytes of the real sealed size (1,073 bytes: a 1,024-byte padded
payload plus 49 bytes of HPKE), so the figures are those of a real export. Point --to at a
mounted stick to measure the stick itself; the default is a temporary folder.

    .venv/bin/python bench/bundle_write.py --runs 5 [--to /media/kiosk/STICK]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from kiosk.bundle import read_bundle, write_bundle
from kiosk.sealing import SEALED_OVERHEAD, generate_private_key, public_key_of
from kiosk.store import RecordStore
from kiosk.usb import safe_write

RECORDS = 10_000
SEALED_BYTES = 1024 + SEALED_OVERHEAD
TARGET_SECONDS = 1.0
PUBLIC_KEY = public_key_of(generate_private_key())


def one_run(folder: Path, records: list[tuple[bytes, bytes]]) -> tuple[float, float, int]:
    """Build and safely write one bundle; return (build seconds, write+verify seconds, size)."""
    started = time.perf_counter()
    data = write_bundle(
        records,
        kiosk_id="0123456789abcdef",
        site="Benchmark",
        public_key=PUBLIC_KEY,
        created=date.today(),
    ).data
    built = time.perf_counter()
    path = safe_write(folder, "trivsel-bench", data)
    written = time.perf_counter()
    path.unlink()
    return built - started, written - built, len(data)


def store_read_seconds(records: list[tuple[bytes, bytes]]) -> float:
    """Seconds to read the records back out of a real store, as an export does first."""
    with tempfile.TemporaryDirectory(prefix="trivsel-bench-store-") as scratch:
        with RecordStore.open(Path(scratch), create=True) as store:
            store.add_many(records)
        with RecordStore.open(Path(scratch)) as store:
            started = time.perf_counter()
            count = sum(1 for _ in store.iter_records(undelivered_only=True))
            elapsed = time.perf_counter() - started
    assert count == len(records)
    return elapsed


def main() -> None:
    """Run the benchmark and print medians against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=RECORDS)
    parser.add_argument("--to", type=Path, default=None, help="folder to write to (a stick)")
    args = parser.parse_args()
    records = [(os.urandom(16), os.urandom(SEALED_BYTES)) for _ in range(args.records)]
    with tempfile.TemporaryDirectory(prefix="trivsel-bench-") as scratch:
        folder = args.to or Path(scratch)
        samples = [one_run(folder, records) for _ in range(args.runs)]
    size = samples[0][2]
    build = statistics.median(s[0] for s in samples)
    write = statistics.median(s[1] for s in samples)
    total = statistics.median(s[0] + s[1] for s in samples)
    data = write_bundle(
        records, kiosk_id="0123456789abcdef", site="s", public_key=PUBLIC_KEY, created=date.today()
    ).data
    started = time.perf_counter()
    read_bundle(data)
    read = time.perf_counter() - started
    from_store = statistics.median(store_read_seconds(records) for _ in range(3))
    print(f"bundle of {args.records:,} records: {size / 1e6:.1f} MB, {args.runs} runs, medians")
    print(f"  read the records from the store       {from_store * 1000:7.1f} ms")
    print(f"  build (shuffle, pack, SHA-256)        {build * 1000:7.1f} ms")
    print(f"  safe write (fsync, rename, verify)    {write * 1000:7.1f} ms")
    print(f"  total, build to verified file         {total * 1000:7.1f} ms")
    print(f"  total with the store read             {(total + from_store) * 1000:7.1f} ms")
    print(f"  (admin side) read and check bundle    {read * 1000:7.1f} ms")
    verdict = "meets" if total + from_store <= TARGET_SECONDS else "MISSES"
    print(f"target <= {TARGET_SECONDS:.1f} s to write and verify: {verdict}")


if __name__ == "__main__":
    main()
