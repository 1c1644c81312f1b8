"""Instrument model and scoring: what a tool asks, what counts as a valid answer, what it scores.

Everything here is pure: instruments are built once by `kiosk.config` from TOML and never
change, so screens, the record builder and the admin report can share them freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Answer = int | str | None
"""One item's answer: a scale value, an option id, a free text, or None for not answered."""

ItemKind = Literal["scale", "choice", "text"]
Form = Literal["sliders", "questions", "note", "checkin"]


class InvalidAnswer(ValueError):
    """An answer the instrument cannot accept; the message names the item and the value."""


@dataclass(frozen=True)
class Text:
    """A user-facing text in both kiosk languages, so no screen can lack a translation."""

    da: str
    en: str

    def get(self, lang: str) -> str:
        """Return the text in `lang` ("da" or "en")."""
        if lang == "da":
            return self.da
        if lang == "en":
            return self.en
        raise ValueError(f"unknown language {lang!r} (expected 'da' or 'en')")


@dataclass(frozen=True)
class Option:
    """One answer of a choice item; `id` is what the record stores."""

    id: str
    label: Text
    value: int | None = None


@dataclass(frozen=True, kw_only=True)
class Item:
    """One question of an instrument; which fields matter depends on `kind`."""

    id: str
    kind: ItemKind
    label: Text
    help: Text | None = None
    required: bool = True
    min: int | None = None
    max: int | None = None
    anchors: tuple[tuple[int, Text], ...] = ()
    options: tuple[Option, ...] = ()
    points: tuple[int, ...] | None = None
    max_length: int | None = None

    def option(self, option_id: str) -> Option:
        """Return the option with `option_id`, or raise InvalidAnswer."""
        for option in self.options:
            if option.id == option_id:
                return option
        known = ", ".join(option.id for option in self.options)
        raise InvalidAnswer(f"{self.id}: unknown option {option_id!r} (expected one of {known})")


@dataclass(frozen=True)
class ReportRules:
    """An instrument's own report rules, from its TOML `[report]` table.

    `share_low`/`share_high`: scale values at or below /
    at or above which the report prints the share of answers (support's "turn down" and
    "need more"). `total_bin`: the width of the bins the total score is counted in.
    """

    share_low: int | None = None
    share_high: int | None = None
    total_bin: int = 10


@dataclass(frozen=True, kw_only=True)
class Instrument:
    """One tool from the seed (support sliders, psychological safety, ...) as the kiosk shows it."""

    id: str
    version: int
    form: Form
    title: Text
    intro: Text
    reminder: Text | None = None
    source: str
    items: tuple[Item, ...]
    min_group: int | None = None
    min_group_text: int | None = None
    prevention_examples: tuple[Text, ...] = ()
    report: ReportRules = ReportRules()

    def item(self, item_id: str) -> Item:
        """Return the item with `item_id`, or raise InvalidAnswer."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise InvalidAnswer(f"{self.id}: unknown item {item_id!r}")

    @property
    def has_total(self) -> bool:
        """True when the seed gives points for every item, so a total score means something."""
        return all(item.points is not None for item in self.items)


def validate_answers(instrument: Instrument, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """Check a finished response and return it with every item present (None: not answered).

    An empty or blank text counts as not answered. Free text must already be stripped of
    control characters by the caller; here only its length is checked.

    Raises:
        InvalidAnswer: an unknown item, a value of the wrong type or out of range, an unknown
            option, a text over its length limit, or a required item left unanswered.
    """
    known = {item.id for item in instrument.items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise InvalidAnswer(f"{instrument.id}: unknown item {unknown[0]!r}")
    normalised: dict[str, Answer] = {}
    for item in instrument.items:
        value = _check_value(item, answers.get(item.id))
        if value is None and item.required:
            raise InvalidAnswer(f"{item.id}: an answer is required")
        normalised[item.id] = value
    return normalised


def _check_value(item: Item, value: Answer) -> Answer:
    """Return `value` checked against one item, with blank text turned into None."""
    if value is None:
        return None
    if item.kind == "scale":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAnswer(f"{item.id}: expected a whole number, got {value!r}")
        too_low = item.min is not None and value < item.min
        too_high = item.max is not None and value > item.max
        if too_low or too_high:
            raise InvalidAnswer(f"{item.id}: {value} is outside {item.min}–{item.max}")
        return value
    if not isinstance(value, str):
        raise InvalidAnswer(f"{item.id}: expected text, got {value!r}")
    if item.kind == "choice":
        return item.option(value).id
    if not value.strip():
        return None
    if item.max_length is not None and len(value) > item.max_length:
        raise InvalidAnswer(
            f"{item.id}: text is {len(value)} characters, at most {item.max_length} allowed"
        )
    return value


def item_score(instrument: Instrument, item_id: str, answer: Answer) -> float | None:
    """Return one answer's score: the seed's points, else the option value or scale value.

    None when the item was not answered or has nothing to score (free text, ja/nej options).
    """
    item = instrument.item(item_id)
    value = _check_value(item, answer)
    if value is None or item.kind == "text":
        return None
    if item.kind == "scale":
        return float(value)
    option = item.option(str(value))
    if item.points is not None:
        return float(item.points[item.options.index(option)])
    return None if option.value is None else float(option.value)


def total_score(instrument: Instrument, answers: Mapping[str, Answer]) -> float | None:
    """Return the sum of the seed's points (psych_safety: 0–70), or None.

    None when the instrument has no points-based total or any item is unanswered, because a
    partial sum would read as a lower score rather than a missing one.
    """
    if not instrument.has_total:
        return None
    total = 0.0
    for item in instrument.items:
        score = item_score(instrument, item.id, answers.get(item.id))
        if score is None:
            return None
        total += score
    return total
