"""Load and check the kiosk's TOML files, failing with messages that name the file and key.

The person who edits these files is an installer or an administrator, not a programmer, so
every mistake is reported as one line: "kiosk.toml: kiosk.idle_seconds: must be at least 15
(got 5)", with a suggestion when an unknown key looks like a typo of a known one.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar, cast

from kiosk.instrument_files import load_instrument, load_instruments
from kiosk.instruments import Instrument
from kiosk.tomlcheck import (
    LANGUAGES,
    MIN_GROUP_FLOOR,
    REPORT_KEYS,
    At,
    ConfigError,
    as_table,
    at_least,
    check_keys,
    check_text_threshold,
    one_of,
    read_toml,
    require,
    seconds_between,
    suggest,
    typed,
    unique,
)

__all__ = [
    "DATE_GRANULARITIES",
    "LANGUAGES",
    "MIN_GROUP_FLOOR",
    "MIN_IDLE_SECONDS",
    "THEMES",
    "ConfigError",
    "SiteConfig",
    "default_config_dir",
    "load_instrument",
    "load_instruments",
    "load_site",
    "load_texts",
]

DATE_GRANULARITIES = ("week", "day")
THEMES = ("default", "plain")
MIN_IDLE_SECONDS = 15
# Upper bounds a real kiosk never needs more than; larger values would lock a screen for hours.
MAX_IDLE_SECONDS = 3600
MAX_THANKS_SECONDS = 3600
MAX_PAUSE_SECONDS = 600
MAX_GROUP = 1000

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
    "report": REPORT_KEYS,
}

T = TypeVar("T")


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


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load_texts(path: Path) -> dict[str, dict[str, str]]:
    """Load UI texts ([da] and [en] with the same keys and the same {placeholders})."""
    data = read_toml(path)
    at = At(path)
    check_keys(data, at, LANGUAGES)
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        if lang not in data:
            raise at.error(f"missing the [{lang}] table (every text needs both da and en)")
        table = as_table(data[lang], at.child(lang))
        texts[lang] = {
            key: typed(value, at.child(lang).child(key), str) for key, value in table.items()
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
        lang_at = At(site_path, lang)
        check_keys(overrides, lang_at, texts[lang])
        for key, text in overrides.items():
            extra = _placeholders(text) - _placeholders(texts[lang][key])
            if extra:
                raise lang_at.child(key).error(f"the kiosk cannot fill in {sorted(extra)}")
        texts[lang] = {**texts[lang], **overrides}
    return texts


def _site_tables(path: Path) -> dict[str, dict[str, object]]:
    """Read a kiosk.toml and check its shape: known sections, known keys."""
    data = read_toml(path)
    at = At(path)
    check_keys(data, at, _SITE_KEYS)
    tables = {name: as_table(value, at.child(name)) for name, value in data.items()}
    for name, table in tables.items():
        check_keys(table, at.child(name), _SITE_KEYS[name])
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
    at = At(path)

    def setting(key: str, kind: type[T]) -> T:
        section, name = key.split(".")
        return require(tables.get(section, {}), at.child(section), name, kind)

    name = setting("site.name", str).strip()
    if not name:
        raise at.child("site.name").error("is empty")
    if instruments_dir is None:
        instruments_dir = path.parent / "instruments"
        if not instruments_dir.is_dir():
            instruments_dir = default_config_dir() / "instruments"
    pause = seconds_between(
        tables.get("kiosk", {}).get("min_pause_seconds"),
        at.child("kiosk.min_pause_seconds"),
        0,
        MAX_PAUSE_SECONDS,
    )
    min_group = setting("report.min_group", int)
    return SiteConfig(
        site_name=name,
        demo=setting("site.demo", bool),
        languages=_languages(setting("kiosk.languages", list), at.child("kiosk.languages")),
        instruments=_menu(
            setting("kiosk.instruments", list), at.child("kiosk.instruments"), instruments_dir
        ),
        idle_seconds=at_least(
            setting("kiosk.idle_seconds", int),
            at.child("kiosk.idle_seconds"),
            MIN_IDLE_SECONDS,
            MAX_IDLE_SECONDS,
        ),
        thanks_seconds=at_least(
            setting("kiosk.thanks_seconds", int),
            at.child("kiosk.thanks_seconds"),
            1,
            MAX_THANKS_SECONDS,
        ),
        min_pause_seconds=pause,
        date_granularity=cast(
            Literal["week", "day"],
            one_of(
                setting("kiosk.date_granularity", str),
                at.child("kiosk.date_granularity"),
                DATE_GRANULARITIES,
            ),
        ),
        theme=cast(
            Literal["default", "plain"],
            one_of(setting("kiosk.theme", str), at.child("kiosk.theme"), THEMES),
        ),
        public_key=setting("admin.public_key", str).strip(),
        min_group=at_least(min_group, at.child("report.min_group"), MIN_GROUP_FLOOR, MAX_GROUP),
        min_group_text=check_text_threshold(
            setting("report.min_group_text", int), at.child("report.min_group_text"), min_group
        ),
        texts=_site_texts(path.parent),
        source=path,
    )


def _languages(value: list[object], at: At) -> tuple[str, ...]:
    languages = tuple(one_of(typed(lang, at, str), at, LANGUAGES) for lang in value)
    if not languages:
        raise at.error("needs at least one language")
    unique(languages, at, "language")
    return languages


def _menu(value: list[object], at: At, folder: Path) -> tuple[Instrument, ...]:
    """Load the enabled instruments in menu order; unused files in the folder are not read."""
    ids = tuple(typed(entry, at, str) for entry in value)
    if not ids:
        raise at.error("needs at least one tool")
    unique(ids, at, "tool")
    available = sorted(path.stem for path in folder.glob("*.toml"))
    for instrument_id in ids:
        if instrument_id not in available:
            suggestion = suggest(instrument_id, available)
            hint = f" – did you mean {suggestion!r}?" if suggestion else ""
            raise at.error(
                f"unknown tool {instrument_id!r}{hint} (tools in {folder}: "
                f"{', '.join(available) or 'none'})",
                suggestion,
            )
    return tuple(load_instrument(folder / f"{instrument_id}.toml") for instrument_id in ids)
