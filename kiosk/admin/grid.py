"""The fixed period grid every report uses: ISO weeks, months and years by the week's
Thursday, and all time; closed periods only.

A week belongs to the month (and year) of its Thursday, the ISO 8601 rule, so the periods
nest: week ⊂ month ⊂ year ⊂ all time, and every published number is a sum over weeks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

ALL = "all"


@lru_cache(maxsize=4096)
def week_of(coarse: str) -> str:
    """The ISO week ("2026-W10") of a stored coarse date ("2026-W10" or "2026-03-02").

    Raises:
        ValueError: the text is not such a date.
    """
    if "-W" in coarse:
        year, week = coarse.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    else:
        monday = date.fromisoformat(coarse)
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def thursday(week: str) -> date:
    """The Thursday of an ISO week key."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 4)


def sunday(week: str) -> date:
    """The last day of an ISO week key."""
    return thursday(week) + timedelta(days=3)


def month_of(week: str) -> str:
    """The month ("2026-03") a week belongs to: its Thursday's."""
    day = thursday(week)
    return f"{day.year}-{day.month:02d}"


def year_of(week: str) -> str:
    """The year ("2026") a week belongs to: its Thursday's (the ISO year)."""
    return str(thursday(week).year)


def weeks_between(first: str, last: str) -> list[str]:
    """Every ISO week from `first` to `last`, both included."""
    day, end = thursday(first), thursday(last)
    out = []
    while day <= end:
        iso = day.isocalendar()
        out.append(f"{iso.year}-W{iso.week:02d}")
        day += timedelta(days=7)
    return out


def weeks_of_month(month: str) -> list[str]:
    """Every week whose Thursday lies in `month`."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    day = first + timedelta(days=(3 - first.weekday()) % 7)
    out = []
    while day.month == number:
        iso = day.isocalendar()
        out.append(f"{iso.year}-W{iso.week:02d}")
        day += timedelta(days=7)
    return out


def weeks_of_year(year: str) -> list[str]:
    """Every ISO week of an ISO year."""
    last = date(int(year), 12, 28).isocalendar().week
    return [f"{year}-W{n:02d}" for n in range(1, last + 1)]


def kind_of(period: str) -> str:
    """'week', 'month', 'year' or 'all' for a period key."""
    if period == ALL:
        return "all"
    if "-W" in period:
        return "week"
    return "month" if "-" in period else "year"


def closed_through(exports: dict[str, date], today: date) -> date | None:
    """The last day every period must end before to be closed, or None if nothing is.

    Args:
        exports: each active kiosk's latest export day.
        today: the day of the report.
    """
    if not exports:
        return None
    return min(min(exports.values()) - timedelta(days=1), today - timedelta(days=1))


@dataclass(frozen=True)
class Grid:
    """The closed weeks of a store and the periods built from them, finest first.

    `periods` maps every reported period to its weeks (indices into `weeks`); a month or
    year is there only when all of its weeks are closed, and all time covers every closed
    week from week 1 of the first year with an answer (so months and years are whole).
    """

    weeks: tuple[str, ...]
    periods: dict[str, tuple[int, ...]]

    @classmethod
    def build(cls, answered: Iterable[str], last_day: date | None) -> Grid:
        """The grid from the first answered week to the last week ending by `last_day`."""
        answered = sorted(set(answered))
        if not answered or last_day is None:
            return cls((), {})
        last_iso = last_day.isocalendar()
        last = f"{last_iso.year}-W{last_iso.week:02d}"
        if sunday(last) > last_day:
            last_iso = (last_day - timedelta(days=7)).isocalendar()
            last = f"{last_iso.year}-W{last_iso.week:02d}"
        first = f"{year_of(answered[0])}-W01"
        if thursday(first) > thursday(last):
            return cls((), {})
        weeks = tuple(weeks_between(first, last))
        index = {week: i for i, week in enumerate(weeks)}
        periods: dict[str, tuple[int, ...]] = {w: (i,) for i, w in enumerate(weeks)}
        for group, members in (
            (sorted({month_of(w) for w in weeks}), weeks_of_month),
            (sorted({year_of(w) for w in weeks}), weeks_of_year),
        ):
            for key in group:
                wanted = members(key)
                if all(w in index for w in wanted):
                    periods[key] = tuple(index[w] for w in wanted)
        periods[ALL] = tuple(range(len(weeks)))
        return cls(weeks, periods)

    def children(self) -> dict[str, list[str]]:
        """Each period's direct parts in the nesting (all time → years → months → weeks)."""
        order = {"week": 0, "month": 1, "year": 2, "all": 3}
        by_size = sorted(self.periods, key=lambda p: (order[kind_of(p)], p))
        parent: dict[str, str] = {}
        for period in by_size:
            if period == ALL:
                continue
            members = set(self.periods[period])
            candidates = [
                p
                for p in by_size
                if order[kind_of(p)] > order[kind_of(period)] and members <= set(self.periods[p])
            ]
            parent[period] = candidates[0]
        out: dict[str, list[str]] = {p: [] for p in self.periods}
        for child, mother in parent.items():
            out[mother].append(child)
        return {p: kids for p, kids in out.items() if kids}

    def covering(self, since: date | None, until: date | None) -> tuple[list[str], str]:
        """The periods inside [since, until] snapped outward to whole weeks, and a note."""
        if since is None and until is None:
            return list(self.periods), ""
        start = 0
        end = len(self.weeks) - 1
        if since is not None:
            start = next((i for i, w in enumerate(self.weeks) if sunday(w) >= since), end + 1)
        if until is not None:
            end = max(
                (i for i, w in enumerate(self.weeks) if thursday(w) - timedelta(3) <= until),
                default=-1,
            )
        chosen = set(range(start, end + 1))
        periods = [p for p, members in self.periods.items() if members and set(members) <= chosen]
        if not chosen:
            return [], ""
        first, last = self.weeks[start], self.weeks[end]
        snapped = (since is not None and since != thursday(first) - timedelta(3)) or (
            until is not None and until != sunday(last)
        )
        return periods, (f"{first}..{last}" if snapped else "")
