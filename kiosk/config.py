"""Load and check the kiosk's TOML files, failing with messages that name the file and key.

The person who edits these files is an installer or an administrator, not a programmer, so
every mistake is reported as one line: "kiosk.toml: kiosk.idle_seconds: must be at least 15
(got 5)", with a suggestion when an unknown key looks like a typo of a known one.
"""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar, cast

from kiosk.instruments import Form, Instrument, Item, Option, Text

LANGUAGES = ("da", "en")
DATE_GRANULARITIES = ("week", "day")
THEMES = ("default", "plain")
MIN_IDLE_SECONDS = 15
MIN_GROUP_FLOOR = 3

_ID = re.compile(r"[a-z0-9][a-z0-9_]{0,39}")
_SITE_KEYS: dict[str, tuple[str, ...]] = {
    "site": ("name", "demo"),
    "kiosk": (
        "languages",
        "instruments",
        "idle_seconds",
        "thanks_seconds",
        "min_pause_seconds",
        "date_granularity",
        "theme",
    ),
    "admin": ("public_key",),
    "report": ("min_group", "min_group_text"),
}
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
_TYPE_NAMES: dict[type, str] = {
    str: "a text in quotes",
    int: "a whole number",
    float: "a decimal number",
    bool: "true or false",
    list: "a list [...]",
    dict: "a table",
}

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration mistake, told as "file: dotted.key: what is wrong"."""

    def __init__(self, path: Path, key: str, problem: str, suggestion: str | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        self.suggestion = suggestion
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path.name}: {self.key}" if self.key else self.path.name
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class SiteConfig:
    """One kiosk's settings, checked and complete, as handed to the app."""

    site_name: str
    demo: bool
    languages: tuple[str, ...]
    instruments: tuple[Instrument, ...]
    idle_seconds: int
    thanks_seconds: int
    min_pause_seconds: float
    date_granularity: Literal["week", "day"]
    theme: Literal["default", "plain"]
    public_key: str
    min_group: int
    min_group_text: int
    texts: dict[str, dict[str, str]]
    source: Path


def default_config_dir() -> Path:
    """Return the config/ folder that ships with the kiosk (the demo site).

    In a checkout it is the top-level config/ folder; an installed wheel carries the same files
    as the package data `kiosk._config` (pyproject.toml maps one onto the other).
    """
    checkout = Path(__file__).resolve().parent.parent / "config"
    if (checkout / "kiosk.toml").is_file():
        return checkout
    return Path(__file__).resolve().parent / "_config"


@dataclass(frozen=True)
class _At:
    """Where in which file a value sits, so any error can say so."""

    path: Path
    key: str = ""

    def child(self, name: str) -> _At:
        return _At(self.path, f"{self.key}.{name}" if self.key else name)

    def index(self, position: int) -> _At:
        return _At(self.path, f"{self.key}[{position}]")

    def error(self, problem: str, suggestion: str | None = None) -> ConfigError:
        return ConfigError(self.path, self.key, problem, suggestion)


def _read_toml(path: Path) -> dict[str, object]:
    """Parse one TOML file, turning every kind of failure into a ConfigError."""
    at = _At(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise at.error(f"cannot be read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise _At(path, f"line {line}").error("is not UTF-8 text; save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.fullmatch(r"(.*) \(at (line \d+, column \d+|end of document)\)", message)
        if found is None:
            raise at.error(f"not valid TOML: {message}") from None
        raise _At(path, found.group(2)).error(f"not valid TOML: {found.group(1)}") from None


def _describe(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _typed(value: object, at: _At, kind: type[T]) -> T:
    """Return `value` if it is of `kind` (a bool is never taken for a number)."""
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise at.error(f"must be {_TYPE_NAMES[kind]}, got {_describe(value)} {value!r}")


def _require(table: Mapping[str, object], at: _At, name: str, kind: type[T]) -> T:
    if name not in table:
        raise at.child(name).error("is missing")
    return _typed(table[name], at.child(name), kind)


def _optional(table: Mapping[str, object], at: _At, name: str, kind: type[T]) -> T | None:
    return None if name not in table else _typed(table[name], at.child(name), kind)


def _table(value: object, at: _At) -> dict[str, object]:
    return cast(dict[str, object], _typed(value, at, dict))


def _tables(value: object, at: _At) -> list[dict[str, object]]:
    entries = _typed(value, at, list)
    return [_table(entry, at.index(n)) for n, entry in enumerate(entries, 1)]


def _suggest(word: str, known: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(known), n=1)
    return matches[0] if matches else None


def _check_keys(table: Mapping[str, object], at: _At, allowed: Collection[str]) -> None:
    """Refuse keys that are not in `allowed`, suggesting the known key it was likely meant as."""
    for key in table:
        if key not in allowed:
            suggestion = _suggest(key, allowed)
            hint = f" – did you mean {suggestion!r}?" if suggestion else ""
            raise at.error(f"unknown key {key!r}{hint}", suggestion)


def _one_of(value: str, at: _At, allowed: Collection[str]) -> str:
    if value in allowed:
        return value
    suggestion = _suggest(value, allowed)
    hint = f" – did you mean {suggestion!r}?" if suggestion else ""
    known = ", ".join(repr(option) for option in allowed)
    raise at.error(f"unknown value {value!r}{hint} (expected one of {known})", suggestion)


def _at_least(value: int, at: _At, minimum: int) -> int:
    if value < minimum:
        raise at.error(f"must be at least {minimum} (got {value})")
    return value


def _identifier(table: Mapping[str, object], at: _At) -> str:
    value = _require(table, at, "id", str)
    if not _ID.fullmatch(value):
        raise at.child("id").error(
            f"{value!r} is not a valid id (use a–z, 0–9 and _, at most 40 characters)"
        )
    return value


def _text(value: object, at: _At) -> Text:
    """Read a {da = "...", en = "..."} table; both languages are required and non-blank."""
    if value is None:
        raise at.error("is missing")
    table = _table(value, at)
    _check_keys(table, at, LANGUAGES)
    for lang in LANGUAGES:
        if lang not in table:
            raise at.error(f"missing the {lang!r} text (every text needs both da and en)")
        if not _typed(table[lang], at.child(lang), str).strip():
            raise at.child(lang).error("is empty")
    return Text(da=cast(str, table["da"]), en=cast(str, table["en"]))


def _optional_text(table: Mapping[str, object], at: _At, name: str) -> Text | None:
    return None if name not in table else _text(table[name], at.child(name))


def _unique(ids: Iterable[str], at: _At, what: str) -> None:
    seen: set[str] = set()
    for one in ids:
        if one in seen:
            raise at.error(f"{what} {one!r} appears twice")
        seen.add(one)


def load_instrument(path: Path) -> Instrument:
    """Load one instrument file; its id must match the file name."""
    data = _read_toml(path)
    at = _At(path)
    _check_keys(data, at, _INSTRUMENT_KEYS)
    instrument_id = _identifier(data, at)
    if instrument_id != path.stem:
        raise at.child("id").error(
            f"must match the file name {path.stem!r} (got {instrument_id!r})"
        )
    form = _one_of(_require(data, at, "form", str), at.child("form"), _FORM_KINDS)
    shared = _options(data["options"], at.child("options")) if "options" in data else ()
    items_at = at.child("items")
    items = tuple(
        _item(table, _item_at(items_at, table, n), shared, form)
        for n, table in enumerate(_tables(_require(data, at, "items", list), items_at), 1)
    )
    if not items:
        raise items_at.error("needs at least one item")
    _unique((item.id for item in items), items_at, "item id")
    min_group, min_group_text = _thresholds(data, at)
    examples = data.get("prevention_examples", [])
    examples_at = at.child("prevention_examples")
    return Instrument(
        id=instrument_id,
        version=_at_least(_require(data, at, "version", int), at.child("version"), 1),
        form=cast(Form, form),
        title=_text(data.get("title"), at.child("title")),
        intro=_text(data.get("intro"), at.child("intro")),
        reminder=_optional_text(data, at, "reminder"),
        source=_require(data, at, "source", str),
        items=items,
        min_group=min_group,
        min_group_text=min_group_text,
        prevention_examples=tuple(
            _text(entry, examples_at.index(n))
            for n, entry in enumerate(_typed(examples, examples_at, list), 1)
        ),
    )


def _item_at(items_at: _At, table: Mapping[str, object], position: int) -> _At:
    """Name an item by its id where it has a usable one, else by its position."""
    item_id = table.get("id")
    if isinstance(item_id, str) and _ID.fullmatch(item_id):
        return items_at.child(item_id)
    return items_at.index(position)


def _item(table: dict[str, object], at: _At, shared: tuple[Option, ...], form: str) -> Item:
    kind = _one_of(_require(table, at, "kind", str), at.child("kind"), _ITEM_KEYS)
    if kind not in _FORM_KINDS[form]:
        allowed = " or ".join(_FORM_KINDS[form])
        raise at.child("kind").error(f"a {form!r} form can show only {allowed} items, not {kind}")
    for key in table:
        if key not in _ITEM_KEYS[kind] and any(key in keys for keys in _ITEM_KEYS.values()):
            raise at.child(key).error(f"is not used by {kind} items")
    _check_keys(table, at, _ITEM_KEYS[kind])
    item_id = _identifier(table, at)
    label = _text(table.get("label"), at.child("label"))
    help_text = _optional_text(table, at, "help")
    required = _optional(table, at, "required", bool) is not False
    if kind == "scale":
        low, high = _require(table, at, "min", int), _require(table, at, "max", int)
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
    max_length = _at_least(_require(table, at, "max_length", int), at.child("max_length"), 1)
    return Item(
        id=item_id,
        kind="text",
        label=label,
        help=help_text,
        required=required,
        max_length=max_length,
    )


def _anchors(
    table: Mapping[str, object], at: _At, low: int, high: int
) -> tuple[tuple[int, Text], ...]:
    anchors_at = at.child("anchors")
    anchors: list[tuple[int, Text]] = []
    for n, entry in enumerate(_tables(table.get("anchors", []), anchors_at), 1):
        entry_at = anchors_at.index(n)
        _check_keys(entry, entry_at, ("at", *LANGUAGES))
        point = _require(entry, entry_at, "at", int)
        if not low <= point <= high:
            raise entry_at.child("at").error(f"{point} is outside the scale {low}–{high}")
        label = {lang: entry[lang] for lang in LANGUAGES if lang in entry}
        anchors.append((point, _text(label, entry_at)))
    _unique((str(point) for point, _ in anchors), anchors_at, "anchor at")
    return tuple(sorted(anchors, key=lambda anchor: anchor[0]))


def _options(value: object, at: _At) -> tuple[Option, ...]:
    options: list[Option] = []
    for n, entry in enumerate(_tables(value, at), 1):
        entry_at = at.index(n)
        _check_keys(entry, entry_at, ("id", "label", "value"))
        options.append(
            Option(
                id=_identifier(entry, entry_at),
                label=_text(entry.get("label"), entry_at.child("label")),
                value=_optional(entry, entry_at, "value", int),
            )
        )
    if len(options) < 2:
        raise at.error("needs at least two options")
    _unique((option.id for option in options), at, "option id")
    return tuple(options)


def _points(
    table: Mapping[str, object], at: _At, options: tuple[Option, ...]
) -> tuple[int, ...] | None:
    if "points" not in table:
        return None
    points_at = at.child("points")
    points = tuple(
        _typed(point, points_at, int) for point in _typed(table["points"], points_at, list)
    )
    if len(points) != len(options):
        raise points_at.error(
            f"has {len(points)} points for {len(options)} options (one point per option, "
            "in the order of the options)"
        )
    return points


def _thresholds(data: Mapping[str, object], at: _At) -> tuple[int | None, int | None]:
    """Read an instrument's optional [report] table."""
    if "report" not in data:
        return None, None
    report_at = at.child("report")
    report = _table(data["report"], report_at)
    _check_keys(report, report_at, _SITE_KEYS["report"])
    min_group = _optional(report, report_at, "min_group", int)
    min_group_text = _optional(report, report_at, "min_group_text", int)
    if min_group is not None:
        _at_least(min_group, report_at.child("min_group"), MIN_GROUP_FLOOR)
    if min_group_text is not None:
        floor = MIN_GROUP_FLOOR if min_group is None else min_group
        _check_text_threshold(min_group_text, report_at.child("min_group_text"), floor)
    return min_group, min_group_text


def _check_text_threshold(value: int, at: _At, min_group: int) -> int:
    if value < min_group:
        raise at.error(f"must be at least min_group ({min_group}), got {value}")
    return value


def load_instruments(folder: Path) -> dict[str, Instrument]:
    """Load every instrument file in `folder`, by id (the admin side needs all of them)."""
    return {path.stem: load_instrument(path) for path in sorted(folder.glob("*.toml"))}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load_texts(path: Path) -> dict[str, dict[str, str]]:
    """Load UI texts ([da] and [en] with the same keys and the same {placeholders})."""
    data = _read_toml(path)
    at = _At(path)
    _check_keys(data, at, LANGUAGES)
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        if lang not in data:
            raise at.error(f"missing the [{lang}] table (every text needs both da and en)")
        table = _table(data[lang], at.child(lang))
        texts[lang] = {
            key: _typed(value, at.child(lang).child(key), str) for key, value in table.items()
        }
    for lang, other in (("da", "en"), ("en", "da")):
        for key in sorted(texts[other].keys() - texts[lang].keys()):
            raise (
                at.child(lang)
                .child(key)
                .error(f"is missing ([{other}] has it; every text needs both da and en)")
            )
    for key, text in texts["da"].items():
        if _placeholders(text) != _placeholders(texts["en"][key]):
            raise (
                at.child("en")
                .child(key)
                .error(
                    f"uses placeholders {sorted(_placeholders(texts['en'][key]))}, "
                    f"but [da] uses {sorted(_placeholders(text))}"
                )
            )
    return texts


def _site_texts(folder: Path) -> dict[str, dict[str, str]]:
    """Return the embedded UI texts with the site's own texts.toml (if any) laid over them."""
    embedded_path = default_config_dir() / "texts.toml"
    texts = load_texts(embedded_path)
    site_path = folder / "texts.toml"
    if not site_path.is_file() or site_path.resolve() == embedded_path.resolve():
        return texts
    for lang, overrides in load_texts(site_path).items():
        lang_at = _At(site_path, lang)
        _check_keys(overrides, lang_at, texts[lang])
        for key, text in overrides.items():
            extra = _placeholders(text) - _placeholders(texts[lang][key])
            if extra:
                raise lang_at.child(key).error(f"the kiosk cannot fill in {sorted(extra)}")
        texts[lang] = {**texts[lang], **overrides}
    return texts


def _site_tables(path: Path) -> dict[str, dict[str, object]]:
    """Read a kiosk.toml and check its shape: known sections, known keys."""
    data = _read_toml(path)
    at = _At(path)
    _check_keys(data, at, _SITE_KEYS)
    tables = {name: _table(value, at.child(name)) for name, value in data.items()}
    for name, table in tables.items():
        _check_keys(table, at.child(name), _SITE_KEYS[name])
    return tables


def load_site(path: Path, instruments_dir: Path | None = None) -> SiteConfig:
    """Load a site's kiosk.toml over the embedded defaults, with its texts and instruments.

    Args:
        path: the site's kiosk.toml; keys it leaves out keep the embedded default.
        instruments_dir: where the instrument files are; by default the `instruments` folder
            next to `path` if there is one, else the embedded one.
    """
    embedded_path = default_config_dir() / "kiosk.toml"
    tables = _site_tables(embedded_path)
    if path.resolve() != embedded_path.resolve():
        for name, table in _site_tables(path).items():
            tables[name] = {**tables.get(name, {}), **table}
    at = _At(path)

    def setting(key: str, kind: type[T]) -> T:
        section, name = key.split(".")
        return _require(tables.get(section, {}), at.child(section), name, kind)

    name = setting("site.name", str).strip()
    if not name:
        raise at.child("site.name").error("is empty")
    if instruments_dir is None:
        instruments_dir = path.parent / "instruments"
        if not instruments_dir.is_dir():
            instruments_dir = default_config_dir() / "instruments"
    pause = tables.get("kiosk", {}).get("min_pause_seconds")
    if isinstance(pause, bool) or not isinstance(pause, int | float) or pause < 0:
        raise at.child("kiosk.min_pause_seconds").error(
            f"must be a number of seconds, 0 or more (got {pause!r})"
        )
    min_group = setting("report.min_group", int)
    return SiteConfig(
        site_name=name,
        demo=setting("site.demo", bool),
        languages=_languages(setting("kiosk.languages", list), at.child("kiosk.languages")),
        instruments=_menu(
            setting("kiosk.instruments", list), at.child("kiosk.instruments"), instruments_dir
        ),
        idle_seconds=_at_least(
            setting("kiosk.idle_seconds", int), at.child("kiosk.idle_seconds"), MIN_IDLE_SECONDS
        ),
        thanks_seconds=_at_least(
            setting("kiosk.thanks_seconds", int), at.child("kiosk.thanks_seconds"), 1
        ),
        min_pause_seconds=float(pause),
        date_granularity=cast(
            Literal["week", "day"],
            _one_of(
                setting("kiosk.date_granularity", str),
                at.child("kiosk.date_granularity"),
                DATE_GRANULARITIES,
            ),
        ),
        theme=cast(
            Literal["default", "plain"],
            _one_of(setting("kiosk.theme", str), at.child("kiosk.theme"), THEMES),
        ),
        public_key=setting("admin.public_key", str).strip(),
        min_group=_at_least(min_group, at.child("report.min_group"), MIN_GROUP_FLOOR),
        min_group_text=_check_text_threshold(
            setting("report.min_group_text", int), at.child("report.min_group_text"), min_group
        ),
        texts=_site_texts(path.parent),
        source=path,
    )


def _languages(value: list[object], at: _At) -> tuple[str, ...]:
    languages = tuple(_one_of(_typed(lang, at, str), at, LANGUAGES) for lang in value)
    if not languages:
        raise at.error("needs at least one language")
    _unique(languages, at, "language")
    return languages


def _menu(value: list[object], at: _At, folder: Path) -> tuple[Instrument, ...]:
    """Load the enabled instruments in menu order; unused files in the folder are not read."""
    ids = tuple(_typed(entry, at, str) for entry in value)
    if not ids:
        raise at.error("needs at least one tool")
    _unique(ids, at, "tool")
    available = sorted(path.stem for path in folder.glob("*.toml"))
    for instrument_id in ids:
        if instrument_id not in available:
            suggestion = _suggest(instrument_id, available)
            hint = f" – did you mean {suggestion!r}?" if suggestion else ""
            raise at.error(
                f"unknown tool {instrument_id!r}{hint} (tools in {folder}: "
                f"{', '.join(available) or 'none'})",
                suggestion,
            )
    return tuple(load_instrument(folder / f"{instrument_id}.toml") for instrument_id in ids)
