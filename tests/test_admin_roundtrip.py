"""End to end: simulate on a kiosk, export by USB file or QR images, import, report."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.cli import admin_main, kiosk_main


@pytest.fixture
def env(admin_key: AdminKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)


def test_usb_round_trip_counts_every_record_once(
    site_dir: Path,
    admin_key: AdminKey,
    tmp_path: Path,
    env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        kiosk_main(["simulate", "--data-dir", str(site_dir), "--count", "80", "--seed", "3"]) == 0
    )
    (tmp_path / "usb").mkdir()
    assert (
        kiosk_main(["export", "usb", "--data-dir", str(site_dir), "--to", str(tmp_path / "usb")])
        == 0
    )
    (bundle,) = (tmp_path / "usb").glob("*.tkb")
    key = ["--key", str(admin_key.pem_path), "--store", str(tmp_path / "st")]
    assert admin_main(["import", *key, str(bundle)]) == 0
    assert "imported 80 new records" in capsys.readouterr().out
    assert admin_main(["import", *key, str(bundle)]) == 0
    assert "already imported" in capsys.readouterr().out
    # The simulated week is not over yet, so the report covers no period of it.
    assert admin_main(["report", *key, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["coverage"]["open_from"] is not None


def test_qr_images_with_a_fifth_lost_still_import(
    site_dir: Path,
    admin_key: AdminKey,
    tmp_path: Path,
    env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        kiosk_main(["simulate", "--data-dir", str(site_dir), "--count", "12", "--seed", "4"]) == 0
    )
    pngs = tmp_path / "png"
    assert (
        kiosk_main(
            [
                "export",
                "qr",
                "--data-dir",
                str(site_dir),
                "--png-dir",
                str(pngs),
                "--version",
                "25",
                "--frames",
                "30",
            ]
        )
        == 0
    )
    frames = sorted(pngs.glob("*.png"))
    kept = random.Random(1).sample(frames, k=len(frames) - len(frames) // 5)
    key = ["--key", str(admin_key.pem_path), "--store", str(tmp_path / "st")]
    assert admin_main(["import", *key, *map(str, kept)]) == 0
    assert "imported 12 new records" in capsys.readouterr().out
