"""Submit latency at 1,000 and 50,000 records stored: the store alone, and the real submit path.

Store level: RecordStore.add() of random 1,100-byte blobs. Submit path: Submitter.submit()
on a site made with kiosk.site.init_site and a fresh key, so each timed call validates,
builds the padded plaintext, seals it with HPKE and stores it durably. The site is prefilled
with real sealed records (one random valid response per record, each sealed with the site's
key). Targets (DESIGN.md): submit p99 ≤ 10 ms at 50k, and p50 at 50k ≤ 1.5 × p50 at 1k.
Also times opening the store and count() at 50k. Run: .venv/bin/python bench/submit_latency.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import records
from kiosk.instruments import Answer, Instrument
from kiosk.sealing import PublicKey, generate_private_key, new_record_id, public_key_of, seal
from kiosk.simulate import random_answer
from kiosk.site import init_site, open_site
from kiosk.store import RecordStore
from kiosk.submit import Submitter

BLOB = 1100

# 280 characters, the contribution note's limit, with the Danish letters a real note has.
LONG_NOTE = (
    "I dag så jeg en kollega tage sig god tid til at vise den nye på holdet, hvordan vi gør "
    "tingene her, selvom vagten var travl. Hun spurgte også, om jeg havde fået pause, og "
    "hentede kaffe til os begge. Det gjorde, at jeg følte mig velkommen og set, og jeg vil "
    "gerne sige tak for det."
)


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


def real_sealed_records(
    public_key: PublicKey, instruments: tuple[Instrument, ...], count: int, rng: random.Random
) -> list[tuple[bytes, bytes]]:
    """Seal `count` random valid responses, as the kiosk would store them."""
    made = []
    for _ in range(count):
        instrument = rng.choice(instruments)
        answers = {item.id: random_answer(item, rng) for item in instrument.items}
        plaintext = records.build(
            instrument, answers, date.today(), kiosk_id="0123456789abcdef", site="Bench"
        )
        record_id = new_record_id()
        made.append((record_id, seal(public_key, record_id, plaintext)))
    return made


def submitted_answers(instrument: Instrument, rng: random.Random) -> dict[str, Answer]:
    """Answers a person gives: every support slider set, or a tagged 280-character note."""
    if instrument.id == "support":
        return {item.id: rng.randint(1, 10) for item in instrument.items}
    return {"tag": rng.choice(instrument.item("tag").options).id, "note": LONG_NOTE}


def submit_latencies_ms(
    submitter: Submitter, instruments: tuple[Instrument, ...], samples: int, rng: random.Random
) -> list[float]:
    """Time `samples` submits through the real path, alternating support and contribution."""
    times = []
    for n in range(samples):
        instrument = instruments[n % len(instruments)]
        answers = submitted_answers(instrument, rng)
        start = time.perf_counter()
        submitter.submit(instrument, answers)
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure_submit_path(root: Path, sizes: tuple[int, ...], samples: int) -> dict[int, float]:
    """Print submit p50/p99 on a fresh site at each size; return the p50s by size."""
    public_key = public_key_of(generate_private_key())
    folder = root / "site"
    init_site(folder, public_key, "Benchmark")
    rng = random.Random(1)
    p50: dict[int, float] = {}
    blob_sizes: set[int] = set()
    for size in sizes:
        site = open_site(folder)
        try:
            menu = site.config.instruments
            timed = tuple(i for i in menu if i.id in ("support", "contribution"))
            start = time.perf_counter()
            missing = size - site.store.count()
            prefill = real_sealed_records(site.public_key, menu, missing, rng)
            blob_sizes.update(len(sealed) for _, sealed in prefill)
            site.store.add_many(prefill)
            filled = time.perf_counter() - start
            submitter = Submitter(site.store, site.config, site.public_key)
            times = submit_latencies_ms(submitter, timed, samples, rng)
        finally:
            site.close()
        p50[size] = statistics.median(times)
        print(
            f"{size:>6} stored: submit p50 {p50[size]:.2f} ms  p99 {percentile(times, 0.99):.2f} ms"
            f"  max {max(times):.2f} ms  ({samples} submits; prefill {filled:.1f} s)"
        )
    print(f"prefilled sealed records: {', '.join(map(str, sorted(blob_sizes)))} bytes each")
    return p50


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--samples", type=int, default=1000, help="adds and submits timed at each size"
    )
    parser.add_argument("--large", type=int, default=50_000, help="records stored, large case")
    parser.add_argument("--dir", type=Path, default=None, help="folder (default: a temp dir)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    data_dir = root / "store"

    print("store level: RecordStore.add() of random 1,100-byte blobs")
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

    print("submit path: Submitter.submit() = validate + build + HPKE seal + durable add")
    print("(prefill: one random valid response per record, each really sealed)")
    submit_p50 = measure_submit_path(root, (1000, args.large), args.samples)
    print(f"ratio p50@{args.large} / p50@1000: {submit_p50[args.large] / submit_p50[1000]:.2f}")


if __name__ == "__main__":
    main()
