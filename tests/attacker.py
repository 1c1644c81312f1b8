"""A curious manager: reads every report ever printed and narrows hidden numbers with an ILP.

Written from the requirement in docs/reports.md, not from the report's code: it knows only
the published rules (the grid of ISO weeks, months and years by Thursday, all time over
the covered weeks, sites and "all sites", counts are non-negative whole numbers, imports
only add answers, each answer of a group falls in exactly one category of each question,
"no answer" included) and the printed outputs, which it parses from every format. For every hidden
number it computes the feasible interval with HiGHS (scipy.optimize.milp):

- a hidden group count must keep an interval at least `min_group` wide;
- any other hidden number (an answer count inside a hidden group, a masked answer, the
  answers that arrived between two reports) must not be narrowed to fewer than its
  threshold while being known to be non-zero: an interval that starts at 1 or more and is
  narrower than the threshold singles out fewer people than the rules allow. (One known to
  be 0 names nobody; a group of late answers known to hold `min_group` or more is a group
  like any published one.)
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from kiosk.instruments import Instrument

ALL = "all"
# (state, instrument, site, period, question or "", category or "") → count, None if hidden.
Key = tuple[int, str, str, str, str, str]


def _thursday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 4)


def weeks_of(period: str, axis: list[str]) -> list[str]:
    """The ISO weeks of `axis` a period is made of (a week's month and year: its Thursday's)."""
    if period == ALL or "-W" in period:
        return list(axis) if period == ALL else [period]
    return [
        w
        for w in axis
        if (
            f"{_thursday(w).year}-{_thursday(w).month:02d}"
            if "-" in period
            else str(_thursday(w).year)
        )
        == period
    ]


@dataclass
class Observations:
    """Everything read from the reports: numbers by key, hidden keys, covered weeks."""

    numbers: dict[Key, int] = field(default_factory=dict)
    hidden: set[Key] = field(default_factory=set)
    covered: dict[int, list[str]] = field(default_factory=dict)
    sites: dict[int, set[str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    def see(self, key: Key, value: int | None) -> None:
        """Record one printed number (None: printed as hidden)."""
        if value is None:
            self.hidden.add(key)
            return
        old = self.numbers.setdefault(key, value)
        if old != value:
            self.conflicts.append(f"{key}: {old} vs {value}")


# --- parsing, one reader per format --------------------------------------------------------


def _weeks_line(text: str) -> list[str] | None:
    match = re.search(r"(\d{4}-W\d\d) – (\d{4}-W\d\d)", text)
    if not match:
        return None
    first, last = match.groups()
    out, day = [], _thursday(first)
    while day <= _thursday(last):
        iso = day.isocalendar()
        out.append(f"{iso.year}-W{iso.week:02d}")
        day += timedelta(days=7)
    return out


def read_json(text: str, state: int, seen: Observations) -> None:
    """A JSON report."""
    data = json.loads(text)
    weeks = data["coverage"]["weeks"]
    if weeks:
        seen.covered[state] = _weeks_line(f"{weeks[0]} – {weeks[1]}") or []
    for instrument_id, body in data["instruments"].items():
        for cell in body["cells"]:
            if cell["as_of"]:
                continue
            base = (state, instrument_id, cell["site"], cell["period"])
            seen.sites.setdefault(state, set()).add(cell["site"])
            seen.see((*base, "", ""), cell["n"])
            for question, measure in cell["measures"].items():
                seen.see((*base, question, ""), measure["n"])
                if measure["n"] is None:
                    continue
                for category, count in measure["distribution"].items():
                    seen.see((*base, question, category), count)


def read_csv(text: str, state: int, seen: Observations) -> None:
    """A tidy CSV report (plain or --excel-da): the tool's row is its n, an item's row (no
    category) the question's n, a category's row its count; empty where hidden."""
    text = text.lstrip("\ufeff")
    delimiter = ";" if text.startswith("period;") else ","
    for row in csv.DictReader(io.StringIO(text), delimiter=delimiter):
        if row["status"].startswith(("as published", "som udgivet")):
            continue
        base = (state, row["tool"], row["site"], row["period"])
        seen.sites.setdefault(state, set()).add(row["site"])
        number = row["count"] if row["category"] else row["n"]
        value = int(number) if number else None
        seen.see((*base, row["item"], row["category"]), value)


def _labels(instruments: dict[str, Instrument]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    titles = {i.title.en: i.id for i in instruments.values()}
    questions = {
        i.id: {item.label.en: item.id for item in i.items}
        | {"Total score (complete answers only)": "total"}
        for i in instruments.values()
    }
    return titles, questions


def _categories(instrument: Instrument, question: str) -> dict[str, str]:
    none = {"No answer": "none"}
    if question == "total":
        return none
    item = instrument.item(question)
    if item.kind == "scale":
        return none
    return {option.label.en: option.id for option in item.options} | none


def read_text(
    text: str, state: int, seen: Observations, instruments: dict[str, Instrument]
) -> None:
    """A text report in English."""
    titles, questions = _labels(instruments)
    if weeks := _weeks_line(text):
        seen.covered[state] = weeks
    instrument: str | None = None
    base: tuple[int, str, str, str] | None = None
    question: str | None = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line == "=" * 72 and index + 1 < len(lines):
            instrument = titles[lines[index + 1]]
            base = None
            continue
        if instrument is None:
            continue
        if match := re.fullmatch(r"  (\S+) · (.+?)(?:  \(n=(\d+)\)(  \[.*\])?|: hidden)", line):
            period, site, n, stale = match.groups()
            if stale:
                base = None
                continue
            base = (state, instrument, site, period)
            seen.sites.setdefault(state, set()).add(site)
            seen.see((*base, "", ""), int(n) if n else None)
            continue
        if base is None:
            continue
        if line.startswith("      ") and question is not None:
            names = _categories(instruments[instrument], question)
            for part in line.strip().split(" | "):
                label, _, count = part.rpartition(": ")
                category = names.get(label, label)
                seen.see((*base, question, category), None if count == "hidden" else int(count))
            continue
        if match := re.fullmatch(r"    (\S.*?)(?: \(n=(\d+)\).*|: hidden)", line):
            label, n = match.groups()
            question = questions[instrument][label]
            seen.see((*base, question, ""), int(n) if n else None)
            if n is None:
                question = None


def read_html(
    text: str, state: int, seen: Observations, instruments: dict[str, Instrument]
) -> None:
    """An HTML report (the handout): each tool's n per period and site from its grid.

    The handout's other numbers are means, shares and counts of the same selection's cells,
    which the CSV of the same options prints in full (tests/test_charts.py: every chart plots
    exactly its cells); its front-page figures are sums and differences of published cells.
    """
    del instruments
    for key, value in re.findall(r'<td class="[^"]*" data-cell="([^"]*)">([^<]*)</td>', text):
        head, period = html.unescape(key).rsplit("|", 1)
        instrument, site = head.split("|", 1)
        if value.endswith("*"):
            continue
        seen.sites.setdefault(state, set()).add(site)
        seen.see((state, instrument, site, period, "", ""), int(value) if value.isdigit() else None)


# --- the attack ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A hidden number narrowed too far."""

    key: Key
    low: float
    high: float
    need: int

    def __str__(self) -> str:
        return f"{self.key}: [{self.low:g}, {self.high:g}] (needs {self.need})"


class _Model:
    """Unknown counts per (state, site, week[, category]) and the published equations."""

    def __init__(self, states: list[int], sites: list[str], weeks: list[str], cats: int) -> None:
        self.states, self.sites, self.weeks, self.cats = states, sites, weeks, cats
        self.size = len(states) * len(sites) * len(weeks) * cats
        self.rows: list[tuple[list[int], list[float], float, float]] = []
        self._highs: Any = None

    def var(self, state: int, site: int, week: int, cat: int) -> int:
        s = self.states.index(state)
        return ((s * len(self.sites) + site) * len(self.weeks) + week) * self.cats + cat

    def support(
        self, state: int, site: str, weeks: Iterable[str], cat: int | None, skip: int = -1
    ) -> list[int]:
        """Unknowns of a cell: one category, or all but `skip` (a question's n: answered)."""
        sites = range(len(self.sites)) if site == ALL else [self.sites.index(site)]
        cats = [c for c in range(self.cats) if c != skip] if cat is None else [cat]
        index = {w: i for i, w in enumerate(self.weeks)}
        return [
            self.var(state, s, index[w], c)
            for s in sites
            for w in weeks
            if w in index
            for c in cats
        ]

    def equal(self, support: list[int], value: int) -> None:
        self.rows.append((support, [1.0] * len(support), value, value))

    def extreme(self, objective: dict[int, float], sense: float) -> float:
        """max (sense -1) or min (sense 1) of the objective over whole non-negative counts.

        The simplex runs warm from the previous target; where its optimum is not whole,
        the same model is solved again as an integer program.
        """
        if self._highs is None:
            self._build()
        assert self._highs is not None
        columns = np.array(list(objective), dtype=np.int32)
        weights = np.array([sense * objective[c] for c in objective])
        self._highs.changeColsCost(
            self.size, np.arange(self.size, dtype=np.int32), np.zeros(self.size)
        )
        self._highs.changeColsCost(columns.size, columns, weights)
        self._highs.run()
        status = self._highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            values = np.asarray(self._highs.getSolution().col_value)
            if np.allclose(values, np.round(values), atol=1e-7):
                return sense * float(self._highs.getInfo().objective_function_value)
        c = np.zeros(self.size)
        c[columns] = weights
        result = milp(
            c,
            integrality=np.ones(self.size),
            bounds=Bounds(0, 10_000),
            constraints=LinearConstraint(self._matrix, self._lows, self._highs_bound),
        )
        assert result.x is not None, result.message
        return sense * float(result.fun)

    def _build(self) -> None:
        data: list[float] = []
        rows: list[int] = []
        cols: list[int] = []
        for r, (support, weights, _, _) in enumerate(self.rows):
            rows += [r] * len(support)
            cols += support
            data += weights
        self._matrix = coo_array((data, (rows, cols)), shape=(len(self.rows), self.size)).tocsr()
        self._lows = np.array([row[2] for row in self.rows], dtype=float)
        self._highs_bound = np.array([row[3] for row in self.rows], dtype=float)
        highs = highspy._core._Highs()
        highs.setOptionValue("output_flag", False)
        highs.addVars(self.size, np.zeros(self.size), np.full(self.size, 10_000.0))
        csr = self._matrix
        inf = highspy.kHighsInf
        highs.addRows(
            len(self.rows),
            np.where(np.isfinite(self._lows), self._lows, -inf),
            np.where(np.isfinite(self._highs_bound), self._highs_bound, inf),
            csr.nnz,
            csr.indptr[:-1].astype(np.int32),
            csr.indices.astype(np.int32),
            csr.data,
        )
        self._highs = highs


def _shown_next(seen: Observations, states: list[int], key: Key) -> bool:
    """Whether the report after `key`'s state shows the same cell (and question, category)."""
    later = states.index(key[0]) + 1
    return later < len(states) and (states[later], *key[1:]) in seen.numbers


def attack(
    seen: Observations,
    instruments: dict[str, Instrument],
    min_group: dict[str, int],
) -> list[Finding]:
    """Every hidden number the reports let an attacker narrow too far."""
    assert not seen.conflicts, seen.conflicts
    states = sorted(seen.covered)
    sites = sorted({s for state in states for s in seen.sites.get(state, set())} - {ALL})
    weeks = sorted({w for state in states for w in seen.covered[state]})
    findings: list[Finding] = []
    keys = list(seen.numbers) + list(seen.hidden)
    for instrument_id, instrument in instruments.items():
        mine = [k for k in keys if k[1] == instrument_id]
        if not mine or not sites:
            continue
        questions = sorted({k[4] for k in mine if k[4]})
        for question in ["", *questions]:
            findings += _attack_one(
                seen,
                instrument,
                question,
                states,
                sites,
                weeks,
                min_group[instrument_id],
            )
    return findings


def _attack_one(
    seen: Observations,
    instrument: Instrument,
    question: str,
    states: list[int],
    sites: list[str],
    weeks: list[str],
    need: int,
) -> list[Finding]:
    iid = instrument.id
    cats = sorted(
        {k[5] for k in [*seen.numbers, *seen.hidden] if k[1] == iid and k[4] == question and k[5]}
    )
    size = max(len(cats), 1)
    model = _Model(states, sites, weeks, size)
    group = _Model(states, sites, weeks, 1)

    def cat_index(category: str) -> int | None:
        return cats.index(category) if category else None

    def support_of(m: _Model, key: Key, category: int | None) -> list[int]:
        state, _, site, period, _, _ = key
        axis = seen.covered[state] if period == ALL else weeks
        skip = cats.index("none") if m is model and "none" in cats else -1
        return m.support(state, site, weeks_of(period, axis), category, skip)

    for key, value in seen.numbers.items():
        if key[1] != iid:
            continue
        if key[4] == "" and question == "":
            model.equal(support_of(model, key, None), value)
        elif key[4] == question and question:
            model.equal(support_of(model, key, cat_index(key[5])), value)
        elif key[4] == "" and question:
            group.equal(support_of(group, key, None), value)
    if question:
        # Every answer of a group falls in exactly one category ("no answer" is one).
        for state in states:
            for s in range(len(sites)):
                for w in range(len(weeks)):
                    support = [model.var(state, s, w, c) for c in range(size)]
                    model.rows.append(
                        (
                            [*support, model.size + group.var(state, s, w, 0)],
                            [1.0] * size + [-1.0],
                            0.0,
                            0.0,
                        )
                    )
        model.size += group.size
        model.rows += [
            ([v + model.size - group.size for v in sup], w, lo, hi) for sup, w, lo, hi in group.rows
        ]
    # Imports only add answers: every count after is at least the count before.
    for earlier, later in pairwise(states):
        for s in range(len(sites)):
            for w in range(len(weeks)):
                for c in range(size):
                    model.rows.append(
                        (
                            [model.var(later, s, w, c), model.var(earlier, s, w, c)],
                            [1.0, -1.0],
                            0.0,
                            np.inf,
                        )
                    )
    findings = []
    # A cell hidden in one report and shown by the next is no longer hidden from someone who
    # holds both: what its earlier count can still tell is the size of the answers that
    # arrived in between, and that group is checked below like any other.
    targets = [
        k
        for k in seen.hidden
        if k[1] == iid and k[4] == question and not _shown_next(seen, states, k)
    ]
    for key in sorted(targets):
        category = cat_index(key[5])
        support = support_of(model, key, category)
        if not support:
            continue
        objective = dict.fromkeys(support, 1.0)
        high = model.extreme(objective, -1.0)
        low = model.extreme(objective, 1.0)
        group_cell = key[4] == "" and key[5] == ""
        if group_cell or (key[4] and not key[5]):
            too_narrow = high - low < need
        else:
            too_narrow = high - low < need and 1 <= low < need
        if too_narrow:
            findings.append(Finding(key, low, high, need))
    # The answers that arrived between two reports form a group of their own.
    # (Its answer counts are then those of a published group of `need` or more, like any
    # shown cell's, so only its size is checked.)
    for earlier, later in pairwise(states):
        for key in [k for k in seen.numbers if k[0] == later and k[1] == iid and k[4] == question]:
            if key[5]:
                continue
            before = (earlier, *key[1:])
            if before not in seen.numbers and before not in seen.hidden:
                continue
            category = cat_index(key[5])
            after = support_of(model, key, category)
            prior = support_of(model, before, category)
            objective = dict.fromkeys(after, 1.0)
            for var in prior:
                objective[var] = objective.get(var, 0.0) - 1.0
            high = model.extreme(objective, -1.0)
            low = model.extreme(objective, 1.0)
            if high - low < need and 1 <= low < need:
                findings.append(Finding(key, low, high, need))
    return findings
