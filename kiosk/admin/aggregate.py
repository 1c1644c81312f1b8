"""Opened records → the report's numbers: groups per instrument × period × site, suppressed.

Pure: no files, no keys. The result is a JSON-ready dict that every report format renders,
so the anonymity rules are applied once, here, and no format can show more than another.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import fmean
from typing import Any, Literal

from kiosk.admin.suppression import complete_suppression, grand_key, grid_lines
from kiosk.config import MIN_GROUP_FLOOR
from kiosk.instruments import Answer, Instrument, InvalidAnswer, Item, item_score, total_score
from kiosk.records import Payload
from kiosk.sanitize import clean_text

ALL = "all"
EXPOSURE_MIN_CELL = MIN_GROUP_FLOOR
SUPPORT_LOW = 3
SUPPORT_HIGH = 8
TOTAL_BINS = ((0, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 70))
Period = Literal["week", "month"]
Key = tuple[str, str]


@dataclass(frozen=True)
class Opened:
    """One opened record with the site its bundle came from."""

    payload: Payload
    site: str


@dataclass(frozen=True)
class Rules:
    """The anonymity thresholds a report applies (the site's; instruments may only raise)."""

    min_group: int = 5
    min_group_text: int = 10

    def group(self, instrument: Instrument) -> int:
        """Fewest answers a group of this instrument needs before any number is shown."""
        mine = max(self.min_group, instrument.min_group or 0)
        if instrument.id == "exposures":
            return max(mine, self.text(instrument))
        return mine

    def text(self, instrument: Instrument) -> int:
        """Fewest answers before free text (or exposure counts) is shown."""
        return max(self.min_group_text, instrument.min_group_text or 0, self.min_group)


def week_of(coarse: str) -> tuple[int, int]:
    """The ISO (year, week) of a stored coarse date ("2026-W10" or "2026-03-02")."""
    if "-W" in coarse:
        year, week = coarse.split("-W")
        date.fromisocalendar(int(year), int(week), 1)
        return int(year), int(week)
    iso = date.fromisoformat(coarse).isocalendar()
    return iso.year, iso.week


def period_of(coarse: str, by: Period) -> str:
    """The report period of a record: its ISO week, or the month of that week's Thursday."""
    year, week = week_of(coarse)
    if by == "week":
        return f"{year}-W{week:02d}"
    thursday = date.fromisocalendar(year, week, 4)
    return f"{thursday.year}-{thursday.month:02d}"


def day_of(coarse: str) -> date:
    """The day a record counts as for --since/--until: its day, or its week's Thursday."""
    if "-W" in coarse:
        year, week = week_of(coarse)
        return date.fromisocalendar(year, week, 4)
    return date.fromisoformat(coarse)


def _categories(item: Item, lang: str) -> list[tuple[str, str]]:
    if item.kind == "scale":
        assert item.min is not None and item.max is not None
        return [(str(v), str(v)) for v in range(item.min, item.max + 1)]
    return [(option.id, option.label.get(lang)) for option in item.options]


def _mean(values: Sequence[float]) -> float | None:
    return round(fmean(values), 2) if values else None


def _item_cell(instrument: Instrument, item: Item, answers: Sequence[Mapping[str, Answer]]) -> Any:
    given = [a.get(item.id) for a in answers if a.get(item.id) is not None]
    counts = Counter(str(value) for value in given)
    scores = [
        score for value in given if (score := item_score(instrument, item.id, value)) is not None
    ]
    cell: dict[str, Any] = {
        "n": len(given),
        "distribution": {cat: counts.get(cat, 0) for cat, _ in _categories(item, "da")},
        "mean": _mean(scores),
    }
    if instrument.id == "support":
        cell["share_low"] = (
            round(sum(s <= SUPPORT_LOW for s in scores) / len(scores), 3) if (scores) else None
        )
        cell["share_high"] = (
            round(sum(s >= SUPPORT_HIGH for s in scores) / len(scores), 3) if (scores) else None
        )
    return cell


def _total_cell(instrument: Instrument, answers: Sequence[Mapping[str, Answer]]) -> Any:
    totals = [t for a in answers if (t := total_score(instrument, a)) is not None]
    bins = {f"{lo}–{hi}": sum(lo <= t <= hi for t in totals) for lo, hi in TOTAL_BINS}
    return {"n": len(totals), "distribution": bins, "mean": _mean(totals)}


def _hidden_cell(reason: str) -> dict[str, Any]:
    return {"n": None, "suppressed": True, "reason": reason}


def _apply(
    cells: dict[Key, Any], keys: Sequence[Key], hidden: set[Key], small: set[Key]
) -> dict[Key, Any]:
    return {
        key: (
            _hidden_cell("too_few" if key in small else "complementary")
            if key in hidden
            else {**cells[key], "suppressed": False}
        )
        for key in keys
    }


def _exposure_categories(
    cells: dict[Key, Any],
    keys: Sequence[Key],
    lines: Sequence[tuple[Key, list[Key]]],
    categories: Sequence[str],
) -> None:
    """Hide answer counts of 1–2 within shown exposure cells, with complementary cells."""
    counts: dict[tuple[str, str, str], int] = {}
    hidden: set[tuple[str, str, str]] = set()
    for key in keys:
        cell = cells[key]
        counts[(*key, "n")] = cell["n"] or 0
        if cell["suppressed"]:
            hidden.add((*key, "n"))
        for cat in categories:
            value = 0 if cell["suppressed"] else cell["distribution"][cat]
            counts[(*key, cat)] = value
            if cell["suppressed"] or 0 < value < EXPOSURE_MIN_CELL:
                hidden.add((*key, cat))
    lines3: list[tuple[tuple[str, str, str], list[tuple[str, str, str]]]] = []
    for key in keys:
        lines3.append(((*key, "n"), [(*key, cat) for cat in categories]))
    for cat in ["n", *categories]:
        for total, parts in lines:
            lines3.append(((*total, cat), [(*part, cat) for part in parts]))
    hidden = complete_suppression(counts, lines3, hidden)
    for key in keys:
        cell = cells[key]
        if cell["suppressed"]:
            continue
        for cat in categories:
            if (*key, cat) in hidden:
                cell["distribution"][cat] = None
        cell["masked"] = [cat for cat in categories if (*key, cat) in hidden]


def _notes(
    instrument: Instrument, answers: Sequence[Mapping[str, Answer]], needed: int
) -> dict[str, Any]:
    texts = [
        clean_text(str(a[item.id]))
        for a in answers
        for item in instrument.items
        if item.kind == "text" and isinstance(a.get(item.id), str)
    ]
    texts = [text for text in texts if text]
    if len(answers) < needed:
        return {"n": None, "shown": False, "needed": needed, "texts": []}
    secrets.SystemRandom().shuffle(texts)
    return {"n": len(texts), "shown": True, "needed": needed, "texts": texts}


def instrument_report(
    instrument: Instrument,
    rows: Sequence[tuple[str, str, Mapping[str, Answer]]],
    rules: Rules,
    lang: str,
) -> dict[str, Any]:
    """One instrument's groups, trend and notes, with every anonymity rule applied.

    Args:
        instrument: the instrument the rows answer.
        rows: (period, site, answers) per record.
        rules: the thresholds.
        lang: the language of labels in the result.
    """
    periods = sorted({p for p, _, _ in rows})
    sites = sorted({s for _, s, _ in rows})
    needed = rules.group(instrument)
    meta = {
        "title": instrument.title.get(lang),
        "min_group": needed,
        "min_group_text": rules.text(instrument),
        "items": {
            item.id: {"label": item.label.get(lang), "categories": _categories(item, lang)}
            for item in instrument.items
            if item.kind != "text"
        },
        "prevention_examples": [text.get(lang) for text in instrument.prevention_examples],
    }
    if not rows:
        return {**meta, "n": 0, "suppressed": False, "groups": [], "trend": [], "notes": None}
    keys, lines = grid_lines(periods, sites, ALL)
    members: dict[Key, list[Mapping[str, Answer]]] = {key: [] for key in keys}
    for period, site, answers in rows:
        for key in ((period, site), (ALL, site), (period, ALL), (ALL, ALL)):
            if key in members:
                members[key].append(answers)
    group_n = {key: len(members[key]) for key in keys}
    small = {key for key in keys if group_n[key] < needed}
    hidden_groups = complete_suppression(group_n, lines, small)

    measures: dict[str, dict[Key, Any]] = {}
    for item in instrument.items:
        if item.kind == "text":
            continue
        cells = {key: _item_cell(instrument, item, members[key]) for key in keys}
        measures[item.id] = cells
    if instrument.has_total:
        measures["total"] = {key: _total_cell(instrument, members[key]) for key in keys}
    shown: dict[str, dict[Key, Any]] = {}
    for name, cells in measures.items():
        counts = {key: cells[key]["n"] for key in keys}
        item_small = small | {key for key in keys if counts[key] < needed}
        item_hidden = complete_suppression(counts, lines, hidden_groups | item_small)
        shown[name] = _apply(cells, keys, item_hidden, item_small)
        if instrument.id == "exposures":
            item = instrument.item(name)
            _exposure_categories(shown[name], keys, lines, [c for c, _ in _categories(item, lang)])

    groups = []
    for key in keys:
        period, site = key
        group: dict[str, Any] = {"period": period, "site": site}
        if key in hidden_groups:
            group.update(_hidden_cell("too_few" if key in small else "complementary"))
        else:
            group.update({"n": group_n[key], "suppressed": False, "reason": None})
            group["items"] = {name: cells[key] for name, cells in shown.items() if name != "total"}
            if "total" in shown:
                group["total"] = shown["total"][key]
        groups.append(group)
    site_all = ALL if len(sites) > 1 else sites[0]
    trend = [
        {
            "period": period,
            "n": None if (period, site_all) in hidden_groups else group_n[(period, site_all)],
            "suppressed": (period, site_all) in hidden_groups,
            "means": {
                name: cells[(period, site_all)].get("mean")
                for name, cells in shown.items()
                if not cells[(period, site_all)]["suppressed"]
            },
        }
        for period in periods
    ]
    grand = grand_key(periods, sites, ALL)
    has_text = any(item.kind == "text" for item in instrument.items)
    return {
        **meta,
        "n": None if grand in hidden_groups else group_n[grand],
        "suppressed": grand in hidden_groups,
        "periods": periods,
        "sites": sites,
        "groups": groups,
        "trend": trend,
        "notes": _notes(instrument, [a for _, _, a in rows], rules.text(instrument))
        if has_text
        else None,
    }


def build_report(
    records: Iterable[Opened],
    instruments: Mapping[str, Instrument],
    *,
    rules: Rules,
    by: Period = "week",
    since: date | None = None,
    until: date | None = None,
    site: str | None = None,
    lang: str = "da",
) -> dict[str, Any]:
    """The whole report as a JSON-ready dict: rules, counts, and every instrument's groups."""
    opened = 0
    skipped: Counter[str] = Counter()
    rows: dict[str, list[tuple[str, str, Mapping[str, Answer]]]] = {i: [] for i in instruments}
    for record in records:
        opened += 1
        payload = record.payload
        try:
            day = day_of(payload.period)
            period = period_of(payload.period, by)
        except ValueError:
            skipped["bad_date"] += 1
            continue
        if (since and day < since) or (until and day > until) or (site and record.site != site):
            continue
        instrument = instruments.get(payload.instrument_id)
        if instrument is None or instrument.version != payload.instrument_version:
            skipped["unknown_instrument"] += 1
            continue
        try:
            for item_id, value in payload.answers.items():
                item_score(instrument, item_id, value)
        except InvalidAnswer:
            skipped["invalid_answers"] += 1
            continue
        rows[instrument.id].append((period, record.site, payload.answers))
    return {
        "generated": date.today().isoformat(),
        "lang": lang,
        "records": opened,
        "selected": sum(len(r) for r in rows.values()),
        "skipped": dict(skipped),
        "filters": {
            "period": by,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "site": site,
        },
        "rules": {
            "min_group": rules.min_group,
            "min_group_text": rules.min_group_text,
            "exposure_min_cell": EXPOSURE_MIN_CELL,
        },
        "instruments": {
            instrument_id: instrument_report(
                instruments[instrument_id], rows[instrument_id], rules, lang
            )
            for instrument_id in instruments
        },
    }
