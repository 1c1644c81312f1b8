"""Bench: import and report 100,000 sealed records (target: import + report ≤ 10 s, 2 cores).

Prefill (not timed) seals check-ins straight into one bundle file with records.build and
sealing.seal; then `kiosk-admin import` (opens every record once and keeps the encrypted
opened cache) and `kiosk-admin report --format json` (reads that cache) are timed.

    .venv/bin/python bench/admin_import_report.py [--count 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from kiosk import records
from kiosk.bundle import write_bundle
from kiosk.cli import admin_main
from kiosk.keyfiles import load_private_key_file, write_keypair
from kiosk.sealing import new_record_id, public_key_of, seal

KIOSK_ID = "be4c000000000001"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["KIOSK_ADMIN_PASSPHRASE"] = "bench-passphrase"
        pem, _, _ = write_keypair(root / "keys", b"bench-passphrase")
        public_key = public_key_of(load_private_key_file(pem, b"bench-passphrase"))
        rng = random.Random(1)
        checkin = records.default_catalogue()[("checkin", 1)]
        start = time.perf_counter()
        sealed = []
        for n in range(args.count):
            day = date(2026, 1, 5) + timedelta(days=n % 84)
            answers = {"score": rng.randint(1, 10), "why_here": None, "one_step_up": None}
            record_id = new_record_id()
            sealed.append(
                (
                    record_id,
                    seal(
                        public_key,
                        record_id,
                        records.build(checkin, answers, day, kiosk_id=KIOSK_ID, site="Bench"),
                    ),
                )
            )
        bundle = write_bundle(
            sealed,
            kiosk_id=KIOSK_ID,
            site="Bench",
            public_key=public_key,
            created=date(2026, 3, 30),
        ).data
        (root / "bench.tkb").write_bytes(bundle)
        print(
            f"prefill: {args.count} records, {len(bundle) / 1e6:.1f} MB bundle, "
            f"{time.perf_counter() - start:.1f} s"
        )
        key = ["--store", str(root / "store"), "--key", str(pem)]
        t0 = time.perf_counter()
        assert admin_main(["import", *key, str(root / "bench.tkb")]) == 0
        t1 = time.perf_counter()
        assert admin_main(["report", *key, "--format", "json", "--out", str(root / "r.json")]) == 0
        t2 = time.perf_counter()
        print(
            f"import: {t1 - t0:.2f} s   report: {t2 - t1:.2f} s   total: {t2 - t0:.2f} s  "
            f"(cores: {os.cpu_count()})"
        )


if __name__ == "__main__":
    main()
