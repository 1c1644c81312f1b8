"""Reports: hand-computed scores, hostile note text escaped, CSV for Danish Excel, raw warns."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export
from kiosk.site import Site
from kiosk.submit import Submitter

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
HOSTILE = "\x1b[31mrød\x1b[0m <script>alert(1)</script> [bold red]x[/]"


@pytest.fixture
def store(site: Site, admin_key: AdminKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An admin store with a small fixed data set: support, psych_safety and hostile notes."""
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)
    submitter = Submitter(site.store, site.config, site.public_key)
    day = date(2026, 3, 4)
    for value in (1, 2, 3, 8, 10):
        submitter.submit(INSTRUMENTS["support"], {"practical": value}, day=day)
    agree = {item.id: "meget_enig" for item in INSTRUMENTS["psych_safety"].items}
    for _ in range(5):
        submitter.submit(INSTRUMENTS["psych_safety"], agree, day=day)
    for _ in range(10):
        submitter.submit(
            INSTRUMENTS["contribution"], {"tag": "velkommen", "note": HOSTILE}, day=day
        )
    (tmp_path / "a.tkb").write_bytes(build_export(site).bundle)
    key = str(admin_key.pem_path)
    assert (
        admin_main(
            ["import", "--store", str(tmp_path / "st"), "--key", key, str(tmp_path / "a.tkb")]
        )
        == 0
    )
    return tmp_path / "st"


def report(store: Path, admin_key: AdminKey, *extra: str) -> None:
    assert (
        admin_main(["report", "--store", str(store), "--key", str(admin_key.pem_path), *extra]) == 0
    )


def test_scores_match_hand_computed_values(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    report(store, admin_key, "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["records"] == 20
    support = data["instruments"]["support"]["groups"][0]["items"]["practical"]
    assert (support["n"], support["mean"]) == (5, 4.8)
    assert (support["share_low"], support["share_high"]) == (0.6, 0.4)
    safety = data["instruments"]["psych_safety"]["groups"][0]
    assert safety["total"]["mean"] == 40.0 and safety["total"]["n"] == 5
    assert safety["items"]["mistakes_held_against"]["mean"] == 0.0
    assert safety["items"]["raise_problems"]["mean"] == 10.0
    assert data["instruments"]["contribution"]["groups"][0]["items"]["tag"]["distribution"] == {
        "betydningsfuld": 0,
        "velkommen": 10,
        "fysisk_veltilpas": 0,
    }


def test_terminal_output_carries_no_escape_sequences(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    report(store, admin_key, "--format", "text", "--lang", "en")
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "[31m" not in out and "rød <script>alert(1)</script> [bold red]x[/]" in out
    assert "fewer than 5 answers" in out


def test_html_escapes_notes_and_is_self_contained(
    store: Path, admin_key: AdminKey, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    report(store, admin_key, "--format", "html", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "src=" not in page and "<link" not in page
    assert 'href="http' not in page
    assert "<svg" in page and "@media print" in page
    assert "Handleplan" in page and "Bordet rundt" in page and "Arbejdstilsynet" in page
    assert "n = 5" in page


def test_csv_for_danish_excel(store: Path, admin_key: AdminKey, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    report(store, admin_key, "--format", "csv", "--excel-da", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeffinstrument;period;site;")
    assert "support;2026-W10;Testafdeling;5;shown;practical;5;4,8;0,6;0,4;" in text


def test_raw_output_warns_about_re_identification(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    report(store, admin_key, "--format", "json", "--raw")
    captured = capsys.readouterr()
    assert "WARNING" in captured.err and "point to a person" in captured.err
    assert len(json.loads(captured.out)) == 20


def test_every_format_says_anyone_with_the_public_key_can_add_records(
    store: Path, admin_key: AdminKey, tmp_path: Path
) -> None:
    said = {
        "da": "Alle med den offentlige nøgle kan tilføje svar",
        "en": "Anyone who holds the public key can add records",
    }
    for form, lang in (("text", "en"), ("json", "da"), ("csv", "en"), ("html", "da")):
        out = tmp_path / f"report.{form}"
        report(store, admin_key, "--format", form, "--lang", lang, "--out", str(out))
        assert said[lang] in out.read_text(encoding="utf-8"), form
