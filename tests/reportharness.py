"""An admin store's state in memory, reported through the same code as `kiosk-admin report`.

The hypothesis and layout tests build hundreds of stores; sealing, bundling and importing
each would take minutes, so records go straight to the report pipeline that `cmd_report`
runs after it has opened them (tests/test_admin_attacker.py also runs the real CLI once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from kiosk.admin.aggregate import Opened
from kiosk.admin.commands import next_release, render_selection
from kiosk.admin.model import Rules, Table
from kiosk.admin.releases import Release
from kiosk.cli import admin_parser
from kiosk.instruments import Instrument
from kiosk.records import Payload

TODAY = date(2026, 12, 1)


@dataclass
class MemoryStore:
    """Imports and the release log of one store; `report` mirrors cmd_report."""

    instruments: dict[str, Instrument]
    rules: Rules = field(default_factory=Rules)
    records: list[Opened] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    exports: dict[str, date] = field(default_factory=dict)
    imports: int = 0

    def add(self, kiosk: str, site: str, exported: date, payloads: Iterable[Payload]) -> None:
        """One import: a bundle from `kiosk` at `site`, exported on `exported`."""
        self.records += [Opened(p, site, kiosk, self.imports) for p in payloads]
        self.exports[kiosk] = max(exported, self.exports.get(kiosk, exported))
        self.imports += 1

    def table(self) -> Table:
        """Build and prove the table, logging its release as the command does."""
        table, release = next_release(
            self.records,
            self.instruments,
            self.rules,
            self.releases,
            self.imports,
            self.exports,
            0,
            TODAY,
        )
        if release is not None:
            self.releases.append(release)
        return table


def render(table: Table, *options: str) -> str:
    """One report of `table` with command-line options (as `kiosk-admin report` parses them)."""
    args = admin_parser().parse_args(["report", "--store", "-", "--key", "-", *options])
    return render_selection(table, args)
