"""The real `kiosk run` in a real terminal (tmux): answers by keys, lockdown, pastes, TERM=linux.

Every answer is read back the way the administrator will: from the store files, opened with
the test's private key. The kiosk holds the store lock while it runs, so each test stops it
(SIGHUP through tmux) before opening the store.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AdminKey
from tmux import Tmux, tmux_available

from kiosk.config import default_config_dir, load_instrument
from kiosk.pin import PinGuard
from kiosk.records import Payload, parse
from kiosk.sealing import open_sealed
from kiosk.store import RecordStore

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed (apt-get install tmux)"),
]

KIOSK = Path(sys.executable).parent / "kiosk"
WELCOME = "Hvordan har du det på arbejdet?"
THANKS = "Tak!"
PAUSE = "Kiosken er klar igen"
SUPPORT = "Hvordan passer støtten til dig"
PSYCH = "1 / 7"
CONTRIBUTION = "Hvad hjalp det en kollega"
NOTE_PLACEHOLDER = "Skriv her"
PASTED = "hej \x1b[31mrød\x1b[0m [bold]fed[/bold] \x1b]0;title\x07slut"
LOCKED_KEYS = ("C-c", "C-q", "C-z", "C-\\", "C-p", "C-d")
PSYCH_OPTIONS = ("meget_enig", "enig", "neutral", "uenig", "meget_uenig")


@pytest.fixture
def fast_site(site_dir: Path) -> Path:
    """The test site with the shortest thank-you and pause the config allows, for speed."""
    config = site_dir / "kiosk.toml"
    text = config.read_text(encoding="utf-8")
    for key, value in (("thanks_seconds", "1"), ("min_pause_seconds", "0.5")):
        text, count = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", text)
        assert count == 1, f"kiosk.toml has no {key} line"
    config.write_text(text, encoding="utf-8")
    return site_dir


@pytest.fixture
def kiosk(fast_site: Path) -> Iterator[Tmux]:
    """The real kiosk on the test site, in a 100×30 xterm pane, showing its welcome screen."""
    with Tmux([KIOSK, "run", "--data-dir", fast_site], width=100, height=30) as session:
        session.wait_for(WELCOME, timeout=20)
        yield session


def stored_payloads(site_dir: Path, admin_key: AdminKey) -> list[Payload]:
    """Every record in the site's store, opened with the administrator's private key."""
    with RecordStore.open(site_dir) as store:
        return [
            parse(open_sealed(admin_key.private_key, record.record_id, record.sealed))
            for record in store.iter_records()
        ]


def start_tool(kiosk: Tmux, number: str, shows: str) -> None:
    """From the welcome screen, once the pause after an answer is over, open menu item `number`.

    `shows` is a text only the tool's own screen has (its title is on the menu too).
    """
    kiosk.wait_for(WELCOME)
    kiosk.wait_until_gone(PAUSE)
    kiosk.send_keys(number)
    kiosk.wait_for(shows)


def test_two_answers_by_keys_are_sealed_as_pressed(
    kiosk: Tmux, fast_site: Path, admin_key: AdminKey
) -> None:
    start_tool(kiosk, "2", SUPPORT)
    # An unset slider's first step lands on the middle value, 5; appraisal is left unset.
    # A key goes where the focus is when it arrives, so each Tab's focus move is waited for.
    kiosk.send_keys("Right", "Right")
    kiosk.settle()
    kiosk.press("Tab")
    kiosk.send_keys("Left", "Left")
    kiosk.settle()
    kiosk.press("Tab")
    kiosk.press("Tab")
    kiosk.send_keys(*["Right"] * 6)
    kiosk.settle()
    kiosk.press("Tab", row="Send")
    kiosk.press("Tab", row="Send")
    kiosk.send_keys("Enter")
    kiosk.wait_for(THANKS)
    kiosk.wait_until_gone(THANKS)

    start_tool(kiosk, "3", PSYCH)
    digits = "1234512"
    for position, digit in enumerate(digits[:-1], start=1):
        # One tap per question; the next one appears by itself.
        kiosk.wait_for(f"{position} / {len(digits)}")
        kiosk.send_keys(digit)
    kiosk.wait_for(f"{len(digits)} / {len(digits)}")
    kiosk.settle()
    # The last answer moves the focus to Send.
    kiosk.press(digits[-1], row="Send")
    kiosk.send_keys("Enter")
    kiosk.wait_for(THANKS)
    kiosk.kill()

    payloads = {payload.instrument_id: payload for payload in stored_payloads(fast_site, admin_key)}
    assert len(payloads) == 2 and set(payloads) == {"support", "psych_safety"}
    assert payloads["support"].answers == {
        "practical": 6,
        "emotional": 4,
        "appraisal": None,
        "informational": 10,
    }
    psych = payloads["psych_safety"]
    items = load_instrument(default_config_dir() / "instruments" / "psych_safety.toml").items
    # The payload's keys are sorted (canonical JSON): read the answers in question order.
    assert [psych.answers[item.id] for item in items] == [PSYCH_OPTIONS[int(d) - 1] for d in digits]
    assert psych.lang is None and re.fullmatch(r"\d{4}-W\d{2}", psych.period)


def assert_still_running(kiosk: Tmux, on_screen: str) -> None:
    """The kiosk survived the locked keys and still shows the same screen."""
    assert kiosk.alive(), kiosk.capture()
    assert kiosk.pane_info("#{pane_dead}") == "0"
    screen = kiosk.capture()
    assert on_screen in screen and "Traceback" not in screen, screen


def test_quit_suspend_and_palette_keys_do_nothing(kiosk: Tmux, fast_site: Path) -> None:
    kiosk.send_keys(*LOCKED_KEYS)
    kiosk.send_keys("C-c")  # Textual quits on a second ctrl+c within a moment
    assert_still_running(kiosk, WELCOME)

    start_tool(kiosk, "2", SUPPORT)
    kiosk.send_keys(*LOCKED_KEYS)
    kiosk.send_keys("C-c")
    assert_still_running(kiosk, SUPPORT)
    # It still answers keys: the first slider leaves its unset state.
    assert "●" not in kiosk.capture()
    kiosk.send_keys("Right")
    kiosk.wait_for("●")
    kiosk.kill()
    assert "ERROR" not in (fast_site / "kiosk.log").read_text(encoding="utf-8")


def test_pasted_escape_sequences_and_markup_are_stored_as_plain_text(
    kiosk: Tmux, fast_site: Path, admin_key: AdminKey
) -> None:
    start_tool(kiosk, "4", CONTRIBUTION)
    kiosk.send_keys("2")  # the tag "Velkommen"
    kiosk.wait_for("● 2 Velkommen")
    kiosk.settle()
    # A paste, like a key, goes where the focus is when it arrives: wait for the note field.
    kiosk.press("Tab", row=NOTE_PLACEHOLDER)
    kiosk.paste(PASTED)
    kiosk.wait_for("slut")
    shown = kiosk.settle()
    kiosk.press("Tab", row="Send")
    kiosk.press("Tab", row="Send")
    kiosk.send_keys("Enter")
    kiosk.wait_for(THANKS)
    title = kiosk.pane_info("#{pane_title}")
    kiosk.kill()

    [payload] = stored_payloads(fast_site, admin_key)
    assert payload.instrument_id == "contribution"
    assert payload.answers == {"tag": "velkommen", "note": "hej rød [bold]fed[/bold] slut"}
    # What the person saw is what was sealed, and the pasted title never reached the terminal.
    assert "hej rød [bold]fed[/bold] slut" in shown, shown
    assert title != "title"


def test_linux_console_shows_welcome_and_a_tool(fast_site: Path) -> None:
    with Tmux([KIOSK, "run", "--data-dir", fast_site], width=80, height=25, term="linux") as kiosk:
        assert kiosk.pane_info("#{pane_width}x#{pane_height}") == "80x25"
        screen = kiosk.wait_for(WELCOME, timeout=20)
        assert "Traceback" not in screen and "Error" not in screen, screen
        start_tool(kiosk, "3", PSYCH)
        assert kiosk.alive()
    log = (fast_site / "kiosk.log").read_text(encoding="utf-8")
    assert log and "ERROR" not in log, log


def test_admin_mode_needs_the_pin_and_a_wrong_one_counts(fast_site: Path) -> None:
    with RecordStore.open(fast_site) as store:
        PinGuard(store).set_pin("31415926")
    with Tmux([KIOSK, "run", "--data-dir", fast_site], width=100, height=30) as kiosk:
        kiosk.wait_for(WELCOME, timeout=20)
        kiosk.send_keys("F9")
        kiosk.wait_for("Administratortilstand")
        kiosk.type("27182818")
        kiosk.send_keys("Enter")
        kiosk.wait_for("Forkert pinkode")
        assert "Gemte svar" not in kiosk.capture()
        kiosk.type("31415926")
        kiosk.send_keys("Enter")
        kiosk.wait_for("Gemte svar")
        kiosk.kill()
    log = (fast_site / "kiosk.log").read_text(encoding="utf-8")
    assert "pin_failure failures=1" in log and "admin_entered" in log
