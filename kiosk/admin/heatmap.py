"""The site comparison as an SVG heatmap: item × site, coloured by place on the item's scale.

The value is always written in the cell, so the colour is never the only carrier; a hidden
cell is a hatched box saying "skjult", never a colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.admin.charts import Chart
from kiosk.admin.svg import (
    FONT,
    HIDDEN_FILL,
    document,
    esc,
    ink_on,
    rect,
    text,
    widest_word,
    wrap,
)


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
