"""The publication table's selection as the handout's inputs: published cells only.

A cell the table hides (n None) stays hidden here (it gets no entry, so every renderer finds
`HIDDEN`); a category the table hides inside a published cell stays None. Nothing is summed or
derived: the handout, CSV and spreadsheet show the table's own numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from kiosk.admin.grid import kind_of, month_of
from kiosk.admin.handout_items import items_of, total_info
from kiosk.admin.handout_model import (
    Category,
    Cell,
    Handout,
    ItemInfo,
    NoteList,
    Period,
    Rules,
    SiteKey,
    Tool,
)
from kiosk.admin.model import ALL, InstrumentInfo, Report
from kiosk.admin.report_text import coverage_lines
from kiosk.config import default_config_dir, load_instruments
from kiosk.instruments import Instrument


def _items(info: InstrumentInfo, instrument: Instrument | None, lang: str) -> tuple[ItemInfo, ...]:
    """The items as the instrument's TOML describes them; from the table's labels alone when
    the instrument is not in the config (no scale then: counts only)."""
    if instrument is not None:
        return items_of(instrument, lang)
    return tuple(
        ItemInfo(
            q.id,
            q.label.get(lang),
            "choice",
            tuple(Category(c.id, c.label.get(lang)) for c in q.categories),
            None,
            direction="none",
        )
        for q in info.questions
        if q.id != "total"
    )


@cache
def _shipped() -> dict[str, Instrument]:
    """The instruments that come with the kiosk, read once per process."""
    return load_instruments(default_config_dir() / "instruments")


MENU_ORDER = ("checkin", "support", "psych_safety", "contribution", "guldkorn", "exposures")
"""The kiosk's menu order of the tools it ships; other instruments follow in the table's."""


def _periods(report: Report, whole: bool) -> tuple[Period, ...]:
    """The selected periods the table has cells for; for the handout only those of the
    report's kind, without the empty ones at either end (every tool published 0 there: before
    the first answer or after the last). `whole` keeps every kind (spreadsheets)."""
    present = {cell.period for cells in report.cells.values() for cell in cells}
    keys = [key for key in report.selection.periods if key in present]
    if whole:
        return tuple(Period(key, kind_of(key)) for key in keys)  # type: ignore[arg-type]
    kind = report.selection.kind
    keys = [key for key in keys if kind_of(key) == kind]
    filled = {
        cell.period
        for cells in report.cells.values()
        for cell in cells
        if cell.n is None or cell.n > 0
    }
    used = [i for i, key in enumerate(keys) if key in filled]
    if used:
        keys = keys[used[0] : used[-1] + 1]
    return tuple(Period(key, kind_of(key)) for key in keys)  # type: ignore[arg-type]


def _notes_month(periods: tuple[Period, ...]) -> str | None:
    """The month whose notes the handout prints: the latest period's (the meeting is about
    it); None (every month) for year and all-time reports."""
    if not periods or periods[-1].kind not in ("week", "month"):
        return None
    latest = periods[-1].key
    return month_of(latest) if periods[-1].kind == "week" else latest


def _order(ids: list[str]) -> list[str]:
    known = [i for i in MENU_ORDER if i in ids]
    return known + [i for i in ids if i not in MENU_ORDER]


def handout_of(
    report: Report, instruments: Mapping[str, Instrument] | None = None, *, whole: bool = False
) -> Handout:
    """The handout's inputs for one selection of the publication table.

    Args:
        report: the selection.
        instruments: the tools' definitions (default: the ones the kiosk ships).
        whole: keep every selected period and tool, for the spreadsheets; the handout leaves
            out other kinds of period, empty periods at either end and tools without answers.
    """
    table, selection, lang = report.table, report.selection, report.lang
    known = instruments if instruments is not None else _shipped()
    sites = (selection.site,) if selection.site else table.sites
    periods = _periods(report, whole)
    wanted = {period.key for period in periods}
    month = _notes_month(periods)
    tools = []
    for instrument_id in _order(list(table.instruments)):
        info = table.instruments[instrument_id]
        picked = [c for c in report.cells.get(instrument_id, []) if c.period in wanted]
        if not whole and all(cell.n == 0 for cell in picked):
            continue
        instrument = known.get(instrument_id)
        items = _items(info, instrument, lang)
        by_id = {item.id: item for item in items}
        total = total_info(instrument, lang) if instrument is not None else None
        answers: dict[tuple[str, SiteKey], Cell] = {}
        cells: dict[tuple[str, str, SiteKey], Cell] = {}
        for cell in picked:
            site: SiteKey = None if cell.site == ALL else cell.site
            answers[(cell.period, site)] = Cell(cell.n, as_of=cell.as_of)
            if cell.n is None:
                continue
            for measure in cell.measures:
                if measure.n is None:
                    continue
                item = by_id.get(measure.question)
                given = dict(measure.distribution)
                counts = tuple(given.get(c.id) for c in item.categories) if item else ()
                cells[(measure.question, cell.period, site)] = Cell(
                    measure.n, counts, measure.mean, cell.as_of
                )
        labels = {q.id: q.label.get(lang) for q in info.text_questions}
        notes = tuple(
            NoteList(labels.get(n.question, n.question), n.texts, None, n.site, n.month)
            for n in report.notes.get(instrument_id, [])
            if n.texts and (month is None or n.month == month)
        )
        tools.append(
            Tool(
                id=instrument_id,
                title=info.title.get(lang),
                items=items,
                answers=answers,
                cells=cells,
                total=total,
                notes=notes,
                prevention_examples=tuple(t.get(lang) for t in info.prevention_examples),
            )
        )
    return Handout(
        lang=lang,
        generated=table.generated,
        periods=periods,
        sites=tuple(sites),
        tools=tuple(tools),
        rules=Rules(table.rules.min_group, table.rules.min_group_text, table.rules.store_setting),
        coverage=tuple(coverage_lines(report)[1:]),
    )
