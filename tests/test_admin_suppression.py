"""Anonymity rules: small groups hidden, none recoverable by subtraction, notes from 10."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.admin.aggregate import Rules, instrument_report
from kiosk.admin.suppression import complete_suppression, grid_lines
from kiosk.config import default_config_dir, load_instruments

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
CHECKIN = INSTRUMENTS["checkin"]
EXPOSURES = INSTRUMENTS["exposures"]


def checkin_rows(layout: dict[tuple[str, str], int], note: str | None = None) -> list[Any]:
    """`layout[(period, site)]` check-ins scoring 7 (with `note` as why_here, if given)."""
    return [
        (period, site, {"score": 7, "why_here": note, "one_step_up": None})
        for (period, site), count in layout.items()
        for _ in range(count)
    ]


def groups(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(g["period"], g["site"]): g for g in report["groups"]}


def test_four_answers_are_hidden_and_five_are_shown() -> None:
    four = instrument_report(CHECKIN, checkin_rows({("2026-W10", "A"): 4}), Rules(), "en")
    five = instrument_report(CHECKIN, checkin_rows({("2026-W10", "A"): 5}), Rules(), "en")
    assert four["suppressed"] and four["n"] is None
    assert groups(four)[("2026-W10", "A")] == {
        "period": "2026-W10",
        "site": "A",
        "n": None,
        "suppressed": True,
        "reason": "too_few",
    }
    assert not five["suppressed"] and five["n"] == 5
    assert groups(five)[("2026-W10", "A")]["items"]["score"]["mean"] == 7.0


def test_a_hidden_week_cannot_be_recovered_from_the_month_total() -> None:
    layout = {("2026-W10", "A"): 3, ("2026-W11", "A"): 6, ("2026-W12", "A"): 9}
    report = instrument_report(CHECKIN, checkin_rows(layout), Rules(), "en")
    by_key = groups(report)
    assert by_key[("2026-W10", "A")]["reason"] == "too_few"
    assert by_key[("2026-W11", "A")]["reason"] == "complementary"
    assert by_key[("all", "A")]["n"] == 18
    shown = sum(g["n"] for k, g in by_key.items() if k[0] != "all" and not g["suppressed"])
    assert 18 - shown == 9, "subtraction gives only the sum of two hidden weeks"


def test_a_hidden_site_cannot_be_recovered_from_the_all_sites_total() -> None:
    layout = {("2026-W10", "A"): 2, ("2026-W10", "B"): 8, ("2026-W10", "C"): 12}
    by_key = groups(instrument_report(CHECKIN, checkin_rows(layout), Rules(), "en"))
    hidden = [k for k, g in by_key.items() if g["suppressed"]]
    assert sorted(hidden) == [("2026-W10", "A"), ("2026-W10", "B")]
    assert by_key[("2026-W10", "all")]["n"] == 22


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 14), min_size=1, max_size=4), min_size=1, max_size=5).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    )
)
def test_no_line_ever_has_exactly_one_hidden_part(table: list[list[int]]) -> None:
    periods = [f"2026-W{n + 10}" for n in range(len(table))]
    sites = [f"S{n}" for n in range(len(table[0]))]
    counts = {(p, s): table[i][j] for i, p in enumerate(periods) for j, s in enumerate(sites)}
    keys, lines = grid_lines(periods, sites, "all")
    for total, parts in lines:
        counts[total] = sum(counts[part] for part in parts if part in counts)
    for key in keys:
        counts.setdefault(key, sum(counts[(p, s)] for p in periods for s in sites))
    small = {key for key in keys if counts[key] < 5}
    hidden = complete_suppression(counts, lines, small)
    assert small <= hidden
    for total, parts in lines:
        if total not in hidden:
            assert sum(part in hidden for part in parts) != 1


def test_notes_need_ten_answers() -> None:
    nine = instrument_report(
        CHECKIN, checkin_rows({("2026-W10", "A"): 9}, note="kaffe"), Rules(), "da"
    )
    ten = instrument_report(
        CHECKIN, checkin_rows({("2026-W10", "A"): 10}, note="kaffe"), Rules(), "da"
    )
    assert nine["n"] == 9 and nine["notes"] == {
        "n": None,
        "shown": False,
        "needed": 10,
        "texts": [],
    }
    assert ten["notes"]["shown"] and ten["notes"]["texts"] == ["kaffe"] * 10


def test_exposures_need_ten_and_mask_a_lone_yes() -> None:
    def rows(count: int, yes: int) -> list[Any]:
        return [("2026-W10", "A", {"workload": "ja" if n < yes else "nej"}) for n in range(count)]

    nine = instrument_report(EXPOSURES, rows(9, 0), Rules(), "da")
    assert nine["suppressed"]
    twelve = instrument_report(EXPOSURES, rows(12, 1), Rules(), "da")
    cell = groups(twelve)[("2026-W10", "A")]["items"]["workload"]
    assert cell["n"] == 12
    assert cell["distribution"]["ja"] is None, "one 'ja' could single a person out"
    assert cell["distribution"]["nej"] is None, "else n − nej would give the 'ja' back"
    assert cell["distribution"]["vil_ikke_svare"] == 0
