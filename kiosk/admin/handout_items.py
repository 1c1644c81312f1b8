"""How each instrument's items are shown: categories, fixed scale, direction, reversed or not.

Derived from the instrument's TOML alone, so a new instrument needs no code here: a scale item
keeps its own range, a choice item with the seed's points is scored 0–10 (and is reversed when
agreeing scores lowest), a choice item with option values keeps their range, and a choice
without either (a tag, ja/nej) is counted, never averaged.
"""

from __future__ import annotations

from kiosk.admin.handout_model import Category, Direction, ItemInfo
from kiosk.instruments import Instrument, Item

MIDDLE_BEST = frozenset({"support"})
"""Tools whose scale runs from "too much" to "too little", so neither end is better."""


def item_info(instrument: Instrument, item: Item, lang: str) -> ItemInfo:
    """One non-text item as the report shows it."""
    direction: Direction = "middle_best" if instrument.id in MIDDLE_BEST else "higher_better"
    if item.kind == "scale":
        assert item.min is not None and item.max is not None
        categories = tuple(
            Category(str(v), str(v), float(v)) for v in range(item.min, item.max + 1)
        )
        return ItemInfo(
            item.id,
            item.label.get(lang),
            "scale",
            categories,
            (float(item.min), float(item.max)),
            direction=direction,
        )
    if item.points is not None:
        categories = tuple(
            Category(option.id, option.label.get(lang), float(points))
            for option, points in zip(item.options, item.points, strict=True)
        )
        return ItemInfo(
            item.id,
            item.label.get(lang),
            "likert",
            categories,
            (float(min(item.points)), float(max(item.points))),
            reversed=item.points[0] < item.points[-1],
            direction=direction,
        )
    values = [option.value for option in item.options]
    if values and all(value is not None for value in values):
        numbers = [float(v) for v in values if v is not None]
        categories = tuple(
            Category(option.id, option.label.get(lang), float(option.value or 0))
            for option in item.options
        )
        return ItemInfo(
            item.id,
            item.label.get(lang),
            "likert",
            categories,
            (min(numbers), max(numbers)),
            direction=direction,
        )
    categories = tuple(Category(option.id, option.label.get(lang)) for option in item.options)
    return ItemInfo(item.id, item.label.get(lang), "choice", categories, None, direction="none")


def total_info(instrument: Instrument, lang: str) -> ItemInfo | None:
    """The points total of an instrument whose every item has points (psych safety: 0–70)."""
    if not instrument.has_total:
        return None
    low = sum(min(item.points or (0,)) for item in instrument.items)
    high = sum(max(item.points or (0,)) for item in instrument.items)
    label = "Samlet score" if lang == "da" else "Total score"
    return ItemInfo("total", f"{label} {low}–{high}", "total", (), (float(low), float(high)))


def items_of(instrument: Instrument, lang: str) -> tuple[ItemInfo, ...]:
    """Every item that has numbers (free-text items are notes, not numbers)."""
    return tuple(
        item_info(instrument, item, lang) for item in instrument.items if item.kind != "text"
    )
