"""The report's charts as inline SVG, drawn from published numbers only.

Each chart gets plain typed inputs and returns a `Chart`: the SVG (an image with a title and
a description that lists every value), the same values as text, and its n line. Every mark
carries `data-value`, the number it was drawn from, and its length or position follows from
that number on a fixed axis (a 1–10 scale is drawn 1–10, shares 0–100 %), so tests can check
that a chart plots exactly its inputs. A hidden value (None) is never drawn as a bar or point:
it gets a hatched box that says "skjult".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.admin.handout_model import decimal, percent
from kiosk.admin.svg import (
    FONT,
    GRID,
    HIDDEN_FILL,
    INK,
    MUTED,
    document,
    esc,
    ink_on,
    rect,
    text,
    text_width,
    widest_word,
    wrap,
)

SERIES_COLOURS = ("#0b5394", "#c25400", "#2e7d32", "#7b1fa2", "#5d4037", "#00838f", "#ad1457")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond")
DASHES = ("", "5 3", "2 2", "8 3 2 3", "", "5 3", "2 2")
WIDTH = 340.0


@dataclass(frozen=True)
class Chart:
    """One drawn chart: its SVG, accessible title, the values it plots as text, and n."""

    id: str
    title: str
    svg: str
    values: tuple[str, ...]
    n_text: str


@dataclass(frozen=True)
class Axis:
    """A fixed value axis: the range, its ticks and how a value is written."""

    lo: float
    hi: float
    ticks: tuple[float, ...]
    percent: bool = False
    digits: int = 1

    def fmt(self, value: float, lang: str, digits: int | None = None) -> str:
        """A value as the axis writes it (decimal comma in Danish, per cent for shares)."""
        if self.percent:
            return percent(value, lang)
        return decimal(value, lang, self.digits if digits is None else digits)

    def tick(self, value: float, lang: str) -> str:
        """A tick label: whole numbers without decimals, others with the language's mark."""
        if self.percent:
            return percent(value, lang)
        return decimal(value, lang, 0 if float(value).is_integer() else 1)


def count_axis(largest: int) -> Axis:
    """An axis for counts from 0 to a round number at or above `largest` (at least 5)."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        step = candidate
        if largest / candidate <= 5:
            break
    top = max(5, -(-max(largest, 1) // step) * step)
    ticks = tuple(float(v) for v in range(0, int(top) + 1, step if top >= step else 1))
    return Axis(0, float(top), ticks, digits=0)


SHARE_AXIS = Axis(0, 1, (0, 0.25, 0.5, 0.75, 1), percent=True)


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: a value per period, None where the cell is hidden."""

    name: str
    values: tuple[float | None, ...]


def _marker(kind: str, x: float, y: float, colour: str, extra: str) -> str:
    if kind == "square":
        return rect(x - 3.2, y - 3.2, 6.4, 6.4, colour, extra)
    if kind == "diamond":
        points = (
            f"{x:.1f},{y - 4.2:.1f} {x + 4.2:.1f},{y:.1f} "
            f"{x:.1f},{y + 4.2:.1f} {x - 4.2:.1f},{y:.1f}"
        )
        return f'<polygon points="{points}" fill="{colour}" {extra}/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 4.2:.1f} {x + 4:.1f},{y + 3.2:.1f} {x - 4:.1f},{y + 3.2:.1f}"
        return f'<polygon points="{points}" fill="{colour}" {extra}/>'
    return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="3.4" fill="{colour}" {extra}/>'


def _legend(names: Sequence[str], top: float, lines: bool) -> tuple[str, float]:
    """Swatches with wrapped names in rows under a chart; returns the SVG and its height."""
    parts: list[str] = []
    x, y, row_height = 8.0, top, FONT * 1.3
    for index, name in enumerate(names):
        label_lines = wrap(name, 140)
        width = 22 + max(text_width(line) for line in label_lines) + 12
        if x + width > WIDTH and x > 8:
            x, y = 8.0, y + row_height
            row_height = FONT * 1.3
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        if lines:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 3.5:.1f}" x2="{x + 16:.1f}" y2="{y - 3.5:.1f}" '
                f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
            parts.append(_marker(MARKERS[index % len(MARKERS)], x + 8, y - 3.5, colour, ""))
        else:
            parts.append(rect(x, y - 9, 14, 10, colour))
        parts.append(text(x + 20, y, label_lines))
        row_height = max(row_height, FONT * 1.2 * len(label_lines) + 3)
        x += width
    return "".join(parts), y + row_height - top


def trend(
    chart_id: str,
    title: str,
    periods: Sequence[str],
    series: Sequence[Series],
    axis: Axis,
    lang: str,
    n_text: str,
) -> Chart:
    """Lines over periods on a fixed axis; a hidden value breaks the line and is not drawn.

    Args:
        periods: short period labels, oldest first.
        series: one value per period each (None: hidden).
        axis: the fixed value axis (1–10 for the check-in, 0–70 for a total, …).
    """
    left, right, top, plot_h = 38.0, 8.0, 10.0, 100.0
    plot_w = WIDTH - left - right
    inset = max((text_width(p, FONT * 0.9) for p in periods), default=0.0) / 2 + 4
    inner = plot_w - 2 * inset
    step = inner / max(1, len(periods) - 1) if len(periods) > 1 else 0.0

    def x_at(index: int) -> float:
        return left + inset + (index * step if len(periods) > 1 else inner / 2)

    def y_at(value: float) -> float:
        return top + plot_h * (1 - (value - axis.lo) / (axis.hi - axis.lo))

    parts: list[str] = []
    for tick in axis.ticks:
        y = y_at(tick)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.8"/>'
        )
        parts.append(text(left - 4, y + 3.5, [axis.tick(tick, lang)], anchor="end", fill=MUTED))
    label_w = plot_w / max(1, len(periods))
    for index, period in enumerate(periods):
        lines = wrap(period, max(label_w, widest_word([period], FONT * 0.9)), FONT * 0.9)
        parts.append(text(x_at(index), top + plot_h + 13, lines, size=FONT * 0.9, anchor="middle"))
    values_text: list[str] = []
    for number, line in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        dash = DASHES[number % len(DASHES)]
        segments: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(line.values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append((x_at(index), y_at(value)))
        for segment in segments:
            if len(segment) > 1:
                path = " ".join(f"{x:.2f},{y:.2f}" for x, y in segment)
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
        shown = []
        for index, value in enumerate(line.values):
            if value is None:
                shown.append(
                    f"{periods[index]}: skjult" if lang == "da" else f"{periods[index]}: hidden"
                )
                continue
            extra = (
                f'class="mark" data-series="{esc(line.name)}" data-key="{esc(periods[index])}" '
                f'data-value="{value!r}"'
            )
            parts.append(
                _marker(MARKERS[number % len(MARKERS)], x_at(index), y_at(value), colour, extra)
            )
            shown.append(f"{periods[index]}: {axis.fmt(value, lang)}")
        if len(series) == 1:
            for index, value in enumerate(line.values):
                if value is not None:
                    parts.append(
                        text(
                            x_at(index),
                            y_at(value) - 7,
                            [axis.fmt(value, lang)],
                            size=FONT * 0.9,
                            anchor="middle",
                        )
                    )
        values_text.append(f"{line.name}: " + "; ".join(shown))
    legend, legend_h = _legend([s.name for s in series], top + plot_h + 40, lines=True)
    height = top + plot_h + 40 + legend_h
    description = ". ".join(values_text)
    svg = document(chart_id, WIDTH, height, title, description, "".join(parts) + legend)
    return Chart(chart_id, title, svg, tuple(values_text), n_text)


@dataclass(frozen=True)
class StackRow:
    """One 100 % bar: a label, counts per category (None: hidden) and n (None: hidden)."""

    label: str
    counts: tuple[int | None, ...] | None
    n: int | None


def stacked(
    chart_id: str,
    title: str,
    rows: Sequence[StackRow],
    categories: Sequence[str],
    colours: Sequence[str],
    lang: str,
    n_text: str,
) -> Chart:
    """100 % stacked bars, one per row: each segment's width is its count's share of n.

    A row whose cell is hidden (n None) is one hatched box saying "skjult".
    """
    n_w = 40.0
    legend, legend_h = _stack_legend(categories, colours)
    bar_x, bar_w = 0.0, WIDTH - n_w
    parts = [legend]
    values_text: list[str] = []
    y = legend_h + 8
    for row in rows:
        lines = wrap(row.label, bar_w)
        parts.append(text(0, y + FONT, lines))
        bar_y, bar_h = y + FONT * 1.2 * len(lines) + 1, 14.0
        if row.n is None or row.counts is None or row.n == 0:
            word = "skjult" if lang == "da" else "hidden"
            parts.append(rect(bar_x, bar_y, bar_w, bar_h, HIDDEN_FILL, 'class="hidden-mark"'))
            parts.append(text(bar_x + bar_w / 2, bar_y + 10.5, [word], anchor="middle", fill=INK))
            values_text.append(f"{row.label}: {word}")
        else:
            x = bar_x
            said = []
            for index, count in enumerate(row.counts):
                if count is None:
                    said.append(f"{categories[index]}: " + ("skjult" if lang == "da" else "hidden"))
                    continue
                share = count / row.n
                width = bar_w * share
                colour = colours[index]
                extra = (
                    f'class="mark" data-series="{esc(categories[index])}" '
                    f'data-key="{esc(row.label)}" data-value="{share!r}"'
                )
                parts.append(rect(x, bar_y, width, bar_h, colour, extra))
                if share >= 0.08:
                    parts.append(
                        text(
                            x + width / 2,
                            bar_y + 10.5,
                            [percent(share, lang)],
                            size=FONT * 0.85,
                            anchor="middle",
                            fill=ink_on(colour),
                        )
                    )
                said.append(f"{categories[index]}: {percent(share, lang)} ({count})")
                x += width
            parts.append(
                text(WIDTH - n_w + 4, bar_y + 10.5, [f"n = {row.n}"], size=FONT * 0.9, fill=MUTED)
            )
            values_text.append(f"{row.label} (n = {row.n}): " + ", ".join(said))
        y = bar_y + bar_h + 5
    svg = document(chart_id, WIDTH, y, title, ". ".join(values_text), "".join(parts))
    return Chart(chart_id, title, svg, tuple(values_text), n_text)


def _stack_legend(categories: Sequence[str], colours: Sequence[str]) -> tuple[str, float]:
    parts: list[str] = []
    x, y, row_h = 0.0, 10.0, FONT * 1.3
    for name, colour in zip(categories, colours, strict=True):
        lines = wrap(name, 120)
        width = 16 + max(text_width(line) for line in lines) + 10
        if x + width > WIDTH and x > 0:
            x, y = 0.0, y + row_h
            row_h = FONT * 1.3
        parts.append(rect(x, y - 9, 12, 10, colour, 'stroke="#8c8c8c" stroke-width="0.5"'))
        parts.append(text(x + 16, y, lines))
        row_h = max(row_h, FONT * 1.2 * len(lines) + 3)
        x += width
    return "".join(parts), y + row_h - 10


def columns(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    counts: Sequence[int | None],
    lang: str,
    n_text: str,
) -> Chart:
    """Vertical bars of counts over a fixed set of categories (the check-in's 1–10): every
    category has its slot, so the axis is always the whole scale."""
    axis = count_axis(max((c for c in counts if c is not None), default=0))
    left, top, plot_h = 30.0, 12.0, 100.0
    plot_w = WIDTH - left - 6
    slot = plot_w / max(1, len(labels))
    parts: list[str] = []
    for tick in axis.ticks:
        y = top + plot_h * (1 - tick / axis.hi)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.8"/>'
        )
        parts.append(text(left - 4, y + 3.5, [axis.tick(tick, lang)], anchor="end", fill=MUTED))
    said = []
    hidden = "skjult" if lang == "da" else "hidden"
    for index, (name, count) in enumerate(zip(labels, counts, strict=True)):
        x = left + index * slot + slot * 0.15
        parts.append(text(x + slot * 0.35, top + plot_h + 13, [name], anchor="middle"))
        if count is None:
            parts.append(
                rect(x, top + plot_h - 30, slot * 0.7, 30, HIDDEN_FILL, 'class="hidden-mark"')
            )
            said.append(f"{name}: {hidden}")
            continue
        height = plot_h * count / axis.hi
        extra = f'class="mark" data-key="{esc(name)}" data-value="{count!r}"'
        parts.append(rect(x, top + plot_h - height, slot * 0.7, height, SERIES_COLOURS[0], extra))
        parts.append(
            text(
                x + slot * 0.35,
                top + plot_h - height - 3,
                [str(count)],
                size=FONT * 0.9,
                anchor="middle",
            )
        )
        said.append(f"{name}: {count}")
    height_total = top + plot_h + 20
    svg = document(chart_id, WIDTH, height_total, title, "; ".join(said), "".join(parts))
    return Chart(chart_id, title, svg, tuple(said), n_text)


@dataclass(frozen=True)
class CountRow:
    """One group of bars: a label and a count per category (None: hidden)."""

    label: str
    counts: tuple[int | None, ...] | None


def count_bars(
    chart_id: str,
    title: str,
    rows: Sequence[CountRow],
    categories: Sequence[str],
    lang: str,
    n_text: str,
) -> Chart:
    """Horizontal bars of counts per row and category; a hidden count is a box "skjult"."""
    known = [c for row in rows if row.counts for c in row.counts if c is not None]
    axis = count_axis(max(known, default=0))
    label_w = max(110.0, widest_word([row.label for row in rows]) + 4)
    cat_w = max(widest_word(categories), max((text_width(c) for c in categories), default=0)) + 6
    bar_x = label_w + cat_w + 8
    bar_w = WIDTH - bar_x - 26
    word = "skjult" if lang == "da" else "hidden"
    parts: list[str] = []
    said = []
    y = 4.0
    for row in rows:
        lines = wrap(row.label, label_w)
        block_h = max(len(categories) * 12.0, FONT * 1.2 * len(lines)) + 6
        parts.append(text(0, y + 10, lines, weight="bold"))
        counts = row.counts
        pieces = []
        for index, category in enumerate(categories):
            bar_y = y + index * 12.0 + 1
            parts.append(text(label_w + 4, bar_y + 9, [category], size=FONT * 0.9, fill=MUTED))
            count = None if counts is None else counts[index]
            if count is None:
                parts.append(rect(bar_x, bar_y, 44, 10, HIDDEN_FILL, 'class="hidden-mark"'))
                parts.append(
                    text(bar_x + 22, bar_y + 8.5, [word], size=FONT * 0.8, anchor="middle")
                )
                pieces.append(f"{category}: {word}")
                continue
            width = bar_w * count / axis.hi
            extra = (
                f'class="mark" data-series="{esc(category)}" data-key="{esc(row.label)}" '
                f'data-value="{count!r}"'
            )
            parts.append(rect(bar_x, bar_y, width, 10, SERIES_COLOURS[index], extra))
            parts.append(text(bar_x + width + 3, bar_y + 8.5, [str(count)], size=FONT * 0.9))
            pieces.append(f"{category}: {count}")
        said.append(f"{row.label}: " + ", ".join(pieces))
        y += block_h + 4
    svg = document(chart_id, WIDTH, y, title, ". ".join(said), "".join(parts))
    return Chart(chart_id, title, svg, tuple(said), n_text)


@dataclass(frozen=True)
class HeatCell:
    """One heatmap cell: the text shown, and its place on the item's scale (0 worst, 1 best);
    `position` None with text None means hidden."""

    text: str | None
    position: float | None
    value: float | None = None


def _heat_colour(position: float) -> str:
    """Low (0) orange through pale to high (1) blue, a scale readable in greyscale too."""
    low, mid, high = (0xE6, 0x8A, 0x3C), (0xF7, 0xF7, 0xF7), (0x3B, 0x7D, 0xBF)
    if position < 0.5:
        a, b, t = low, mid, position / 0.5
    else:
        a, b, t = mid, high, (position - 0.5) / 0.5
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def heatmap(
    chart_id: str,
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[HeatCell]],
    lang: str,
    n_text: str,
) -> Chart:
    """A grid of rows × columns coloured by each cell's place on its scale, value written in.

    A row without cells is a heading (a tool's name) over the rows that follow it.
    """
    label_w = max(300.0, widest_word(row_labels) + 4)
    col_w = max(64.0, widest_word(column_labels) + 8)
    head_lines = [wrap(label, col_w - 4) for label in column_labels]
    head_h = FONT * 1.2 * max((len(lines) for lines in head_lines), default=1) + 4
    width = label_w + col_w * len(column_labels)
    word = "skjult" if lang == "da" else "hidden"
    parts = [
        text(label_w + col_w * (i + 0.5), 11, lines, anchor="middle", weight="bold")
        for i, lines in enumerate(head_lines)
    ]
    said = []
    y = head_h + 2
    for row_label, row in zip(row_labels, cells, strict=True):
        lines = wrap(row_label, label_w - 4)
        if not row:
            parts.append(text(0, y + 14, lines, weight="bold"))
            y += FONT * 1.2 * len(lines) + 6
            continue
        lines = wrap(row_label, label_w - 12)
        row_h = max(15.0, FONT * 1.2 * len(lines) + 3)
        parts.append(text(8, y + 11, lines))
        pieces = []
        for index, cell in enumerate(row):
            x = label_w + index * col_w
            if cell.text is None or cell.position is None:
                parts.append(
                    rect(x + 1, y, col_w - 2, row_h - 2, HIDDEN_FILL, 'class="hidden-mark"')
                )
                parts.append(
                    text(x + col_w / 2, y + row_h / 2 + 3, [word], size=FONT * 0.9, anchor="middle")
                )
                pieces.append(f"{column_labels[index]}: {word}")
                continue
            colour = _heat_colour(cell.position)
            extra = (
                f'class="mark" data-series="{esc(column_labels[index])}" '
                f'data-key="{esc(row_label)}" data-value="{cell.value!r}" '
                f'data-position="{cell.position!r}"'
            )
            parts.append(rect(x + 1, y, col_w - 2, row_h - 2, colour, extra))
            parts.append(
                text(
                    x + col_w / 2,
                    y + row_h / 2 + 3,
                    [cell.text],
                    anchor="middle",
                    fill=ink_on(colour),
                )
            )
            pieces.append(f"{column_labels[index]}: {cell.text}")
        said.append(f"{row_label}: " + ", ".join(pieces))
        y += row_h
    svg = document(chart_id, width, y + 2, title, ". ".join(said), "".join(parts))
    return Chart(chart_id, title, svg, tuple(said), n_text)
