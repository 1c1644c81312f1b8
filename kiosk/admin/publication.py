"""Build the publication table of one admin-store state: count, hide, prove, and fill cells.

Per instrument (instruments share no answers, so they are audited apart), the group table
(how many answered, per site and period) is hidden and proved by the audit against
everything this table and every earlier release publishes. A shown cell shows every
question's whole distribution, "no answer" included, so each distribution splits the same
group of at least `min_group` people, and a hidden cell shows nothing.
A cell hidden now that an earlier release showed repeats that release's numbers, marked
with its day, which tells nothing new.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from kiosk.admin.aggregate import (
    NONE,
    TOTAL,
    Base,
    Counts,
    Opened,
    QuestionSpec,
    count,
    has_mean,
    month_notes,
    question_specs,
    tally,
)
from kiosk.admin.grid import Grid, closed_through, kind_of, sunday, week_of
from kiosk.admin.linking import CellKey, Layout, Spec, add_history, build
from kiosk.admin.model import (
    Category,
    Cell,
    InstrumentInfo,
    Measure,
    Notes,
    Question,
    Rules,
    Table,
)
from kiosk.admin.releases import Release
from kiosk.admin.suppression import protect
from kiosk.instruments import Instrument, Text

NO_ANSWER = Text("Ikke besvaret", "No answer")
Key = tuple[str, str]  # (site or ALL, period)


@dataclass(frozen=True)
class State:
    """What the table is built from besides records: the grid and the release history.

    `history[r]` pairs an earlier release with the last batch it saw.
    """

    grid: Grid
    history: tuple[tuple[Release, int], ...]
    open_from: str | None
    waiting_for: int
    retired: int


def _published(history: Sequence[tuple[Release, int]], instrument: str) -> list[dict[CellKey, int]]:
    """What each earlier release showed of one instrument's group counts."""
    return [
        {
            ("g", cell.site, cell.period): cell.n
            for cell in release.cells
            if cell.instrument == instrument and cell.n is not None
        }
        for release, _ in history
    ]


class _CellSums:
    """Every question's answer counts and score sums per (site level, period), at once."""

    def __init__(self, counts: Counts, layout: Layout) -> None:
        periods = list(layout.period_weeks)
        self.period = {p: i for i, p in enumerate(periods)}
        self.level = {lv: i for i, lv in enumerate(layout.levels)}
        member = np.zeros((len(periods), layout.weeks))
        for i, weeks in enumerate(layout.period_weeks.values()):
            member[i, weeks] = 1.0
        self._mask_cache: dict[str, tuple[list[bool], list[int]]] = {}
        self.dist: dict[str, NDArray[np.float64]] = {}
        self.sums: dict[str, NDArray[np.float64]] = {}
        for spec_id, buckets in counts.buckets.items():
            self.dist[spec_id] = self._by_cell(buckets.sum(axis=0).astype(np.float64), member)
            if spec_id in counts.sums:
                summed = counts.sums[spec_id].sum(axis=0)[..., None]
                self.sums[spec_id] = self._by_cell(summed, member)[..., 0]

    def _by_cell(
        self, by_site: NDArray[np.float64], member: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """(site, week, category) → (level, period, category)."""
        if len(self.level) > by_site.shape[0]:
            by_site = np.concatenate([by_site, by_site.sum(axis=0, keepdims=True)], axis=0)
        out: NDArray[np.float64] = np.einsum("pw,lwc->lpc", member, by_site)
        return out

    def _masks(self, spec: QuestionSpec) -> tuple[list[bool], list[int]]:
        """Which categories are answers (not "none"), and their values for shares."""
        cached = self._mask_cache.get(spec.id)
        if cached is None:
            real = [cat != NONE for cat in spec.categories]
            values = [int(c) if c != NONE and c.isdigit() else 0 for c in spec.categories]
            cached = self._mask_cache[spec.id] = (real, values)
        return cached

    def measure(
        self, spec: QuestionSpec, key: Key, shares: tuple[int | None, int | None]
    ) -> Measure:
        """One question's numbers in a shown cell: every answer count, "no answer" included."""
        at = (self.level[key[0]], self.period[key[1]])
        dist = [round(v) for v in self.dist[spec.id][at].tolist()]
        real, values = self._masks(spec)
        answered = sum(d for d, is_real in zip(dist, real, strict=True) if is_real)
        mean = low = high = None
        if spec.id in self.sums and answered:
            mean = round(float(self.sums[spec.id][at]) / answered, 2)
        if shares[0] is not None and shares[1] is not None and answered:
            pairs = [(d, v) for d, v, is_real in zip(dist, values, real, strict=True) if is_real]
            low = round(sum(d for d, v in pairs if v <= shares[0]) / answered, 3)
            high = round(sum(d for d, v in pairs if v >= shares[1]) / answered, 3)
        distribution = tuple(zip(spec.categories, dist, strict=True))
        return Measure(spec.id, answered, distribution, mean, low, high)


def instrument_info(instrument: Instrument, rules: Rules) -> InstrumentInfo:
    """An instrument's labels and thresholds (the store's, raised by its [report] table)."""
    need = max(rules.min_group, instrument.min_group or 0)
    questions = []
    for spec in question_specs(instrument):
        if spec.id == TOTAL:
            label = Text(
                "Samlet score (kun fuldt besvarede)", "Total score (complete answers only)"
            )
            cats = tuple(Category(c, Text(c, c)) for c in spec.categories if c != NONE)
        else:
            item = instrument.item(spec.id)
            label = item.label
            if item.kind == "scale":
                cats = tuple(Category(c, Text(c, c)) for c in spec.categories if c != NONE)
            else:
                cats = tuple(Category(o.id, o.label) for o in item.options)
        if NONE in spec.categories:
            cats = (*cats, Category(NONE, NO_ANSWER))
        shares = spec.id != TOTAL and instrument.report.share_low is not None
        questions.append(Question(spec.id, label, cats, has_mean(spec), shares))
    texts = tuple(
        Question(item.id, item.label, (), False) for item in instrument.items if item.kind == "text"
    )
    return InstrumentInfo(
        id=instrument.id,
        title=instrument.title,
        questions=tuple(questions),
        text_questions=texts,
        min_group=need,
        min_group_text=max(rules.min_group_text, instrument.min_group_text or 0, need),
        prevention_examples=instrument.prevention_examples,
        share_low=instrument.report.share_low,
        share_high=instrument.report.share_high,
    )


def _instrument_cells(
    counts: Counts, info: InstrumentInfo, layout: Layout, state: State
) -> tuple[list[Cell], list[Notes], int]:
    history, need = state.history, info.min_group
    group_spec = Spec(counts.group[..., None], {"g": ((0,), need)})
    group = build(layout, group_spec)
    add_history(layout, group, group_spec, history, _published(history, info.id))
    outcome = protect(group)
    unprovable = outcome.unprovable
    hidden_g = {(level, period) for _, level, period in outcome.hidden}
    specs = question_specs(counts.instrument)
    sums = _CellSums(counts, layout)
    cells: list[Cell] = []
    for _, level, period in group.count:
        key = (level, period)
        if key in hidden_g:
            cells.append(Cell(info.id, level, period, None))
            continue
        measures = tuple(
            sums.measure(
                spec, key, (info.share_low, info.share_high) if spec.id != TOTAL else (None, None)
            )
            for spec in specs
        )
        cells.append(Cell(info.id, level, period, group.count[("g", level, period)], measures))
    notes: list[Notes] = []
    for (site, month, item_id), texts in sorted(month_notes(counts, layout.base.weeks).items()):
        key = (site, month)
        n = group.count.get(("g", site, month), 0)
        if key in hidden_g or n < info.min_group_text:
            continue
        notes.append(Notes(info.id, site, month, item_id, shuffled(texts)))
    return cells, notes, unprovable


def shuffled(texts: Sequence[str]) -> tuple[str, ...]:
    """The texts in a random order from the operating system's CSPRNG.

    Each text gets a random 64-bit key and they are sorted by it: a uniform shuffle (ties,
    about n² / 2⁶⁵, keep their order), with one `os.urandom` call instead of one per text.
    """
    keys = np.frombuffer(os.urandom(8 * len(texts)), dtype=np.uint64)
    return tuple(texts[i] for i in np.argsort(keys, kind="stable").tolist())


def _repeat_earlier(cells: list[Cell], history: Sequence[tuple[Release, int]]) -> list[Cell]:
    """Hidden cells an earlier release showed print that release's numbers, with its day."""
    latest: dict[tuple[str, str, str], Cell] = {}
    days: dict[tuple[str, str, str], str] = {}
    for release, _ in history:
        for cell in release.cells:
            latest[cell.key] = cell
            days[cell.key] = release.day
    out = []
    for cell in cells:
        if cell.n is None and cell.key in latest:
            old = latest[cell.key]
            out.append(
                Cell(old.instrument, old.site, old.period, old.n, old.measures, days[cell.key])
            )
        else:
            out.append(cell)
    return out


def batches_of(releases: Sequence[Release], imports: int) -> tuple[list[int], int, list[int]]:
    """Each import's batch, how many batches, and each release's last batch.

    A batch is the imports between two releases' store states, so every earlier release
    sums exactly the batches up to its own.
    """
    bounds = sorted({r.imports for r in releases if 0 < r.imports <= imports})
    batch_of = [sum(1 for b in bounds if b <= i) for i in range(imports)]
    last = [sum(1 for b in bounds if b <= r.imports) - 1 for r in releases]
    return batch_of, len(bounds) + 1, last


def make_state(
    releases: Sequence[Release],
    last_batches: Sequence[int],
    exports: dict[str, date],
    retired: int,
    answered: Sequence[str],
    today: date,
) -> State:
    """The grid of closed weeks and the history a table is built on.

    Args:
        releases: every earlier release.
        last_batches: each release's last batch (batches_of).
        exports: each active kiosk's latest export day.
        retired: how many kiosks the administrator marked retired.
        answered: every answered week (open ones too).
        today: the report's day.
    """
    # With every kiosk retired, nothing more can arrive: every week before today is closed.
    last_day = closed_through(exports, today) if exports else None
    if not exports and retired:
        last_day = today - timedelta(days=1)
    grid = Grid.build(answered, last_day)
    last = grid.weeks[-1] if grid.weeks else None
    later = sorted(w for w in set(answered) if last is None or w > last)
    open_from = later[0] if later else None
    waiting = 0
    if open_from is not None:
        end = sunday(open_from)
        waiting = sum(1 for day in exports.values() if day <= end)
    history = tuple(
        (release, batch)
        for release, batch in zip(releases, last_batches, strict=True)
        if batch >= 0
    )
    return State(grid, history, open_from, waiting, retired)


def build_table(
    base: Base,
    instruments: dict[str, Instrument],
    rules: Rules,
    state: State,
    today: date,
) -> Table:
    """The publication table: every cell of every instrument, hidden ones None."""
    layout = Layout(base, state.grid)
    cells: dict[tuple[str, str, str], Cell] = {}
    notes: list[Notes] = []
    infos = {i: instrument_info(instruments[i], rules) for i in base.counts}
    unprovable = 0
    if state.grid.weeks and base.sites:
        for instrument_id, counts in base.counts.items():
            made, said, failed = _instrument_cells(counts, infos[instrument_id], layout, state)
            for cell in _repeat_earlier(made, state.history):
                cells[cell.key] = cell
            notes += said
            unprovable += failed
    order = {"week": 0, "month": 1, "year": 2, "all": 3}
    periods = tuple(sorted(state.grid.periods, key=lambda p: (order[kind_of(p)], p)))
    return Table(
        generated=today,
        rules=rules,
        sites=base.sites,
        periods=periods,
        weeks=state.grid.weeks,
        open_from=state.open_from,
        waiting_for=state.waiting_for,
        retired=state.retired,
        instruments=infos,
        cells=cells,
        notes=tuple(notes),
        release=len(state.history) + 1,
        unprovable=unprovable,
    )


def publish(
    records: Sequence[Opened],
    instruments: dict[str, Instrument],
    rules: Rules,
    *,
    releases: Sequence[Release] = (),
    imports: int = 1,
    exports: dict[str, date],
    retired: int = 0,
    today: date,
) -> tuple[Table, Base]:
    """Count, hide, prove: the publication table of a store state.

    Args:
        records: every opened record (each with its import's index).
        instruments: the instruments by id.
        rules: the store's thresholds.
        releases: every earlier release.
        imports: how many imports the store holds.
        exports: each active kiosk's latest export day.
        retired: how many kiosks are marked retired.
        today: the report's day.
    """
    batch_of, batches, last = batches_of(releases, imports)
    distinct = tally(records)
    answered = set()
    for record, _ in distinct:
        try:
            answered.add(week_of(record.payload.period))
        except ValueError:
            continue
    state = make_state(releases, last, exports, retired, sorted(answered), today)
    extra = {w for r in releases for w in r.weeks} | set(state.grid.weeks)
    base = count(distinct, instruments, batch_of or [0], batches, extra)
    return build_table(base, instruments, rules, state, today), base
