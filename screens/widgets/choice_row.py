"""A row of large numbered choices for Likert answers, 1–10 taps, ja/nej and tags.

Shaped like Textual's `RadioSet` and `Switch`: the row takes focus and moves a highlight over
its options; `value` holds the chosen option's id (None until chosen) and posts `Changed`.
Nothing is highlighted until an arrow key or a value puts the highlight somewhere, so Enter or
Space on an unanswered row never submits an answer the person did not pick.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from screens.widgets.slider import in_plain_mode

if TYPE_CHECKING:
    from textual.app import ComposeResult, RenderResult

MIN_CHOICE_WIDTH = 8
"""Below this many columns per option, the row wraps onto more lines instead of shrinking."""


def number_key(index: int) -> str | None:
    """Return the digit key that selects the option at `index`: 1–9, then 0 for the tenth."""
    if index < 9:
        return str(index + 1)
    return "0" if index == 9 else None


def grid_columns(count: int, width: int) -> int:
    """Choose how many options fit on one line, balancing the lines when they must wrap."""
    fits = max(1, min(count, width // MIN_CHOICE_WIDTH))
    lines = -(-count // fits)
    return -(-count // lines)


class Choice(Widget):
    """One option of a `ChoiceRow`: its number key, its label and whether it is chosen."""

    ALLOW_SELECT = False

    def __init__(self, option_id: str, label: str, index: int, numbered: bool) -> None:
        super().__init__()
        self.option_id = option_id
        self.label = label
        self.index = index
        self.numbered = numbered

    def text(self, *, selected: bool) -> str:
        """What the option shows: its number key (unless the label starts with it), the label,
        and a mark when chosen."""
        key = number_key(self.index) if self.numbered else None
        words = self.label.split(maxsplit=1)
        text = self.label if key is None or words[:1] == [key] else f"{key} {self.label}"
        if selected:
            text = f"(x) {text}" if in_plain_mode(self) else f"● {text}"
        return text

    def render(self) -> RenderResult:
        return self.text(selected=self.has_class("-selected"))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many lines as the longest option of the row needs with its chosen mark.

        Every option of a row is as tall as the tallest, so the row is even; and the mark that
        choosing adds never needs a line the option does not already have.
        """
        row = self.parent
        if not isinstance(row, ChoiceRow):
            return len(Text(self.text(selected=True)).wrap(self.app.console, max(width, 1)))
        # Columns of 1fr may differ by a cell: measure every option at the narrowest.
        columns = row.styles.grid_size_columns or 1
        gap = row.styles.grid_gutter_vertical * (columns - 1)
        narrowest = (row.content_size.width - gap) // columns - self.styles.gutter.width
        if narrowest > 0:
            width = min(width, narrowest)
        console = self.app.console
        return max(
            len(Text(choice.text(selected=True)).wrap(console, max(width, 1)))
            for choice in row.query_children(Choice)
        )


class ChoiceRow(Widget, can_focus=True):
    """A focusable row of big options of which one can be chosen.

    Args:
        options: (id, label) pairs in display order; the id is what `value` holds.
        value: The id chosen at the start, or None for not answered.
        numbered: Show each option's number key before its label.
        name: The name of the widget.
        id: The ID of the widget in the DOM.
        classes: The CSS classes of the widget.
        disabled: Whether the widget is disabled.
    """

    ALLOW_SELECT = False
    # Unscoped, so the `.-plain ChoiceRow` rules can match a class on the Screen or a container.
    SCOPED_CSS = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,up", "move(-1)", "Previous", show=False),
        Binding("right,down", "move(1)", "Next", show=False),
        Binding("enter,space", "choose_highlighted", "Choose", show=False),
        *[Binding(str(digit), f"digit({digit})", show=False) for digit in range(10)],
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | left, up / right, down | Move the highlight; from none, onto the last / the first option. |
    | enter, space | Choose the highlighted option; nothing while none is highlighted. |
    | 1–9, 0 | Choose that option (0 is the tenth). |
    """

    DEFAULT_CSS = """
    ChoiceRow {
        layout: grid;
        grid-gutter: 0 1;
        grid-rows: auto;
        width: 1fr;
        height: auto;
        pointer: pointer;

        & > Choice {
            width: 1fr;
            height: auto;
            min-height: 3;
            border: tall $border-blurred;
            background: $surface;
            color: $foreground;
            content-align: center middle;
            text-align: center;
        }
        & > Choice.-selected {
            background: $accent;
            color: $text;
            text-style: bold;
        }
        /* The row has the keyboard even before an option is highlighted: say so. */
        &:focus > Choice {
            border: tall $accent;
        }
        &:focus > Choice.-highlighted {
            border: tall $foreground;
            background-tint: $foreground 10%;
        }
        &:disabled { opacity: 0.6; }
    }
    .-plain ChoiceRow {
        & > Choice {
            border: blank;
            background: $background;
        }
        & > Choice.-selected {
            background: $foreground;
            color: $background;
            text-style: bold;
        }
        &:focus > Choice {
            border: ascii $foreground;
        }
        &:focus > Choice.-highlighted {
            border: ascii $foreground;
            background-tint: transparent;
            text-style: bold underline;
        }
    }
    """

    value: reactive[str | None] = reactive[str | None](None, init=False)
    """The id of the chosen option; None while not answered."""

    highlighted: reactive[int | None] = reactive[int | None](None)
    """The index of the option the keyboard is on; None until an arrow key or a value sets it."""

    class Changed(Message):
        """Posted when the chosen option changes, by a person or by code, and when a person
        chooses the option that was already chosen.

        Attributes:
            choice_row: The row that changed.
            value: The id of the newly chosen option, or None when it was cleared.
        """

        def __init__(self, choice_row: ChoiceRow, value: str | None) -> None:
            super().__init__()
            self.choice_row = choice_row
            self.value = value

        @property
        def control(self) -> ChoiceRow:
            """The row that changed, so `@on(ChoiceRow.Changed, "#id")` can select it."""
            return self.choice_row

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        numbered: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        if not options:
            raise ValueError("ChoiceRow needs at least one option")
        ids = [option_id for option_id, _ in options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"ChoiceRow option ids must be unique, got {ids}")
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.options = tuple(options)
        self.numbered = numbered
        self._ids = ids
        # Start on one line, so the first layout never overflows into a scrollbar that would
        # narrow the row before its width is known; on_resize wraps it if it must.
        self.styles.grid_size_columns = len(ids)
        if value is not None:
            self.set_reactive(ChoiceRow.value, self.validate_value(value))
            self.set_reactive(ChoiceRow.highlighted, ids.index(value))

    def compose(self) -> ComposeResult:
        for index, (option_id, label) in enumerate(self.options):
            yield Choice(option_id, label, index, self.numbered)

    def on_mount(self, _: events.Mount) -> None:
        self._show_state()

    def on_resize(self, event: events.Resize) -> None:
        self.styles.grid_size_columns = grid_columns(len(self.options), event.size.width)

    def validate_value(self, value: str | None) -> str | None:
        """Accept None or one of the option ids; anything else is a programming error."""
        if value is not None and value not in self._ids:
            raise ValueError(f"ChoiceRow has no option {value!r}; options are {self._ids}")
        return value

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        """Keep the highlight on an option, stopping at both ends; None means no highlight."""
        if highlighted is None:
            return None
        return min(max(highlighted, 0), len(self.options) - 1)

    def watch_value(self, value: str | None) -> None:
        self.highlighted = None if value is None else self._ids.index(value)
        self._show_state()
        self.post_message(self.Changed(self, value))

    def watch_highlighted(self) -> None:
        self._show_state()

    def _show_state(self) -> None:
        for choice in self.query_children(Choice):
            choice.set_class(choice.option_id == self.value, "-selected")
            choice.set_class(choice.index == self.highlighted, "-highlighted")
            choice.refresh(layout=True)

    def action_move(self, delta: int) -> None:
        """Move the highlight by `delta` options; with none yet, "next" lands on the first.

        "Previous" lands on the last, as if the highlight had come in from beyond that end.
        """
        if self.highlighted is None:
            self.highlighted = 0 if delta > 0 else len(self.options) - 1
        else:
            self.highlighted += delta

    def choose(self, option_id: str) -> None:
        """Choose an option; choosing the one already chosen says so again with `Changed`.

        A person who went back to an answered question and presses the same answer means
        "yes, that one": the screen hears it and moves on, as it did the first time.
        """
        if option_id == self.value:
            self.post_message(self.Changed(self, option_id))
        else:
            self.value = option_id

    def action_choose_highlighted(self) -> None:
        """Choose the option under the highlight, if any: an unanswered row has no default."""
        if self.highlighted is not None:
            self.choose(self._ids[self.highlighted])

    def action_digit(self, digit: int) -> None:
        """Choose the option whose number key is `digit`, if there is one."""
        index = 9 if digit == 0 else digit - 1
        if index < len(self.options):
            self.choose(self._ids[index])

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if isinstance(event.widget, Choice):
            self.choose(event.widget.option_id)
