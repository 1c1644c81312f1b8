"""The real `kiosk run` in a real pseudo-terminal, read through an independent VT emulator (pyte).

Answers by keys, locked keys, hostile pastes, a Linux console, the admin PIN, and the animated
QR export decoded from the emulated screen's colours. Every answer is read back the way the
administrator will: from the store files or the QR frames, opened with the test's private key.
The kiosk holds the store lock while it runs, so each test hangs up on it (SIGHUP, as a closed
terminal does) before opening the store.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AdminKey
from helpers.qrscreen import cells_image, kiosk_frames
from helpers.terminal import Terminal

from kiosk.bundle import read_bundle
from kiosk.config import default_config_dir, load_instrument
from kiosk.pin import PinGuard
from kiosk.qrframes import FrameDecoder
from kiosk.records import Payload, parse
from kiosk.sealing import open_sealed
from kiosk.simulate import simulate
from kiosk.site import open_site
from kiosk.store import RecordStore
from kiosk.submit import Submitter

pytestmark = pytest.mark.slow

KIOSK = Path(sys.executable).parent / "kiosk"
WELCOME = "Hvordan har du det på arbejdet?"
THANKS = "Tak!"
PAUSE = "Kiosken er klar igen"
SUPPORT = "Hvordan passer støtten til dig"
PSYCH = "1 / 7"
CONTRIBUTION = "Hvad hjalp det en kollega"
NOTE_PLACEHOLDER = "Skriv her"
ADMIN_PROMPT = "Administratortilstand"
ADMIN_FACTS = "Gemte svar"
QR_BUTTON = "Eksportér som QR-kode"
PIN = "31415926"
PASTED = "hej \x1b[31mrød\x1b[0m [bold]fed[/bold] \x1b]0;title\x07slut"
LOCKED_KEYS = ("C-c", "C-q", "C-z", "C-\\", "C-p", "C-d")
PSYCH_OPTIONS = ("meget_enig", "enig", "neutral", "uenig", "meget_uenig")
QR_SECONDS = 120.0
"""Generous: reading frames back through pyte and zxing-cpp is slow on a loaded machine."""


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


def run_kiosk(
    site_dir: Path, columns: int = 100, rows: int = 30, term: str = "xterm-256color"
) -> Terminal:
    """The real `kiosk run` on the site, in a pty of the given size and TERM."""
    return Terminal([KIOSK, "run", "--data-dir", site_dir], columns=columns, rows=rows, term=term)


@pytest.fixture
def kiosk(fast_site: Path) -> Iterator[Terminal]:
    """The real kiosk on the test site, in a 100×30 xterm, showing its welcome screen."""
    with run_kiosk(fast_site) as terminal:
        terminal.wait_for(WELCOME)
        yield terminal


def stored_payloads(site_dir: Path, admin_key: AdminKey) -> list[Payload]:
    """Every record in the site's store, opened with the administrator's private key."""
    with RecordStore.open(site_dir) as store:
        return [
            parse(open_sealed(admin_key.private_key, record.record_id, record.sealed))
            for record in store.iter_records()
        ]


def start_tool(kiosk: Terminal, number: str, shows: str) -> None:
    """From the welcome screen, once the pause after an answer is over, open menu item `number`.

    `shows` is a text only the tool's own screen has (its title is on the menu too).
    """
    kiosk.wait_for(WELCOME)
    kiosk.wait_until_gone(PAUSE)
    kiosk.send_keys(number)
    kiosk.wait_for(shows)


def send_answer(kiosk: Terminal) -> None:
    """Tab from the last field to Send (each move shown on the buttons' row), press it."""
    kiosk.press("Tab", row="Send")
    kiosk.press("Tab", row="Send")
    kiosk.send_keys("Enter")
    kiosk.wait_for(THANKS)


def test_two_answers_by_keys_are_sealed_as_pressed(
    kiosk: Terminal, fast_site: Path, admin_key: AdminKey
) -> None:
    start_tool(kiosk, "2", SUPPORT)
    # An unset slider's first step lands on the middle value, 5; appraisal is left unset.
    # A key goes where the focus is when it arrives: each key waits until its effect shows.
    for key in ("Right", "Right", "Tab", "Left", "Left", "Tab", "Tab", *["Right"] * 6):
        kiosk.press(key)
    send_answer(kiosk)
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
    assert re.fullmatch(r"\d{4}-W\d{2}", psych.period)


def assert_still_running(kiosk: Terminal, on_screen: str) -> None:
    """The kiosk survived the locked keys and still shows the same screen."""
    assert kiosk.alive(), kiosk.capture()
    screen = kiosk.settle()
    assert on_screen in screen and "Traceback" not in screen, screen


def press_locked_keys(kiosk: Terminal) -> None:
    """Every key that would leave a terminal app, then ctrl+c again (Textual quits on two)."""
    kiosk.send_keys(*LOCKED_KEYS)
    kiosk.send_keys("C-c")


def test_quit_suspend_and_palette_keys_do_nothing(kiosk: Terminal, fast_site: Path) -> None:
    before = kiosk.settle()
    press_locked_keys(kiosk)
    assert_still_running(kiosk, WELCOME)
    assert kiosk.capture() == before

    start_tool(kiosk, "2", SUPPORT)
    press_locked_keys(kiosk)
    assert_still_running(kiosk, SUPPORT)
    # It still answers keys, so the locked ones were read and dropped: the first slider
    # leaves its unset state.
    assert "●" not in kiosk.capture()
    kiosk.send_keys("Right")
    kiosk.wait_for("●")
    kiosk.kill()
    assert "ERROR" not in (fast_site / "kiosk.log").read_text(encoding="utf-8")


def test_pasted_escape_sequences_and_markup_are_stored_as_plain_text(
    kiosk: Terminal, fast_site: Path, admin_key: AdminKey
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
    send_answer(kiosk)
    title = kiosk.title
    kiosk.kill()

    [payload] = stored_payloads(fast_site, admin_key)
    assert payload.instrument_id == "contribution"
    assert payload.answers == {"tag": "velkommen", "note": "hej rød [bold]fed[/bold] slut"}
    # What the person saw is what was sealed, and the pasted title never reached the terminal.
    assert "hej rød [bold]fed[/bold] slut" in shown, shown
    assert title != "title"


def test_linux_console_of_80_by_25_shows_welcome_and_a_tool_and_locks_keys(
    fast_site: Path,
) -> None:
    with run_kiosk(fast_site, columns=80, rows=25, term="linux") as kiosk:
        screen = kiosk.wait_for(WELCOME)
        assert "Traceback" not in screen and "Error" not in screen, screen
        lines = kiosk.lines()
        assert len(lines) == 25 and all(len(line) == 80 for line in lines)
        before = kiosk.settle()
        press_locked_keys(kiosk)
        assert_still_running(kiosk, WELCOME)
        assert kiosk.capture() == before
        start_tool(kiosk, "3", PSYCH)
        assert kiosk.alive()
    log = (fast_site / "kiosk.log").read_text(encoding="utf-8")
    assert re.search(r"INFO start pid=\d+", log)
    assert "ERROR" not in log, log


def set_pin(site_dir: Path) -> None:
    """Give the site an admin PIN, as `kiosk set-pin` does."""
    with RecordStore.open(site_dir) as store:
        PinGuard(store).set_pin(PIN)


def enter_admin(kiosk: Terminal) -> None:
    """F9 on the welcome screen, the right PIN, and wait for admin mode's facts."""
    kiosk.send_keys("F9")
    kiosk.wait_for(ADMIN_PROMPT)
    kiosk.type(PIN)
    kiosk.send_keys("Enter")
    kiosk.wait_for(ADMIN_FACTS)


def test_admin_mode_needs_the_pin_and_a_wrong_one_counts(fast_site: Path) -> None:
    set_pin(fast_site)
    with run_kiosk(fast_site) as kiosk:
        kiosk.wait_for(WELCOME)
        kiosk.send_keys("F9")
        kiosk.wait_for(ADMIN_PROMPT)
        kiosk.type("27182818")
        kiosk.send_keys("Enter")
        kiosk.wait_for("Forkert pinkode")
        assert ADMIN_FACTS not in kiosk.capture()
        kiosk.type(PIN)
        kiosk.send_keys("Enter")
        kiosk.wait_for(ADMIN_FACTS)
    log = (fast_site / "kiosk.log").read_text(encoding="utf-8")
    assert "pin_failure failures=1" in log and "admin_entered" in log


@pytest.fixture
def answered_site(site_dir: Path) -> Path:
    """The test site holding a few sealed answers, with an admin PIN."""
    site = open_site(site_dir)
    try:
        submitter = Submitter(site.store, site.config, site.public_key)
        simulate(submitter, site.config.instruments, 4, seed=7)
    finally:
        site.close()
    set_pin(site_dir)
    return site_dir


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (120, 40), (200, 60)])
def test_qr_export_read_from_the_screen_is_the_kiosks_bundle(
    answered_site: Path, admin_key: AdminKey, columns: int, rows: int
) -> None:
    with run_kiosk(answered_site, columns, rows) as kiosk:
        kiosk.wait_for(WELCOME)
        enter_admin(kiosk)
        kiosk.press("Tab", row=QR_BUTTON)
        kiosk.send_keys("Enter")
        kiosk.wait_for("billede")  # the status line: "billede 3 / ~150 · ≈ 30 s · 12,0/s"
        # At the default rate the emulator misses frames now and then; the fountain code
        # completes the transfer from the frames it does read.
        decoder = FrameDecoder()
        deadline = time.monotonic() + QR_SECONDS
        while not decoder.is_complete:
            assert time.monotonic() < deadline, f"QR not complete: {decoder.progress}"
            for text in kiosk_frames(cells_image(kiosk.cells())):
                decoder.add(text)
        bundle = decoder.result()
    with RecordStore.open(answered_site) as store:
        [export] = store.export_log()
        stored = {record.record_id: record.sealed for record in store.iter_records()}
    # The frames on screen are the export the kiosk logged, and every record opens.
    read = read_bundle(bundle)
    assert export["channel"] == "qr" and export["bundle_id"] == read.bundle_id
    assert dict(read.records) == stored and len(stored) == 4
    for record_id, sealed in read.records:
        parse(open_sealed(admin_key.private_key, record_id, sealed))
