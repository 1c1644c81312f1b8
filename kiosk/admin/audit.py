"""The audit: how far can someone who holds every published number narrow a hidden one?

Every number a report prints is a sum of non-negative whole counts over a set of base cells
(one site, one ISO week, perhaps one answer). Given all published sums, the feasible values
of a hidden sum form an interval; its width is what protects the people in it. The audit
computes that interval exactly with HiGHS (`highspy`: the simplex, warm across targets,
and integer programming through `scipy.optimize.milp` where a simplex optimum is not whole),
over what needs proving only:

- base cells fixed by the published numbers (a published sum of 0, a sum with one unknown
  left) are fixed first and drop out;
- the remaining unknowns split into independent components (cells no published sum links),
  and each target is solved over its own component only;
- the maximum is solved first, and the minimum only when the maximum alone does not prove
  the interval wide enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

Support = NDArray[np.int64]
INFINITE = float("inf")


@dataclass(frozen=True)
class Known:
    """A published number: the sum of the base cells in `support` equals `value`."""

    support: Support
    value: int


@dataclass(frozen=True)
class Target:
    """A hidden sum to protect: its support, its true value and the width it must keep.

    `loose` targets (a group of late answers, say) pass as well when the attacker's whole
    interval lies at 0 or at `need` and above: such a group is empty, or large enough to
    be published anyway.
    """

    support: Support
    value: int
    need: int
    loose: bool = False


@dataclass(frozen=True)
class Verdict:
    """The interval an attacker can narrow a target to, and whether it keeps its width."""

    low: float
    high: float
    safe: bool


class _System:
    """The published sums after fixing what they pin, split into linked components."""

    def __init__(self, size: int, known: Sequence[Known]) -> None:
        self.fixed = np.full(size, -1, dtype=np.int64)
        # Releases repeat most numbers: one row per distinct (support, value) is enough.
        distinct = {(np.unique(k.support).tobytes(), int(k.value)) for k in known}
        rows = [(np.frombuffer(cells, dtype=np.int64), value) for cells, value in distinct]
        changed = True
        while changed:
            changed = False
            open_rows = []
            for support, value in rows:
                free = support[self.fixed[support] < 0]
                rest = value - int(self.fixed[support][self.fixed[support] >= 0].sum())
                if free.size == 0:
                    continue
                if rest == 0 or free.size == 1:
                    self.fixed[free] = rest if free.size == 1 else 0
                    changed = True
                    continue
                open_rows.append((free, rest))
            rows = open_rows
        self.rows = rows
        parent = np.arange(size)

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = int(parent[i])
            return i

        for support, _ in rows:
            first = root(int(support[0]))
            for other in support[1:]:
                r = root(int(other))
                if r != first:
                    parent[r] = first
        self.component = np.array([root(i) for i in range(size)], dtype=np.int64)
        self._by_component: dict[int, list[int]] = {}
        self._solvers: dict[int, _Solver] = {}
        for index, (support, _) in enumerate(rows):
            self._by_component.setdefault(int(self.component[support[0]]), []).append(index)

    def split(self, target: Support) -> tuple[float, dict[int, Support], bool]:
        """A target's fixed part, its free cells by component, and whether any free cell is
        bounded by no published sum at all (then nothing caps it from above)."""
        support = np.unique(target)
        known = self.fixed[support]
        free = support[known < 0]
        parts: dict[int, Support] = {}
        unbounded = False
        components = self.component[free]
        for component in np.unique(components):
            if int(component) not in self._by_component:
                unbounded = True
                continue
            parts[int(component)] = free[components == component]
        return float(known[known >= 0].sum()), parts, unbounded

    def solver(self, component: int) -> _Solver:
        """The warm HiGHS model of one component."""
        solver = self._solvers.get(component)
        if solver is None:
            solver = _Solver([self.rows[i] for i in self._by_component[component]])
            self._solvers[component] = solver
        return solver


class _Solver:
    """One linked component as a HiGHS model, kept warm across objectives.

    Each solve changes only the objective, so the simplex restarts from the last basis. A
    simplex optimum is a vertex; where every value at it is whole, it is a table of whole
    counts consistent with everything published: a certificate that the target can take
    that value. The tables here are mostly totally unimodular, so it nearly always is;
    otherwise the target is solved again as an integer program.
    """

    def __init__(self, rows: Sequence[tuple[Support, int]]) -> None:
        variables = np.unique(np.concatenate([r[0] for r in rows]))
        self.where = {int(v): j for j, v in enumerate(variables)}
        self.size = variables.size
        data: list[float] = []
        cols: list[int] = []
        indptr: list[int] = [0]
        rhs: list[float] = []
        for support, value in rows:
            cols.extend(self.where[int(v)] for v in support)
            data.extend([1.0] * support.size)
            indptr.append(len(cols))
            rhs.append(float(value))
        self.matrix = csr_array((data, cols, indptr), shape=(len(rows), self.size))
        self.rhs = np.array(rhs)
        # The bare solver class: highspy.Highs adds Python callbacks, and with them prints
        # a banner to standard output, which would land in a report written to stdout.
        self.highs = highspy._core._Highs()
        self.highs.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        self.highs.addVars(self.size, np.zeros(self.size), np.full(self.size, inf))
        self.highs.addRows(
            len(rows),
            self.rhs,
            self.rhs,
            len(cols),
            np.array(indptr[:-1]),
            np.array(cols),
            np.array(data),
        )
        self.costed: NDArray[np.int32] = np.zeros(0, dtype=np.int32)

    def columns(self, free: Support) -> NDArray[np.int32]:
        """Model columns of base cells."""
        return np.array([self.where[int(v)] for v in free], dtype=np.int32)

    def solve(
        self, columns: NDArray[np.int32], weights: NDArray[np.float64]
    ) -> NDArray[np.float64] | None:
        """A vertex minimising the weighted sum; None when unbounded below or not whole."""
        if self.costed.size:
            self.highs.changeColsCost(self.costed.size, self.costed, np.zeros(self.costed.size))
        self.highs.changeColsCost(columns.size, columns, weights)
        self.costed = columns
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        values = np.asarray(self.highs.getSolution().col_value)
        rounded = np.round(values)
        return rounded if np.abs(values - rounded).max(initial=0.0) < 1e-7 else None

    def bound(self, columns: NDArray[np.int32], sense: int) -> tuple[float, bool]:
        """The simplex optimum of ± the sum over `columns` (sense -1: max, 1: min), and
        whether it is whole (then it is also the optimum over whole counts)."""
        values = self.solve(columns, np.full(columns.size, float(sense)))
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return (INFINITE if sense < 0 else 0.0), True
        if status != highspy.HighsModelStatus.kOptimal:
            return self.integer(columns, sense), True
        value = float(sense) * float(self.highs.getInfo().objective_function_value)
        return value, values is not None

    def integer(self, columns: NDArray[np.int32], sense: int) -> float:
        """The optimum over whole counts (HiGHS branch and bound through scipy)."""
        objective = np.zeros(self.size)
        objective[columns] = float(sense)
        result = milp(
            objective,
            integrality=np.ones(self.size),
            bounds=Bounds(0, np.inf),
            constraints=LinearConstraint(self.matrix, self.rhs, self.rhs),
        )
        if result.status == 3 or result.x is None:
            return INFINITE if sense < 0 else 0.0
        return float(sense) * float(result.fun)


def _pooled(system: _System, targets: Sequence[Target]) -> list[bool]:
    """Prove as many targets as a few shared solves can: push all of them up at once, then
    down, with random weights; a target whose whole-count tables seen so far (the true one
    included) differ by its need somewhere is proved."""
    rng = np.random.default_rng(0)
    low = np.array([float(t.value) for t in targets])
    high = low.copy()
    splits = [system.split(t.support) for t in targets]
    proved = [unbounded for _, _, unbounded in splits]
    for sense in (-1.0, 1.0, -1.0, 1.0):
        todo = [i for i, done in enumerate(proved) if not done]
        if not todo:
            break
        by_component: dict[int, list[int]] = {}
        for i in todo:
            for component in splits[i][1]:
                by_component.setdefault(component, []).append(i)
        solution: dict[int, tuple[_Solver, NDArray[np.float64] | None]] = {}
        for component, members in by_component.items():
            solver = system.solver(component)
            weight: dict[int, float] = {}
            for i in members:
                factor = float(rng.uniform(0.5, 1.5))
                for column in solver.columns(splits[i][1][component]):
                    weight[int(column)] = weight.get(int(column), 0.0) + sense * factor
            columns = np.array(list(weight), dtype=np.int32)
            solution[component] = (solver, solver.solve(columns, np.array(list(weight.values()))))
        for i in todo:
            fixed, parts, _ = splits[i]
            value = fixed
            for component, free in parts.items():
                solver, values = solution[component]
                if values is None:
                    break
                value += float(values[solver.columns(free)].sum())
            else:
                low[i], high[i] = min(low[i], value), max(high[i], value)
                proved[i] = high[i] - low[i] >= targets[i].need
    return proved


def _exact(system: _System, target: Target) -> Verdict:
    """One target's interval: simplex bounds first, integer programming only where needed."""
    fixed, parts, unbounded = system.split(target.support)
    if unbounded:
        return Verdict(fixed, INFINITE, True)
    bounds = []
    for sense in (-1, 1):
        total, whole = fixed, True
        for component, free in parts.items():
            solver = system.solver(component)
            value, exact = solver.bound(solver.columns(free), sense)
            total += value
            whole = whole and exact
        bounds.append((total, whole))
    (high, high_whole), (low, low_whole) = bounds
    if high - low < target.need and not (target.loose and (high <= 0 or low >= target.need)):
        # The simplex interval holds the whole-count one, so this is a proof of failure.
        return Verdict(low, high, False)
    if not (high_whole and low_whole):
        high = fixed + sum(
            system.solver(c).integer(system.solver(c).columns(f), -1) for c, f in parts.items()
        )
        low = fixed + sum(
            system.solver(c).integer(system.solver(c).columns(f), 1) for c, f in parts.items()
        )
    safe = high - low >= target.need or (target.loose and (high <= 0 or low >= target.need))
    return Verdict(low, high, safe)


def audit(size: int, known: Sequence[Known], targets: Sequence[Target]) -> list[Verdict]:
    """Which targets keep their interval, given every published sum.

    Targets a few shared solves prove come back as safe with the interval seen (at least
    their need wide); the others with their exact interval.

    Args:
        size: how many base cells there are (supports index into them).
        known: every published sum (of this and of earlier releases).
        targets: the hidden sums to prove.
    """
    system = _System(size, known)
    proved = _pooled(system, targets)
    return [
        Verdict(-INFINITE, INFINITE, True) if done else _exact(system, target)
        for done, target in zip(proved, targets, strict=True)
    ]
