"""The kiosk app on a test site: config changes, the app with a fixed date, the stored records."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from conftest import AdminKey

from helpers.clock import FakeClock
from kiosk.records import Payload, parse
from kiosk.sealing import open_sealed
from kiosk.site import Site, open_site
from screens.app import KioskApp

ALL_INSTRUMENTS = ("checkin", "support", "psych_safety", "contribution", "guldkorn", "exposures")
TODAY = date(2026, 3, 4)
SIZE = (100, 30)


def set_setting(text: str, key: str, value: str) -> str:
    """Replace the one `key = …` line of a kiosk.toml."""
    text, count = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", text, count=1)
    assert count == 1, key
    return text


def open_kiosk_site(
    site_dir: Path,
    *,
    instruments: tuple[str, ...] | None = None,
    thanks_seconds: int | None = None,
    min_pause_seconds: float | None = None,
    idle_seconds: int | None = None,
    theme: str | None = None,
) -> Site:
    """Change the test site's kiosk.toml as asked, then open the site."""
    config = site_dir / "kiosk.toml"
    text = config.read_text(encoding="utf-8")
    if instruments is not None:
        text = set_setting(
            text, "instruments", "[" + ", ".join(f'"{i}"' for i in instruments) + "]"
        )
    for key, value in (
        ("thanks_seconds", thanks_seconds),
        ("min_pause_seconds", min_pause_seconds),
        ("idle_seconds", idle_seconds),
    ):
        if value is not None:
            text = set_setting(text, key, str(value))
    if theme is not None:
        text = set_setting(text, "theme", f'"{theme}"')
    config.write_text(text, encoding="utf-8")
    return open_site(site_dir)


def stored(site: Site, admin_key: AdminKey) -> list[Payload]:
    """Every stored record, opened with the administrator's private key."""
    return [
        parse(open_sealed(admin_key.private_key, record.record_id, record.sealed))
        for record in site.store.iter_records()
    ]


def only_record(site: Site, admin_key: AdminKey) -> Payload:
    """The one stored record, opened."""
    records = stored(site, admin_key)
    assert len(records) == 1
    return records[0]


def kiosk(site: Site, clock: FakeClock | None = None) -> KioskApp:
    """The kiosk app on a site, with a fixed date and a hand-moved clock."""
    return KioskApp(site, today=lambda: TODAY, clock=clock or FakeClock())
