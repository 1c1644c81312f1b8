"""Bench: the publication table (counting, suppression and the audit) and every format.

Synthetic opened records (no sealing: this times what `kiosk-admin report` does after it
has read the opened cache) spread over sites × weeks with Poisson counts, all six tools.
Target: 100,000 records, 2 years, 10 sites in ≤ 5 s on this machine.

    .venv/bin/python bench/report_audit.py [--records 100000] [--sites 10] [--weeks 104]
    .venv/bin/python bench/report_audit.py --grid      # growth: 100 records per site-week
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import date, timedelta

from kiosk.admin.aggregate import Opened
from kiosk.admin.model import Rules, Selection, select
from kiosk.admin.publication import publish
from kiosk.admin.report_text import render as render_text
from kiosk.config import default_config_dir, load_instruments
from kiosk.instruments import Answer, Instrument
from kiosk.records import Payload

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")


def answers(instrument: Instrument, rng: random.Random) -> dict[str, Answer]:
    """A plausible complete answer (optional items skipped now and then)."""
    out: dict[str, Answer] = {}
    for item in instrument.items:
        if not item.required and rng.random() < 0.05:
            out[item.id] = None
        elif item.kind == "scale":
            assert item.min is not None and item.max is not None
            out[item.id] = rng.randint(item.min, item.max)
        elif item.kind == "choice":
            out[item.id] = rng.choice(item.options).id
        else:
            out[item.id] = rng.choice([None, None, "kaffe", "mere ro", "tak for hjælpen"])
    return out


def records(count: int, sites: int, weeks: int, seed: int = 7) -> list[Opened]:
    """`count` records over `sites` sites (sizes differ tenfold) and `weeks` weeks."""
    rng = random.Random(seed)
    tools = list(INSTRUMENTS.values())
    weights = [1 + 9 * (s / max(sites - 1, 1)) for s in range(sites)]
    start = date(2025, 1, 6)
    out = []
    for _ in range(count):
        site = rng.choices(range(sites), weights)[0]
        day = start + timedelta(weeks=rng.randrange(weeks))
        iso = day.isocalendar()
        tool = rng.choice(tools)
        payload = Payload(
            tool.id, tool.version, f"{iso.year}-W{iso.week:02d}", "da", answers(tool, rng)
        )
        out.append(Opened(payload, f"site-{site:02d}", f"kiosk-{site:02d}", 0))
    return out


def run(count: int, sites: int, weeks: int) -> tuple[float, float, int, int]:
    """CPU seconds to build and prove the table and to print it as text; hidden, cells."""
    made = records(count, sites, weeks)
    export = date(2025, 1, 6) + timedelta(weeks=weeks + 1)
    # CPU time of this process: the machine is shared, and wall time there says more about
    # the neighbours than about the report (the report uses one core).
    t0 = time.process_time()
    table, _ = publish(made, INSTRUMENTS, Rules(), exports={"k": export}, today=export)
    t1 = time.process_time()
    report = select(table, Selection(kind="week", periods=table.periods, lang="en"))
    render_text(report)
    t2 = time.process_time()
    hidden = sum(cell.n is None for cell in table.cells.values())
    return t1 - t0, t2 - t1, hidden, len(table.cells)


def main() -> None:
    """Run the bench."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--grid", action="store_true", help="growth with sites × weeks")
    args = parser.parse_args()
    shapes = (
        [(s, w) for s in (1, 3, 10) for w in (13, 52, 104)]
        if args.grid
        else [(args.sites, args.weeks)]
    )
    for sites, weeks in shapes:
        count = args.records if not args.grid else 100 * sites * weeks
        table_s, render_s, hidden, cells = run(count, sites, weeks)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{count:>8} records  {sites:>3} sites  {weeks:>4} weeks: table+audit {table_s:6.2f} s"
            f"  text {render_s:5.2f} s  hidden {hidden}/{cells} cells  peak {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
