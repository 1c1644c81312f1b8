"""The requirement, tested by an attacker: every report ever printed from one store, in every
format and with every option, before and after a later import, pins no hidden number.

tests/attacker.py parses the printed reports and narrows each hidden number with an ILP.
Random stores come from hypothesis; the layouts that broke the earlier reports are fixed
cases; a deliberately naive suppression shows the attacker does find what is there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from attacker import Finding, Observations, attack, read_csv, read_html, read_json, read_text
from conftest import AdminKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportharness import MemoryStore, render

from kiosk.admin import publication
from kiosk.admin.model import Rules, Table
from kiosk.admin.suppression import Linked, Outcome, primary
from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export, record_export
from kiosk.instruments import Instrument
from kiosk.records import Payload
from kiosk.site import init_site, open_site
from kiosk.submit import Submitter

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
TOOLS = {key: INSTRUMENTS[key] for key in ("contribution", "exposures")}
EXPORTED = date(2026, 4, 1)
LATE = date(2026, 5, 4)


def week(n: int) -> str:
    """ISO week n of 2026 as a stored coarse date."""
    return f"2026-W{n:02d}"


def contribution(n: int, tag: str = "velkommen") -> Payload:
    return Payload("contribution", 1, week(n), None, {"tag": tag, "note": "tak for kaffen"})


def exposure(n: int, answer: str = "nej") -> Payload:
    return Payload("exposures", 1, week(n), None, {"workload": answer})


def observe(table: Table, state: int, seen: Observations, formats: tuple[str, ...]) -> None:
    """Every report of one table: each site (and all), each kind of period, each whole month
    as a --since/--until window, one window that does not fit whole weeks, every format."""
    windows: list[list[str]] = [[]]
    months = [p for p in table.periods if len(p) == 7]
    for month in months:
        year, number = int(month[:4]), int(month[5:])
        first = date(year, number, 1)
        last = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
        windows.append(["--since", first.isoformat(), "--until", last.isoformat()])
    if table.weeks:
        windows.append(["--since", "2026-01-07", "--until", "2026-02-03"])
    for site in [None, *table.sites]:
        for kind in ("week", "month", "year", "all"):
            for window in windows:
                for form in formats:
                    options = ["--format", form, "--period", kind, "--lang", "en", *window]
                    text = render(table, *options, *(["--site", site] if site else []))
                    read(form, text, state, seen)


def read(form: str, text: str, state: int, seen: Observations) -> None:
    """Parse one printed report into the attacker's observations."""
    if form == "json":
        read_json(text, state, seen)
    elif form == "csv":
        read_csv(text, state, seen)
    elif form == "text":
        read_text(text, state, seen, INSTRUMENTS)
    else:
        read_html(text, state, seen, INSTRUMENTS)


def findings(
    store: MemoryStore, late: Callable[[MemoryStore], None] | None, formats: tuple[str, ...]
) -> list[Finding]:
    """Report, import more (if `late`), report again, then attack everything printed."""
    seen = Observations()
    observe(store.table(), 0, seen, formats)
    if late is not None:
        late(store)
        observe(store.table(), 1, seen, formats)
    tools = store.instruments
    rules = store.rules
    need = {i: max(rules.min_group, tools[i].min_group or 0) for i in tools}
    return attack(seen, tools, need)


def memory_store(rules: Rules | None = None) -> MemoryStore:
    return MemoryStore(dict(TOOLS), rules or Rules())


# --- fixed layouts that broke the earlier reports --------------------------------------------


def test_a_site_of_one_beside_a_site_of_four_hundred() -> None:
    store = memory_store()
    store.add("big", "A", EXPORTED, [contribution(1 + n % 12) for n in range(400)])
    store.add("small", "B", EXPORTED, [contribution(5)])
    table = store.table()
    assert not findings(store, None, ("json", "text")), "site B's one answer must stay hidden"
    shown_a = [c for c in table.cells.values() if c.site == "A" and c.n is not None]
    assert len(shown_a) >= 12, "the big site keeps most of its cells (cost = n)"


def test_a_month_with_one_hidden_week() -> None:
    store = memory_store()
    layout = {9: 8, 10: 3, 11: 9, 12: 7, 13: 6}  # March 2026: weeks 10-13; week 9 is February
    store.add("k", "A", EXPORTED, [contribution(w) for w, n in layout.items() for _ in range(n)])
    table = store.table()
    assert table.cells[("contribution", "A", "2026-W10")].n is None
    assert table.cells[("contribution", "A", "2026-03")].n == 25
    assert not findings(store, None, ("json", "csv", "text", "html"))


def test_a_hidden_week_whose_complement_lies_in_another_month() -> None:
    store = memory_store()
    layout = {5: 9, 6: 2, 7: 9, 8: 9, 9: 4, 10: 12, 11: 12, 12: 12, 13: 12}
    store.add("k", "A", EXPORTED, [contribution(w) for w, n in layout.items() for _ in range(n)])
    assert not findings(store, None, ("json", "text"))


def test_exposures_with_a_lone_yes() -> None:
    store = memory_store()
    answers = [exposure(10, "ja")] + [exposure(10) for _ in range(11)]
    answers += [exposure(w) for w in (11, 12, 13) for _ in range(10)]
    store.add("k", "A", EXPORTED, answers)
    store.add("k2", "B", EXPORTED, [exposure(10, "ja")] + [exposure(11) for _ in range(3)])
    assert not findings(store, lambda s: None, ("json", "csv", "text"))


def test_a_late_import_of_two_answers_into_a_published_month() -> None:
    store = memory_store()
    store.add("k", "A", EXPORTED, [contribution(w) for w in range(10, 14) for _ in range(7)])
    first = store.table()
    assert first.cells[("contribution", "A", "2026-03")].n == 28

    def late(s: MemoryStore) -> None:
        s.add("k", "A", LATE, [contribution(11, "betydningsfuld") for _ in range(2)])

    assert not findings(store, late, ("json", "csv", "text"))
    again = store.table()
    month = again.cells[("contribution", "A", "2026-03")]
    assert month.n == 28 and month.as_of == first.generated.isoformat(), (
        "the month repeats its published numbers until two late answers are safe to add"
    )


def test_a_cell_hidden_for_its_partner_is_shown_once_a_late_answer_makes_that_safe() -> None:
    # Found by hypothesis: week 11's count at site C, hidden in the first report only to
    # protect A and B, is shown by the report after one late answer (at A, week 10). Both
    # reports together pin C's first count, as they may: it is the count the second report
    # shows, and the answers that came in between (none, here) are a group of their own.
    store = memory_store(Rules(min_group=7))
    layout = {
        "A": {10: 2, 11: 4, 12: 2, 13: 1},
        "B": {10: 1, 11: 3},
        "C": {10: 16, 11: 11, 12: 11, 13: 15},
    }
    for site, weeks in layout.items():
        store.add(
            site.lower(),
            site,
            EXPORTED,
            [contribution(w) for w, n in weeks.items() for _ in range(n)],
        )
    first = store.table()
    assert first.cells[("contribution", "C", "2026-W11")].n is None

    def late(s: MemoryStore) -> None:
        s.add("late", "A", LATE, [contribution(10)])

    assert not findings(store, late, ("json", "text"))
    assert store.table().cells[("contribution", "C", "2026-W11")].n == 11


# --- random stores ---------------------------------------------------------------------------


@st.composite
def stores(draw: st.DrawFn) -> tuple[MemoryStore, Callable[[MemoryStore], None]]:
    """1-4 sites, 1-12 weeks, Poisson counts of two tools, thresholds 3-10, a late import."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sites = draw(st.integers(1, 4))
    weeks = draw(st.integers(1, 12))
    min_group = draw(st.integers(3, 10))
    store = memory_store(Rules(min_group, max(10, min_group)))
    first = 14 - weeks
    for site in range(sites):
        scale = rng.choice([1.0, 4.0, 12.0])
        payloads = []
        for w in range(first, 14):
            payloads += [
                contribution(w, rng.choice(["velkommen", "betydningsfuld"]))
                for _ in range(rng.poisson(scale))
            ]
            payloads += [
                exposure(w, rng.choice(["ja", "nej", "nej", "vil_ikke_svare"]))
                for _ in range(rng.poisson(scale))
            ]
        if payloads:
            store.add(f"k{site}", f"S{site}", EXPORTED, payloads)
    late_week = int(rng.integers(first, 14))
    late_count = int(rng.integers(1, 4))

    def late(s: MemoryStore) -> None:
        s.add("late", "S0", LATE, [contribution(late_week) for _ in range(late_count)])

    return store, late


# The same eight stores on every run, so a clone's `make test` cannot fail by chance: the
# search for new stores is bench/attack_random.py (random seeds, as many as asked for).
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(stores())
def test_random_stores_pin_nothing(made: tuple[MemoryStore, Callable[[MemoryStore], None]]) -> None:
    store, late = made
    found = findings(store, late, ("json", "text"))
    assert not found, "\n".join(map(str, found[:10]))


# --- the attacker works -------------------------------------------------------------------


@contextmanager
def naive_suppression() -> Iterator[None]:
    """Hide only cells below the threshold: no secondary suppression, no audit."""

    def naive(table: Linked[str], start: set[str] | None = None, rounds: int = 0) -> Outcome[str]:
        return Outcome(frozenset(primary(table) | (start or set())), 0, 0)

    original = publication.protect
    publication.protect = naive  # type: ignore[assignment]
    try:
        yield
    finally:
        publication.protect = original


def test_the_attacker_recovers_cells_a_naive_suppression_leaves_open() -> None:
    store = memory_store()
    layout = {10: 3, 11: 9, 12: 7, 13: 6}
    store.add("k", "A", EXPORTED, [contribution(w) for w, n in layout.items() for _ in range(n)])
    with naive_suppression():
        found = findings(store, None, ("json",))
    pinned = {f.key[2:4] for f in found if f.low == f.high}
    assert ("A", "2026-W10") in pinned, found


# --- the real command, end to end ------------------------------------------------------------


def _kiosk(folder: Path, admin_key: AdminKey, name: str) -> Path:
    init_site(folder, admin_key.public_key, name)
    return folder


def _submit_and_export(folder: Path, days: dict[date, int], to: Path, tool: Instrument) -> Path:
    site = open_site(folder)
    try:
        submitter = Submitter(site.store, site.config, site.public_key)
        for day, count in days.items():
            for _ in range(count):
                submitter.submit(tool, {"tag": "velkommen", "note": None}, day=day)
        export = build_export(site)
        to.write_bytes(export.bundle)
        record_export(site, export, channel="usb")
    finally:
        site.close()
    return to


def test_the_command_pins_nothing_across_formats_options_and_a_later_import(
    admin_key: AdminKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)
    tool = INSTRUMENTS["contribution"]
    store = tmp_path / "store"
    key = ["--store", str(store), "--key", str(admin_key.pem_path)]
    big = _kiosk(tmp_path / "big", admin_key, "Lager")
    small = _kiosk(tmp_path / "small", admin_key, "Kontor")
    monday = date(2026, 3, 2)
    days = {monday + timedelta(weeks=w): n for w, n in enumerate([8, 6, 9, 7])}
    bundles = [
        _submit_and_export(big, days, tmp_path / "a.tkb", tool),
        _submit_and_export(
            small, {monday: 2, monday + timedelta(weeks=2): 1}, tmp_path / "b.tkb", tool
        ),
    ]
    assert admin_main(["import", *key, *map(str, bundles)]) == 0
    seen = Observations()

    def every_report(state: int) -> None:
        runs = [(None, "week", form) for form in ("json", "csv", "text", "html")]
        runs += [("Lager", "month", "json"), ("Kontor", "week", "csv"), (None, "all", "text")]
        runs += [("Kontor", "month", "text"), (None, "month", "json")]
        for site, kind, form in runs:
            out = tmp_path / f"r.{form}"
            options = ["--format", form, "--period", kind, "--lang", "en", "--out", str(out)]
            options += ["--site", site] if site else []
            assert admin_main(["report", *key, *options]) == 0
            read(form, out.read_text(encoding="utf-8"), state, seen)

    every_report(0)
    late = _submit_and_export(small, {monday + timedelta(weeks=1): 2}, tmp_path / "c.tkb", tool)
    assert admin_main(["import", *key, str(late)]) == 0
    every_report(1)
    found = attack(seen, {"contribution": tool}, {"contribution": 5})
    assert not found, "\n".join(map(str, found))
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["release"] >= 2, "the later import made a second release"
