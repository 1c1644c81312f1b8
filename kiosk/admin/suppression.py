"""Complementary suppression: hide enough cells that no hidden one can be found by subtraction.

A report shows tables whose cells add up to shown totals (weeks to a month, sites to all
sites, answer categories to a group's n). If exactly one cell of such a line were hidden, the
total minus the shown cells would give it away; so the smallest shown cell of that line is
hidden as well, or the total when nothing else is left, until no line has exactly one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def complete_suppression(
    counts: Mapping[K, int], lines: Sequence[tuple[K, Sequence[K]]], hidden: set[K]
) -> set[K]:
    """Extend `hidden` until no line with a shown total has exactly one hidden part.

    Args:
        counts: every cell's count (totals included); sizes decide which cell to sacrifice.
        lines: (total, parts) pairs where the parts add up to the total.
        hidden: cells hidden for being too small.

    Returns:
        The cells to hide, a superset of `hidden`.
    """
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            if total in hidden:
                continue
            if sum(1 for part in parts if part in hidden) != 1:
                continue
            shown = [part for part in parts if part not in hidden]
            if shown:
                # A positive count protects the hidden one; a zero would add nothing unknown.
                victim = min(shown, key=lambda part: (counts.get(part, 0) == 0, counts[part]))
                hidden.add(victim)
            else:
                hidden.add(total)
            changed = True
    return hidden


def grid_lines(
    periods: Sequence[str], sites: Sequence[str], all_key: str
) -> tuple[list[tuple[str, str]], list[tuple[tuple[str, str], list[tuple[str, str]]]]]:
    """The cells of a period × site table with its margins, and the lines that add up.

    A margin exists only where there is more than one period (or site) to add up; the grand
    total always exists.
    """
    row_keys = [*periods, all_key] if len(periods) > 1 else list(periods)
    col_keys = [*sites, all_key] if len(sites) > 1 else list(sites)
    cells = [(p, s) for p in row_keys for s in col_keys]
    lines: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []
    if len(sites) > 1:
        for p in row_keys:
            lines.append(((p, all_key), [(p, s) for s in sites]))
    if len(periods) > 1:
        for s in col_keys:
            lines.append(((all_key, s), [(p, s) for p in periods]))
    return cells, lines


def grand_key(periods: Sequence[str], sites: Sequence[str], all_key: str) -> tuple[str, str]:
    """The cell holding everything: the all-periods, all-sites total."""
    return (
        all_key if len(periods) > 1 else periods[0],
        all_key if len(sites) > 1 else sites[0],
    )
