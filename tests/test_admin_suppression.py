"""The audit's intervals against ones worked out by hand, and suppression that passes it.

The requirement itself (nothing any set of reports prints pins a hidden number) is tested
by the attacker in tests/test_admin_attacker.py; these check the pieces it rests on.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.admin.audit import Known, Target, audit
from kiosk.admin.suppression import Linked, protect


def cells(*indices: int) -> np.ndarray:
    return np.array(indices, dtype=np.int64)


def test_a_lone_hidden_week_is_pinned_by_its_month() -> None:
    # Weeks 0..3 of one month: 3, 9, 7, 6; the month (25) and weeks 1..3 are published.
    known = [
        Known(cells(0, 1, 2, 3), 25),
        *(Known(cells(i), v) for i, v in [(1, 9), (2, 7), (3, 6)]),
    ]
    (verdict,) = audit(4, known, [Target(cells(0), 3, 5)])
    assert not verdict.safe and verdict.low == verdict.high == 3


def test_a_two_by_two_block_keeps_the_interval_worked_out_by_hand() -> None:
    # Sites A, B × weeks 1, 2 (base 0=A1, 1=A2, 2=B1, 3=B2) = 2, 8 / 6, 4; only margins shown:
    # A1 + A2 = 10, B1 + B2 = 10, A1 + B1 = 8, A2 + B2 = 12, so A1 can be anything in 0..8.
    known = [
        Known(cells(0, 1), 10),
        Known(cells(2, 3), 10),
        Known(cells(0, 2), 8),
        Known(cells(1, 3), 12),
    ]
    wide, narrow = audit(4, known, [Target(cells(0), 2, 8), Target(cells(0), 2, 9)])
    assert wide.safe
    assert not narrow.safe and (narrow.low, narrow.high) == (0, 8)


def test_a_group_of_late_answers_may_be_empty_or_large_but_not_small() -> None:
    # Published before: 20; after: 22. The two late answers are pinned.
    known = [Known(cells(0), 20), Known(cells(0, 1), 22)]
    small, nothing = audit(2, known, [Target(cells(1), 2, 5, loose=True), Target(cells(0), 20, 5)])
    assert not small.safe and small.low == small.high == 2
    assert not nothing.safe, "the earlier number itself is published, so it is not hidden"


def line_table(counts: list[int], need: int) -> Linked[str]:
    """Weeks of one month and their total as a linked table."""
    support = {f"w{i}": cells(i) for i in range(len(counts))}
    support["month"] = cells(*range(len(counts)))
    count = {f"w{i}": n for i, n in enumerate(counts)} | {"month": sum(counts)}
    return Linked(
        len(counts), support, count, [("month", [f"w{i}" for i in range(len(counts))])], need
    )


def test_the_cheapest_week_is_hidden_with_a_small_one() -> None:
    outcome = protect(line_table([3, 9, 7, 40], 5))
    assert outcome.hidden == {"w0", "w2"}, "cost = n: the 7, not the 9 or the 40"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=6), st.integers(3, 10))
def test_every_hidden_week_keeps_its_interval(counts: list[int], need: int) -> None:
    table = line_table(counts, need)
    hidden = protect(table).hidden
    shown = [Known(table.support[k], table.count[k]) for k in table.count if k not in hidden]
    targets = [Target(table.support[k], table.count[k], need) for k in sorted(hidden)]
    assert all(v.safe for v in audit(len(counts), shown, targets))
    assert {k for k, n in table.count.items() if 0 < n < need} <= hidden
