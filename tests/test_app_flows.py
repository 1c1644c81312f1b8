"""Pilot tests of every kiosk flow, by keyboard and by mouse, checked by opening what was stored.

Each test runs the real app on a real site: answers are sealed with HPKE to the test's key and
written durably to the store, then opened again with the private key to see exactly what the
administrator will read.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import AdminKey
from helpers.clock import FakeClock
from helpers.pilot import Timers, wait_for_item, wait_for_screen, wait_until
from helpers.sites import ALL_INSTRUMENTS, SIZE, kiosk, only_record, open_kiosk_site, stored
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Static

from kiosk.site import Site, init_site, open_site
from screens.checkin import CheckinScreen
from screens.failure import StorageFailedScreen
from screens.note import NoteScreen
from screens.questions import QuestionsScreen
from screens.sliders import SlidersScreen
from screens.thanks import ThanksScreen
from screens.welcome import WelcomeScreen
from screens.widgets import ChoiceRow, Slider
from screens.widgets.note_area import NoteArea


@pytest.fixture
def all_tools(site_dir: Path) -> Iterator[Site]:
    """The test site with all six tools on the menu."""
    site = open_kiosk_site(site_dir, instruments=ALL_INSTRUMENTS)
    yield site
    site.close()


async def press_focused_send(pilot: Pilot[Any], tabs: int) -> None:
    """Tab to the send button and press enter, as a keyboard user does."""
    await pilot.press(*["tab"] * tabs)
    assert pilot.app.focused is not None and pilot.app.focused.id == "send"
    await pilot.press("enter")
    await pilot.pause()


def slider_offset(slider: Slider, value: int) -> tuple[int, int]:
    """Where on a slider to click for `value` (inside its border and padding)."""
    count = slider.maximum - slider.minimum + 1
    width = slider.content_size.width
    column = (2 * (value - slider.minimum) + 1) * width // (2 * count)
    return (slider.content_region.x - slider.region.x + column, 1)


# --- each tool, by keyboard and by mouse ---------------------------------------------------


async def test_support_by_keyboard_leaves_untouched_sliders_unanswered(
    site: Site, admin_key: AdminKey
) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "7", "tab", "tab", "right")
        assert isinstance(app.screen, SlidersScreen)
        await press_focused_send(pilot, 3)
        assert isinstance(app.screen, ThanksScreen)
    record = only_record(site, admin_key)
    assert record.instrument_id == "support"
    # The language is not stored; the kiosk and site are, inside the sealed record.
    assert record.lang is None
    assert (record.kiosk_id, record.site) == (site.store.kiosk_id, site.config.site_name)
    assert record.period == "2026-W10"
    assert record.answers == {
        "practical": 7,
        "emotional": None,
        "appraisal": 5,
        "informational": None,
    }


async def test_support_by_mouse(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#start-support")
        screen = app.screen
        assert isinstance(screen, SlidersScreen)
        assert screen.query_one("#send", Button).disabled
        for item_id, value in (("practical", 1), ("emotional", 10)):
            slider = screen.query_one(f"#item-{item_id}", Slider)
            await pilot.click(slider, offset=slider_offset(slider, value))
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers == {
        "practical": 1,
        "emotional": 10,
        "appraisal": None,
        "informational": None,
    }


async def test_psych_safety_by_keyboard_with_back_forward_and_skip(
    site: Site, admin_key: AdminKey
) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, QuestionsScreen)
        assert str(screen.query_one("#progress", Static).render()) == "1 / 7"
        await pilot.press("1")
        await wait_for_item(pilot, 1)
        await pilot.press("pagedown")  # forward without an answer: item 2 left unanswered
        await wait_for_item(pilot, 2)
        assert str(screen.query_one("#progress", Static).render()) == "3 / 7"
        await pilot.press("5")
        await wait_for_item(pilot, 3)
        await pilot.press("pageup")  # back to item 3: its answer is still chosen
        await wait_for_item(pilot, 2)
        assert screen.query_one(".choices", ChoiceRow).value == "meget_uenig"
        await pilot.press("pagedown", "2")
        await wait_for_item(pilot, 4)
        await pilot.press("3")
        await wait_for_item(pilot, 5)
        await pilot.press("4")
        await wait_for_item(pilot, 6)
        await pilot.press("1")
        assert app.focused is not None and app.focused.id == "send"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers == {
        "mistakes_held_against": "meget_enig",
        "raise_problems": None,
        "reject_different": "meget_uenig",
        "safe_to_take_risk": "enig",
        "hard_to_ask_for_help": "neutral",
        "no_undermining": "uenig",
        "skills_valued": "meget_enig",
    }


async def test_going_forward_and_back_cancels_the_auto_advance(site: Site) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        screen = await wait_for_screen(pilot, QuestionsScreen)
        assert isinstance(screen, QuestionsScreen)
        timers = Timers(screen)
        app.post_message(events.Key("1", "1"))
        await wait_until(pilot, lambda: timers.armed == 1, lambda: "no auto-advance armed")
        # Both keys in one burst, well inside the delay, as a quick hand types them.
        app.post_message(events.Key("pagedown", None))
        app.post_message(events.Key("pageup", None))
        await timers.wait_all_fired(pilot)
        assert screen.index == 0
        assert screen.answers["mistakes_held_against"] == "meget_enig"


async def test_an_answer_typed_just_before_moving_on_stays_with_its_item(site: Site) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        screen = await wait_for_screen(pilot, QuestionsScreen)
        assert isinstance(screen, QuestionsScreen)
        # The page key can be handled before the row's Changed message reaches the screen.
        timers = Timers(screen)
        app.post_message(events.Key("1", "1"))
        app.post_message(events.Key("pagedown", None))
        await timers.wait_all_fired(pilot)
        assert screen.index == 1
        assert screen.answers["mistakes_held_against"] == "meget_enig"
        assert screen.answers["raise_problems"] is None


async def test_psych_safety_by_mouse(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#start-psych_safety")
        screen = app.screen
        assert isinstance(screen, QuestionsScreen)
        await wait_for_item(pilot, 0)  # a click before the first question is mounted is lost
        await pilot.click(screen.query(".choices Choice")[3])  # Uenig
        await pilot.click("#next")
        await wait_for_item(pilot, 1)
        await pilot.click("#skip")
        await wait_for_item(pilot, 2)
        await pilot.click("#back")
        await wait_for_item(pilot, 1)
        await pilot.click(screen.query(".choices Choice")[0])
        await wait_for_item(pilot, 2)
        for _ in range(4):
            await pilot.click("#skip")
        await wait_for_item(pilot, 6)
        await pilot.click(screen.query(".choices Choice")[4])
        await pilot.click(screen.query(".choices Choice")[2])
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    answers = only_record(site, admin_key).answers
    assert answers["mistakes_held_against"] == "uenig"
    assert answers["raise_problems"] == "meget_enig"
    assert answers["skills_valued"] == "neutral"
    assert {key for key, value in answers.items() if value is None} == {
        "reject_different",
        "safe_to_take_risk",
        "hard_to_ask_for_help",
        "no_undermining",
    }


async def test_contribution_by_keyboard(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "2", "tab", *"Hun  hentede kage")
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        counter = screen.query_one("#counter-note", Static)
        assert str(counter.render()) == "17 / 280"
        assert "hvem" in str(screen.query_one("#reminder", Static).render())
        await press_focused_send(pilot, 2)
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers == {"tag": "velkommen", "note": "Hun hentede kage"}


async def test_contribution_by_mouse_needs_a_tag(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#start-contribution")
        await pilot.click("#item-note")
        await pilot.press(*"Ny kollega fik en rundvisning")
        send = app.screen.query_one("#send", Button)
        assert send.disabled  # the tag is required
        await pilot.click(app.screen.query("#item-tag Choice")[2])
        assert not send.disabled
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers == {
        "tag": "fysisk_veltilpas",
        "note": "Ny kollega fik en rundvisning",
    }


async def test_checkin_by_keyboard(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "7")
        screen = app.screen
        assert isinstance(screen, CheckinScreen) and screen.step == 2
        await pilot.press(*"Gode kolleger")
        await press_focused_send(pilot, 4)
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers == {
        "score": 7,
        "why_here": "Gode kolleger",
        "one_step_up": None,
    }


async def test_checkin_by_mouse_with_back(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#start-checkin")
        await pilot.click(app.screen.query("#score Choice")[2])
        await pilot.click("#back")
        screen = app.screen
        assert isinstance(screen, CheckinScreen) and screen.step == 1
        assert screen.query_one("#score", ChoiceRow).value == "3"
        await pilot.click(screen.query("#score Choice")[9])
        await pilot.click("#item-one_step_up")
        await pilot.press(*"Mere tid")
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    assert only_record(site, admin_key).answers == {
        "score": 10,
        "why_here": None,
        "one_step_up": "Mere tid",
    }


async def test_guldkorn_by_keyboard(all_tools: Site, admin_key: AdminKey) -> None:
    app = kiosk(all_tools)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        for index, key in enumerate("45321"):
            await pilot.press(key)
            await wait_for_item(pilot, index + 1)
        await press_focused_send(pilot, 4)  # the sixth is left unanswered
        assert isinstance(app.screen, ThanksScreen)
    record = only_record(all_tools, admin_key)
    assert record.instrument_id == "guldkorn"
    assert record.answers == {
        "influence": "4",
        "meaning": "5",
        "predictability": "3",
        "social_support": "2",
        "fair_reward": "1",
        "suitable_demands": None,
    }


async def test_exposures_by_mouse(all_tools: Site, admin_key: AdminKey) -> None:
    app = kiosk(all_tools)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#start-exposures")
        for index, option in enumerate([0, 1, 2, 1]):
            await pilot.click(app.screen.query(".choices Choice")[option])
            await wait_for_item(pilot, index + 1)
        await pilot.click("#skip")
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    record = only_record(all_tools, admin_key)
    assert record.instrument_id == "exposures"
    assert record.answers == {
        "workload": "ja",
        "unclear_demands": "nej",
        "emotional_demands": "vil_ikke_svare",
        "offensive_behaviour": "nej",
        "violence": None,
    }


# --- submitting, pausing, thanks, idle reset -----------------------------------------------


async def test_one_send_per_tool_and_stored_before_thanks(site: Site, admin_key: AdminKey) -> None:
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "3")
        app.screen.query_one("#send", Button).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ThanksScreen)
        assert site.store.count() == 1  # durable before "Tak!" is on screen
        await pilot.press("enter", "enter")  # the second press lands on "Fortsæt", not a resend
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
    assert only_record(site, admin_key).answers["practical"] == 3


async def test_thanks_returns_to_a_clean_welcome_by_itself(site_dir: Path) -> None:
    site = open_kiosk_site(site_dir, thanks_seconds=1)
    try:
        app = kiosk(site)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f2", "2", "9")
            await pilot.click("#send")
            assert isinstance(app.screen, ThanksScreen)
            await wait_for_screen(pilot, WelcomeScreen)
            assert len(app.screen_stack) == 2
            assert app.lang == "da"
    finally:
        site.close()


async def test_pause_between_answers_keeps_repeats(site: Site, admin_key: AdminKey) -> None:
    clock = FakeClock()
    app = kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "4")
        await pilot.click("#send")
        await pilot.click("#done")
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        assert all(button.disabled for button in welcome.query(".menu-choice").results(Button))
        assert welcome.query_one("#pause", Static).display
        await pilot.press("2")
        assert app.screen is welcome  # a double tap does not start a second answer
        clock.advance(site.config.min_pause_seconds)
        welcome.update_pause()
        await pilot.pause()
        assert not any(button.disabled for button in welcome.query(".menu-choice").results(Button))
        await pilot.press("2", "4")
        await pilot.click("#send")
        assert isinstance(app.screen, ThanksScreen)
    records = stored(site, admin_key)
    assert [record.answers["practical"] for record in records] == [4, 4]


async def test_idle_reset_discards_half_an_answer(site: Site) -> None:
    clock = FakeClock()
    app = kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", "4", "1", "tab", *"halvt svar")
        assert app.lang == "en"
        clock.advance(site.config.idle_seconds - 10)
        await app.watch_for_idle()
        warning = app.screen.query_one("#idle-warning", Static)
        assert warning.display and "10" in str(warning.render())
        clock.advance(10)
        # The app's own once-a-second idle check resets it.
        await wait_for_screen(pilot, WelcomeScreen)
        assert len(app.screen_stack) == 2
        assert app.lang == "da"
        assert app.clipboard == ""
        for screen in app.screen_stack:
            assert not screen.query(NoteArea)
            assert not screen.query(ChoiceRow)
        await pilot.press("4")
        fresh = app.screen
        assert isinstance(fresh, NoteScreen)
        assert fresh.answers == {"tag": None, "note": None}
        area = fresh.query_one(NoteArea)
        assert area.text == "" and not area.history.undo_stack
    assert site.store.count() == 0


async def test_an_idle_check_after_the_screens_are_gone_is_harmless(site: Site) -> None:
    # The once-a-second idle check can fire while the app shuts down (seen on a loaded machine).
    app = kiosk(site)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
    assert not app.screen_stack
    await app.watch_for_idle()


async def test_activity_postpones_the_idle_reset(site: Site) -> None:
    clock = FakeClock()
    app = kiosk(site, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        clock.advance(site.config.idle_seconds - 1)
        await pilot.press("5")
        clock.advance(site.config.idle_seconds - 1)
        await app.watch_for_idle()
        await pilot.pause()
        assert isinstance(app.screen, SlidersScreen)
        assert app.screen.answers["practical"] == 5


# --- the language switch keeps answers and focus -------------------------------------------


async def test_language_switch_keeps_answers_and_focus_on_every_form(
    all_tools: Site, admin_key: AdminKey
) -> None:
    app = kiosk(all_tools)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "tab", "8", "f2")
        assert app.lang == "en"
        assert app.screen.query_one("#item-emotional", Slider).value == 8
        assert app.focused is app.screen.query_one("#item-emotional", Slider)
        assert "Emotional support" in str(app.screen.query(".item-label.with-help")[1].render())
        await pilot.click("#start-over")

        await pilot.press("4", "3", "tab", *"Kaffe", "f2")
        assert app.screen.query_one("#item-tag", ChoiceRow).value == "fysisk_veltilpas"
        area = app.screen.query_one(NoteArea)
        assert area.text == "Kaffe" and app.focused is area
        await pilot.press(*"!")
        assert area.text == "Kaffe!"  # the cursor came back after the text
        await pilot.click("#language")
        assert app.lang == "da"
        await pilot.click("#start-over")

        await pilot.press("1", "6", *"Ro", "f2")
        assert app.screen.query_one("#item-why_here", NoteArea).text == "Ro"
        await pilot.click("#back")
        assert app.screen.query_one("#score", ChoiceRow).value == "6"
        await pilot.click("#start-over")

        await pilot.press("6")
        # The answer key goes to the questions once they are mounted and focused.
        await wait_for_screen(pilot, QuestionsScreen)
        await pilot.press("1")
        await wait_for_item(pilot, 1)
        await pilot.press("pageup", "f2")
        assert app.screen.query_one(".choices", ChoiceRow).value == "ja"
        assert app.focused is app.screen.query_one(".choices", ChoiceRow)
        assert "Yes" in str(app.screen.query(".choices Choice")[0].render())
        await pilot.press("pagedown", "2")
        await wait_for_item(pilot, 2)
        await pilot.press("pagedown", "pagedown")
        await pilot.click("#send")
    record = only_record(all_tools, admin_key)
    assert record.lang is None  # answered in English, and nothing says so
    assert record.answers["workload"] == "ja"
    assert record.answers["unclear_demands"] == "nej"


# --- a store that cannot write -------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A real 1 MiB tmpfs to fill up, or None where mounting is not allowed."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount_point)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    yield mount_point if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill_disk(folder: Path) -> Path:
    """Write a file until the file system is full; return it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


async def test_storage_failure_is_calm_writes_nothing_and_retry_works(
    tmp_path: Path, tiny_disk: Path | None, admin_key: AdminKey
) -> None:
    folder = (tiny_disk or tmp_path) / "site"
    init_site(folder, admin_key.public_key, "Testafdeling")
    site = open_site(folder)
    segment = folder / "records" / "seg-000001.jsonl"
    before = segment.read_bytes()
    full_device = None
    try:
        if tiny_disk is not None:
            filler = fill_disk(tiny_disk)
        else:
            # Without a mount: the kernel's /dev/full under the segment's open descriptor.
            storage = site.store._current.storage
            full_device = os.open("/dev/full", os.O_RDWR)
            saved = os.dup(storage._fd)
            os.dup2(full_device, storage._fd)
        app = kiosk(site)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2", "6")
            await pilot.click("#send")
            await pilot.pause()
            assert isinstance(app.screen, StorageFailedScreen)
            assert "ikke gemt" in str(app.screen.query_one("#failure-title", Static).render())
            assert site.store.count() == 0
            assert segment.read_bytes() == before
            await pilot.click("#retry")  # still full: the calm message again
            await pilot.pause()
            assert isinstance(app.screen, StorageFailedScreen)
            if tiny_disk is not None:
                filler.unlink()
            else:
                os.dup2(saved, storage._fd)
            await pilot.click("#retry")
            await pilot.pause()
            assert isinstance(app.screen, ThanksScreen)
            assert len(app.screen_stack) == 3
        assert only_record(site, admin_key).answers["practical"] == 6
    finally:
        if full_device is not None:
            os.close(full_device)
        site.close()


async def test_giving_up_after_a_storage_failure_starts_over(
    tmp_path: Path, tiny_disk: Path | None, admin_key: AdminKey
) -> None:
    if tiny_disk is None:
        pytest.skip("needs a tmpfs mount (root)")
    folder = tiny_disk / "site"
    init_site(folder, admin_key.public_key, "Testafdeling")
    site = open_site(folder)
    try:
        fill_disk(tiny_disk)
        app = kiosk(site)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("1", "4")
            await pilot.click("#send")
            await pilot.pause()
            assert isinstance(app.screen, StorageFailedScreen)
            await pilot.click("#give-up")
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen)
            assert len(app.screen_stack) == 2
        assert site.store.count() == 0
    finally:
        site.close()
