"""The front page's reading of the published numbers: a headline per tool and focus areas.

Pure arithmetic on published cells (a hidden cell is skipped, never taken as zero). Scores are
compared through their place on the item's own fixed scale (0 = bottom, 1 = top), so a 1–5
nugget and a 0–10 statement can be ranked together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.admin.handout_model import (
    Cell,
    Handout,
    ItemInfo,
    SiteKey,
    Tool,
    decimal,
    percent,
    signed,
)

SUPPORT_LOW = (1, 2, 3)
SUPPORT_MIDDLE = (4, 5, 6, 7)
SUPPORT_HIGH = (8, 9, 10)
DROP = 0.05
"""A fall of at least 5 % of an item's scale (0,5 on a 1–10 scale) counts as a drop."""
NEED_MORE = 0.3
"""A support kind that at least 30 % want more of is a focus area."""

PER_TOOL = 2
"""At most this many focus areas from one tool, so one tool cannot fill the list."""

Reason = Literal["low", "drop", "need_more", "exposure"]


def position(item: ItemInfo, mean: float) -> float:
    """Where a mean lies on the item's fixed scale: 0 at its bottom, 1 at its top."""
    assert item.scale is not None
    low, high = item.scale
    return (mean - low) / (high - low)


def support_shares(cell: Cell) -> tuple[float, float, float] | None:
    """Shares of "skru ned" (1–3), "det er fint" (4–7) and "mere" (8–10) of a support cell."""
    if cell.n is None or cell.n == 0 or len(cell.counts) != 10 or None in cell.counts:
        return None
    counts = [c or 0 for c in cell.counts]
    low, middle, high = (
        sum(counts[v - 1] for v in group) for group in (SUPPORT_LOW, SUPPORT_MIDDLE, SUPPORT_HIGH)
    )
    return low / cell.n, middle / cell.n, high / cell.n


def quoted(text: str, lang: str) -> str:
    """A statement in the language's quotation marks: »…« in Danish, “…” in English."""
    return f"»{text}«" if lang == "da" else f"“{text}”"


def scale_text(item: ItemInfo, mean: float, lang: str) -> str:
    """A mean with its scale: "6,4 af 10" / "6.4 of 10"."""
    assert item.scale is not None
    top = decimal(item.scale[1], lang, 0)
    return f"{decimal(mean, lang)} {'af' if lang == 'da' else 'of'} {top}"


@dataclass(frozen=True)
class Focus:
    """One focus area: the tool and item, why it was picked, and what the numbers say."""

    tool: Tool
    item: ItemInfo
    reason: Reason
    text: str
    weight: float


def _scored(tool: Tool) -> list[ItemInfo]:
    items = [i for i in tool.items if i.scale is not None and i.direction == "higher_better"]
    return items


def focus_areas(handout: Handout, limit: int = 6) -> list[Focus]:
    """The lowest-scoring items and the biggest drops of the latest period (all sites),
    support kinds many want more of, and every strain someone reported; published cells only.
    """
    latest, previous, lang = handout.latest, handout.previous, handout.lang
    if latest is None:
        return []
    site: SiteKey = handout.site_keys[-1]
    found: list[Focus] = []
    for tool in handout.tools:
        for item in _scored(tool):
            now = tool.cell(item.id, latest.key, site)
            if now.mean is None:
                continue
            place = position(item, now.mean)
            said = f"{quoted(item.label, lang)} {scale_text(item, now.mean, lang)}"
            before = tool.cell(item.id, previous.key, site) if previous else None
            if before is not None and before.mean is not None:
                fall = position(item, before.mean) - place
                if fall >= DROP:
                    change = decimal(before.mean - now.mean, lang)
                    word = "faldet" if lang == "da" else "down"
                    found.append(Focus(tool, item, "drop", f"{said} ({word} {change})", fall + 1))
                    continue
            if place < 0.6:
                found.append(Focus(tool, item, "low", said, 1 - place))
        if tool.id == "support":
            for item in tool.items:
                shares = support_shares(tool.cell(item.id, latest.key, site))
                if shares and shares[2] >= NEED_MORE:
                    word = "vil have mere" if lang == "da" else "want more"
                    text = f"{quoted(item.label, lang)}: {percent(shares[2], lang)} {word}"
                    found.append(Focus(tool, item, "need_more", text, shares[2]))
        if tool.id == "exposures":
            for item in tool.items:
                cell = tool.cell(item.id, latest.key, site)
                yes = cell.counts[0] if cell.counts else None
                if cell.n and yes:
                    word = "svarede ja" if lang == "da" else "said yes"
                    said = f"{quoted(item.label, lang)}: {yes} {word}"
                    found.append(Focus(tool, item, "exposure", said, 2))
    found.sort(key=lambda focus: -focus.weight)
    per_tool: dict[str, int] = {}
    chosen = []
    for focus in found:
        if per_tool.get(focus.tool.id, 0) < PER_TOOL:
            per_tool[focus.tool.id] = per_tool.get(focus.tool.id, 0) + 1
            chosen.append(focus)
    return chosen[:limit]


def headline(handout: Handout, tool: Tool) -> tuple[str, str]:
    """The tool's result for the latest period (all sites) and its change since the one
    before, as two short texts; "skjult" where the cell is hidden."""
    lang, latest, previous = handout.lang, handout.latest, handout.previous
    hidden = "skjult" if lang == "da" else "hidden"
    if latest is None:
        return hidden, ""
    site = handout.site_keys[-1]
    if tool.total is not None or tool.id == "checkin":
        item = tool.total if tool.total is not None else tool.items[0]
        now = tool.cell(item.id, latest.key, site)
        if now.mean is None:
            return hidden, ""
        before = tool.cell(item.id, previous.key, site) if previous else None
        word = "Gennemsnit" if lang == "da" else "Mean"
        if tool.total is not None:
            word = "Samlet score" if lang == "da" else "Total score"
        text = f"{word} {scale_text(item, now.mean, lang)}"
        return text, _change(now.mean, before.mean if before else None, lang)
    if tool.id == "support":
        best: tuple[float, str] | None = None
        for item in tool.items:
            shares = support_shares(tool.cell(item.id, latest.key, site))
            if shares and (best is None or shares[2] > best[0]):
                best = (shares[2], item.label)
        if best is None:
            return hidden, ""
        word = "Mest brug for mere" if lang == "da" else "Most wanted"
        return f"{word}: {best[1]} ({percent(best[0], lang)})", ""
    if tool.id == "exposures":
        said = []
        for item in tool.items:
            cell = tool.cell(item.id, latest.key, site)
            yes = cell.counts[0] if cell.counts else None
            if cell.n and yes:
                said.append(f"{item.label} ({yes})")
        if not said:
            return ("Ingen ja vist" if lang == "da" else "No yes shown"), ""
        return ("Ja: " if lang == "da" else "Yes: ") + "; ".join(said), ""
    scored = [(tool.cell(i.id, latest.key, site).mean, i) for i in _scored(tool)]
    means = [(m, i) for m, i in scored if m is not None]
    if means:
        low_mean, low_item = min(means, key=lambda pair: position(pair[1], pair[0]))
        word = "Lavest" if lang == "da" else "Lowest"
        return f"{word}: {low_item.label} {scale_text(low_item, low_mean, lang)}", ""
    count = tool.n(latest.key, site)
    if count.n is None:
        return hidden, ""
    before_n = tool.n(previous.key, site).n if previous else None
    word = "svar" if lang == "da" else "answers"
    return f"{count.n} {word}", _change(count.n, before_n, lang, digits=0)


def _change(now: float, before: float | None, lang: str, digits: int = 1) -> str:
    return "" if before is None else signed(now - before, lang, digits)
