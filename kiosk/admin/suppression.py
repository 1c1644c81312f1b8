"""Which cells of a linked table to hide: primary, then secondary, then proved by the audit.

A table here is a set of cells, each the sum of some base cells, and lines: a total and the
parts that add up to it (weeks to a month, sites to all sites, answers to a question's n).
Cells with 0 < n < `need` are hidden first (primary). Then, cheaply, every line whose total
is shown gets at least two hidden parts holding together at least `need` answers, hiding the
smallest parts first (cost = n, so a small site does not blank out a big one). Last, the
audit (kiosk/admin/audit.py) computes what an attacker holding every published number
(and every earlier release) can narrow each hidden cell to; each cell it finds too narrow
gets one more cell hidden next to it, and the audit runs again, until it proves every
hidden cell keeps an interval of at least `need`. Hiding never narrows an interval, so only
the cells that failed and the cells newly hidden are audited again.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from kiosk.admin.audit import Known, Support, Target, audit

K = TypeVar("K", bound=Hashable)


@dataclass
class Linked(Generic[K]):
    """A linked table: each cell's base support and count, and the lines that add up.

    `earlier` holds published sums from earlier releases and `extra` further targets (groups
    of late answers) the audit must prove as well; both use the same base-cell numbering.
    `needs` overrides `need` for some cells; `prefer` names the cells to hide first when an
    extra target fails (cells whose published number changed since).
    """

    size: int
    support: dict[K, Support]
    count: dict[K, int]
    lines: list[tuple[K, list[K]]]
    need: int
    earlier: list[Known] = field(default_factory=list)
    extra: list[Target] = field(default_factory=list)
    needs: dict[K, int] = field(default_factory=dict)
    prefer: set[K] = field(default_factory=set)

    def need_of(self, key: K) -> int:
        """The interval this cell must keep when hidden."""
        return self.needs.get(key, self.need)


@dataclass(frozen=True)
class Outcome(Generic[K]):
    """The hidden cells, and the audit rounds it took to prove them."""

    hidden: frozenset[K]
    rounds: int
    unprovable: int


def primary(table: Linked[K]) -> set[K]:
    """Cells with at least one and fewer than `need` answers."""
    return {key for key, n in table.count.items() if 0 < n < table.need_of(key)}


def secondary(table: Linked[K], hidden: set[K]) -> set[K]:
    """Hide more until every line with a shown total has ≥ 2 hidden parts holding ≥ need."""
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for total, parts in table.lines:
            if total in hidden:
                continue
            inside = [p for p in parts if p in hidden]
            if not inside:
                continue
            need = max(table.need_of(p) for p in inside)
            if len(inside) >= 2 and sum(table.count[p] for p in inside) >= need:
                continue
            victim = _cheapest(table, [p for p in parts if p not in hidden])
            hidden.add(victim if victim is not None else total)
            changed = True
    return hidden


def _cheapest(table: Linked[K], keys: Sequence[K]) -> K | None:
    """The shown cell with the fewest answers that still adds some (a 0 protects nothing)."""
    useful = [k for k in keys if table.count[k] > 0]
    return min(useful, key=lambda k: table.count[k]) if useful else None


def _remedy(table: Linked[K], target: K, hidden: set[K], lines_of: Mapping[K, list[int]]) -> K:
    """One more cell to hide for a hidden cell the audit found too narrow."""
    siblings: list[K] = []
    totals: list[K] = []
    for index in lines_of.get(target, []):
        total, parts = table.lines[index]
        if target == total:
            siblings += [p for p in parts if p not in hidden]
        elif total not in hidden:
            siblings += [p for p in parts if p not in hidden and p != target]
            totals.append(total)
    victim = _cheapest(table, siblings) or _cheapest(table, totals)
    if victim is not None:
        return victim
    shown = [k for k in table.count if k not in hidden]
    overlapping = [k for k in shown if np.intersect1d(table.support[k], table.support[target]).size]
    victim = _cheapest(table, overlapping) or _cheapest(table, shown)
    if victim is None:
        raise LookupError("nothing left to hide")
    return victim


def _linked_victim(table: Linked[K], target: Support, hidden: set[K]) -> K | None:
    """A shown cell to hide for a target that earlier releases help pin: one that overlaps
    it, else one that overlaps an earlier published sum overlapping it, else any; cells
    whose number changed since it was published first, then the fewest answers."""
    shown = [k for k in table.count if k not in hidden]
    reach = target
    for _ in range(2):
        near = [k for k in shown if np.intersect1d(table.support[k], reach).size]
        if near:
            return _cheapest(table, [k for k in near if k in table.prefer]) or _cheapest(
                table, near
            )
        linked = [k.support for k in table.earlier if np.intersect1d(k.support, reach).size]
        reach = np.unique(np.concatenate([reach, *linked])) if linked else reach
    return _cheapest(table, shown)


def known_sums(table: Linked[K], hidden: set[K] | frozenset[K]) -> list[Known]:
    """What an attacker holds: the shown cells of this release and everything earlier."""
    shown = [Known(table.support[k], table.count[k]) for k in table.count if k not in hidden]
    return shown + table.earlier


def protect(table: Linked[K], start: set[K] | None = None, max_rounds: int = 200) -> Outcome[K]:
    """Hide cells until the audit proves every hidden one (and every extra target) safe.

    Args:
        table: the linked table.
        start: cells hidden already (for example because a coarser table hides them).
        max_rounds: a bound on audit rounds (each round hides at least one more cell).
    """
    hidden = secondary(table, primary(table) | (start or set()))
    lines_of: dict[K, list[int]] = {}
    for index, (total, parts) in enumerate(table.lines):
        for key in (total, *parts):
            lines_of.setdefault(key, []).append(index)
    pending: list[K] = sorted(hidden, key=str)
    extra_pending = list(range(len(table.extra)))
    rounds = 0
    unprovable = 0
    while pending or extra_pending:
        rounds += 1
        targets = [Target(table.support[k], table.count[k], table.need_of(k)) for k in pending] + [
            table.extra[i] for i in extra_pending
        ]
        verdicts = audit(table.size, known_sums(table, hidden), targets)
        failing = [k for k, v in zip(pending, verdicts, strict=False) if not v.safe]
        failing_extra = [
            i for i, v in zip(extra_pending, verdicts[len(pending) :], strict=True) if not v.safe
        ]
        added: set[K] = set()
        for key in failing:
            try:
                added.add(_remedy(table, key, hidden | added, lines_of))
            except LookupError:
                unprovable += 1
        for i in failing_extra:
            victim = _linked_victim(table, table.extra[i].support, hidden | added)
            if victim is not None:
                added.add(victim)
            else:
                unprovable += 1
        if not added:
            break
        if rounds >= max_rounds:
            hidden |= added
            break
        hidden |= added
        grown = secondary(table, hidden)
        added |= grown - hidden
        hidden = grown
        pending = sorted(set(failing) | added, key=str)
        extra_pending = failing_extra
    return Outcome(frozenset(hidden), rounds, unprovable)
