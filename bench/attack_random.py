"""Bench: the attacker of tests/test_admin_attacker.py on many more random stores.

`make test` runs it on the same 8 stores every time; this runs it on as many random ones as
asked (each: 1-4 sites, 1-12 weeks, Poisson counts, thresholds 3-10, every report of the
table in JSON and text, then a late import and every report again) and fails on the first
store where a hidden number is pinned.

    .venv/bin/python bench/attack_random.py [--examples 200]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings


def main() -> None:
    """Run the attacker on `--examples` random stores."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    tests = importlib.import_module("test_admin_attacker")
    inner: Callable[[Any], None] = tests.test_random_stores_pin_nothing.hypothesis.inner_test
    strategy: Any = tests.stores()
    bounded = settings(
        max_examples=args.examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    run: Callable[[], None] = bounded(given(strategy)(inner))  # type: ignore[no-untyped-call]
    start = time.perf_counter()
    run()
    print(f"{args.examples} random stores: nothing pinned ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
