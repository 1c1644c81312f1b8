"""The admin PIN: hashing, checking, and a lockout that grows and survives a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.clock import FakeClock

from kiosk.cli import kiosk_main
from kiosk.pin import (
    LOCKOUT_SETTING,
    PIN_SETTING,
    PinError,
    PinGuard,
    PinResult,
    hash_pin,
    lockout_delay,
)
from kiosk.store import RecordStore

PIN = "20260302"


def wall_clock() -> FakeClock:
    """A wall clock (the lockout stores Unix times) that the test moves by hand."""
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RecordStore]:
    with RecordStore.open(tmp_path / "data", create=True) as opened:
        yield opened


def test_set_and_verify(store: RecordStore) -> None:
    guard = PinGuard(store)
    assert not guard.is_set()
    assert guard.check(PIN).status == "not_set"
    guard.set_pin(PIN)
    assert guard.is_set()
    assert guard.check(PIN).ok
    assert guard.check("20260303").status == "wrong"
    stored = str(store.get_setting(PIN_SETTING))
    assert PIN not in stored
    assert json.loads(stored)["kdf"] == "scrypt"


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("1234567", "at least 8"),
        ("", "empty"),
        ("1234 5678", "only the digits"),
        ("١٢٣٤٥٦٧٨٩", "only"),
    ],
)
def test_bad_pins_are_refused(store: RecordStore, pin: str, message: str) -> None:
    with pytest.raises(PinError, match=message):
        PinGuard(store).set_pin(pin)
    assert not PinGuard(store).is_set()


def test_lockout_grows_and_expires(store: RecordStore) -> None:
    clock = wall_clock()
    guard = PinGuard(store, clock)
    guard.set_pin(PIN)
    assert guard.check("11111111") == PinResult("wrong", attempts_left=2)
    assert guard.check("11111111").attempts_left == 1
    third = guard.check("11111111")
    assert (third.status, third.seconds_left) == ("locked", 30.0)
    # While locked even the right PIN is refused unchecked.
    clock.now += 29
    assert guard.check(PIN).status == "locked"
    clock.now += 1.5
    fourth = guard.check("11111111")
    assert (fourth.status, fourth.seconds_left) == ("locked", 60.0)
    clock.now += 61
    assert guard.check("11111111").seconds_left == 120.0
    clock.now += 121
    assert guard.check(PIN).ok
    assert guard.lockout() == (0, 0.0)
    assert guard.check("11111111").attempts_left == 2


def test_delay_is_capped_at_an_hour() -> None:
    assert [lockout_delay(n) for n in (0, 2, 3, 4, 5)] == [0, 0, 30, 60, 120]
    assert lockout_delay(10) == 3600
    assert lockout_delay(10_000) == 3600


def test_lockout_survives_a_restart(tmp_path: Path) -> None:
    clock = wall_clock()
    data = tmp_path / "data"
    with RecordStore.open(data, create=True) as store:
        guard = PinGuard(store, clock)
        guard.set_pin(PIN)
        for _ in range(3):
            guard.check("99999999")
    clock.now += 10
    with RecordStore.open(data) as store:
        result = PinGuard(store, clock).check(PIN)
        assert (result.status, result.seconds_left) == ("locked", 20.0)
    clock.now += 21
    with RecordStore.open(data) as store:
        guard = PinGuard(store, clock)
        assert guard.check("99999999").seconds_left == 60.0
    with RecordStore.open(data) as store:
        assert PinGuard(store, clock).lockout() == (4, 60.0)


def test_clock_set_back_keeps_the_lock_but_bounds_it(store: RecordStore) -> None:
    clock = wall_clock()
    guard = PinGuard(store, clock)
    guard.set_pin(PIN)
    for _ in range(3):
        guard.check("00000000")
    clock.now -= 86_400
    assert guard.lockout() == (3, 3600.0)
    clock.now += 3601
    assert guard.check(PIN).ok


def test_damaged_counter_locks(store: RecordStore) -> None:
    guard = PinGuard(store, wall_clock())
    guard.set_pin(PIN)
    store.set_setting(LOCKOUT_SETTING, "{not json")
    assert guard.check(PIN).status == "locked"


def test_a_damaged_pin_hash_opens_nothing_and_crashes_nothing(store: RecordStore) -> None:
    """Garbage with a valid checksum crashed F9 + PIN, and doctor still said "set"."""
    good = json.loads(hash_pin(PIN))
    damaged: list[object] = [
        "{not json",
        "[]",
        "7",
        42,
        json.dumps({**good, "n": 3}),
        json.dumps({**good, "n": 2**40}),
        json.dumps({**good, "n": "16384"}),
        json.dumps({**good, "r": 0}),
        json.dumps({**good, "p": 10**9}),
        json.dumps({**good, "salt": ""}),
        json.dumps({**good, "hash": "c2hvcnQ="}),
        json.dumps({**good, "kdf": ["scrypt"]}),
        json.dumps({**good, "salt": None}),
    ]
    guard = PinGuard(store)
    for stored in damaged:
        store.set_setting(PIN_SETTING, stored)  # type: ignore[arg-type]
        assert guard.check(PIN).status == "not_set", stored
        assert not guard.is_set()
        problem = guard.problem()
        assert problem is not None and "kiosk set-pin" in problem, stored
    guard.set_pin(PIN)
    assert guard.problem() is None and guard.check(PIN).ok


def test_set_pin_command(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_PIN", PIN)
    assert kiosk_main(["set-pin", "--data-dir", str(site_dir)]) == 0
    with RecordStore.open(site_dir) as store:
        assert PinGuard(store).check(PIN).ok


def test_set_pin_command_refuses_short_pin_and_running_kiosk(
    site_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_PIN", "1234")
    assert kiosk_main(["set-pin", "--data-dir", str(site_dir)]) == 2
    assert "at least 8" in capsys.readouterr().err
    monkeypatch.setenv("KIOSK_PIN", PIN)
    with RecordStore.open(site_dir) as store:
        assert kiosk_main(["set-pin", "--data-dir", str(site_dir)]) == 1
        assert "in use" in capsys.readouterr().err
        assert not PinGuard(store).is_set()
