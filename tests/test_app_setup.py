"""What `kiosk init` leaves for the person who sets the kiosk up: a kiosk.toml about their site."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import load_site
from kiosk.site import SITE_CONFIG


def test_a_new_sites_kiosk_toml_speaks_of_that_site_not_the_demo(site_dir: Path) -> None:
    text = (site_dir / SITE_CONFIG).read_text(encoding="utf-8")
    header = text.partition("[site]")[0].lower()
    assert "demo" not in header
    assert "embedded default" not in header
    assert "kiosk init" in header
    assert 'name = "Testafdeling"' in text
    assert "demo = false" in text
    config = load_site(site_dir / SITE_CONFIG)
    assert config.site_name == "Testafdeling" and not config.demo
