"""Pilot tests for the kiosk's Slider and ChoiceRow: keys, clicks, drags and Changed messages."""

from __future__ import annotations

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.widget import Widget

from screens.widgets import ChoiceRow, Slider
from screens.widgets.choice_row import Choice, grid_columns, number_key
from screens.widgets.slider import column_to_value_index, value_to_column

SIZE = (80, 24)
ANCHORS = ((1, "Skru lidt ned"), (5, "Det er fint"), (10, "Jeg har brug for mere"))
LIKERT = (
    ("meget_enig", "Meget enig"),
    ("enig", "Enig"),
    ("neutral", "Neutral"),
    ("uenig", "Uenig"),
    ("meget_uenig", "Meget uenig"),
)
TEN = tuple((str(n), str(n)) for n in range(1, 11))


class WidgetApp(App[None]):
    """Holds one widget and records the value of every Changed message it posts."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.changes: list[int | str | None] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    @on(Slider.Changed)
    def record_slider(self, event: Slider.Changed) -> None:
        assert event.control is self.widget
        self.changes.append(event.value)

    @on(ChoiceRow.Changed)
    def record_choice(self, event: ChoiceRow.Changed) -> None:
        assert event.control is self.widget
        self.changes.append(event.value)


def test_columns_map_evenly_to_values() -> None:
    for width in (10, 76, 196):
        for index in range(10):
            assert column_to_value_index(value_to_column(index, 10, width), 10, width) == index
    assert [column_to_value_index(column, 10, 20) for column in (0, 1, 2, 19)] == [0, 0, 1, 9]
    assert column_to_value_index(-5, 10, 20) == 0
    assert column_to_value_index(500, 10, 20) == 9


def test_slider_rejects_an_empty_range_and_stray_anchors() -> None:
    with pytest.raises(ValueError, match="minimum < maximum"):
        Slider(5, 5)
    with pytest.raises(ValueError, match="anchor at 11"):
        Slider(1, 10, anchors=[(11, "too far")])


async def test_slider_starts_unset_and_posts_nothing_at_creation() -> None:
    app = WidgetApp(Slider(anchors=ANCHORS, unset_label="ikke besvaret"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slider = app.query_one(Slider)
        assert slider.value is None
        assert slider.has_focus
        assert "ikke besvaret" in str(slider.render())
        assert app.changes == []


async def test_slider_with_a_start_value_posts_nothing_at_creation() -> None:
    app = WidgetApp(Slider(value=7))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one(Slider).value == 7
        assert app.changes == []


@pytest.mark.parametrize(("key", "expected"), [("right", 5), ("left", 5), ("pageup", 5)])
async def test_first_step_key_on_an_unset_slider_sets_the_middle(key: str, expected: int) -> None:
    app = WidgetApp(Slider())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert app.query_one(Slider).value == expected
        assert app.changes == [expected]


async def test_slider_steps_by_keys_and_clamps_at_both_ends() -> None:
    app = WidgetApp(Slider(value=5))
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(Slider)
        await pilot.press("right", "up")
        assert slider.value == 7
        await pilot.press("left", "down", "down")
        assert slider.value == 4
        await pilot.press("pageup")
        assert slider.value == 7
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert slider.value == 1
        await pilot.press("left")
        assert slider.value == 1
        await pilot.press("end", "right", "pageup")
        assert slider.value == 10
        await pilot.press("home")
        assert slider.value == 1
        await pilot.pause()
        assert app.changes == [6, 7, 6, 5, 4, 7, 4, 1, 10, 1]


async def test_slider_clamps_values_set_by_code() -> None:
    app = WidgetApp(Slider(1, 5, value=99))
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(Slider)
        assert slider.value == 5
        slider.value = -3
        assert slider.value == 1
        slider.value = None
        await pilot.pause()
        assert slider.value is None
        assert app.changes == [1, None]


async def test_slider_number_keys_jump_and_zero_means_ten() -> None:
    app = WidgetApp(Slider())
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(Slider)
        await pilot.press("7")
        assert slider.value == 7
        await pilot.press("0")
        assert slider.value == 10
        await pilot.press("1")
        assert slider.value == 1


async def test_slider_ignores_number_keys_outside_its_range() -> None:
    app = WidgetApp(Slider(1, 5, value=3))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "0")
        assert app.query_one(Slider).value == 3
        await pilot.press("5")
        assert app.query_one(Slider).value == 5


async def test_slider_is_at_least_three_rows_tall_and_full_width() -> None:
    app = WidgetApp(Slider())
    async with app.run_test(size=SIZE):
        region = app.query_one(Slider).region
        assert region.height >= 3
        assert region.width == SIZE[0]


async def test_slider_click_at_the_edges_sets_minimum_and_maximum() -> None:
    app = WidgetApp(Slider(anchors=ANCHORS))
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(Slider)
        await pilot.click(Slider, offset=(0, 2))
        assert slider.value == 1
        await pilot.click(Slider, offset=(slider.size.width - 1, 1))
        assert slider.value == 10
        await pilot.pause()
        assert app.changes == [1, 10]


async def test_slider_click_lands_on_the_value_drawn_under_it() -> None:
    app = WidgetApp(Slider())
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(Slider)
        left = slider.gutter.left
        for value in (3, 6, 8):
            column = value_to_column(value - 1, 10, slider.content_size.width)
            await pilot.click(Slider, offset=(left + column, 2))
            assert slider.value == value


async def test_slider_drag_follows_the_mouse_even_outside_the_widget() -> None:
    app = WidgetApp(Slider())
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(Slider)
        left = slider.gutter.left
        width = slider.content_size.width
        await pilot.mouse_down(Slider, offset=(left + value_to_column(1, 10, width), 1))
        assert slider.value == 2
        assert app.mouse_captured is slider
        await pilot.hover(None, offset=(left + value_to_column(5, 10, width), 1))
        assert slider.value == 6
        # Below the slider: capture keeps the drag on it, so a sloppy finger still works.
        await pilot.hover(None, offset=(left + value_to_column(8, 10, width), 15))
        assert slider.value == 9
        await pilot.mouse_up(None, offset=(left + value_to_column(8, 10, width), 15))
        assert app.mouse_captured is None
        await pilot.hover(None, offset=(left, 1))
        assert slider.value == 9
        assert app.changes == [2, 6, 9]


async def test_disabled_slider_ignores_keys_and_clicks() -> None:
    app = WidgetApp(Slider(disabled=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "5")
        await pilot.click(Slider, offset=(2, 1))
        assert app.query_one(Slider).value is None
        assert app.changes == []


def test_number_keys_and_grid_columns() -> None:
    assert [number_key(index) for index in (0, 8, 9, 10)] == ["1", "9", "0", None]
    assert grid_columns(10, 80) == 10
    assert grid_columns(5, 80) == 5
    assert grid_columns(10, 40) == 5
    assert grid_columns(3, 4) == 1


def test_choice_row_rejects_unknown_values_and_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="no option 'maybe'"):
        ChoiceRow(LIKERT, "maybe")
    with pytest.raises(ValueError, match="unique"):
        ChoiceRow([("ja", "Ja"), ("ja", "Ja igen")])
    with pytest.raises(ValueError, match="at least one"):
        ChoiceRow([])


async def test_choice_row_starts_unchosen_and_posts_nothing_at_creation() -> None:
    app = WidgetApp(ChoiceRow(LIKERT))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = app.query_one(ChoiceRow)
        assert row.value is None
        assert row.has_focus
        assert not app.query(".-selected")
        assert app.changes == []


async def test_choice_row_number_keys_choose() -> None:
    app = WidgetApp(ChoiceRow(LIKERT))
    async with app.run_test(size=SIZE) as pilot:
        row = app.query_one(ChoiceRow)
        await pilot.press("3")
        assert row.value == "neutral"
        await pilot.press("9")
        assert row.value == "neutral"
        await pilot.press("5")
        assert row.value == "meget_uenig"
        selected = app.query_one(".-selected", Choice)
        assert selected.option_id == "meget_uenig"
        assert "● 5 Meget uenig" in str(selected.render())
        await pilot.pause()
        assert app.changes == ["neutral", "meget_uenig"]


async def test_choice_row_zero_chooses_the_tenth_option() -> None:
    app = WidgetApp(ChoiceRow(TEN, numbered=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        assert app.query_one(ChoiceRow).value == "10"
        await pilot.press("1")
        assert app.query_one(ChoiceRow).value == "1"


@pytest.mark.parametrize("key", ["enter", "space"])
async def test_choice_row_enter_on_an_unanswered_row_chooses_nothing(key: str) -> None:
    app = WidgetApp(ChoiceRow(LIKERT))
    async with app.run_test(size=SIZE) as pilot:
        row = app.query_one(ChoiceRow)
        assert row.has_focus
        await pilot.press(key, key)
        await pilot.pause()
        assert row.value is None
        assert row.highlighted is None
        assert not app.query(".-highlighted")
        assert app.changes == []


@pytest.mark.parametrize(("key", "expected"), [("right", 0), ("down", 0), ("left", 4), ("up", 4)])
async def test_first_arrow_on_an_unanswered_row_enters_from_that_end(
    key: str, expected: int
) -> None:
    app = WidgetApp(ChoiceRow(LIKERT))
    async with app.run_test(size=SIZE) as pilot:
        row = app.query_one(ChoiceRow)
        await pilot.press(key)
        assert row.highlighted == expected
        assert row.value is None
        await pilot.press("enter")
        assert row.value == LIKERT[expected][0]
        await pilot.pause()
        assert app.changes == [LIKERT[expected][0]]


async def test_choice_row_arrows_move_the_highlight_and_enter_chooses() -> None:
    app = WidgetApp(ChoiceRow(LIKERT))
    async with app.run_test(size=SIZE) as pilot:
        row = app.query_one(ChoiceRow)
        await pilot.press("right", "right", "right")
        assert row.highlighted == 2
        assert row.value is None
        await pilot.press("enter")
        assert row.value == "neutral"
        await pilot.press("left", "left", "left", "left")
        assert row.highlighted == 0
        await pilot.press("space")
        assert row.value == "meget_enig"
        await pilot.press(*["right"] * 9)
        assert row.highlighted == 4
        await pilot.pause()
        assert app.changes == ["neutral", "meget_enig"]


async def test_choice_row_highlight_follows_a_chosen_value() -> None:
    app = WidgetApp(ChoiceRow(LIKERT, "uenig"))
    async with app.run_test(size=SIZE) as pilot:
        row = app.query_one(ChoiceRow)
        assert row.highlighted == 3
        await pilot.press("right", "enter")
        assert row.value == "meget_uenig"
        row.value = None
        assert row.highlighted is None
        await pilot.press("enter")
        assert row.value is None


async def test_choice_row_click_chooses_and_focuses() -> None:
    app = WidgetApp(ChoiceRow([("ja", "Ja"), ("nej", "Nej"), ("vil_ikke", "Vil ikke svare")]))
    async with app.run_test(size=SIZE) as pilot:
        row = app.query_one(ChoiceRow)
        row.blur()
        choices = list(app.query(Choice))
        await pilot.click(choices[1], offset=(2, 1))
        assert row.value == "nej"
        assert row.has_focus
        await pilot.click(choices[2], offset=(0, 0))
        assert row.value == "vil_ikke"
        await pilot.pause()
        assert app.changes == ["nej", "vil_ikke"]


async def test_ten_choices_fit_one_line_at_80_columns_and_wrap_when_narrow() -> None:
    app = WidgetApp(ChoiceRow(TEN, numbered=False))
    async with app.run_test(size=SIZE) as pilot:
        choices = list(app.query(Choice))
        assert len({choice.region.y for choice in choices}) == 1
        assert all(choice.region.height >= 3 for choice in choices)
        assert choices[-1].region.right <= SIZE[0]
        await pilot.resize_terminal(40, 24)
        await pilot.pause()
        rows = sorted({choice.region.y for choice in choices})
        assert len(rows) == 2
        assert all(choice.region.right <= 40 and choice.region.width >= 6 for choice in choices)
        await pilot.click(choices[7], offset=(2, 1))
        assert app.query_one(ChoiceRow).value == "8"


async def test_plain_mode_uses_ascii_markers() -> None:
    app = WidgetApp(ChoiceRow(LIKERT, "enig"))
    async with app.run_test(size=SIZE) as pilot:
        app.screen.add_class("-plain")
        await pilot.pause()
        selected = app.query_one(".-selected", Choice)
        assert str(selected.render()) == "(x) 2 Enig"


async def test_plain_slider_track_is_ascii() -> None:
    app = WidgetApp(Slider(value=7, anchors=ANCHORS))
    async with app.run_test(size=SIZE) as pilot:
        app.screen.add_class("-plain")
        await pilot.pause()
        drawn = str(app.query_one(Slider).render())
        assert drawn.isascii()
        assert "O" in drawn.splitlines()[0]
        assert "[7]" in drawn
