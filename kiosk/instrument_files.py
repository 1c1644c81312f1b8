"""Load and check instrument files (config/instruments/*.toml) into kiosk.instruments types."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from kiosk.instruments import Form, Instrument, Item, Option, ReportRules, Text
from kiosk.tomlcheck import (
    LANGUAGES,
    MIN_GROUP_FLOOR,
    REPORT_KEYS,
    At,
    as_table,
    as_tables,
    at_least,
    check_keys,
    check_text_threshold,
    one_of,
    optional,
    read_toml,
    require,
    typed,
    unique,
)

_ID = re.compile(r"[a-z0-9][a-z0-9_]{0,39}")
_INSTRUMENT_KEYS = (
    "id",
    "version",
    "form",
    "title",
    "intro",
    "reminder",
    "source",
    "options",
    "items",
    "report",
    "prevention_examples",
)
_REPORT_RULE_KEYS = ("share_low", "share_high", "total_bin")
_COMMON_ITEM_KEYS = ("id", "kind", "label", "help", "required")
_ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "scale": (*_COMMON_ITEM_KEYS, "min", "max", "anchors"),
    "choice": (*_COMMON_ITEM_KEYS, "options", "points"),
    "text": (*_COMMON_ITEM_KEYS, "max_length"),
}
# Each form is one screen, and each screen knows how to show only these kinds of item.
_FORM_KINDS: dict[str, tuple[str, ...]] = {
    "sliders": ("scale",),
    "questions": ("choice",),
    "note": ("choice", "text"),
    "checkin": ("scale", "text"),
}


def _identifier(table: Mapping[str, object], at: At) -> str:
    value = require(table, at, "id", str)
    if not _ID.fullmatch(value):
        raise at.child("id").error(
            f"{value!r} is not a valid id (use a–z, 0–9 and _, at most 40 characters)"
        )
    return value


def _text(value: object, at: At) -> Text:
    """Read a {da = "...", en = "..."} table; both languages are required and non-blank."""
    if value is None:
        raise at.error("is missing")
    table = as_table(value, at)
    check_keys(table, at, LANGUAGES)
    for lang in LANGUAGES:
        if lang not in table:
            raise at.error(f"missing the {lang!r} text (every text needs both da and en)")
        if not typed(table[lang], at.child(lang), str).strip():
            raise at.child(lang).error("is empty")
    return Text(da=cast(str, table["da"]), en=cast(str, table["en"]))


def _optional_text(table: Mapping[str, object], at: At, name: str) -> Text | None:
    return None if name not in table else _text(table[name], at.child(name))


def load_instrument(path: Path) -> Instrument:
    """Load one instrument file; its id must match the file name."""
    data = read_toml(path)
    at = At(path)
    check_keys(data, at, _INSTRUMENT_KEYS)
    instrument_id = _identifier(data, at)
    if instrument_id != path.stem:
        raise at.child("id").error(
            f"must match the file name {path.stem!r} (got {instrument_id!r})"
        )
    form = one_of(require(data, at, "form", str), at.child("form"), _FORM_KINDS)
    shared = _options(data["options"], at.child("options")) if "options" in data else ()
    items_at = at.child("items")
    items = tuple(
        _item(table, _item_at(items_at, table, n), shared, form)
        for n, table in enumerate(as_tables(require(data, at, "items", list), items_at), 1)
    )
    if not items:
        raise items_at.error("needs at least one item")
    unique((item.id for item in items), items_at, "item id")
    min_group, min_group_text = _thresholds(data, at)
    report_rules = _report_rules(data, at)
    examples = data.get("prevention_examples", [])
    examples_at = at.child("prevention_examples")
    return Instrument(
        id=instrument_id,
        version=at_least(require(data, at, "version", int), at.child("version"), 1),
        form=cast(Form, form),
        title=_text(data.get("title"), at.child("title")),
        intro=_text(data.get("intro"), at.child("intro")),
        reminder=_optional_text(data, at, "reminder"),
        source=require(data, at, "source", str),
        items=items,
        min_group=min_group,
        min_group_text=min_group_text,
        report=report_rules,
        prevention_examples=tuple(
            _text(entry, examples_at.index(n))
            for n, entry in enumerate(typed(examples, examples_at, list), 1)
        ),
    )


def _item_at(items_at: At, table: Mapping[str, object], position: int) -> At:
    """Name an item by its id where it has a usable one, else by its position."""
    item_id = table.get("id")
    if isinstance(item_id, str) and _ID.fullmatch(item_id):
        return items_at.child(item_id)
    return items_at.index(position)


def _item(table: dict[str, object], at: At, shared: tuple[Option, ...], form: str) -> Item:
    kind = one_of(require(table, at, "kind", str), at.child("kind"), _ITEM_KEYS)
    if kind not in _FORM_KINDS[form]:
        allowed = " or ".join(_FORM_KINDS[form])
        raise at.child("kind").error(f"a {form!r} form can show only {allowed} items, not {kind}")
    for key in table:
        if key not in _ITEM_KEYS[kind] and any(key in keys for keys in _ITEM_KEYS.values()):
            raise at.child(key).error(f"is not used by {kind} items")
    check_keys(table, at, _ITEM_KEYS[kind])
    item_id = _identifier(table, at)
    label = _text(table.get("label"), at.child("label"))
    help_text = _optional_text(table, at, "help")
    required = optional(table, at, "required", bool) is not False
    if kind == "scale":
        low, high = require(table, at, "min", int), require(table, at, "max", int)
        if low >= high:
            raise at.child("max").error(f"must be greater than min ({high} is not above {low})")
        anchors = _anchors(table, at, low, high)
        return Item(
            id=item_id,
            kind="scale",
            label=label,
            help=help_text,
            required=required,
            min=low,
            max=high,
            anchors=anchors,
        )
    if kind == "choice":
        options = _options(table["options"], at.child("options")) if "options" in table else shared
        if not options:
            raise at.child("options").error(
                "is missing (give the item its own options, or list shared [[options]])"
            )
        return Item(
            id=item_id,
            kind="choice",
            label=label,
            help=help_text,
            required=required,
            options=options,
            points=_points(table, at, options),
        )
    max_length = at_least(require(table, at, "max_length", int), at.child("max_length"), 1)
    return Item(
        id=item_id,
        kind="text",
        label=label,
        help=help_text,
        required=required,
        max_length=max_length,
    )


def _anchors(
    table: Mapping[str, object], at: At, low: int, high: int
) -> tuple[tuple[int, Text], ...]:
    anchors_at = at.child("anchors")
    anchors: list[tuple[int, Text]] = []
    for n, entry in enumerate(as_tables(table.get("anchors", []), anchors_at), 1):
        entry_at = anchors_at.index(n)
        check_keys(entry, entry_at, ("at", *LANGUAGES))
        point = require(entry, entry_at, "at", int)
        if not low <= point <= high:
            raise entry_at.child("at").error(f"{point} is outside the scale {low}–{high}")
        label = {lang: entry[lang] for lang in LANGUAGES if lang in entry}
        anchors.append((point, _text(label, entry_at)))
    unique((str(point) for point, _ in anchors), anchors_at, "anchor at")
    return tuple(sorted(anchors, key=lambda anchor: anchor[0]))


def _options(value: object, at: At) -> tuple[Option, ...]:
    options: list[Option] = []
    for n, entry in enumerate(as_tables(value, at), 1):
        entry_at = at.index(n)
        check_keys(entry, entry_at, ("id", "label", "value"))
        options.append(
            Option(
                id=_identifier(entry, entry_at),
                label=_text(entry.get("label"), entry_at.child("label")),
                value=optional(entry, entry_at, "value", int),
            )
        )
    if len(options) < 2:
        raise at.error("needs at least two options")
    unique((option.id for option in options), at, "option id")
    return tuple(options)


def _points(
    table: Mapping[str, object], at: At, options: tuple[Option, ...]
) -> tuple[int, ...] | None:
    if "points" not in table:
        return None
    points_at = at.child("points")
    points = tuple(
        typed(point, points_at, int) for point in typed(table["points"], points_at, list)
    )
    if len(points) != len(options):
        raise points_at.error(
            f"has {len(points)} points for {len(options)} options (one point per option, "
            "in the order of the options)"
        )
    return points


def _thresholds(data: Mapping[str, object], at: At) -> tuple[int | None, int | None]:
    """Read an instrument's optional [report] table."""
    if "report" not in data:
        return None, None
    report_at = at.child("report")
    report = as_table(data["report"], report_at)
    check_keys(report, report_at, (*REPORT_KEYS, *_REPORT_RULE_KEYS))
    min_group = optional(report, report_at, "min_group", int)
    min_group_text = optional(report, report_at, "min_group_text", int)
    if min_group is not None:
        at_least(min_group, report_at.child("min_group"), MIN_GROUP_FLOOR)
    if min_group_text is not None:
        floor = MIN_GROUP_FLOOR if min_group is None else min_group
        check_text_threshold(min_group_text, report_at.child("min_group_text"), floor)
    return min_group, min_group_text


def _report_rules(data: Mapping[str, object], at: At) -> ReportRules:
    """Read the instrument's own report rules from its [report] table (checked above)."""
    if "report" not in data:
        return ReportRules()
    report_at = at.child("report")
    report = as_table(data["report"], report_at)
    values: dict[str, int] = {}
    for name in _REPORT_RULE_KEYS:
        value = optional(report, report_at, name, int)
        if value is not None:
            values[name] = at_least(value, report_at.child(name), 1)
    return ReportRules(**values)


def load_instruments(folder: Path) -> dict[str, Instrument]:
    """Load every instrument file in `folder`, by id (the admin side needs all of them)."""
    return {path.stem: load_instrument(path) for path in sorted(folder.glob("*.toml"))}
