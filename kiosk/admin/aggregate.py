"""Opened records → counts per instrument on base cells (batch × site × ISO week), with numpy.

Pure: no files, no keys. Every number a report prints is a sum of these base counts over a
cell of the publication table (kiosk/admin/publication.py), so counting happens once, here.
A batch is the records imported between two releases; the audit needs them apart to model
what earlier releases published. The answer's language is never read.

Records are counted by identity: the report shares one `Opened` among equal records (a
million check-ins without notes over two years are some ten thousand), so every per-record step
runs once per distinct object, weighted by how often it occurs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from kiosk.admin.grid import month_of, week_of, weeks_between, year_of
from kiosk.instruments import Answer, Instrument, item_score
from kiosk.records import Payload
from kiosk.sanitize import clean_text

TOTAL = "total"
NONE = "none"  # the count of a group that left a question unanswered
Array = NDArray[np.int64]


class Opened(NamedTuple):
    """One opened record, the site and kiosk its bundle came from, and its import's index.

    A named tuple, not a frozen dataclass: a report makes one per distinct record, up to a
    million, and a tuple is made three times faster.
    """

    payload: Payload
    site: str
    kiosk: str = ""
    imported: int = 0


@dataclass(frozen=True)
class QuestionSpec:
    """How one question is counted: its categories and the score of each (None: no mean)."""

    id: str
    categories: tuple[str, ...]
    scores: tuple[float | None, ...]


@dataclass
class Counts:
    """One instrument's base counts; arrays are batch × site × week (× category).

    An optional question's (and the total's) last category is "none": not answered, so
    every question's categories add up to the group.
    """

    instrument: Instrument
    group: Array
    answered: dict[str, Array]
    buckets: dict[str, Array]
    sums: dict[str, NDArray[np.float64]]
    notes: dict[tuple[str, int, str], list[str]] = field(default_factory=dict)


@dataclass
class Base:
    """The base axes shared by every instrument: batches, sites and weeks."""

    batches: int
    sites: tuple[str, ...]
    weeks: tuple[str, ...]
    counts: dict[str, Counts]
    skipped: dict[str, int]


def question_specs(instrument: Instrument) -> list[QuestionSpec]:
    """The counted questions of an instrument (text items are notes, not numbers)."""
    specs = []
    for item in instrument.items:
        if item.kind == "text":
            continue
        skipped = () if item.required else (NONE,)
        if item.kind == "scale":
            assert item.min is not None and item.max is not None
            values = list(range(item.min, item.max + 1))
            cats = (*map(str, values), *skipped)
            scores: tuple[float | None, ...] = (*map(float, values), *(None for _ in skipped))
            specs.append(QuestionSpec(item.id, cats, scores))
            continue
        scores = tuple(item_score(instrument, item.id, option.id) for option in item.options)
        cats = (*(o.id for o in item.options), *skipped)
        specs.append(QuestionSpec(item.id, cats, (*scores, *(None for _ in skipped))))
    if instrument.has_total:
        top = int(sum(max(item.points or (0,)) for item in instrument.items))
        width = instrument.report.total_bin
        starts = list(range(0, top + 1, width))
        if len(starts) > 1 and starts[-1] + width - 1 > top:
            starts.pop()
        bins = [
            f"{lo}–{starts[i + 1] - 1 if i + 1 < len(starts) else top}"
            for i, lo in enumerate(starts)
        ]
        specs.append(QuestionSpec(TOTAL, (*bins, NONE), (*(float(lo) for lo in starts), None)))
    return specs


def has_mean(spec: QuestionSpec) -> bool:
    """True when every answer (not answering aside) has a score, so a mean means something."""
    pairs = zip(spec.categories, spec.scores, strict=True)
    return all(score is not None for cat, score in pairs if cat != NONE)


def tally(records: Sequence[Opened]) -> list[tuple[Opened, int]]:
    """Each distinct record object once, with how many times the sequence holds it."""
    times = Counter(map(id, records))
    first = dict(zip(map(id, records), records, strict=True))
    # Both dicts keep their keys in the order first met, so their values pair up.
    return list(zip(first.values(), times.values(), strict=True))


Row = tuple[int, str, str, Mapping[str, Answer], int]  # batch, site, week, answers, times


def count(
    records: Iterable[tuple[Opened, int]],
    instruments: Mapping[str, Instrument],
    batch_of: Sequence[int],
    batches: int,
    extra_weeks: Iterable[str] = (),
) -> Base:
    """Count every record on its base cell.

    Args:
        records: the opened records, each with how many records it stands for (`tally`).
        instruments: the instruments by id (a record of another version is skipped).
        batch_of: each import's batch, by import index.
        batches: how many batches there are.
        extra_weeks: weeks the axis must cover even without answers (earlier releases').
    """
    skipped = {"bad_date": 0, "unknown_instrument": 0, "invalid_answers": 0}
    allowed = {i.id: _allowed(i) for i in instruments.values()}
    rows: dict[str, list[Row]] = {i: [] for i in instruments}
    for record, times in records:
        payload = record.payload
        try:
            week = week_of(payload.period)
        except ValueError:
            skipped["bad_date"] += times
            continue
        instrument = instruments.get(payload.instrument_id)
        if instrument is None or instrument.version != payload.instrument_version:
            skipped["unknown_instrument"] += times
            continue
        if not _valid(allowed[instrument.id], payload.answers):
            skipped["invalid_answers"] += times
            continue
        rows[instrument.id].append(
            (batch_of[record.imported], record.site, week, payload.answers, times)
        )
    sites = tuple(sorted({row[1] for kept in rows.values() for row in kept}))
    seen = sorted({row[2] for kept in rows.values() for row in kept} | set(extra_weeks))
    weeks = tuple(weeks_between(f"{year_of(seen[0])}-W01", seen[-1])) if seen else ()
    counts = {
        instrument_id: _count_one(instruments[instrument_id], kept, batches, sites, weeks)
        for instrument_id, kept in rows.items()
    }
    return Base(batches, sites, weeks, counts, skipped)


def _allowed(instrument: Instrument) -> dict[str, tuple[str, frozenset[object], int]]:
    """Per item: its kind, the values it takes (scale and choice) and its longest text."""
    out: dict[str, tuple[str, frozenset[object], int]] = {}
    for item in instrument.items:
        if item.kind == "scale":
            assert item.min is not None and item.max is not None
            out[item.id] = (item.kind, frozenset(range(item.min, item.max + 1)), 0)
        elif item.kind == "choice":
            out[item.id] = (item.kind, frozenset(o.id for o in item.options), 0)
        else:
            out[item.id] = (item.kind, frozenset(), item.max_length or 10**6)
    return out


def _valid(
    allowed: dict[str, tuple[str, frozenset[object], int]], answers: Mapping[str, Answer]
) -> bool:
    """True when every answer is one the instrument accepts (instruments.validate_answers'
    checks on each value, done with sets, as this runs for every record of a report)."""
    for item_id, value in answers.items():
        rule = allowed.get(item_id)
        if rule is None:
            return False
        if value is None:
            continue
        kind, values, longest = rule
        if kind == "text":
            if not isinstance(value, str) or len(value) > longest:
                return False
        else:
            wrong_type = isinstance(value, bool) or (kind == "scale" and not isinstance(value, int))
            if wrong_type or value not in values:
                return False
    return True


def _count_one(
    instrument: Instrument,
    rows: Sequence[Row],
    batches: int,
    sites: Sequence[str],
    weeks: Sequence[str],
) -> Counts:
    shape = (batches, len(sites), len(weeks))
    size = int(np.prod(shape))
    site_index = {site: i for i, site in enumerate(sites)}
    week_index = {week: i for i, week in enumerate(weeks)}
    cell = np.array(
        [(b * len(sites) + site_index[s]) * len(weeks) + week_index[w] for b, s, w, _, _ in rows],
        dtype=np.int64,
    )
    times = np.array([row[4] for row in rows], dtype=np.int64)
    group = _bincount(cell, times, size).reshape(shape)
    specs = question_specs(instrument)
    answered: dict[str, Array] = {}
    buckets: dict[str, Array] = {}
    sums: dict[str, NDArray[np.float64]] = {}
    code_table = _codes(instrument, specs, [row[3] for row in rows])
    for index, spec in enumerate(specs):
        position = {cat: i for i, cat in enumerate(spec.categories)}
        codes = code_table[:, index]
        given = codes >= 0
        complete = codes != position.get(NONE, -1)
        flat = cell[given] * len(spec.categories) + codes[given]
        buckets[spec.id] = _bincount(flat, times[given], size * len(spec.categories)).reshape(
            (*shape, len(spec.categories))
        )
        real = [i for i, cat in enumerate(spec.categories) if cat != NONE]
        answered[spec.id] = buckets[spec.id][..., real].sum(axis=3)
        if spec.id == TOTAL:
            totals = _totals(instrument, specs, code_table)
            weights = totals[complete] * times[complete]
            summed = np.bincount(cell[complete], weights=weights, minlength=size)
            sums[spec.id] = summed.astype(np.float64).reshape(shape)
        elif has_mean(spec):
            weights = np.array([s or 0.0 for s in spec.scores], dtype=np.float64)
            sums[spec.id] = (buckets[spec.id] * weights).sum(axis=3).astype(np.float64)
    notes: dict[tuple[str, int, str], list[str]] = {}
    texts = [item.id for item in instrument.items if item.kind == "text"]
    for _, site, week, answers, n in rows:
        for item_id in texts:
            value = answers.get(item_id)
            if isinstance(value, str) and (text := clean_text(value)):
                key = (site, week_index[week], item_id)
                notes.setdefault(key, []).extend([text] * n)
    return Counts(instrument, group, answered, buckets, sums, notes)


def _bincount(cells: Array, times: Array, size: int) -> Array:
    """How many records fall on each cell: each entry of `cells` stands for `times` records."""
    if not len(cells):
        return np.zeros(size, dtype=np.int64)
    # Float weights are exact here: a count is far below 2**53.
    counted: Array = np.bincount(cells, weights=times, minlength=size).astype(np.int64)
    return counted


def _codes(
    instrument: Instrument, specs: Sequence[QuestionSpec], rows: Sequence[Mapping[str, Answer]]
) -> Array:
    """Each record's category index per question (the total: its bin); -1 for none."""
    out = np.full((len(rows), len(specs)), -1, dtype=np.int64)
    for column, spec in enumerate(specs):
        if spec.id == TOTAL:
            continue
        position = {cat: i for i, cat in enumerate(spec.categories)}
        none = position.get(NONE, -1)
        out[:, column] = [
            none if (value := answers.get(spec.id)) is None else position[str(value)]
            for answers in rows
        ]
    if specs and specs[-1].id == TOTAL:
        spec = specs[-1]
        totals = _totals(instrument, specs, out)
        lows = np.array([float(c.split("–")[0]) for c in spec.categories if c != NONE])
        bins = np.searchsorted(lows, totals, side="right") - 1
        complete = _complete(instrument, specs, out)
        out[:, -1] = np.where(complete, bins, spec.categories.index(NONE))
    return out


def _complete(instrument: Instrument, specs: Sequence[QuestionSpec], codes: Array) -> Array:
    """Which records answered every item (only they have a total)."""
    scored = [i for i, spec in enumerate(specs) if spec.id != TOTAL]
    nones = np.array(
        [
            spec.categories.index(NONE) if NONE in spec.categories else -2
            for spec in specs
            if spec.id != TOTAL
        ]
    )
    complete: Array = np.all((codes[:, scored] >= 0) & (codes[:, scored] != nones), axis=1)
    return complete


def _totals(
    instrument: Instrument, specs: Sequence[QuestionSpec], codes: Array
) -> NDArray[np.float64]:
    """Each record's total score from its answers' points (0 where it is incomplete)."""
    total = np.zeros(codes.shape[0])
    for column, spec in enumerate(specs):
        if spec.id == TOTAL:
            continue
        points = np.array([score or 0.0 for score in spec.scores] + [0.0])
        total += points[codes[:, column]]
    return np.where(_complete(instrument, specs, codes), total, 0.0)


def month_notes(counts: Counts, weeks: Sequence[str]) -> dict[tuple[str, str, str], list[str]]:
    """The notes gathered per (site, month, question)."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for (site, week, item_id), texts in counts.notes.items():
        out.setdefault((site, month_of(weeks[week]), item_id), []).extend(texts)
    return out
