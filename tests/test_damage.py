"""Damage and bad setup give messages, never crashes, and cost no intact record.

A flipped byte in a finished segment, a torn tail, `records` as a file, state rows that pass
their checksum but are garbage, a kiosk.log that cannot be written, a QR version too small for
the site: each is made on a real site and met through the real commands.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.bundle import read_bundle
from kiosk.cli import kiosk_main
from kiosk.doctor import Check, run_checks
from kiosk.oplog import LOG_NAME, read_log, start_logging
from kiosk.pin import PIN_SETTING, PinGuard
from kiosk.sealing import open_sealed
from kiosk.simulate import simulate
from kiosk.site import load_site_config
from kiosk.store import RecordStore
from kiosk.submit import Submitter

CONSOLE = {"TERM": "linux"}


def checks_by_name(site_dir: Path) -> dict[str, Check]:
    return {
        check.name: check for check in run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    }


def fill_segments(site_dir: Path, admin_key: AdminKey, count: int, segment_size: int) -> None:
    """Store `count` real sealed answers in small segments, so older segments exist."""
    config = load_site_config(site_dir)
    with RecordStore.open(site_dir, segment_size=segment_size) as store:
        simulate(Submitter(store, config, admin_key.public_key), config.instruments, count, seed=3)
        PinGuard(store).set_pin("12345678")


def flip_a_byte(path: Path, line: int) -> None:
    """Change one base64 character inside a line: still JSON, but its checksum fails."""
    lines = path.read_bytes().split(b"\n")
    where = lines[line - 1].index(b'"sealed":"') + 20
    old = lines[line - 1][where : where + 1]
    lines[line - 1] = (
        lines[line - 1][:where] + (b"B" if old != b"B" else b"C") + lines[line - 1][where + 1 :]
    )
    path.write_bytes(b"\n".join(lines))


def test_a_flipped_byte_in_an_older_segment_stops_no_export(
    site_dir: Path, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill_segments(site_dir, admin_key, 12, segment_size=5)
    first = site_dir / "records" / "seg-000001.jsonl"
    flip_a_byte(first, 3)
    damaged = first.read_bytes()

    intact = checks_by_name(site_dir)["records intact"]
    assert not intact.ok
    assert "records/seg-000001.jsonl line 3" in intact.detail
    assert "Export as usual" in intact.advice

    stick = tmp_path / "stick"
    stick.mkdir()
    data_dir = ["--data-dir", str(site_dir)]
    assert kiosk_main(["export", "usb", *data_dir, "--to", str(stick)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("Exported 11 records")
    assert "records/seg-000001.jsonl line 3" in err and "stay on this kiosk" in err
    (bundle_path,) = stick.iterdir()
    bundle = read_bundle(bundle_path.read_bytes())
    assert bundle.count == 11
    for record_id, sealed in bundle.records:
        assert open_sealed(admin_key.private_key, record_id, sealed)
    assert first.read_bytes() == damaged

    # The receipt and the purge work; the damaged segment stays exactly as it was.
    assert kiosk_main(["receipt", *data_dir, admin_key.receipt(bundle_path.read_bytes())]) == 0
    assert kiosk_main(["purge", *data_dir]) == 0
    assert "Deleted 7 delivered records" in capsys.readouterr().out
    assert first.read_bytes() == damaged
    assert not checks_by_name(site_dir)["records intact"].ok


def test_a_torn_tail_cut_on_open_is_logged_with_what_it_dropped(site_dir: Path) -> None:
    with RecordStore.open(site_dir) as store:
        store.add(os.urandom(16), os.urandom(300))
    segment = site_dir / "records" / "seg-000001.jsonl"
    torn = b'0badc0de {"tx":9,"n":2,"op":"put","t":"records","id":"2","doc":{"rid'
    with segment.open("ab") as file:
        file.write(torn)
    RecordStore.open(site_dir).close()
    (line,) = [line for line in read_log(site_dir) if "store_repaired" in line]
    assert line.endswith(f"store_repaired file=records/seg-000001.jsonl lines=1 bytes={len(torn)}")


def test_records_as_a_file_is_a_message_for_doctor_export_and_run(
    site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = site_dir / "records"
    shutil.rmtree(records)
    records.write_bytes(b"not a folder")
    store = checks_by_name(site_dir)["store"]
    assert not store.ok and "is not a folder" in store.detail
    data_dir = ["--data-dir", str(site_dir)]
    for command in (["export", "usb", "--to", str(tmp_path)], ["run"], ["purge"]):
        assert kiosk_main([*command, *data_dir]) == 1
        err = capsys.readouterr().err
        assert "records should be the folder of record segments" in err, command
    assert records.read_bytes() == b"not a folder"


def test_garbage_state_rows_with_good_checksums_are_named_not_crashed_on(
    site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordStore.open(site_dir) as store:
        store.add(os.urandom(16), os.urandom(300))
        PinGuard(store).set_pin("12345678")
        store.state.table("delivered").insert({"rids": 5})
        store.state.table("delivered").insert({"rids": "zz"})
        store.state.table("kiosk").update({"kiosk_id": "\x1b]0;owned\x07"}, doc_ids=[1])
        store.set_setting(PIN_SETTING, json.dumps({"kdf": "scrypt", "n": 3, "r": 8, "p": 1}))

    found = checks_by_name(site_dir)
    assert not found["store"].ok
    assert "2 damaged delivery row(s)" in found["store"].detail
    assert "kiosk id in state.jsonl was damaged" in found["store"].detail
    assert not found["admin PIN"].ok and "damaged" in found["admin PIN"].detail
    assert "kiosk set-pin" in found["admin PIN"].advice

    stick = tmp_path / "stick"
    stick.mkdir()
    assert kiosk_main(["export", "usb", "--data-dir", str(site_dir), "--to", str(stick)]) == 0
    assert capsys.readouterr().out.startswith("Exported 1 records")
    (bundle_path,) = stick.iterdir()
    kiosk_id = read_bundle(bundle_path.read_bytes()).kiosk_id
    assert len(kiosk_id) == 16 and int(kiosk_id, 16) >= 0
    assert kiosk_main(["purge", "--data-dir", str(site_dir)]) == 0
    with RecordStore.open(site_dir) as store:
        assert store.notes == []


def run_on_a_terminal(*args: str) -> tuple[int, str]:
    """Run `kiosk` with a pseudo-terminal as its stdin, stdout and stderr; its code and output."""
    master, slave = os.openpty()
    command = "import sys; from kiosk.cli import kiosk_main; sys.exit(kiosk_main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", command, *args], stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the kiosk closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=60), output.decode(errors="replace")


def test_a_kiosk_log_that_cannot_be_written_stops_run_with_a_message(site_dir: Path) -> None:
    (site_dir / LOG_NAME).mkdir()
    code, output = run_on_a_terminal("run", "--data-dir", str(site_dir))
    assert code == 2
    assert "Cannot write the kiosk's operational log" in output and "Traceback" not in output
    log = checks_by_name(site_dir)["operational log"]
    assert not log.ok and "not a regular file" in log.detail


def test_the_log_is_readable_by_the_kiosk_user_only(site_dir: Path, tmp_path: Path) -> None:
    new_site = tmp_path / "new"
    new_site.mkdir()
    assert stat.S_IMODE(start_logging(new_site).stat().st_mode) == 0o600
    old = site_dir / LOG_NAME
    old.write_text("from an older version\n")
    old.chmod(0o644)
    assert not checks_by_name(site_dir)["operational log"].ok
    start_logging(site_dir)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert checks_by_name(site_dir)["operational log"].ok


def test_a_qr_version_too_small_for_the_site_is_a_message(
    site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordStore.open(site_dir) as store:
        store.add_many((os.urandom(16), os.urandom(1100)) for _ in range(3000))
    pngs = tmp_path / "pngs"
    args = ["export", "qr", "--data-dir", str(site_dir), "--png-dir", str(pngs), "--version", "2"]
    assert kiosk_main(args) == 1
    err = capsys.readouterr().err
    assert "--version 2" in err and "larger QR version" in err and "Traceback" not in err
    assert not pngs.exists() or not any(pngs.iterdir())
    with RecordStore.open(site_dir) as store:
        assert store.export_log() == []
