"""Snapshots of the kiosk's Slider and ChoiceRow at 80×24, in the default and the plain look."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Label

from screens.widgets import ChoiceRow, Slider

ANCHORS = ((1, "Skru lidt ned"), (5, "Det er fint"), (10, "Jeg har brug for mere"))
LIKERT = (
    ("meget_enig", "Meget enig"),
    ("enig", "Enig"),
    ("neutral", "Neutral"),
    ("uenig", "Uenig"),
    ("meget_uenig", "Meget uenig"),
)
SIZE = (80, 24)


class SliderApp(App[None]):
    """One labelled slider, focused as the kiosk's screens focus their first answer."""

    def __init__(self, value: int | None) -> None:
        super().__init__()
        self.start_value = value

    def compose(self) -> ComposeResult:
        yield Label("Praktisk hjælp")
        yield Slider(value=self.start_value, anchors=ANCHORS, unset_label="ikke besvaret")


class BlurredSliderApp(SliderApp):
    """The same slider without focus, to show its resting look."""

    AUTO_FOCUS = None


class ChoiceApp(App[None]):
    """A Likert row with an answer chosen, and a row of ten 1–10 buttons below it."""

    def compose(self) -> ComposeResult:
        yield Label("Hvis man begår en fejl i dette team, bliver det ofte holdt imod en.")
        yield ChoiceRow(LIKERT, "enig", id="likert")
        yield Label("Hvordan oplever du det psykiske arbejdsmiljø lige nu?")
        yield ChoiceRow([(str(n), str(n)) for n in range(1, 11)], numbered=False, id="ten")


class PlainApp(App[None]):
    """Every widget state worth seeing, under a Screen with the plain high-contrast class."""

    def compose(self) -> ComposeResult:
        yield Slider(anchors=ANCHORS, unset_label="ikke besvaret", id="unset")
        yield Slider(value=7, anchors=ANCHORS, id="seven")
        yield ChoiceRow(LIKERT, "enig", id="likert")
        yield ChoiceRow([("ja", "Ja"), ("nej", "Nej"), ("vil_ikke", "Vil ikke svare")], id="yes")

    def on_mount(self) -> None:
        self.screen.add_class("-plain")
        self.query_one("#seven", Slider).focus()


def test_slider_unset(snap_compare: Any) -> None:
    assert snap_compare(BlurredSliderApp(None), terminal_size=SIZE)


def test_slider_at_seven_focused(snap_compare: Any) -> None:
    assert snap_compare(SliderApp(7), terminal_size=SIZE)


def test_choice_row_with_a_selection(snap_compare: Any) -> None:
    assert snap_compare(ChoiceApp(), terminal_size=SIZE, press=["tab", "right", "right"])


def test_plain_look(snap_compare: Any) -> None:
    assert snap_compare(PlainApp(), terminal_size=SIZE)
