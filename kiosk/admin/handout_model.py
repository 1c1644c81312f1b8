"""What the handout, the tidy CSV and the spreadsheet print: published numbers only, typed.

These are plain inputs for the renderers, made from the publication table (one cell per
instrument × site × closed period). A hidden cell is `n=None`: it has no number at all, so no
renderer can draw or print one for it. Formatting helpers give the Danish forms ("uge 42",
"oktober 2026", decimal commas, "12 %") that every format shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from kiosk.admin.plan import Action

ItemKind = Literal["scale", "likert", "choice", "total"]
PeriodKind = Literal["week", "month", "year", "all"]
Direction = Literal["higher_better", "middle_best", "none"]

MONTHS_DA = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Period:
    """One closed period of the fixed grid: "2026-W42", "2026-10", "2026" or "all"."""

    key: str
    kind: PeriodKind

    def label(self, lang: str) -> str:
        """The period as a reader says it: "uge 42 2026", "oktober 2026", "2026", "i alt"."""
        if self.kind == "week":
            year, week = self.key.split("-W")
            return f"uge {int(week)} {year}" if lang == "da" else f"week {int(week)} {year}"
        if self.kind == "month":
            year, month = self.key.split("-")
            names = MONTHS_DA if lang == "da" else MONTHS_EN
            return f"{names[int(month) - 1]} {year}"
        if self.kind == "year":
            return self.key
        return "i alt" if lang == "da" else "all time"

    def short(self, lang: str) -> str:
        """A short axis label: "uge 42", "okt. 2026", "2026"."""
        if self.kind == "week":
            return f"uge {int(self.key.split('-W')[1])}" if lang == "da" else self.key[-3:]
        if self.kind == "month":
            year, month = self.key.split("-")
            names = MONTHS_DA if lang == "da" else MONTHS_EN
            return f"{names[int(month) - 1][:3]} {year}"
        return self.label(lang)


@dataclass(frozen=True)
class Category:
    """One answer category of an item, with its id (as stored) and label (report language)."""

    id: str
    label: str
    points: float | None = None


@dataclass(frozen=True)
class ItemInfo:
    """One question as the report shows it.

    Attributes:
        scale: the fixed range of its mean (1–10, 0–10, 1–5, 0–70), or None if it has no mean.
        reversed: a negatively worded statement whose points run the other way (psych safety).
        direction: whether a higher mean is better, the middle is best (support), or neither.
    """

    id: str
    label: str
    kind: ItemKind
    categories: tuple[Category, ...] = ()
    scale: tuple[float, float] | None = None
    reversed: bool = False
    direction: Direction = "higher_better"


@dataclass(frozen=True)
class Cell:
    """One published cell: an item's numbers for one period and site.

    `n=None` means hidden: then `counts` and `mean` are empty too. Within a published cell a
    single category may still be hidden (exposures): its count is None, never 0. `as_of` names
    the day of an earlier release whose numbers the cell repeats (revising them would tell how
    few answers came late).
    """

    n: int | None
    counts: tuple[int | None, ...] = ()
    mean: float | None = None
    as_of: str | None = None

    @property
    def hidden(self) -> bool:
        """True when the cell publishes no number at all."""
        return self.n is None

    def share(self, index: int) -> float | None:
        """The share (0–1) of one category, or None when it or the cell is hidden."""
        if self.n is None or self.n == 0 or not self.counts:
            return None
        count = self.counts[index]
        return None if count is None else count / self.n


HIDDEN = Cell(n=None)

SiteKey = str | None
"""A site's name, or None for all sites together."""


@dataclass(frozen=True)
class NoteList:
    """Published notes of one question (and tag), from one base cell, already shuffled."""

    question: str
    texts: tuple[str, ...]
    tag: str | None = None
    site: SiteKey = None
    period: str | None = None


@dataclass(frozen=True)
class Tool:
    """One instrument's published numbers.

    Attributes:
        answers: the tool's answer count per (period key, site key); hidden: Cell(None).
        cells: per (item id, period key, site key): the item's published cell.
        total: the points total (psych safety 0–70), if the tool has one.
    """

    id: str
    title: str
    items: tuple[ItemInfo, ...]
    answers: Mapping[tuple[str, SiteKey], Cell]
    cells: Mapping[tuple[str, str, SiteKey], Cell]
    total: ItemInfo | None = None
    notes: tuple[NoteList, ...] = ()
    notes_hidden: int = 0
    prevention_examples: tuple[str, ...] = ()

    def cell(self, item_id: str, period: str, site: SiteKey) -> Cell:
        """The item's cell, hidden when the table has none for that period and site."""
        return self.cells.get((item_id, period, site), HIDDEN)

    def n(self, period: str, site: SiteKey) -> Cell:
        """The tool's answer count cell for one period and site."""
        return self.answers.get((period, site), HIDDEN)


@dataclass(frozen=True)
class Rules:
    """The thresholds, for the plain-words section; `store_setting` as in model.Rules."""

    min_group: int
    min_group_text: int
    store_setting: tuple[int, int] | None = None


@dataclass(frozen=True)
class Handout:
    """Everything a report prints: closed periods, sites, tools in menu order, the rules."""

    lang: str
    generated: date
    periods: tuple[Period, ...]
    sites: tuple[str, ...]
    tools: tuple[Tool, ...]
    rules: Rules
    coverage: tuple[str, ...] = field(default=())
    """Sentences on what is left out: a period still open, kiosks waiting, retired ones."""
    actions: tuple[Action, ...] = field(default=())
    """The agreed actions of `kiosk-admin plan` for the sites shown, open ones first."""

    @property
    def latest(self) -> Period | None:
        """The last closed period, which the front page and the heatmap are about."""
        return self.periods[-1] if self.periods else None

    @property
    def previous(self) -> Period | None:
        """The closed period before the latest, for the change shown on the front page."""
        return self.periods[-2] if len(self.periods) > 1 else None

    @property
    def site_keys(self) -> tuple[SiteKey, ...]:
        """Columns of every grid: each site, then all sites (only if there are several)."""
        if len(self.sites) == 1:
            return (self.sites[0],)
        return (*self.sites, None)


def decimal(value: float, lang: str, digits: int = 1) -> str:
    """A number with the report language's decimal mark: 5,9 in Danish, 5.9 in English."""
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace(".", ",") if lang == "da" else text


def percent(share: float, lang: str) -> str:
    """A share 0–1 as a whole per cent: "42 %" in Danish (with a space), "42%" in English."""
    whole = round(share * 100)
    return f"{whole} %" if lang == "da" else f"{whole}%"


def signed(value: float, lang: str, digits: int = 1) -> str:
    """A change with its sign, "+0,4" or "−1,2" (a real minus sign), "±0" when none."""
    if round(value, digits) == 0:
        return "±0"
    text = decimal(abs(value), lang, digits)
    return f"+{text}" if value > 0 else f"−{text}"
