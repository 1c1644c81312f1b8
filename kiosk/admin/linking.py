"""The linked tables the audit proves: base-cell numbering, cell supports, lines, history.

A base cell is (batch, site, week, category). A table's cells are keyed (kind, site or
all, period): kind "g" is how many answered the instrument, "n" how many answered one
question, and a category id how many gave that answer. Each cell's support is the set of
base cells it sums; lines say which cells add up (weeks to a month, sites to all sites,
answers to a question's n). Earlier releases add what they published, summed over the
batches they saw, and the late answers since become groups the audit must protect too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.admin.aggregate import Array, Base
from kiosk.admin.audit import Known, Support, Target
from kiosk.admin.grid import ALL, Grid, kind_of, weeks_of_month, weeks_of_year
from kiosk.admin.releases import Release
from kiosk.admin.suppression import Linked

CellKey = tuple[str, str, str]  # (kind, site or ALL, period)


class Layout:
    """Base-cell numbering and the weeks and sites each cell sums."""

    def __init__(self, base: Base, grid: Grid) -> None:
        """Number the base cells of `base` and map the grid's periods onto its weeks."""
        self.base = base
        self.sites, self.weeks = len(base.sites), len(base.weeks)
        self.site_index = {s: i for i, s in enumerate(base.sites)}
        self.week_index = {w: i for i, w in enumerate(base.weeks)}
        self.period_weeks = {
            p: [self.week_index[grid.weeks[i]] for i in members]
            for p, members in grid.periods.items()
        }
        self.levels = [*base.sites, ALL] if len(base.sites) > 1 else list(base.sites)
        self.children = grid.children()

    def sites_of(self, level: str, sites: Sequence[str] | None = None) -> list[int]:
        """The base sites of a site level (all: every site, or the ones given)."""
        if level == ALL:
            return [self.site_index[s] for s in (sites if sites is not None else self.base.sites)]
        return [self.site_index[level]]

    def weeks_then(self, period: str, release: Release) -> list[int]:
        """The base weeks a period covered in an earlier release."""
        if period == ALL:
            return [self.week_index[w] for w in release.weeks if w in self.week_index]
        kind = kind_of(period)
        weeks = (
            [period]
            if kind == "week"
            else (weeks_of_month(period) if kind == "month" else weeks_of_year(period))
        )
        return [self.week_index[w] for w in weeks if w in self.week_index]

    def support(
        self, sites: list[int], weeks: list[int], batches: range, width: int, cats: Sequence[int]
    ) -> Support:
        """The base cells of the given batches, sites, weeks and categories (of `width`)."""
        b = np.array(list(batches), dtype=np.int64)[:, None, None, None]
        s = np.array(sites, dtype=np.int64)[None, :, None, None]
        w = np.array(weeks, dtype=np.int64)[None, None, :, None]
        c = np.array(list(cats), dtype=np.int64)[None, None, None, :]
        return ((((b * self.sites + s) * self.weeks + w) * width) + c).ravel()

    def size(self, width: int) -> int:
        """How many base cells there are with `width` categories."""
        return self.base.batches * self.sites * self.weeks * width


@dataclass(frozen=True)
class Spec:
    """A linked table to build: base counts (batch × site × week × category) and its kinds.

    `kinds` maps each kind of cell to the categories it sums and the interval it needs;
    `within` lists (total kind, part kinds) that add up inside one cell.
    """

    counts: Array
    kinds: dict[str, tuple[tuple[int, ...], int]]
    within: tuple[tuple[str, tuple[str, ...]], ...] = ()


def build(layout: Layout, spec: Spec) -> Linked[CellKey]:
    """The linked table of a spec over the grid's cells."""
    width = spec.counts.shape[3]
    current = spec.counts.sum(axis=0)
    every = range(layout.base.batches)
    support: dict[CellKey, Support] = {}
    count: dict[CellKey, int] = {}
    needs: dict[CellKey, int] = {}
    for level in layout.levels:
        sites = layout.sites_of(level)
        by_site = current[sites].sum(axis=0)
        for period, weeks in layout.period_weeks.items():
            totals = by_site[weeks].sum(axis=0)
            for kind, (cats, need) in spec.kinds.items():
                key = (kind, level, period)
                support[key] = layout.support(sites, weeks, every, width, cats)
                count[key] = int(totals[list(cats)].sum())
                needs[key] = need
    lines: list[tuple[CellKey, list[CellKey]]] = []
    for kind in spec.kinds:
        for level in layout.levels:
            for period, kids in layout.children.items():
                lines.append(((kind, level, period), [(kind, level, kid) for kid in kids]))
        if ALL in layout.levels:
            for period in layout.period_weeks:
                lines.append(((kind, ALL, period), [(kind, s, period) for s in layout.base.sites]))
    for total, parts in spec.within:
        for level in layout.levels:
            for period in layout.period_weeks:
                lines.append(((total, level, period), [(p, level, period) for p in parts]))
    need = min(n for _, n in spec.kinds.values())
    return Linked(layout.size(width), support, count, lines, need, needs=needs)


def add_history(
    layout: Layout,
    table: Linked[CellKey],
    spec: Spec,
    history: Sequence[tuple[Release, int]],
    published: Sequence[dict[CellKey, int]],
) -> None:
    """Add what earlier releases published, and protect the answers that came late.

    Args:
        layout: the base numbering.
        table: the table to extend (its `earlier`, `extra` and `prefer`).
        spec: the table's spec (its counts hold every batch).
        history: each earlier release with the last batch it saw.
        published: per release, the numbers it showed for this table's keys.
    """
    width = spec.counts.shape[3]
    for (release, last), shown in zip(history, published, strict=True):
        before, after = range(last + 1), range(last + 1, layout.base.batches)
        closed = [layout.week_index[w] for w in release.weeks if w in layout.week_index]
        late = spec.counts[last + 1 :]
        any_late = bool(late[:, :, closed].sum()) if late.size and closed else False
        for key, value in shown.items():
            kind, level, period = key
            if kind not in spec.kinds:
                continue
            cats, need = spec.kinds[kind]
            sites = layout.sites_of(level, release.sites)
            weeks = layout.weeks_then(period, release)
            table.earlier.append(Known(layout.support(sites, weeks, before, width, cats), value))
            if not any_late:
                continue
            added = int(late[:, sites][:, :, weeks][..., list(cats)].sum())
            if added:
                where = layout.support(sites, weeks, after, width, cats)
                table.extra.append(Target(where, added, need, loose=True))
                if key in table.count:
                    table.prefer.add(key)
        if any_late:
            _hidden_then(layout, table, spec, release, last, shown)


def _hidden_then(
    layout: Layout,
    table: Linked[CellKey],
    spec: Spec,
    release: Release,
    last: int,
    shown: dict[CellKey, int],
) -> None:
    """Cells an earlier release hid, whose weeks got late answers since, stay protected."""
    width = spec.counts.shape[3]
    then = {layout.week_index[w] for w in release.weeks if w in layout.week_index}
    for key in table.count:
        kind, level, period = key
        if key in shown or kind not in spec.kinds:
            continue
        cats, need = spec.kinds[kind]
        sites = layout.sites_of(level, release.sites)
        weeks = layout.weeks_then(period, release)
        if not weeks or not set(weeks) <= then:
            continue
        if not spec.counts[last + 1 :][:, sites][:, :, weeks][..., list(cats)].sum():
            continue
        value = int(spec.counts[: last + 1][:, sites][:, :, weeks][..., list(cats)].sum())
        if value:
            where = layout.support(sites, weeks, range(last + 1), width, cats)
            table.extra.append(Target(where, value, need))
