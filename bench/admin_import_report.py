"""Bench: `kiosk-admin import` then `kiosk-admin report`, each a process of its own.

Targets (issue 9): 100,000 records imported and reported in ≤ 10 s; 1,000,000 records (a
large employer pooling its kiosks for two years) imported and reported with each command's
peak memory ≤ 2 GB and the report (audit included) ≤ 20 s, on this 2-core machine.

Prefill (not timed) forges check-ins spread over `--weeks` weeks and `--sites` sites (one
kiosk each), seals them on every core and packs them into
`--bundles` bundle files of equal size, each from one site's kiosk (bundle b comes from site
b mod sites). With `--keep DIR` the bundles and the key stay in DIR and a later run with the
same shape reuses them instead of sealing again (the store stays there too, and
`--report-only` reports on it again). Then, each in a fresh process of the
installed CLI, timed: one `kiosk-admin import` of every bundle into a new store (or one call
per bundle with `--import-each`), and `kiosk-admin report` in each of `--formats`.

For every command it prints wall time, CPU time (user + sys of the command and the worker
processes it waited for: on a shared machine wall time says as much about the neighbours),
the largest single process's peak RSS (wait4's ru_maxrss) and the peak of the whole process
tree's proportional set size (PSS, sampled every 50 ms from /proc: forked workers share
pages with their parent, so summing their RSS would count those twice).

    .venv/bin/python bench/admin_import_report.py                      # 100,000 records
    .venv/bin/python bench/admin_import_report.py --count 1000000 --bundles 10 --keep /tmp/b1m
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kiosk import records
from kiosk.bundle import write_bundle
from kiosk.instruments import Answer
from kiosk.keyfiles import load_private_key_file, write_keypair
from kiosk.sealing import PublicKey, new_record_id, public_key_of, seal

PASSPHRASE = "bench-passphrase"
FIRST_WEEK = date(2024, 11, 25)  # a Monday; 104 weeks later is just before today's runs
WORDS = [
    "kaffe",
    "mere",
    "ro",
    "tak",
    "for",
    "hjælpen",
    "bedre",
    "planlægning",
    "travlt",
    "i",
    "dag",
    "god",
    "stemning",
    "savner",
    "overblik",
    "kollegerne",
    "møder",
    "larm",
    "pause",
    "tid",
    "ledelsen",
    "ferie",
    "hjælp",
]
SEAL_CHUNK = 5000


@dataclass(frozen=True)
class Shape:
    """What the prefill forges; a kept folder is reused only for the same shape."""

    count: int
    bundles: int
    sites: int
    weeks: int
    notes: float


def kiosk_of(site: int) -> str:
    """The 16-hex-digit id of a site's one kiosk."""
    return f"be4c{site:012x}"


def _seal_chunk(
    raw_key: bytes, shape: Shape, site: int, seed: int, size: int
) -> list[tuple[bytes, bytes]]:
    """Forge and seal `size` check-ins of one site (runs in a worker process)."""
    public_key = PublicKey(raw_key)
    rng = random.Random(seed)
    checkin = records.default_catalogue()[("checkin", 1)]
    # Scores lean on a site's own mood, so sites and weeks differ as at a real employer.
    mood = 4 + site % 5
    out = []
    for _ in range(size):
        day = FIRST_WEEK + timedelta(days=rng.randrange(shape.weeks * 7))
        note = rng.random() < shape.notes
        answers: dict[str, Answer] = {
            "score": max(1, min(10, round(rng.gauss(mood, 2)))),
            # A few words drawn at random: notes are as good as unique, as real ones are.
            "why_here": " ".join(rng.choices(WORDS, k=rng.randint(3, 12))) if note else None,
            "one_step_up": None,
        }
        record_id = new_record_id()
        plaintext = records.build(
            checkin, answers, day, kiosk_id=kiosk_of(site), site=f"Site {site:02d}"
        )
        out.append((record_id, seal(public_key, record_id, plaintext)))
    return out


def prefill(folder: Path, shape: Shape) -> tuple[Path, list[Path]]:
    """The key and the bundle files of `shape` in `folder`, sealed now or kept from before."""
    manifest = folder / "shape.json"
    pem = folder / "keys" / "admin-key.pem"
    paths = [folder / f"bundle-{b:03d}.tkb" for b in range(shape.bundles)]
    kept = manifest.exists() and json.loads(manifest.read_text()) == shape.__dict__
    if kept and pem.exists() and all(p.exists() for p in paths):
        print(f"prefill: reusing {len(paths)} bundles in {folder}")
        return pem, paths
    for old in [manifest, *folder.glob("bundle-*.tkb")]:
        old.unlink(missing_ok=True)
    shutil.rmtree(folder / "keys", ignore_errors=True)
    pem, _, _ = write_keypair(folder / "keys", PASSPHRASE.encode())
    public_key = public_key_of(load_private_key_file(pem, PASSPHRASE.encode()))
    start = time.perf_counter()
    per_bundle = shape.count // shape.bundles
    created = FIRST_WEEK + timedelta(weeks=shape.weeks)
    total = 0
    with ProcessPoolExecutor() as pool:
        for b, path in enumerate(paths):
            site = b % shape.sites
            size = per_bundle + (1 if b < shape.count % shape.bundles else 0)
            sizes = [min(SEAL_CHUNK, size - s) for s in range(0, size, SEAL_CHUNK)]
            chunks = pool.map(
                _seal_chunk,
                *zip(
                    *[
                        (public_key.raw, shape, site, b * 100_003 + i, n)
                        for i, n in enumerate(sizes)
                    ],
                    strict=True,
                ),
            )
            sealed = [pair for chunk in chunks for pair in chunk]
            data = write_bundle(
                sealed,
                kiosk_id=kiosk_of(site),
                site=f"Site {site:02d}",
                public_key=public_key,
                created=created,
            ).data
            path.write_bytes(data)
            total += len(data)
            print(
                f"  sealed bundle {b + 1}/{len(paths)} ({size} records, {len(data) / 1e6:.0f} MB)"
            )
    manifest.write_text(json.dumps(shape.__dict__))
    print(
        f"prefill: {shape.count} records in {len(paths)} bundles, {total / 1e6:.0f} MB, "
        f"{time.perf_counter() - start:.0f} s"
    )
    return pem, paths


def _tree_pss(pid: int) -> int:
    """Proportional set size in KiB of a process and all its descendants (0 once gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


@dataclass(frozen=True)
class Run:
    """One command's wall time, CPU seconds and peaks (MiB)."""

    wall: float
    cpu: float
    max_rss: float
    tree_pss: float


def run(command: Sequence[str]) -> Run:
    """Run one command in a process of its own; its time and memory, or exit on failure."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, _tree_pss(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({child.returncode}):\n{output.decode()}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak / 1024)


def main() -> None:
    """Prefill (or reuse), then time the import and each report format."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--bundles", type=int, default=1)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--notes", type=float, default=0.0, help="share of check-ins with a note")
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) bundles here")
    parser.add_argument("--formats", default="json,html", help="report formats, comma-separated")
    parser.add_argument("--import-each", action="store_true", help="one import call per bundle")
    parser.add_argument(
        "--report-only", action="store_true", help="report on the store a --keep run left"
    )
    args = parser.parse_args()
    shape = Shape(args.count, args.bundles, args.sites, args.weeks, args.notes)
    admin = str(Path(sys.executable).with_name("kiosk-admin"))
    os.environ["KIOSK_ADMIN_PASSPHRASE"] = PASSPHRASE
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        pem, bundles = prefill(folder, shape)
        store = folder / "store"
        if not args.report_only:
            shutil.rmtree(store, ignore_errors=True)
        key = ["--store", str(store), "--key", str(pem)]
        calls = [[p] for p in bundles] if args.import_each else [bundles]
        runs: list[tuple[str, Run]] = []
        for paths in [] if args.report_only else calls:
            runs.append(("import", run([admin, "import", *key, *map(str, paths)])))
        for fmt in args.formats.split(","):
            out = folder / f"report.{fmt}"
            runs.append(
                (
                    f"report --format {fmt}",
                    run([admin, "report", *key, "--format", fmt, "--out", str(out)]),
                )
            )
        load = os.getloadavg()
        print(f"{'command':<22} {'wall':>8} {'CPU':>8} {'max RSS':>10} {'tree PSS':>10}")
        for name, r in runs:
            print(
                f"{name:<22} {r.wall:7.2f}s {r.cpu:7.2f}s "
                f"{r.max_rss:7.0f} MiB {r.tree_pss:7.0f} MiB"
            )
        print(
            f"{args.count} records, {args.bundles} bundles, {args.sites} sites, "
            f"{args.weeks} weeks; "
            f"cores {os.cpu_count()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )


if __name__ == "__main__":
    main()
