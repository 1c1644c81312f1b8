"""The operational log: allow-listed events only, rotation, and reading it back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.oplog import (
    EVENT_FIELDS,
    LOG_NAME,
    LogFieldRefused,
    log_event,
    logger_for,
    read_log,
    start_logging,
)


def test_start_and_events_are_written_and_read_back(tmp_path: Path) -> None:
    path = start_logging(tmp_path, version="1.2.3")
    log_event(tmp_path, "export", channel="usb", count=12, bundle="1a2b3c4d")
    log_event(tmp_path, "pin_failure", failures=3, locked_seconds=30.0)
    assert path == tmp_path / LOG_NAME
    lines = read_log(tmp_path)
    assert len(lines) == 3
    assert lines[0].endswith(f"INFO start pid={os.getpid()} version=1.2.3")
    assert lines[1].endswith("INFO export channel=usb count=12 bundle=1a2b3c4d")
    assert lines[2].endswith("WARNING pin_failure failures=3 locked_seconds=30.0")
    assert read_log(tmp_path, lines=1) == lines[-1:]
    assert read_log(tmp_path, lines=0) == []


@pytest.mark.parametrize(
    ("event", "fields", "named"),
    [
        ("answer", {}, "'answer' is not a known log event"),
        ("export", {"instrument": "support"}, "no field 'instrument'"),
        ("error", {"answers": "7"}, "no field 'answers'"),
        ("error", {"kind": "Jeg har det skidt"}, "'kind' of 'error' must be"),
        ("error", {"kind": "x\nFAKE start"}, "'kind' of 'error' must be"),
        ("receipt", {"count": "x" * 121}, "'count' of 'receipt' must be"),
        ("receipt", {"count": None}, "'count' of 'receipt' must be"),
    ],
)
def test_anything_off_the_allow_list_is_refused_and_nothing_written(
    tmp_path: Path, event: str, fields: dict[str, object], named: str
) -> None:
    with pytest.raises(LogFieldRefused, match=named):
        log_event(tmp_path, event, **fields)  # type: ignore[arg-type]
    assert read_log(tmp_path) == []


def test_no_event_may_carry_an_answer_like_field() -> None:
    answer_like = {"answer", "answers", "value", "text", "note", "instrument", "item", "score"}
    assert all(not (fields & answer_like) for fields in EVENT_FIELDS.values())


def test_log_rotates_and_read_log_spans_the_rotated_files(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    logger = logger_for(folder, max_bytes=400, backups=2)
    for number in range(60):
        log_event(logger, "purge", count=number)
    files = sorted(p.name for p in folder.iterdir())
    assert files == [LOG_NAME, f"{LOG_NAME}.1", f"{LOG_NAME}.2"]
    assert all(p.stat().st_size <= 400 for p in folder.iterdir())
    last = read_log(folder, lines=12)
    assert [line.rsplit("=", 1)[1] for line in last] == [str(n) for n in range(48, 60)]


def test_a_new_folder_takes_over_the_logger(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    log_event(first, "purge", count=1)
    log_event(second, "purge", count=2)
    assert [line[-7:] for line in read_log(first)] == ["count=1"]
    assert [line[-7:] for line in read_log(second)] == ["count=2"]


def test_reading_a_folder_without_a_log_gives_nothing(tmp_path: Path) -> None:
    assert read_log(tmp_path / "missing") == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to fill a disk")
def test_a_full_disk_loses_log_lines_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    full, other = tmp_path / "full", tmp_path / "other"
    full.mkdir()
    other.mkdir()
    (full / "kiosk.log").symlink_to("/dev/full")
    log_event(full, "purge", count=1)
    # Moving the logger to another site closes the full file, whose last flush fails too.
    log_event(other, "purge", count=2)
    assert capfd.readouterr().err == ""
    assert read_log(other) and "count=2" in read_log(other)[-1]
