"""The publication table as typed data: what every report format renders, and nothing more.

One table per admin-store state holds every number any report may print: a cell per
instrument × site (and all sites) × period of the fixed grid (kiosk/admin/grid.py), with
hidden numbers as None. A report is a selection of its cells; no format computes a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kiosk.instruments import Text

ALL = "all"


@dataclass(frozen=True)
class Rules:
    """The thresholds a report applies; instruments may only raise them.

    They are the store's (kiosk-admin config), raised to what any kiosk promised its staff.
    `store_setting` is the store's own (min_group, min_group_text) when a promise raised
    them, so the rules can say why; None when the store's setting alone decides.
    """

    min_group: int = 5
    min_group_text: int = 10
    store_setting: tuple[int, int] | None = None


@dataclass(frozen=True)
class Category:
    """One answer category of a question, as reports label it."""

    id: str
    label: Text


@dataclass(frozen=True)
class Question:
    """One reported question (or the total score) of an instrument."""

    id: str
    label: Text
    categories: tuple[Category, ...]
    has_mean: bool
    shares: bool = False


@dataclass(frozen=True)
class InstrumentInfo:
    """What a report says about an instrument besides numbers."""

    id: str
    title: Text
    questions: tuple[Question, ...]
    text_questions: tuple[Question, ...]
    min_group: int
    min_group_text: int
    prevention_examples: tuple[Text, ...]
    share_low: int | None = None
    share_high: int | None = None


@dataclass(frozen=True)
class Measure:
    """One question's numbers in one cell; n None means the question is hidden there."""

    question: str
    n: int | None
    distribution: tuple[tuple[str, int | None], ...] = ()
    mean: float | None = None
    share_low: float | None = None
    share_high: float | None = None


@dataclass(frozen=True)
class Cell:
    """One instrument × site × period cell; n None means hidden ("skjult / hidden").

    `as_of` is set when the cell repeats the values of an earlier release because revising
    them now would tell how few answers arrived late; it names that release's day.
    """

    instrument: str
    site: str
    period: str
    n: int | None
    measures: tuple[Measure, ...] = ()
    as_of: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """(instrument, site, period)."""
        return (self.instrument, self.site, self.period)


@dataclass(frozen=True)
class Notes:
    """The notes of one question from one published site × month cell, shuffled."""

    instrument: str
    site: str
    month: str
    question: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """The whole publication table of one store state.

    `weeks` are the closed weeks it covers; `open_from` the first week left out because a
    kiosk has not exported since (or the week is not over); `waiting_for` how many active
    kiosks still have to export before that week closes.
    """

    generated: date
    rules: Rules
    sites: tuple[str, ...]
    periods: tuple[str, ...]
    weeks: tuple[str, ...]
    open_from: str | None
    waiting_for: int
    retired: int
    instruments: dict[str, InstrumentInfo]
    cells: dict[tuple[str, str, str], Cell]
    notes: tuple[Notes, ...] = ()
    release: int = 0
    unprovable: int = 0


@dataclass(frozen=True)
class Selection:
    """What one report prints of the table: filters select cells, they never sum."""

    site: str | None = None
    kind: str = "week"
    periods: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    snapped: str = ""
    lang: str = "da"


@dataclass(frozen=True)
class Report:
    """A table and the selection a command asked for; every format renders this."""

    table: Table
    selection: Selection
    cells: dict[str, list[Cell]] = field(default_factory=dict)
    notes: dict[str, list[Notes]] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        """The language labels are printed in."""
        return self.selection.lang


def select(table: Table, selection: Selection) -> Report:
    """The cells and notes `selection` picks, per instrument in the table's order.

    Cells without answers are left out (a 0 is never hidden, so nothing hides behind that).
    """
    wanted = set(selection.periods)
    order = {period: i for i, period in enumerate(table.periods)}
    sites = [*table.sites, ALL] if len(table.sites) > 1 else list(table.sites)
    site_order = {site: i for i, site in enumerate(sites)}
    cells: dict[str, list[Cell]] = {}
    notes: dict[str, list[Notes]] = {}
    for instrument in table.instruments:
        picked = [
            cell
            for cell in table.cells.values()
            if cell.instrument == instrument
            and cell.n != 0
            and cell.period in wanted
            and (selection.site is None or cell.site == selection.site)
        ]
        picked.sort(key=lambda c: (order[c.period], site_order.get(c.site, 0)))
        cells[instrument] = picked
        notes[instrument] = [
            note
            for note in table.notes
            if note.instrument == instrument
            and note.month in selection.months
            and (selection.site is None or note.site == selection.site)
        ]
    return Report(table, selection, cells, notes)
