"""The operational log in use: exports, receipts, purges and PINs each leave one line, no answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.cli import kiosk_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import (
    BUNDLE_PREFIX,
    ExportError,
    apply_receipt,
    build_export,
    export_to_usb,
    purge,
    record_export,
)
from kiosk.oplog import LOG_NAME, error_where, log_event, read_log
from kiosk.pin import PinGuard
from kiosk.receipts import ReceiptError, code_of_value
from kiosk.site import Site
from kiosk.submit import Submitter
from kiosk.usb import UsbError

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
NOTE = "Blåbærgrød-hemmelighed om Kirsten på nattevagt"
TAG = "velkommen"
PIN = "48151623"
WRONG_PIN = "99887766"


def submit_note(site: Site) -> None:
    """Store one real sealed answer with a distinctive note and tag."""
    submitter = Submitter(site.store, site.config, site.public_key)
    submitter.submit(INSTRUMENTS["contribution"], {"tag": TAG, "note": NOTE})


def events(folder: Path, name: str) -> list[str]:
    """The messages of one event in the log, without time and level: 'purge count=1'."""
    messages = [line.split(" ", 3)[3] for line in read_log(folder, lines=1000)]
    return [m for m in messages if m.split(" ", 1)[0] == name]


def test_an_export_and_a_failed_export_each_leave_one_line(site: Site, tmp_path: Path) -> None:
    submit_note(site)
    with pytest.raises(UsbError):
        export_to_usb(site, tmp_path / "not-mounted")
    stick = tmp_path / "stick"
    stick.mkdir()
    _, export = export_to_usb(site, stick)
    assert events(site.folder, "export_failed") == ["export_failed channel=usb reason=no_drive"]
    bundle = export.bundle_id[:BUNDLE_PREFIX]
    assert events(site.folder, "export") == [f"export channel=usb count=1 bundle={bundle}"]


def test_a_qr_export_is_logged_with_its_channel(site: Site) -> None:
    submit_note(site)
    export = build_export(site)
    record_export(site, export, channel="qr")
    bundle = export.bundle_id[:BUNDLE_PREFIX]
    assert events(site.folder, "export") == [f"export channel=qr count=1 bundle={bundle}"]


def test_a_receipt_and_refused_receipts_each_leave_one_line(
    site: Site, admin_key: AdminKey
) -> None:
    submit_note(site)
    export = build_export(site)
    record_export(site, export, channel="usb")
    with pytest.raises(ReceiptError):
        apply_receipt(site, "K7QM-2XPA-9")
    with pytest.raises(ExportError):
        apply_receipt(site, code_of_value(b"never"))
    assert apply_receipt(site, admin_key.receipt(export.bundle)).marked == 1
    assert events(site.folder, "receipt_refused") == [
        "receipt_refused reason=mistyped",
        "receipt_refused reason=unknown_code",
    ]
    bundle = export.bundle_id[:BUNDLE_PREFIX]
    assert events(site.folder, "receipt") == [f"receipt count=1 marked=1 bundle={bundle}"]


def test_a_purge_leaves_one_line_with_its_count(site: Site, admin_key: AdminKey) -> None:
    submit_note(site)
    submit_note(site)
    export = build_export(site)
    record_export(site, export, channel="usb")
    apply_receipt(site, admin_key.receipt(export.bundle))
    assert purge(site) == 2
    assert events(site.folder, "purge") == ["purge count=2"]


def test_a_wrong_pin_and_a_set_pin_each_leave_one_line(site: Site) -> None:
    guard = PinGuard(site.store, clock=lambda: 1000.0)
    guard.set_pin(PIN)
    assert guard.check(WRONG_PIN).status == "wrong"
    assert guard.check(PIN).ok
    assert events(site.folder, "pin_set") == ["pin_set"]
    assert events(site.folder, "pin_failure") == ["pin_failure failures=1 locked_seconds=0.0"]


def test_the_wrong_pin_that_locks_admin_mode_logs_the_lockout(site: Site) -> None:
    guard = PinGuard(site.store, clock=lambda: 1000.0)
    guard.set_pin(PIN)
    for _ in range(3):
        guard.check(WRONG_PIN)
    assert events(site.folder, "pin_failure")[-1] == "pin_failure failures=3 locked_seconds=30.0"


def test_no_line_holds_a_note_an_answer_a_pin_or_a_receipt_code(
    site: Site, tmp_path: Path, admin_key: AdminKey
) -> None:
    guard = PinGuard(site.store, clock=lambda: 1000.0)
    guard.set_pin(PIN)
    guard.check(WRONG_PIN)
    submit_note(site)
    stick = tmp_path / "stick"
    stick.mkdir()
    _, export = export_to_usb(site, stick)
    code = admin_key.receipt(export.bundle)
    apply_receipt(site, code)
    purge(site)
    text = (site.folder / LOG_NAME).read_text(encoding="utf-8")
    assert len(text.splitlines()) == 5
    for secret in (NOTE, "Blåbærgrød", "Kirsten", TAG, PIN, WRONG_PIN, code):
        assert secret not in text


def test_an_error_is_logged_with_frames_only(tmp_path: Path) -> None:
    def store_answer() -> None:
        raise OSError(f"disk full while writing {NOTE}")

    try:
        store_answer()
    except OSError as error:
        where = error_where(error)
        log_event(tmp_path, "error", kind=type(error).__name__, where=where)
    innermost = where.split(";")[-1]
    assert innermost.startswith("test_oplog_events.py:") and innermost.endswith(":store_answer")
    (line,) = events(tmp_path, "error")
    assert line == f"error kind=OSError where={where}"
    assert "Kirsten" not in line and "disk full" not in line


def test_kiosk_log_shows_what_the_commands_did(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data-dir", str(site_dir)]
    assert kiosk_main(["purge", *args]) == 0
    capsys.readouterr()
    assert kiosk_main(["log", *args]) == 0
    assert capsys.readouterr().out.rstrip().endswith("INFO purge count=0")
