"""One health check's outcome, shared by `kiosk doctor` and the install checks it runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One check's outcome: its name, whether it passed, what was found, and what to do."""

    name: str
    ok: bool
    detail: str
    advice: str = ""
