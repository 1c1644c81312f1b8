"""The kiosk's operational log: starts, exports, receipts, errors. Never an answer.

Log lines carry the wall-clock time of operations such as an export. They never name an
instrument or hold a value, so the log cannot be lined up with the sealed records. Events go
through `log_event`, which accepts only known event names, known field names and short
values without spaces, so no free text can slip in. Other modules may also log plain
messages on the "trivselskiosk" logger; those must follow the same rule by review.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import traceback
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOGGER_NAME = "trivselskiosk"
LOG_NAME = "kiosk.log"
LOG_BYTES = 256 * 1024
LOG_BACKUPS = 4
MAX_VALUE_CHARS = 120

EVENT_FIELDS: dict[str, frozenset[str]] = {
    "start": frozenset({"pid", "version"}),
    "stop": frozenset({"code"}),
    "restart": frozenset({"code"}),
    "export": frozenset({"channel", "count", "bundle"}),
    "export_failed": frozenset({"channel", "reason"}),
    "receipt": frozenset({"count", "marked", "bundle"}),
    "receipt_refused": frozenset({"reason"}),
    "purge": frozenset({"count"}),
    "pin_set": frozenset(),
    "pin_failure": frozenset({"failures", "locked_seconds"}),
    "admin_entered": frozenset(),
    "usb_eject": frozenset({"result"}),
    "store_repaired": frozenset({"file", "what", "lines", "bytes"}),
    "error": frozenset({"kind", "where"}),
    "notice_imported": frozenset({"actions", "headlines", "until"}),
    "notice_refused": frozenset({"reason"}),
    "notice_removed": frozenset(),
    "signing_key_pinned": frozenset(),
}
"""Every event the log may hold, with the only fields it may carry."""

_SAFE_TEXT = re.compile(rf"[A-Za-z0-9_.,:;/@+=#-]{{1,{MAX_VALUE_CHARS}}}")

Value = str | int | float | bool


class LogUnavailable(Exception):
    """The log file cannot be opened for writing; str() names it and says what to do."""


class LogFieldRefused(ValueError):
    """An event or field not on the allow-list, or a value that could carry free text."""


class QuietRotatingFileHandler(RotatingFileHandler):
    """A rotating log file whose own failures (a full or pulled disk) stay silent.

    The standard handler prints a traceback to stderr when a write fails, which on the kiosk
    is the screen a person is using; a lost log line is the lesser harm.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        """Drop the line: the log must never disturb the kiosk."""

    def _open(self) -> TextIOWrapper:
        """Open the log for appending, readable by the kiosk's user only, as the store is."""
        fd = os.open(
            self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)  # a log made by an older version was 0644
        stream = open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115 (the handler closes it)
        assert isinstance(stream, TextIOWrapper)  # text mode "a", as FileHandler opens it
        return stream

    def close(self) -> None:
        """Close the file, even if its last flush fails."""
        try:
            super().close()
        except OSError:
            self.stream = None


def _handler_for(logger: logging.Logger, path: Path) -> RotatingFileHandler | None:
    for handler in logger.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return handler
    return None


def logger_for(
    folder: Path, *, max_bytes: int = LOG_BYTES, backups: int = LOG_BACKUPS
) -> logging.Logger:
    """The "trivselskiosk" logger, writing to `<folder>/kiosk.log` with rotation.

    One kiosk runs per process, so a logger pointed at another folder leaves the old file.
    """
    path = (Path(folder) / LOG_NAME).resolve()
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    if _handler_for(logger, path) is None:
        for old in [h for h in logger.handlers if isinstance(h, RotatingFileHandler)]:
            logger.removeHandler(old)
            old.close()
        handler = QuietRotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
        )
        logger.addHandler(handler)
    return logger


def format_event(event: str, fields: dict[str, Value]) -> str:
    """The log line's message for one event, after checking it against the allow-list."""
    allowed = EVENT_FIELDS.get(event)
    if allowed is None:
        raise LogFieldRefused(f"'{event}' is not a known log event: {', '.join(EVENT_FIELDS)}")
    parts = [event]
    for name, value in fields.items():
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise LogFieldRefused(f"log event '{event}' has no field '{name}' (allowed: {known})")
        if isinstance(value, bool | int | float):
            text = str(value)
        elif isinstance(value, str) and _SAFE_TEXT.fullmatch(value):
            text = value
        else:
            raise LogFieldRefused(
                f"log field '{name}' of '{event}' must be a number or one short word "
                f"(letters, digits, _.,:;/@+=#-, at most {MAX_VALUE_CHARS} characters)"
            )
        parts.append(f"{name}={text}")
    return " ".join(parts)


def log_event(target: Path | logging.Logger, event: str, **fields: Value) -> None:
    """Log one operational event; refuse (LogFieldRefused) anything not on the allow-list.

    Args:
        target: the site folder, or a logger made by logger_for.
        event: one of EVENT_FIELDS; "error" and "pin_failure" are logged as warnings or worse.
        fields: the event's allowed fields, numbers or single words only.
    """
    message = format_event(event, fields)
    try:
        logger = target if isinstance(target, logging.Logger) else logger_for(target)
    except OSError:
        # No log file can be opened (full or read-only disk): the kiosk carries on without it.
        return
    level = {"error": logging.ERROR, "pin_failure": logging.WARNING}.get(event, logging.INFO)
    logger.log(level, message)


def start_logging(folder: Path, version: str = "unknown") -> Path:
    """Send the "trivselskiosk" logger to the site's rotating log and record the start.

    Raises:
        LogUnavailable: the log file cannot be opened (a folder in its place, no permission).
    """
    try:
        logger = logger_for(folder)
    except OSError as error:
        path = Path(folder) / LOG_NAME
        raise LogUnavailable(
            f"Cannot write the kiosk's operational log {path}: {error.strerror or error}. It "
            "must be a file the kiosk's user may write (or absent: the kiosk makes it); fix or "
            "remove it, then start the kiosk again. Nothing was changed."
        ) from None
    log_event(logger, "start", pid=os.getpid(), version=version)
    return Path(folder) / LOG_NAME


def _is_screen_code(filename: str) -> bool:
    """Whether a frame is in the kiosk's screens, whose names would tell which tool was open."""
    return Path(filename).resolve().parent.name in ("screens", "widgets") and (
        "screens" in Path(filename).resolve().parts
    )


def error_where(error: BaseException, frames: int = 6) -> str:
    """Where an error happened, as `file:line:function` of its innermost frames, log-safe.

    Only file names, line numbers and function names, never a value the frames held; frames
    in the screens are written as "ui", because a screen's name says which tool someone was
    answering at that time. Outer frames are dropped until the text fits one log value.
    """
    steps = [
        "ui"
        if _is_screen_code(step.filename)
        else f"{re.sub(r'[^A-Za-z0-9_.]', '', Path(step.filename).name)}:{step.lineno}:"
        f"{re.sub(r'[^A-Za-z0-9_]', '', step.name)}"
        for step in traceback.extract_tb(error.__traceback__)[-frames:]
    ]
    while len(";".join(steps)) > MAX_VALUE_CHARS and len(steps) > 1:
        steps.pop(0)
    return ";".join(steps)[-MAX_VALUE_CHARS:] or "unknown"


def log_files(folder: Path) -> list[Path]:
    """The log and its rotated copies that exist, oldest first."""
    base = Path(folder) / LOG_NAME
    rotated = sorted(
        (p for p in base.parent.glob(f"{LOG_NAME}.*") if p.suffix[1:].isdigit()),
        key=lambda p: int(p.suffix[1:]),
        reverse=True,
    )
    return [*rotated, *([base] if base.exists() else [])]


def read_log(folder: Path, lines: int = 50) -> list[str]:
    """The last `lines` lines of the operational log, across rotated files, oldest first."""
    if lines <= 0:
        return []
    kept: list[str] = []
    for path in reversed(log_files(folder)):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        kept[:0] = text.splitlines()[-(lines - len(kept)) :]
        if len(kept) >= lines:
            break
    return kept
