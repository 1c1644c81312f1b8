"""Read TOML files and check their values, with errors that name the file and the dotted key.

Shared by the site loader (kiosk.config) and the instrument-file loader
(kiosk.instrument_files), so both tell a mistake in the same one-line way.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

LANGUAGES = ("da", "en")
# A site's [report] and an instrument's [report] obey the same anonymity floor.
MIN_GROUP_FLOOR = 3
REPORT_KEYS = ("min_group", "min_group_text")
# No count, length or number of seconds in these files is sensibly larger; a bigger one is a
# typo (or 1e300), and would lock a screen for good or exhaust memory.
MAX_NUMBER = 1_000_000

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
class At:
    """Where in which file a value sits, so any error can say so."""

    path: Path
    key: str = ""

    def child(self, name: str) -> At:
        return At(self.path, f"{self.key}.{name}" if self.key else name)

    def index(self, position: int) -> At:
        return At(self.path, f"{self.key}[{position}]")

    def error(self, problem: str, suggestion: str | None = None) -> ConfigError:
        return ConfigError(self.path, self.key, problem, suggestion)


def read_toml(path: Path) -> dict[str, object]:
    """Parse one TOML file, turning every kind of failure into a ConfigError."""
    at = At(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise at.error(f"cannot be read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise At(path, f"line {line}").error("is not UTF-8 text; save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.fullmatch(r"(.*) \(at (line \d+, column \d+|end of document)\)", message)
        if found is None:
            raise at.error(f"not valid TOML: {message}") from None
        raise At(path, found.group(2)).error(f"not valid TOML: {found.group(1)}") from None


def _describe(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def typed(value: object, at: At, kind: type[T]) -> T:
    """Return `value` if it is of `kind` (a bool is never taken for a number)."""
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise at.error(f"must be {_TYPE_NAMES[kind]}, got {_describe(value)} {value!r}")


def require(table: Mapping[str, object], at: At, name: str, kind: type[T]) -> T:
    """Return `table[name]` checked to be of `kind`; it must be there."""
    if name not in table:
        raise at.child(name).error("is missing")
    return typed(table[name], at.child(name), kind)


def optional(table: Mapping[str, object], at: At, name: str, kind: type[T]) -> T | None:
    """Return `table[name]` checked to be of `kind`, or None where it is left out."""
    return None if name not in table else typed(table[name], at.child(name), kind)


def as_table(value: object, at: At) -> dict[str, object]:
    """Return `value` if it is a TOML table."""
    return cast(dict[str, object], typed(value, at, dict))


def as_tables(value: object, at: At) -> list[dict[str, object]]:
    """Return `value` if it is a list of TOML tables ([[...]] or [{...}])."""
    entries = typed(value, at, list)
    return [as_table(entry, at.index(n)) for n, entry in enumerate(entries, 1)]


def suggest(word: str, known: Iterable[str]) -> str | None:
    """Return the known word `word` was likely a typo of, if any."""
    matches = difflib.get_close_matches(word, list(known), n=1)
    return matches[0] if matches else None


def check_keys(table: Mapping[str, object], at: At, allowed: Collection[str]) -> None:
    """Refuse keys that are not in `allowed`, suggesting the known key it was likely meant as."""
    for key in table:
        if key not in allowed:
            suggestion = suggest(key, allowed)
            hint = f" – did you mean {suggestion!r}?" if suggestion else ""
            raise at.error(f"unknown key {key!r}{hint}", suggestion)


def one_of(value: str, at: At, allowed: Collection[str]) -> str:
    """Return `value` if it is one of `allowed`, else refuse it with a typo suggestion."""
    if value in allowed:
        return value
    suggestion = suggest(value, allowed)
    hint = f" – did you mean {suggestion!r}?" if suggestion else ""
    known = ", ".join(repr(option) for option in allowed)
    raise at.error(f"unknown value {value!r}{hint} (expected one of {known})", suggestion)


def at_least(value: int, at: At, minimum: int, maximum: int = MAX_NUMBER) -> int:
    """Return `value` if it is at least `minimum` (and at most `maximum`)."""
    if value < minimum:
        raise at.error(f"must be at least {minimum} (got {value})")
    if value > maximum:
        raise at.error(f"must be at most {maximum} (got {value})")
    return value


def seconds_between(value: object, at: At, minimum: float, maximum: float) -> float:
    """Return a number of seconds (whole or decimal) if it lies in [minimum, maximum].

    inf and nan are TOML floats too; neither is a number of seconds.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise at.error(f"must be a number of seconds, got {_describe(value)} {value!r}")
    if not minimum <= value <= maximum:
        raise at.error(f"must be a number of seconds from {minimum:g} to {maximum:g} (got {value})")
    return float(value)


def unique(ids: Iterable[str], at: At, what: str) -> None:
    """Refuse the first id that appears a second time."""
    seen: set[str] = set()
    for one in ids:
        if one in seen:
            raise at.error(f"{what} {one!r} appears twice")
        seen.add(one)


def check_text_threshold(value: int, at: At, min_group: int) -> int:
    """Return a min_group_text `value` if it does not undercut `min_group`."""
    if value < min_group:
        raise at.error(f"must be at least min_group ({min_group}), got {value}")
    if value > MAX_NUMBER:
        raise at.error(f"must be at most {MAX_NUMBER} (got {value})")
    return value
