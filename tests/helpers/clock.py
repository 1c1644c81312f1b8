"""A clock the test moves by hand, for the app's idle reset, the pause and the PIN lockout."""

from __future__ import annotations


class FakeClock:
    """A clock that stands still until the test moves it.

    Args:
        now: The starting reading: any number for a monotonic clock, a Unix time for a wall
            clock (the PIN lockout keeps wall-clock times in the store).
    """

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds
