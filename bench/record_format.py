"""Sealed record sizes in format 2 (and format 1 for comparison), and the key file's scrypt cost.

Record sizes: random answers of every shipped tool through records.build, as the kiosk's
Submitter builds them, for a site name of a given length; text-free answers and answers
with a note are counted apart. Scrypt: one key derivation with the key file's parameters,
then with those used before, timed a few times each on one core.

    .venv/bin/python bench/record_format.py --site Testafdeling
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kiosk import records, sealing
from kiosk.instruments import Answer, Instrument
from kiosk.simulate import random_answer

KIOSK_ID = "3c9e0a51d2f4b867"


def format_1_body(instrument: Instrument, answers: dict[str, Answer]) -> int:
    """The length of the same answer's format-1 body: JSON by item id, with a language."""
    body = {"v": 1, "i": instrument.id, "iv": instrument.version, "d": "2026-W10", "l": "da"}
    return len(records.canonical_json({**body, "a": answers}))


def main() -> None:
    """Print the size table and the scrypt timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="Testafdeling")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(1)
    menu = list(records.default_catalogue().values())
    small = records.small_bucket(menu, KIOSK_ID, args.site)
    print(f"site {args.site!r} ({len(args.site.encode())} bytes): small size {small} bytes")
    print("tool            text-free body  sealed  format-1 body  any answer: sealed")
    for instrument in menu:
        bodies, old, noted = [], [], []
        for _ in range(args.samples):
            answers = {item.id: random_answer(item, rng) for item in instrument.items}
            text_free = {
                item.id: None if item.kind == "text" else answers[item.id]
                for item in instrument.items
            }
            plain = records.build(
                instrument, text_free, date(2026, 3, 2), kiosk_id=KIOSK_ID, site=args.site,
                small=small,
            )  # fmt: skip
            bodies.append(len(records.unpad(plain)))
            old.append(format_1_body(instrument, text_free))
            if any(item.kind == "text" for item in instrument.items):
                full = records.build(
                    instrument, answers, date(2026, 3, 2), kiosk_id=KIOSK_ID, site=args.site,
                    small=small,
                )  # fmt: skip
                noted.append(len(full) + sealing.SEALED_OVERHEAD)
        print(
            f"{instrument.id:<15} {min(bodies):>5}–{max(bodies):<8} "
            f"{small + sealing.SEALED_OVERHEAD:>6}  {min(old):>5}–{max(old):<8}"
            f"  {'–'.join(map(str, sorted(set(noted)))) if noted else '(no text items)'}"
        )
    print(f"format 1: every record {1024 + sealing.SEALED_OVERHEAD} bytes sealed")
    print()
    for label, (n, r, p) in (("key file now", (2**14, 15, 2)), ("before", (2**14, 8, 1))):
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            Scrypt(salt=b"s" * 16, length=32, n=n, r=r, p=p).derive(b"a passphrase here")
            times.append(time.perf_counter() - started)
        memory = 128 * r * (n + 2) / 2**20
        print(
            f"scrypt {label:<13} N=2^14 r={r:<2} p={p}: {memory:.1f} MiB, median "
            f"{statistics.median(times):.3f} s, min {min(times):.3f} s per guess"
        )


if __name__ == "__main__":
    main()
