"""What a person at the terminal sees and gets: whole answers, notes that take what is typed,
reminders, even rows, Danish plurals, and an answer chosen again after going back.

Each test reads the screen as drawn (the compositor's lines), not the widgets' state alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import AdminKey
from rich.color import ColorSystem
from test_app_flows import (
    ALL_INSTRUMENTS,
    FakeClock,
    kiosk,
    only_record,
    open_kiosk_site,
    wait_for_item,
    wait_for_screen,
)
from textual.pilot import Pilot
from textual.widget import Widget

from kiosk.site import Site
from screens.checkin import CheckinScreen
from screens.note import NoteScreen
from screens.questions import QuestionsScreen
from screens.thanks import ThanksScreen
from screens.welcome import WelcomeScreen
from screens.widgets.choice_row import Choice
from screens.widgets.note_area import NoteArea

SMALL = (80, 24)


def screen_lines(pilot: Pilot[Any]) -> list[str]:
    """The terminal's lines as the kiosk last drew them."""
    return [strip.text for strip in pilot.app.screen._compositor.render_strips()]


def shown_in(pilot: Pilot[Any], widget: Widget) -> str:
    """The words drawn inside a widget (without its border), lines joined by spaces."""
    region = widget.content_region
    lines = screen_lines(pilot)[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right].split()) for line in lines).strip()


def choices(pilot: Pilot[Any]) -> list[Choice]:
    return list(pilot.app.screen.query(".choices Choice").results(Choice))


@pytest.fixture
def six_tools(site_dir: Path) -> Any:
    site = open_kiosk_site(site_dir, instruments=ALL_INSTRUMENTS)
    yield site
    site.close()


@pytest.mark.parametrize("lang", ["da", "en"])
async def test_the_chosen_answer_on_the_last_question_is_shown_whole(
    six_tools: Site, lang: str
) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=SMALL) as pilot:
        if lang == "en":
            await pilot.press("f2")
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, QuestionsScreen)
        last = len(screen.instrument.items) - 1
        await screen.show_item(last)
        for number in ("1", "5", "2"):
            await pilot.press(number)
            await pilot.pause()
            chosen = choices(pilot)[int(number) - 1]
            assert chosen.has_class("-selected")
            assert shown_in(pilot, chosen) == f"● {number} {chosen.label}"


async def test_guldkorn_answers_say_their_number_once_in_an_even_row(six_tools: Site) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("5")
        await pilot.pause()
        row = choices(pilot)
        assert [shown_in(pilot, choice) for choice in row] == [choice.label for choice in row]
        assert len({choice.region.height for choice in row}) == 1
        await pilot.press("3")
        await pilot.pause()
        assert shown_in(pilot, row[2]) == "● 3 – Delvist"
        assert len({choice.region.height for choice in row}) == 1


async def test_a_letter_typed_after_choosing_a_tag_by_number_goes_to_the_note(
    site: Site,
) -> None:
    app = kiosk(site)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("4", "2", *"Kage til alle", "3")
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        note = screen.query_one(NoteArea)
        assert note.text == "Kage til alle3"
        assert screen.answers == {"tag": "velkommen", "note": "Kage til alle3"}
        assert app.focused is note


async def test_checkin_follow_ups_show_the_tools_reminder(site: Site) -> None:
    app = kiosk(site)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("1", "7")
        assert isinstance(app.screen, CheckinScreen) and app.screen.step == 2
        await pilot.pause()
        assert any("Skriv gerne kort – og uden navne" in line for line in screen_lines(pilot))


async def test_going_back_and_pressing_the_same_answer_moves_on(six_tools: Site) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("3", "2")
        await wait_for_item(pilot, 1)
        await pilot.press("pageup")
        await wait_for_item(pilot, 0)
        await pilot.press("2")
        await wait_for_item(pilot, 1)
        await pilot.click("#start-over")
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("1", "7")
        await pilot.click("#back")
        screen = app.screen
        assert isinstance(screen, CheckinScreen) and screen.step == 1
        await pilot.press("7")
        assert screen.step == 2


async def test_one_second_is_said_in_the_singular(site_dir: Path) -> None:
    site = open_kiosk_site(site_dir, min_pause_seconds=5)
    clock = FakeClock()
    try:
        app = kiosk(site, clock)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.press("2", "4")
            await pilot.click("#send")
            assert isinstance(app.screen, ThanksScreen)
            await pilot.click("#done")
            await wait_for_screen(pilot, WelcomeScreen)
            clock.advance(4.2)
            welcome = app.screen
            assert isinstance(welcome, WelcomeScreen)
            welcome.update_pause()
            await pilot.pause()
            assert any("klar igen om 1 sekund." in line for line in screen_lines(pilot))
            clock.advance(1)
            welcome.update_pause()
            await pilot.press("2")
            clock.advance(site.config.idle_seconds - 1)
            await app.watch_for_idle()
            await pilot.pause()
            assert any("forfra om 1 sekund," in line for line in screen_lines(pilot))
            clock.advance(-1)
            await app.watch_for_idle()
            await pilot.pause()
            assert any("forfra om 2 sekunder," in line for line in screen_lines(pilot))
    finally:
        site.close()


def promise(pilot: Pilot[Any]) -> str:
    """The welcome screen's privacy promise as drawn, in one line of words."""
    lines = screen_lines(pilot)
    start = next(
        index for index, line in enumerate(lines) if "gemmer vi" in line or "we store" in line
    )
    return " ".join(" ".join(line.replace("█", " ").split()) for line in lines[start:])


@pytest.mark.parametrize(
    ("lang", "stored", "not_stored"),
    [
        ("da", ["dine svar", "ugen", "hvilken kiosk"], ["navn", "klokkeslættet", "sprog"]),
        ("en", ["your answers", "the week", "which kiosk"], ["name", "time of day", "language"]),
    ],
)
async def test_the_welcome_promise_says_exactly_what_is_stored(
    site: Site, lang: str, stored: list[str], not_stored: list[str]
) -> None:
    app = kiosk(site)
    async with app.run_test(size=(120, 40)) as pilot:
        if lang == "en":
            await pilot.press("f2")
        said = promise(pilot)
    stored_part, _, not_stored_part = said.partition(
        "Vi gemmer ikke" if lang == "da" else "We don't store"
    )
    assert all(word in stored_part for word in stored), said
    assert all(word in not_stored_part for word in not_stored), said
    assert str(site.config.min_group) in said
    assert "maskinen" not in said and "this machine" not in said


async def test_a_stored_record_holds_only_what_the_promise_names(
    site: Site, admin_key: AdminKey
) -> None:
    app = kiosk(site)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f2", "2", "7")
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    record = only_record(site, admin_key)
    if not hasattr(record, "kiosk_id"):
        pytest.skip("records of format 1 still carry the language; format 2 drops it")
    assert record.lang is None
    assert record.period == "2026-W10"
    assert record.kiosk_id == site.store.kiosk_id


RED = {1, 9}
"""Red and bright red of the 16 console colours: the colour of errors, never of a heading."""


def console_colours(pilot: Pilot[Any]) -> set[int]:
    """The console colour numbers the screen's text and backgrounds come out as in 16 colours."""
    numbers: set[int] = set()
    for strip in pilot.app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            for colour in (style.color, style.bgcolor):
                if colour is None or colour.is_default:
                    continue
                number = colour.downgrade(ColorSystem.STANDARD).number
                if number is not None:
                    numbers.add(number)
    return numbers


async def test_a_linux_console_gets_calm_colours_without_red(
    site_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)
    site = open_kiosk_site(site_dir, instruments=ALL_INSTRUMENTS)
    try:
        app = kiosk(site)
        async with app.run_test(size=SMALL) as pilot:
            seen = console_colours(pilot)  # the welcome screen, its first tool focused
            await pilot.press("3", "down")
            await pilot.pause()
            seen |= console_colours(pilot)  # a question with a highlighted answer
            await pilot.press("1")
            await wait_for_item(pilot, 1)
            await pilot.press("pageup")
            await wait_for_item(pilot, 0)
            seen |= console_colours(pilot)  # a chosen answer
            await pilot.press("tab")
            await pilot.click("#start-over")
            await wait_for_screen(pilot, WelcomeScreen)
            await pilot.press("2", "7")
            await pilot.pause()
            seen |= console_colours(pilot)  # a slider with a value
        assert seen and not seen & RED, seen
    finally:
        site.close()


# --- every size looks intended: 80×24 with all six tools, and a large 200×60 ----------------

TOOL_KEYS = {
    "welcome": (),
    "checkin": ("1",),
    "checkin_follow_ups": ("1", "7"),
    "support": ("2",),
    "psych_safety": ("3",),
    "contribution": ("4", "2"),
    "guldkorn": ("5",),
    "exposures": ("6",),
}


def scrollbars(pilot: Pilot[Any]) -> list[str]:
    """The widgets on screen that show a scrollbar (something is hidden behind it)."""
    return [
        repr(widget)
        for widget in pilot.app.screen.query("*")
        if widget.display and (widget.show_vertical_scrollbar or widget.show_horizontal_scrollbar)
    ]


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("screen", TOOL_KEYS)
async def test_80x24_with_six_tools_shows_every_screen_whole(
    six_tools: Site, screen: str, lang: str
) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=SMALL) as pilot:
        if lang == "en":
            await pilot.press("f2")
        await pilot.press(*TOOL_KEYS[screen])
        await pilot.pause()
        assert not scrollbars(pilot)
        drawn = " ".join(" ".join(line.split()) for line in screen_lines(pilot))
        assert not re.search(r"\w…", drawn), drawn  # no word cut short, as anchors were
        for button in app.screen.query("#actions Button"):
            assert button.region.bottom <= SMALL[1]


async def test_80x24_welcome_keeps_the_whole_promise_during_the_pause(six_tools: Site) -> None:
    clock = FakeClock()
    app = kiosk(six_tools, clock)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f2", "2", "4")
        await pilot.click("#send")
        await pilot.click("#done")
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.press("f2")  # English: the longest promise
        await pilot.pause()
        assert app.screen.query_one("#pause").display
        assert not scrollbars(pilot)
        assert "anything else about you." in promise(pilot)


async def test_80x24_support_shows_four_sliders_their_anchors_and_the_key_hint(
    six_tools: Site,
) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f2", "2")
        await pilot.pause()
        lines = screen_lines(pilot)
        assert sum("Turn it down a little" in line for line in lines) == 4
        assert any("Use ← → or drag. Tab moves on." in line for line in lines)


LARGE = (200, 60)


@pytest.mark.parametrize("screen", ["welcome", "support", "psych_safety", "checkin"])
async def test_200x60_is_a_centred_column_with_the_actions_by_the_content(
    six_tools: Site, screen: str
) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press(*TOOL_KEYS[screen])
        await pilot.pause()
        page = app.screen.query_one("#page")
        left, right = page.region.x, LARGE[0] - page.region.right
        assert abs(left - right) <= 1 and left >= 30  # centred, not stretched
        top, bottom = page.region.y - 1, LARGE[1] - page.region.bottom
        assert abs(top - bottom) <= 2  # centred from top to bottom too
        content = [widget for widget in page.children if widget.id != "actions"]
        for button in app.screen.query("#actions Button"):
            assert 0 < button.region.y - max(w.region.bottom for w in content) <= 3
        for target in app.screen.query("Choice, #menu Button"):
            assert target.region.height >= 5  # bigger targets than at 80×24


@pytest.mark.parametrize("screen", ["welcome", "support", "checkin_follow_ups", "contribution"])
async def test_120x40_in_english_shows_every_screen_whole(six_tools: Site, screen: str) -> None:
    app = kiosk(six_tools)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2", *TOOL_KEYS[screen])
        await pilot.pause()
        assert not scrollbars(pilot)
        drawn = " ".join(" ".join(line.split()) for line in screen_lines(pilot))
        assert not re.search(r"\w…", drawn), drawn


@pytest.mark.parametrize(
    "size", [(80, 24), (100, 29), (100, 30), (120, 40), (159, 49), (160, 50), (200, 60)]
)
async def test_a_new_screen_has_its_size_classes_before_its_first_frame(
    site: Site, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A screen got -short/-wide only on its first resize, after its first frame had drawn
    # the roomy layout with a scrollbar at 80×24. The classes a screen has on mount, before
    # any resize reaches it, must be the ones Textual gives it once the resize is handled.
    size_names = {"-narrow", "-wide", "-short", "-medium", "-tall"}
    on_mount: list[set[str]] = []
    original = WelcomeScreen.on_mount

    def remember(screen: WelcomeScreen) -> None:
        on_mount.append(set(screen.classes) & size_names)
        original(screen)

    monkeypatch.setattr(WelcomeScreen, "on_mount", remember)
    app = kiosk(site)
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, WelcomeScreen)
        await pilot.pause()
        settled = set(app.screen.classes) & size_names
        assert len(settled) == 2
        assert on_mount == [settled]
