"""A 1–10 slider for kiosk answers: big targets, keys, clicks, drags and a visible unset state.

Shaped like Textual's `Switch`: a clamped `value` reactive that starts unset (`None`), a nested
`Changed` message, parameterised key actions and mouse capture for dragging.

The first step key on an unset slider (arrows, page up/down) puts it on the middle value,
`(minimum + maximum) // 2`, rather than moving from an edge, so a person who only nudges the
slider lands on the neutral answer they can see and then adjust; home/end and digits set their
own value directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import RenderResult
    from textual.dom import DOMNode

PLAIN_CLASS = "-plain"
"""CSS class on a Screen or container that switches its widgets to the ASCII high-contrast look."""

PAGE_STEP = 3
"""How far page up/down move the slider."""


def in_plain_mode(node: DOMNode) -> bool:
    """Tell whether `node` sits under a Screen or container with the plain (ASCII) class."""
    return any(ancestor.has_class(PLAIN_CLASS) for ancestor in node.ancestors_with_self)


def value_to_column(index: int, count: int, width: int) -> int:
    """Map the index of a value to the centre column of its even share of the track."""
    return (2 * index + 1) * width // (2 * count)


def column_to_value_index(column: int, count: int, width: int) -> int:
    """Map a track column to the index of the value whose share of the track holds it."""
    if width <= 0:
        return 0
    return min(max(column * count // width, 0), count - 1)


class _Row:
    """One line of cells that labels are written onto by column, then turned into Rich Text."""

    def __init__(self, width: int, fill: str = " ", style: Style | None = None) -> None:
        self.width = width
        self.chars = [fill] * width
        self.styles: list[Style | None] = [style] * width

    def put(self, start: int, text: str, style: Style | None) -> None:
        for offset, char in enumerate(text):
            column = start + offset
            if 0 <= column < self.width:
                self.chars[column] = char
                self.styles[column] = style

    def to_text(self) -> Text:
        text = Text(no_wrap=True, overflow="crop", end="")
        for char, style in zip(self.chars, self.styles, strict=True):
            text.append(char, style)
        return text


def _truncate(text: str, room: int, ellipsis: str) -> str:
    if len(text) <= room:
        return text
    if room <= len(ellipsis):
        return text[: max(room, 0)]
    return text[: room - len(ellipsis)].rstrip() + ellipsis


class Slider(Widget, can_focus=True):
    """An integer slider that starts unset, for answers on a scale such as 1–10.

    Args:
        minimum: The lowest value.
        maximum: The highest value.
        value: The starting value, or None for "not answered yet".
        anchors: Texts shown under chosen values, e.g. `((1, "Skru lidt ned"), (10, "Mere"))`.
        unset_label: The hint shown on the track while no value is chosen.
        name: The name of the widget.
        id: The ID of the widget in the DOM.
        classes: The CSS classes of the widget.
        disabled: Whether the widget is disabled.
    """

    ALLOW_SELECT = False
    # Unscoped, so the `.-plain Slider` rule can match a class on the Screen or a container.
    SCOPED_CSS = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,down", "step(-1)", "Less", show=False),
        Binding("right,up", "step(1)", "More", show=False),
        Binding("pagedown", f"step({-PAGE_STEP})", "Much less", show=False),
        Binding("pageup", f"step({PAGE_STEP})", "Much more", show=False),
        Binding("home", "first", "Lowest", show=False),
        Binding("end", "last", "Highest", show=False),
        *[Binding(str(digit), f"digit({digit})", show=False) for digit in range(10)],
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | left, down | One less (the middle value if unset). |
    | right, up | One more (the middle value if unset). |
    | pagedown, pageup | Three less or more. |
    | home, end | The lowest or highest value. |
    | 1–9, 0 | That value when it is in range; 0 means 10 on a scale that starts at 1. |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "slider--track",
        "slider--fill",
        "slider--thumb",
        "slider--number",
        "slider--chosen",
        "slider--anchor",
        "slider--unset",
    }

    DEFAULT_CSS = """
    Slider {
        width: 1fr;
        height: auto;
        border: tall $border-blurred;
        background: $surface;
        padding: 0 1;
        pointer: pointer;

        & > .slider--track { color: $foreground 45%; }
        & > .slider--fill { color: $accent; }
        & > .slider--thumb { color: $accent; text-style: bold; }
        & > .slider--number { color: $foreground; }
        & > .slider--chosen { color: $accent; text-style: bold reverse; }
        & > .slider--anchor { color: $foreground 80%; }
        & > .slider--unset { color: $foreground; text-style: bold italic; }

        &:focus {
            border: tall $accent;
            background-tint: $foreground 5%;
        }
        &:disabled { opacity: 0.6; }
    }
    .-plain Slider {
        border: blank;
        background: $background;
        & > .slider--track { color: $foreground; }
        & > .slider--fill { color: $foreground; }
        & > .slider--thumb { color: $foreground; text-style: bold; }
        & > .slider--anchor { color: $foreground; }
        & > .slider--chosen { color: $foreground; text-style: bold reverse; }
        &:focus {
            border: ascii $foreground;
            background-tint: transparent;
        }
    }
    """

    value: reactive[int | None] = reactive[int | None](None, init=False)
    """The chosen value, clamped into range; None while not answered."""

    class Changed(Message):
        """Posted when the slider's value changes, by a person or by code.

        Attributes:
            slider: The slider that changed.
            value: Its new value, or None when it was reset to "not answered".
        """

        def __init__(self, slider: Slider, value: int | None) -> None:
            super().__init__()
            self.slider = slider
            self.value = value

        @property
        def control(self) -> Slider:
            """The slider that changed, so `@on(Slider.Changed, "#id")` can select it."""
            return self.slider

    def __init__(
        self,
        minimum: int = 1,
        maximum: int = 10,
        value: int | None = None,
        *,
        anchors: Sequence[tuple[int, str]] = (),
        unset_label: str = "not answered",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        if minimum >= maximum:
            raise ValueError(f"Slider needs minimum < maximum, got {minimum} and {maximum}")
        for anchor_value, _ in anchors:
            if not minimum <= anchor_value <= maximum:
                raise ValueError(
                    f"Slider anchor at {anchor_value} lies outside {minimum}–{maximum}"
                )
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.minimum = minimum
        self.maximum = maximum
        self.anchors = tuple(sorted(anchors))
        self.unset_label = unset_label
        self._dragging = False
        if value is not None:
            self.set_reactive(Slider.value, self.validate_value(value))

    @property
    def middle(self) -> int:
        """The value an unset slider takes on its first step key."""
        return (self.minimum + self.maximum) // 2

    @property
    def _count(self) -> int:
        return self.maximum - self.minimum + 1

    def validate_value(self, value: int | None) -> int | None:
        """Clamp a value into range, leaving None (not answered) as it is."""
        if value is None:
            return None
        return min(max(value, self.minimum), self.maximum)

    def watch_value(self, value: int | None) -> None:
        self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        """Move by `delta`, or go to the middle value if nothing is chosen yet."""
        self.value = self.middle if self.value is None else self.value + delta

    def action_first(self) -> None:
        """Go to the lowest value."""
        self.value = self.minimum

    def action_last(self) -> None:
        """Go to the highest value."""
        self.value = self.maximum

    def action_digit(self, digit: int) -> None:
        """Jump to the value typed; 0 stands for 10 on scales that start above 0."""
        target = 10 if digit == 0 and self.minimum > 0 else digit
        if self.minimum <= target <= self.maximum:
            self.value = target

    def _value_at(self, event: events.MouseEvent) -> int:
        column = event.get_content_offset_capture(self).x
        index = column_to_value_index(column, self._count, self.content_size.width)
        return self.minimum + index

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self._dragging = True
        self.capture_mouse()
        self.value = self._value_at(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            event.stop()
            self.value = self._value_at(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            event.stop()
            self._dragging = False
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.value = self._value_at(event)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 3

    def render(self) -> RenderResult:
        width = self.content_size.width
        plain = in_plain_mode(self)
        lines = [self._track_row(width, plain), self._number_row(width, plain)]
        lines.append(self._anchor_row(width, plain))
        return Text("\n", end="").join(line.to_text() for line in lines)

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component)

    def _track_row(self, width: int, plain: bool) -> _Row:
        track_char, fill_char, thumb_char = ("-", "=", "O") if plain else ("─", "━", "●")
        if self.value is None:
            row = _Row(width, "-" if plain else "╌", self._style("slider--track"))
            hint = f" {_truncate(self.unset_label, width - 2, '...' if plain else '…')} "
            row.put((width - len(hint)) // 2, hint, self._style("slider--unset"))
            return row
        row = _Row(width, track_char, self._style("slider--track"))
        thumb = value_to_column(self.value - self.minimum, self._count, width)
        row.put(0, fill_char * thumb, self._style("slider--fill"))
        row.put(thumb, thumb_char, self._style("slider--thumb"))
        return row

    def _number_row(self, width: int, plain: bool) -> _Row:
        row = _Row(width)
        count = self._count
        label_width = max(len(str(self.minimum)), len(str(self.maximum))) + 1
        every = max(1, -(-label_width * count // max(width, 1)))
        number_style = self._style("slider--number")
        for index in range(0, count, every):
            label = str(self.minimum + index)
            centre = value_to_column(index, count, width)
            row.put(centre - len(label) // 2, label, number_style)
        if self.value is not None:
            label = str(self.value)
            centre = value_to_column(self.value - self.minimum, count, width)
            marked = f"[{label}]" if plain else f" {label} "
            row.put(centre - len(label) // 2 - 1, marked, self._style("slider--chosen"))
        return row

    def _anchor_row(self, width: int, plain: bool) -> _Row:
        row = _Row(width)
        style = self._style("slider--anchor")
        for start, label in anchor_layout(
            [(value - self.minimum, text) for value, text in self.anchors],
            self._count,
            width,
            "..." if plain else "…",
        ):
            row.put(start, label, style)
        return row


def anchor_layout(
    anchors: Sequence[tuple[int, str]], count: int, width: int, ellipsis: str
) -> list[tuple[int, str]]:
    """Where each anchor text starts, and the text, shortened only if it must be.

    The lowest value's anchor starts at the left edge, the highest's ends at the right edge,
    and the others are centred under their values but may slide aside; texts keep at least one
    column between them. Only when they cannot all fit whole does each keep the columns up to
    halfway to its neighbours, and is shortened to that.
    """
    centres = [value_to_column(index, count, width) for index, _ in anchors]
    starts = []
    for (index, text), centre in zip(anchors, centres, strict=True):
        if index == 0:
            starts.append(0)
        elif index == count - 1:
            starts.append(width - len(text))
        else:
            starts.append(centre - len(text) // 2)
    texts = [text for _, text in anchors]
    for position in range(1, len(starts) - 1):  # slide right, clear of the one before
        starts[position] = max(
            starts[position], starts[position - 1] + len(texts[position - 1]) + 1
        )
    for position in range(len(starts) - 2, 0, -1):  # and left, clear of the one after
        starts[position] = min(starts[position], starts[position + 1] - len(texts[position]) - 1)
    fits = all(
        starts[position] >= starts[position - 1] + len(texts[position - 1]) + 1
        for position in range(1, len(starts))
    ) and (not starts or (starts[0] >= 0 and starts[-1] + len(texts[-1]) <= width))
    if fits:
        return list(zip(starts, texts, strict=True))
    placed = []
    for position, ((index, text), centre) in enumerate(zip(anchors, centres, strict=True)):
        low = 0 if position == 0 else (centres[position - 1] + centre) // 2 + 1
        high = width if position == len(centres) - 1 else (centre + centres[position + 1]) // 2
        label = _truncate(text, high - low, ellipsis)
        if index == 0:
            start = low
        elif index == count - 1:
            start = high - len(label)
        else:
            start = min(max(centre - len(label) // 2, low), high - len(label))
        placed.append((start, label))
    return placed
