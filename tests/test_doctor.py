"""kiosk doctor: passes on a healthy site, and names the cause of each kind of failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kiosk.doctor import Check, format_report, run_checks
from kiosk.pin import PinGuard
from kiosk.store import RecordStore

TEST_KEY = Path(__file__).parent / "data" / "keys" / "admin-key.pem"
CONSOLE = {"TERM": "linux"}


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def failed(checks: list[Check]) -> set[str]:
    return {check.name for check in checks if not check.ok}


def set_pin(folder: Path) -> None:
    with RecordStore.open(folder) as store:
        PinGuard(store).set_pin("12345678")


@contextmanager
def mounted(kind: str, target: Path, *options: str) -> Iterator[None]:
    """Mount something on `target` for the test, or skip if this machine does not allow it."""
    try:
        subprocess.run(["mount", *options, target], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount a {kind} here (needs root and mount rights): {error}")
    try:
        yield
    finally:
        subprocess.run(["umount", target], check=True)


def test_a_fresh_site_with_a_pin_passes_every_check(site_dir: Path) -> None:
    set_pin(site_dir)
    checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    usb_ok = shutil.which("lsblk") is not None
    assert failed(checks) == ({"USB tools"} if not usb_ok else set())
    report = format_report(checks)
    assert "FAIL" not in report.replace("FAIL  USB tools", "")
    found = by_name(checks)
    assert "fingerprint" in found["admin key"].detail
    assert "0 records" in found["store"].detail
    assert found["terminal"].detail == "80×25, TERM=linux: 16 colours (Linux console)"


def test_a_fresh_site_without_a_pin_fails_only_that(site_dir: Path) -> None:
    checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    assert failed(checks) - {"USB tools"} == {"admin PIN"}
    assert "kiosk set-pin" in by_name(checks)["admin PIN"].advice
    assert format_report(checks).endswith(f"of {len(checks)} checks failed.")


def test_a_planted_private_key_is_named(site_dir: Path) -> None:
    set_pin(site_dir)
    planted = site_dir / "backup" / "key.pem"
    planted.parent.mkdir()
    shutil.copy(TEST_KEY, planted)
    checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    assert failed(checks) - {"USB tools"} == {"no private key"}
    check = by_name(checks)["no private key"]
    assert str(planted) in check.detail
    assert str(planted) in format_report(checks)


def test_a_malformed_config_is_named_and_the_key_is_not_trusted(site_dir: Path) -> None:
    config = site_dir / "kiosk.toml"
    config.write_text(config.read_text() + "\nidle_seconds = = 5\n")
    checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    found = by_name(checks)
    assert not found["config"].ok and "kiosk.toml" in found["config"].detail
    assert "line" in found["config"].detail
    assert not found["admin key"].ok
    assert found["store"].ok


def test_a_running_kiosk_is_a_clear_store_failure(site_dir: Path) -> None:
    with RecordStore.open(site_dir):
        checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    store = by_name(checks)["store"]
    assert not store.ok
    assert "the kiosk is running or another program holds the store" in store.detail
    assert "systemctl stop trivselskiosk" in store.advice


def test_an_unwritable_data_folder_is_named(site_dir: Path) -> None:
    set_pin(site_dir)
    with mounted("read-only bind mount", site_dir, "--bind", "-o", "ro", str(site_dir)):
        if os.access(site_dir, os.W_OK) and not _really_read_only(site_dir):
            pytest.skip("the bind mount did not become read-only on this kernel")
        checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE)
    writable = by_name(checks)["data folder writable"]
    assert not writable.ok
    assert "Read-only file system" in writable.detail and str(site_dir) in writable.detail


def _really_read_only(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


def test_a_nearly_full_disk_names_the_free_megabytes(tmp_path: Path, site_dir: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    with mounted("small tmpfs", small, "-t", "tmpfs", "-o", "size=8m", "tmpfs"):
        shutil.copytree(site_dir, small / "site")
        checks = run_checks(small / "site", terminal_size=(80, 25), environ=CONSOLE)
    disk = by_name(checks)["free disk"]
    assert not disk.ok
    assert "MB free" in disk.detail and "at least 50 MB" in disk.detail


def test_a_store_file_from_the_future_fails_the_clock(site_dir: Path) -> None:
    later = time.time() + 3 * 24 * 3600
    os.utime(site_dir / "state.jsonl", (later, later))
    clock = by_name(run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE))["clock"]
    assert not clock.ok and "state.jsonl" in clock.detail


@pytest.mark.parametrize(
    ("now", "year"), [(1_000_000_000.0, "2001"), (3600.0, "1970"), (5_680_000_000.0, "2149")]
)
def test_an_implausible_clock_fails(site_dir: Path, now: float, year: str) -> None:
    checks = run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE, now=now)
    clock = by_name(checks)["clock"]
    assert not clock.ok and year in clock.detail and "timedatectl" in clock.advice


@pytest.mark.parametrize(
    ("size", "environ", "ok", "said"),
    [
        ((79, 25), CONSOLE, False, "79×25 is smaller than 80×24"),
        ((80, 23), CONSOLE, False, "80×23 is smaller than 80×24"),
        ((80, 24), {"TERM": "dumb"}, False, "TERM=dumb has no colours"),
        ((240, 67), {"TERM": "xterm-256color"}, True, "256 colours"),
        ((80, 24), {"TERM": "foot", "COLORTERM": "truecolor"}, True, "24-bit colour"),
    ],
)
def test_terminal_size_and_colours(
    site_dir: Path, size: tuple[int, int], environ: dict[str, str], ok: bool, said: str
) -> None:
    terminal = by_name(run_checks(site_dir, terminal_size=size, environ=environ))["terminal"]
    assert terminal.ok is ok and said in terminal.detail


def test_without_a_terminal_the_check_passes_with_a_note(site_dir: Path) -> None:
    terminal = by_name(run_checks(site_dir, environ=CONSOLE))["terminal"]
    assert terminal.ok and terminal.detail == "not checked: no terminal"


def test_missing_usb_tools_are_named(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(site_dir))
    usb = by_name(run_checks(site_dir, terminal_size=(80, 25), environ=CONSOLE))["USB tools"]
    assert not usb.ok and "lsblk not found" in usb.detail


def test_a_folder_that_is_not_a_site_fails_with_how_to_make_one(tmp_path: Path) -> None:
    checks = run_checks(tmp_path / "nothing", terminal_size=(80, 25), environ=CONSOLE)
    found = by_name(checks)
    assert "kiosk init" in found["config"].detail
    assert {"config", "admin key", "store", "admin PIN", "data folder writable"} <= failed(checks)
