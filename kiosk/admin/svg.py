"""Small SVG helpers for the report's charts: escaping, text measured and wrapped whole-word.

Charts are written by hand so every mark is exactly the number it shows (`data-value`), the
file stays small and nothing depends on a plotting library's layout. Text width is estimated
from the character count with a deliberately wide average glyph, so a label never overflows
its box; a word is never split (a word longer than the box gets a line of its own and the box
is widened to fit it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

FONT = 10.0
GLYPH = 0.6
"""Average glyph width as a share of the font size: wide enough for DejaVu Sans and Verdana."""

INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#d9d9d9"
HIDDEN_FILL = "url(#hatch)"


def esc(text: object) -> str:
    """Text made safe for SVG or HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def text_width(text: str, size: float = FONT) -> float:
    """The estimated width of one line of text at `size` (user units)."""
    return len(text) * size * GLYPH


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """Lines of whole words no wider than `width` (a longer word stands alone, uncut)."""
    per_line = max(1, int(width // (size * GLYPH)))
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= per_line or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def widest_word(texts: Sequence[str], size: float = FONT) -> float:
    """The width of the longest word in any of `texts`, so a label box can always hold it."""
    words = [word for text in texts for word in text.split()]
    return max((text_width(word, size) for word in words), default=0.0)


def text(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float = FONT,
    anchor: str = "start",
    fill: str = INK,
    weight: str | None = None,
    css: str | None = None,
) -> str:
    """A <text> of one or more lines, the first line's baseline at y."""
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if css:
        attrs += f' class="{css}"'
    if len(lines) == 1:
        return f"<text {attrs}>{esc(lines[0])}</text>"
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if index == 0 else size * 1.2:.1f}">{esc(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f"<text {attrs}>{spans}</text>"


def rect(x: float, y: float, width: float, height: float, fill: str, extra: str = "") -> str:
    """A rectangle; `extra` carries data-* attributes of a mark."""
    tail = f" {extra}" if extra else ""
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" height="{height:.2f}" '
        f'fill="{fill}"{tail}/>'
    )


def hatch_defs() -> str:
    """The diagonal hatch that marks a hidden cell (never a bar of length zero)."""
    return (
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="3"/></pattern></defs>'
    )


def document(
    chart_id: str, width: float, height: float, title: str, description: str, body: str
) -> str:
    """The whole <svg>: an image with its accessible name (title) and values (desc)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{esc(chart_id)}" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="{esc(chart_id)}-t" aria-describedby="{esc(chart_id)}-d">'
        f'<title id="{esc(chart_id)}-t">{esc(title)}</title>'
        f'<desc id="{esc(chart_id)}-d">{esc(description)}</desc>'
        f"{hatch_defs()}{body}</svg>"
    )


def luminance(colour: str) -> float:
    """Relative luminance of a #rrggbb colour (WCAG), to pick dark or light text on it."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ink_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour`."""
    return "#ffffff" if luminance(colour) < 0.2 else INK
