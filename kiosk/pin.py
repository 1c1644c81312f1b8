"""The admin PIN: a salted scrypt hash in the kiosk's state, and a lockout that survives restarts.

Wrong PINs lock admin mode for growing delays (30 s after the third, doubling up to an hour).
The failure count and the locked-until time are wall-clock values saved durably in the state
DB before "wrong PIN" is answered, so pulling the plug does not reset the count.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kiosk.oplog import log_event
from kiosk.store import RecordStore

PIN_SETTING = "admin_pin"
LOCKOUT_SETTING = "admin_pin_lockout"
MIN_PIN_DIGITS = 8
MAX_PIN_DIGITS = 64
FREE_ATTEMPTS = 3
FIRST_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 3600.0
# n = 2**15 (32 MiB) verifies in ~0.1 s on the reference 2-core kiosk; stored with each hash,
# so raising it later keeps old PINs valid.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

PinStatus = Literal["ok", "wrong", "locked", "not_set"]


class PinError(ValueError):
    """A PIN that cannot be used, or a stored PIN record that cannot be read; str() says why."""


@dataclass(frozen=True)
class PinResult:
    """The answer to one PIN attempt.

    Attributes:
        status: "ok", "wrong", "locked" (not even checked) or "not_set".
        attempts_left: wrong PINs allowed before the next lockout (0 when locked).
        seconds_left: how long admin mode stays locked (0 unless locked).
    """

    status: PinStatus
    attempts_left: int = 0
    seconds_left: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the PIN was right."""
        return self.status == "ok"


def validate_pin(pin: str) -> str:
    """Return the PIN if it is 8–64 ASCII digits, else raise PinError saying what is wrong."""
    if not pin:
        raise PinError(f"The PIN is empty; choose at least {MIN_PIN_DIGITS} digits.")
    if not (pin.isascii() and pin.isdigit()):
        raise PinError("The PIN may hold only the digits 0–9.")
    if len(pin) < MIN_PIN_DIGITS:
        raise PinError(f"The PIN has {len(pin)} digits; it needs at least {MIN_PIN_DIGITS}.")
    if len(pin) > MAX_PIN_DIGITS:
        raise PinError(f"The PIN has {len(pin)} digits; at most {MAX_PIN_DIGITS} are allowed.")
    return pin


def lockout_delay(failures: int) -> float:
    """Seconds admin mode stays locked after this many wrong PINs in a row (0: not locked)."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    # Bound the exponent: the delay is capped long before 2**20.
    doublings = min(failures - FREE_ATTEMPTS, 20)
    return min(FIRST_DELAY_SECONDS * float(1 << doublings), MAX_DELAY_SECONDS)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=HASH_BYTES, n=n, r=r, p=p).derive(pin.encode("ascii"))


def hash_pin(pin: str) -> str:
    """The stored form of a PIN: scrypt with a random salt, its parameters alongside, as JSON."""
    salt = os.urandom(SALT_BYTES)
    digest = _scrypt(validate_pin(pin), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return json.dumps(
        {
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode("ascii"),
            "hash": base64.b64encode(digest).decode("ascii"),
        },
        sort_keys=True,
    )


def _parse_stored(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """The scrypt parameters, salt and hash of a stored PIN, each within what this kiosk made.

    Raises:
        PinError: the record is damaged, or asks for a method or cost this kiosk never uses
            (a huge n would take all memory; a tiny one would make the PIN cheap to guess).
    """
    damaged = PinError(
        f"The stored admin PIN ({PIN_SETTING}) is damaged; set it again with kiosk set-pin."
    )
    try:
        record = json.loads(stored)
        method = record["kdf"]
        n, r, p = record["n"], record["r"], record["p"]
        salt = base64.b64decode(record["salt"], validate=True)
        expected = base64.b64decode(record["hash"], validate=True)
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise damaged from None
    if method != "scrypt":
        raise PinError(
            f"The stored admin PIN uses {str(method)[:20]!r}, which this kiosk cannot check; "
            "set it again with kiosk set-pin."
        )
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p))
    if not (
        numbers
        and 2**10 <= n <= 2**20
        and n & (n - 1) == 0
        and 1 <= r <= 16
        and 1 <= p <= 4
        and 8 <= len(salt) <= 64
        and len(expected) == HASH_BYTES
    ):
        raise damaged
    return n, r, p, salt, expected


def pin_matches(stored: str, pin: str) -> bool:
    """Whether `pin` is the PIN `stored` was made from, compared in constant time.

    Raises:
        PinError: the stored record is damaged or uses an unknown method.
    """
    n, r, p, salt, expected = _parse_stored(stored)
    if not (pin.isascii() and pin.isdigit()) or len(pin) > MAX_PIN_DIGITS:
        return False
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p), expected)


class PinGuard:
    """Checks admin PINs against the store's state and keeps the durable lockout.

    Args:
        store: the open kiosk store whose state holds the PIN hash and the lockout.
        clock: wall-clock seconds (time.time), so a lockout outlives a restart.
    """

    def __init__(self, store: RecordStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def is_set(self) -> bool:
        """Whether a usable admin PIN is set on this kiosk (a damaged one is not)."""
        return bool(self.store.get_setting(PIN_SETTING)) and self.problem() is None

    def problem(self) -> str | None:
        """Why the stored PIN cannot be used, or None if it can (or none is set)."""
        stored = self.store.get_setting(PIN_SETTING)
        if not stored:
            return None
        try:
            _parse_stored(str(stored))
        except PinError as error:
            return str(error)
        return None

    def set_pin(self, pin: str) -> None:
        """Set (or replace) the admin PIN and lift any lockout.

        Raises:
            PinError: the PIN is not 8–64 digits.
        """
        self.store.set_setting(PIN_SETTING, hash_pin(pin))
        self._save_lockout(0, 0.0)
        log_event(self.store.data_dir, "pin_set")

    def lockout(self) -> tuple[int, float]:
        """Wrong PINs in a row, and seconds until admin mode unlocks (0 if it is not locked)."""
        failures, locked_until = self._load_lockout()
        now = self.clock()
        if locked_until > now + MAX_DELAY_SECONDS:
            # The clock was set back: keep the lock, but never longer than the longest delay.
            locked_until = now + MAX_DELAY_SECONDS
            self._save_lockout(failures, locked_until)
        return failures, max(0.0, locked_until - now)

    def check(self, pin: str) -> PinResult:
        """Check one attempt; a wrong PIN is counted durably before this returns.

        While locked, the PIN is not even checked, so guessing during a lockout gains nothing.
        A wrong PIN is logged with the failure count and the lockout, never the digits typed.
        """
        stored = self.store.get_setting(PIN_SETTING)
        if not stored or self.problem() is not None:
            # A damaged PIN opens nothing; admin mode says to set one with kiosk set-pin.
            return PinResult("not_set")
        failures, seconds_left = self.lockout()
        if seconds_left > 0:
            return PinResult("locked", seconds_left=seconds_left)
        if pin_matches(str(stored), pin):
            if failures:
                self._save_lockout(0, 0.0)
            return PinResult("ok", attempts_left=FREE_ATTEMPTS)
        failures += 1
        delay = lockout_delay(failures)
        self._save_lockout(failures, self.clock() + delay if delay else 0.0)
        log_event(self.store.data_dir, "pin_failure", failures=failures, locked_seconds=delay)
        if delay:
            return PinResult("locked", seconds_left=delay)
        return PinResult("wrong", attempts_left=FREE_ATTEMPTS - failures)

    def _load_lockout(self) -> tuple[int, float]:
        raw = self.store.get_setting(LOCKOUT_SETTING)
        if not raw:
            return 0, 0.0
        try:
            record = json.loads(str(raw))
            return max(0, int(record["failures"])), float(record["locked_until"])
        except (ValueError, TypeError, KeyError):
            # A damaged counter must not unlock admin mode: start a fresh long lockout.
            locked_until = self.clock() + MAX_DELAY_SECONDS
            self._save_lockout(FREE_ATTEMPTS, locked_until)
            return FREE_ATTEMPTS, locked_until

    def _save_lockout(self, failures: int, locked_until: float) -> None:
        """Save both values in one durable write, so a crash cannot keep one without the other."""
        self.store.set_setting(
            LOCKOUT_SETTING, json.dumps({"failures": failures, "locked_until": locked_until})
        )
