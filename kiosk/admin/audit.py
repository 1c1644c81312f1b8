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
        rows = [(np.unique(k.support), int(k.value)) for k in known]
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

    def extreme(self, target: Support, sense: int) -> float:
        """The largest (sense -1) or smallest (sense 1) feasible sum over `target`."""
        support = np.unique(target)
        known = self.fixed[support]
        base = float(known[known >= 0].sum())
        free = support[known < 0]
        if free.size == 0:
            return base
        total = base
        components = self.component[free]
        for component in np.unique(components):
            mine = free[components == component]
            rows = self._by_component.get(int(component))
            if rows is None:  # no published sum bounds these cells
                if sense < 0:
                    return INFINITE
                continue
            solver = self._solvers.get(int(component))
            if solver is None:
                solver = _Solver([self.rows[i] for i in rows])
                self._solvers[int(component)] = solver
            total += solver.extreme(mine, sense)
            if total == INFINITE:
                return INFINITE
        return total


class _Solver:
    """One linked component as a HiGHS model, kept warm across targets.

    Each target changes only the objective, so the simplex restarts from the last basis. A
    simplex optimum is a vertex; where every value at it is whole it is also the optimum
    over whole numbers (the tables here are mostly totally unimodular, so it nearly always
    is). Otherwise that target is solved again as an integer program.
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

    def extreme(self, free: Support, sense: int) -> float:
        """The optimum of the sum over `free` (all of them in this component)."""
        columns = np.array([self.where[int(v)] for v in free], dtype=np.int32)
        if self.costed.size:
            self.highs.changeColsCost(self.costed.size, self.costed, np.zeros(self.costed.size))
        self.highs.changeColsCost(columns.size, columns, np.full(columns.size, float(sense)))
        self.costed = columns
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return INFINITE if sense < 0 else 0.0
        if status != highspy.HighsModelStatus.kOptimal:
            return self._integer(columns, sense)
        values = np.asarray(self.highs.getSolution().col_value)
        if np.allclose(values, np.round(values), atol=1e-7):
            return float(sense) * float(self.highs.getInfo().objective_function_value)
        return self._integer(columns, sense)

    def _integer(self, columns: NDArray[np.int32], sense: int) -> float:
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


def audit(size: int, known: Sequence[Known], targets: Sequence[Target]) -> list[Verdict]:
    """The attacker's interval for every target, given every published sum.

    Args:
        size: how many base cells there are (supports index into them).
        known: every published sum (of this and of earlier releases).
        targets: the hidden sums to prove.
    """
    system = _System(size, known)
    verdicts = []
    for target in targets:
        high = system.extreme(target.support, -1)
        if target.loose and high <= 0:
            verdicts.append(Verdict(0.0, high, True))
            continue
        if not target.loose and high - target.value >= target.need:
            verdicts.append(Verdict(-INFINITE, high, True))
            continue
        low = system.extreme(target.support, 1)
        safe = high - low >= target.need or (target.loose and low >= target.need)
        verdicts.append(Verdict(low, high, safe))
    return verdicts
