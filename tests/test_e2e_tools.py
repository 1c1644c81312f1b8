"""Every tool answered by keys in the real `kiosk run` at 80×24, in Danish and in English.

The site has all six tools on its menu. A person at an 80×24 terminal answers each of them
with keys only, in the places where the kiosk used to lose or hide something: the check-in's
privacy reminder on its follow-up screen, a note typed straight after choosing a tag by its
number, a question answered, Back, and the same number pressed again. Every screen on the way
must show its essentials (the hint lines, the buttons, the whole privacy promise, the chosen
answer) with no scrollbar. Afterwards the store is opened as the administrator opens it, with
the private key, and every sealed answer must be what was typed.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AdminKey
from helpers.sites import ALL_INSTRUMENTS, set_setting
from helpers.terminal import POLL_SECONDS, Cells, Terminal

from kiosk.instruments import Answer
from kiosk.records import PAYLOAD_VERSION, Payload, parse
from kiosk.sealing import open_sealed
from kiosk.store import RecordStore

pytestmark = pytest.mark.slow

KIOSK = Path(sys.executable).parent / "kiosk"
COLUMNS, ROWS = 80, 24
SITE_NAME = "Testafdeling"
BAR_GLYPHS = frozenset("▁▂▃▄▅▆▇")
"""The partial blocks Textual draws at the ends of a scrollbar's thumb."""
DRAWING = re.compile(r"[▁▂▃▄▅▆▇█▔▊▎▏▕▌▐]")
"""Box and block characters of borders, taken out before a wrapped text is looked for."""


@dataclass(frozen=True)
class Words:
    """What the person reads and types in one language; the ids are what must be sealed."""

    lang: str
    welcome: str
    privacy_last: str
    pause: str
    thanks: str
    send: str
    next: str
    back: str
    choice_hint: str
    slider_hint: str
    checkin_intro: str
    checkin_anchors: tuple[str, str]
    checkin_questions: tuple[str, str]
    checkin_reminder: str
    checkin_notes: tuple[str, str]
    support_intro: str
    support_labels: tuple[str, ...]
    support_anchors: tuple[str, ...]
    psych_intro: str
    psych_first_chosen: str
    psych_last_chosen: str
    note_intro: str
    note_tag_chosen: str
    note_reminder: str
    note_text: str
    guldkorn_intro: str
    guldkorn_last_chosen: str
    exposures_intro: str
    exposures_options: tuple[str, str, str]


DANISH = Words(
    lang="da",
    welcome="Hvordan har du det på arbejdet?",
    privacy_last="• Vi gemmer ikke dit navn, klokkeslættet, dit sprog eller noget andet om dig.",
    pause="Kiosken er klar igen",
    thanks="Tak!",
    send="Send",
    next="Næste",
    back="Tilbage",
    choice_hint="Vælg et svar, eller spring over.",
    slider_hint="Brug ← → eller træk. Tab går videre.",
    checkin_intro="Tænk dig om et øjeblik",
    checkin_anchors=("Meget dårligt", "Rigtig godt"),
    checkin_questions=(
        "Hvad gør, at du står netop her og ikke længere nede af skalaen? (valgfrit)",
        "Hvad ville være hjælpsomt, hvis du skulle bevæge dig et trin op ad? (valgfrit)",
    ),
    checkin_reminder="Skriv gerne kort – og uden navne",
    checkin_notes=("Gode kolleger, men for travlt", "Færre afbrydelser om formiddagen"),
    support_intro="Hvordan passer støtten til dig",
    support_labels=(
        "Praktisk hjælp",
        "Følelsesmæssig støtte",
        "Bedømmelsesstøtte",
        "Informationsstøtte",
    ),
    support_anchors=("Skru lidt ned", "Det er fint", "Jeg har brug for mere"),
    psych_intro="Hvor enig er du",
    psych_first_chosen="● 2 Enig",
    psych_last_chosen="● 1 Meget enig",
    note_intro="Inspireret af Tivolis",
    note_tag_chosen="● 3 Fysisk veltilpas",
    note_reminder="Skriv hvad der skete – ikke hvem",
    note_text="Viste en ny på lageret rundt og gav en kop kaffe",
    guldkorn_intro="I hvilken grad oplever du",
    guldkorn_last_chosen="● 3 – Delvist",
    exposures_intro="Har du for nylig været udsat",
    exposures_options=("Ja", "Nej", "Vil ikke svare"),
)

ENGLISH = Words(
    lang="en",
    welcome="How are things at work?",
    privacy_last=(
        "• We don't store your name, the time of day, your language or anything else about you."
    ),
    pause="The kiosk is ready again",
    thanks="Thank you!",
    send="Send",
    next="Next",
    back="Back",
    choice_hint="Choose an answer, or skip.",
    slider_hint="Use ← → or drag. Tab moves on.",
    checkin_intro="Think for a moment",
    checkin_anchors=("Very poor", "Very good"),
    checkin_questions=(
        "What makes you stand right here and not further down the scale? (optional)",
        "What would help you move one step up the scale? (optional)",
    ),
    checkin_reminder="Keep it short – and leave out names",
    checkin_notes=("Kind colleagues, too much to do", "Fewer interruptions before lunch"),
    support_intro="How well does the support fit you",
    support_labels=(
        "Practical help",
        "Emotional support",
        "Feedback support",
        "Information support",
    ),
    support_anchors=("Turn it down a little", "It's fine", "I need more"),
    psych_intro="How much do you agree",
    psych_first_chosen="● 2 Agree",
    psych_last_chosen="● 1 Strongly agree",
    note_intro="Inspired by Tivoli's",
    note_tag_chosen="● 3 Physically at ease",
    note_reminder="Write what happened, not who",
    note_text="Showed someone new round the store and made coffee",
    guldkorn_intro="To what extent do you",
    guldkorn_last_chosen="● 3 – Somewhat",
    exposures_intro="Have you been exposed",
    exposures_options=("Yes", "No", "Prefer not to say"),
)

PSYCH_OPTIONS = ("meget_enig", "enig", "neutral", "uenig", "meget_uenig")
EXPOSURE_OPTIONS = ("ja", "nej", "vil_ikke_svare")
PSYCH_DIGITS = "2345121"
"""One digit per question; the first is pressed, taken Back, and pressed again."""
GULDKORN_DIGITS = "351243"
EXPOSURE_DIGITS = "12321"


def expected_answers(words: Words) -> dict[str, dict[str, Answer]]:
    """What each tool must have sealed, by instrument id, after `answer_every_tool`."""
    return {
        "checkin": {
            "score": 7,
            "why_here": words.checkin_notes[0],
            "one_step_up": words.checkin_notes[1],
        },
        # An unset slider's first step lands on the middle value, 5; appraisal is left unset.
        "support": {"practical": 6, "emotional": 4, "appraisal": None, "informational": 10},
        "psych_safety": dict(
            zip(
                (
                    "mistakes_held_against",
                    "raise_problems",
                    "reject_different",
                    "safe_to_take_risk",
                    "hard_to_ask_for_help",
                    "no_undermining",
                    "skills_valued",
                ),
                (PSYCH_OPTIONS[int(digit) - 1] for digit in PSYCH_DIGITS),
                strict=True,
            )
        ),
        "contribution": {"tag": "fysisk_veltilpas", "note": words.note_text},
        "guldkorn": dict(
            zip(
                (
                    "influence",
                    "meaning",
                    "predictability",
                    "social_support",
                    "fair_reward",
                    "suitable_demands",
                ),
                GULDKORN_DIGITS,
                strict=True,
            )
        ),
        "exposures": dict(
            zip(
                (
                    "workload",
                    "unclear_demands",
                    "emotional_demands",
                    "offensive_behaviour",
                    "violence",
                ),
                (EXPOSURE_OPTIONS[int(digit) - 1] for digit in EXPOSURE_DIGITS),
                strict=True,
            )
        ),
    }


# --- reading the screen ---------------------------------------------------------------------


def scrollbar_at(cells: Cells) -> tuple[int, int] | None:
    """Where a vertical scrollbar's thumb shows, as (row, column), or None if none does.

    Textual draws the thumb two cells wide: blank cells in reverse video, with a partial
    block (▁ … ▇) at an end that does not fall on a cell boundary. Borders also use reverse
    video and those blocks, but never as two blank reverse cells side by side, and their
    runs of one block are never exactly two cells long.
    """
    for y, row in enumerate(cells):
        for x in range(len(row) - 1):
            here, right = row[x], row[x + 1]
            if here.reverse and right.reverse and here.data == right.data == " ":
                return y, x
            if here.data in BAR_GLYPHS and right.data == here.data:
                before = row[x - 1].data if x > 0 else ""
                after = row[x + 2].data if x + 2 < len(row) else ""
                if here.data not in (before, after):
                    return y, x
    return None


def reading(screen: str) -> str:
    """The screen's text as one line: borders taken out and wrapped lines joined."""
    return " ".join(DRAWING.sub(" ", screen).split())


def layout_problem(cells: Cells, essentials: tuple[str, ...]) -> str | None:
    """What is wrong with a screen at 80×24 for a person reading it, or None if nothing is."""
    lines = ["".join(cell.data for cell in row) for row in cells]
    screen = "\n".join(lines)
    if len(lines) != ROWS or any(len(line) != COLUMNS for line in lines):
        return f"the screen is not {COLUMNS}×{ROWS}"
    thumb = scrollbar_at(cells)
    if thumb is not None:
        return f"a scrollbar at row, column {thumb}"
    text = reading(screen)
    missing = [essential for essential in essentials if reading(essential) not in text]
    if missing:
        return f"not shown whole: {missing}"
    return None


def chosen_option(screen: str) -> str:
    """The text of the chosen option's button (the one showing ●), its lines joined."""
    lines = screen.splitlines()
    for y, line in enumerate(lines):
        x = line.find("●")
        if x < 0:
            continue
        left, right = line.rfind("▊", 0, x), line.find("▎", x)
        inside = [row[left + 1 : right] for row in lines[y:] if len(row) > right]
        shown = []
        for part in inside:
            if part.startswith("▁"):
                break
            shown.append(part)
        return " ".join(" ".join(shown).split())
    return ""


def wait_until_fits(kiosk: Terminal, *essentials: str, timeout: float = 20.0) -> str:
    """Poll until the screen has no scrollbar and shows every essential text whole.

    An essential may wrap over lines (it is looked for with line breaks and borders taken
    out), but a text cut short or scrolled out of sight is missing. A new screen may take a
    frame or two to reach its layout for the terminal's size, hence the polling; one that
    never does fails, showing itself. Returns the screen.
    """
    deadline = time.monotonic() + timeout
    while True:
        cells = kiosk.cells()
        problem = layout_problem(cells, essentials)
        screen = "\n".join("".join(cell.data for cell in row) for row in cells)
        if problem is None:
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{problem} at {COLUMNS}×{ROWS} after {timeout} s:\n{screen}")
        time.sleep(POLL_SECONDS)


# --- answering ------------------------------------------------------------------------------


@pytest.fixture
def tools_site(site_dir: Path) -> Path:
    """The test site with all six tools on the menu, a 1 s thank-you and a 2 s pause.

    The pause outlasts the thank-you, so the welcome screen shows its pause line for a
    moment after every answer, and that layout is checked too.
    """
    config = site_dir / "kiosk.toml"
    text = config.read_text(encoding="utf-8")
    text = set_setting(
        text, "instruments", "[" + ", ".join(f'"{tool}"' for tool in ALL_INSTRUMENTS) + "]"
    )
    text = set_setting(text, "thanks_seconds", "1")
    text = set_setting(text, "min_pause_seconds", "2")
    config.write_text(text, encoding="utf-8")
    return site_dir


@pytest.fixture
def kiosk(tools_site: Path) -> Iterator[Terminal]:
    """The real kiosk on the site with every tool, in an 80×24 xterm."""
    command = [KIOSK, "run", "--data-dir", tools_site]
    with Terminal(command, columns=COLUMNS, rows=ROWS) as terminal:
        terminal.wait_for(DANISH.welcome)
        yield terminal
    # The hang-up ends the run, often while a fresh welcome screen is being mounted: that
    # once crashed the kiosk's screen, and `kiosk run` restarted instead of stopping.
    log = (tools_site / "kiosk.log").read_text(encoding="utf-8")
    assert " ERROR " not in log and " restart " not in log, log


def pause_layouts(kiosk: Terminal, pause: str, timeout: float = 20.0) -> list[Cells]:
    """Poll while the pause line shows; return every frame seen that showed it.

    Every one of them must fit: the first frame of a screen once had the roomy layout, drawn
    before Textual set the compact one on its first resize.
    """
    deadline = time.monotonic() + timeout
    frames: list[Cells] = []
    while True:
        cells = kiosk.cells()
        text = "\n".join("".join(cell.data for cell in row) for row in cells)
        if pause not in text:
            return frames
        frames.append(cells)
        assert time.monotonic() < deadline, f"the pause never ended:\n{text}"
        time.sleep(POLL_SECONDS)


def start_tool(kiosk: Terminal, words: Words, number: int, shows: str, *, first: bool) -> None:
    """From the welcome screen, switch language if asked, and open tool `number`.

    `shows` is a text only the tool's own screen has. After an answer the welcome screen
    holds the menu for the pause (which outlasts the thank-you): a tool is chosen only once
    its pause line is gone (a tap during the pause is dropped on purpose). The welcome's
    first frame may lack the pause line, so it is waited for rather than looked for.
    English is switched on after the pause, since a language switch rebuilds the screen.
    """
    kiosk.wait_for(DANISH.welcome)
    if not first:
        kiosk.wait_for(DANISH.pause)
        # How the welcome looks with its pause line is for its own test below to say: here
        # the pause only has to end before a tool is chosen.
        pause_layouts(kiosk, DANISH.pause)
    if words is not DANISH:
        kiosk.send_keys("F2")
        kiosk.wait_for(words.welcome)
    wait_until_fits(kiosk, words.welcome, words.privacy_last)
    kiosk.send_keys(str(number))
    kiosk.wait_for(shows)


def tab_to_send_and_press(kiosk: Terminal, words: Words, tabs: int) -> None:
    """Tab `tabs` times onto Send (each move shown on the buttons' row), press it, see thanks."""
    for _ in range(tabs):
        kiosk.press("Tab", row=words.send)
    kiosk.send_keys("Enter")
    kiosk.wait_for(words.thanks)


def answer_checkin(kiosk: Terminal, words: Words) -> None:
    """Tap 7 on the scale, write both follow-ups, send."""
    start_tool(kiosk, words, 1, words.checkin_intro, first=True)
    wait_until_fits(kiosk, *words.checkin_anchors, "10", words.next)
    kiosk.send_keys("7")
    kiosk.wait_for(words.checkin_questions[0])
    wait_until_fits(kiosk, *words.checkin_questions, words.checkin_reminder, words.back, words.send)
    first, second = words.checkin_notes
    kiosk.type(first)
    kiosk.wait_for(first)
    kiosk.press("Tab")
    kiosk.type(second)
    kiosk.wait_for(second)
    # The second note → Start over → Back → Send.
    tab_to_send_and_press(kiosk, words, 3)


def answer_support(kiosk: Terminal, words: Words) -> None:
    """Practical 6, emotional 4, appraisal left unset, informational 10, by arrows and Tab."""
    start_tool(kiosk, words, 2, words.support_intro, first=False)
    # Whether all four sliders and the hint fit is for test_support_fits_after_an_answer.
    kiosk.wait_for(words.support_labels[-1])
    # A key goes where the focus is when it arrives: each key waits until its effect shows.
    for key in ("Right", "Right", "Tab", "Left", "Left", "Tab", "Tab", *["Right"] * 6):
        kiosk.press(key)
    # The last slider → Start over → Send.
    tab_to_send_and_press(kiosk, words, 2)


def answer_questions(
    kiosk: Terminal,
    words: Words,
    digits: str,
    *,
    on_first: Callable[[], None] | None = None,
    last_chosen: str,
    essentials: tuple[str, ...] = (),
) -> None:
    """Press one digit per question, the next question coming by itself; then send.

    `on_first` runs once the first answer has moved the screen on to question 2.
    """
    total = len(digits)
    for position, digit in enumerate(digits[:-1], start=1):
        kiosk.wait_for(f"{position} / {total}")
        if position == 1:
            wait_until_fits(kiosk, words.choice_hint, words.next, *essentials)
        kiosk.send_keys(digit)
        if position == 1 and on_first is not None:
            kiosk.wait_for(f"2 / {total}")
            on_first()
    kiosk.wait_for(f"{total} / {total}")
    kiosk.settle()
    # The last answer moves the focus to Send.
    kiosk.press(digits[-1], row=words.send)
    screen = wait_until_fits(kiosk, words.choice_hint, words.send)
    assert chosen_option(screen) == last_chosen, screen
    kiosk.send_keys("Enter")
    kiosk.wait_for(words.thanks)


def answer_psych_safety(kiosk: Terminal, words: Words) -> None:
    """Seven answers by digits; the first one is taken Back and the same digit pressed again."""
    start_tool(kiosk, words, 3, words.psych_intro, first=False)

    def back_then_same_number() -> None:
        # From the answers → Start over → Back, pressed: question 1 shows its answer.
        kiosk.press("Tab", row=words.back)
        kiosk.press("Tab", row=words.back)
        kiosk.send_keys("Enter")
        kiosk.wait_for(f"1 / {len(PSYCH_DIGITS)}")
        wait_until_fits(kiosk, words.psych_first_chosen, words.choice_hint)
        # The same number again is an answer as well, so the question moves on.
        kiosk.send_keys(PSYCH_DIGITS[0])
        kiosk.wait_for(f"2 / {len(PSYCH_DIGITS)}")

    answer_questions(
        kiosk,
        words,
        PSYCH_DIGITS,
        on_first=back_then_same_number,
        last_chosen=words.psych_last_chosen,
    )


def answer_contribution(kiosk: Terminal, words: Words) -> None:
    """Tag 3 by its number and, with no Tab and no pause, the note typed straight after it."""
    start_tool(kiosk, words, 4, words.note_intro, first=False)
    kiosk.settle()
    kiosk.send_keys("3")
    kiosk.type(words.note_text)
    kiosk.wait_for(words.note_text)
    wait_until_fits(kiosk, words.note_tag_chosen, words.note_text, words.note_reminder, words.send)
    # The note → Start over → Send.
    tab_to_send_and_press(kiosk, words, 2)


def answer_guldkorn(kiosk: Terminal, words: Words) -> None:
    """Six answers by digits."""
    start_tool(kiosk, words, 5, words.guldkorn_intro, first=False)
    answer_questions(kiosk, words, GULDKORN_DIGITS, last_chosen=words.guldkorn_last_chosen)


def answer_exposures(kiosk: Terminal, words: Words) -> None:
    """Five answers by digits, each of ja / nej / vil ikke svare."""
    start_tool(kiosk, words, 6, words.exposures_intro, first=False)
    answer_questions(
        kiosk,
        words,
        EXPOSURE_DIGITS,
        last_chosen=f"● 1 {words.exposures_options[0]}",
        essentials=words.exposures_options,
    )


def sealed_payloads(site_dir: Path, admin_key: AdminKey) -> tuple[str, list[Payload]]:
    """The store's kiosk id and every record in it, opened with the administrator's key."""
    with RecordStore.open(site_dir) as store:
        kiosk_id = store.kiosk_id
        payloads = []
        for record in store.iter_records():
            assert record.sealed[0] == PAYLOAD_VERSION, "a new record is not of format 2"
            plaintext = open_sealed(admin_key.private_key, record.record_id, record.sealed)
            payloads.append(parse(plaintext, sealed_version=record.sealed[0]))
    return kiosk_id, payloads


@pytest.mark.parametrize("words", [DANISH, ENGLISH], ids=["da", "en"])
def test_every_tool_answered_by_keys_at_80x24_is_sealed_as_typed(
    kiosk: Terminal, tools_site: Path, admin_key: AdminKey, words: Words
) -> None:
    answer_checkin(kiosk, words)
    answer_support(kiosk, words)
    answer_psych_safety(kiosk, words)
    answer_contribution(kiosk, words)
    answer_guldkorn(kiosk, words)
    answer_exposures(kiosk, words)
    # Back on the welcome screen, in the site's first language whatever the last one used.
    kiosk.wait_for(DANISH.welcome)
    kiosk.kill()

    kiosk_id, payloads = sealed_payloads(tools_site, admin_key)
    by_tool = {payload.instrument_id: payload for payload in payloads}
    assert len(payloads) == len(by_tool) == len(ALL_INSTRUMENTS), payloads
    for tool, answers in expected_answers(words).items():
        payload = by_tool[tool]
        assert payload.answers == answers, tool
        # Format 2: no language, and the kiosk and site sealed inside.
        assert payload.lang is None
        assert (payload.kiosk_id, payload.site) == (kiosk_id, SITE_NAME)
        assert re.fullmatch(r"\d{4}-W\d{2}", payload.period)


def answer_a_contribution(kiosk: Terminal) -> None:
    """Answer the contribution by keys, so the next screens are drawn after an answer."""
    start_tool(kiosk, DANISH, 4, DANISH.note_intro, first=True)
    kiosk.send_keys("1")
    kiosk.type("Kage")
    kiosk.wait_for("Kage")
    tab_to_send_and_press(kiosk, DANISH, 2)
    kiosk.wait_for(DANISH.welcome)


def test_support_fits_after_an_answer(kiosk: Terminal) -> None:
    # The note screen's styles once leaked into the support screen (Textual keeps a screen's
    # CSS for the whole app): its label padding pushed the last slider behind a scrollbar.
    answer_a_contribution(kiosk)
    kiosk.wait_for(DANISH.pause)
    for _ in pause_layouts(kiosk, DANISH.pause):
        pass  # the menu takes no tool until the pause has ended
    kiosk.send_keys("2")
    kiosk.wait_for(DANISH.support_intro)
    screen = wait_until_fits(
        kiosk, *DANISH.support_labels, *DANISH.support_anchors, DANISH.slider_hint, timeout=5
    )
    anchor_rows = [
        line for line in screen.splitlines() if all(a in line for a in DANISH.support_anchors)
    ]
    assert len(anchor_rows) == 4, screen


def test_the_welcome_fits_during_the_pause_after_an_answer(kiosk: Terminal) -> None:
    answer_a_contribution(kiosk)
    kiosk.wait_for(DANISH.pause)
    frames = pause_layouts(kiosk, DANISH.pause)
    assert frames, "the pause line was never seen"
    for cells in frames:
        problem = layout_problem(cells, (DANISH.privacy_last,))
        assert problem is None, problem
