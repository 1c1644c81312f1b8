"""Reports: hand-computed figures, hostile note text escaped, CSV for Danish Excel, no raw
output, thresholds from the store, whole weeks for windows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import AdminKey

from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export
from kiosk.site import Site, init_site, open_site
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


def cell(data: dict[str, object], instrument: str, period: str) -> dict[str, Any]:
    """One printed cell of an instrument."""
    instruments = data["instruments"]
    assert isinstance(instruments, dict)
    found: dict[str, Any] = next(
        c for c in instruments[instrument]["cells"] if c["period"] == period
    )
    return found


def test_figures_match_hand_computed_values(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    report(store, admin_key, "--format", "json")
    data = json.loads(capsys.readouterr().out)
    support = cell(data, "support", "2026-W10")["measures"]
    # practical: 1, 2, 3, 8, 10 → mean 24/5; ≤3: three of five; ≥8: two of five.
    practical = support["practical"]
    assert (practical["n"], practical["mean"]) == (5, 4.8)
    assert (practical["share_low"], practical["share_high"]) == (0.6, 0.4)
    assert practical["distribution"] == {
        **{str(v): int(v in (1, 2, 3, 8, 10)) for v in range(1, 11)},
        "none": 0,
    }
    assert support["emotional"]["n"] == 0 and support["emotional"]["distribution"]["none"] == 5
    # Strongly agree everywhere: 0 + 10 + 0 + 10 + 0 + 10 + 10 = 40 points of 70.
    safety = cell(data, "psych_safety", "2026-W10")["measures"]
    assert safety["total"]["mean"] == 40.0 and safety["total"]["n"] == 5
    assert safety["total"]["distribution"]["40–49"] == 5
    assert safety["mistakes_held_against"]["mean"] == 0.0
    assert safety["raise_problems"]["mean"] == 10.0
    tags = cell(data, "contribution", "2026-W10")["measures"]["tag"]["distribution"]
    assert tags == {"betydningsfuld": 0, "velkommen": 10, "fysisk_veltilpas": 0}
    assert cell(data, "contribution", "all")["n"] == 10
    assert data["coverage"]["weeks"][0] == "2026-W01"
    report(store, admin_key, "--format", "json", "--period", "month")
    months = json.loads(capsys.readouterr().out)
    assert cell(months, "contribution", "2026-03")["n"] == 10
    assert [c["period"] for c in months["instruments"]["support"]["cells"]] == ["2026-03", "all"]


def test_hidden_cells_say_only_that_they_are_hidden(
    store: Path, admin_key: AdminKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert admin_main(["config", "--store", str(store), "--min-group", "6"]) == 0
    for form, lang, word in (("text", "da", "skjult"), ("csv", "en", "hidden")):
        out = tmp_path / f"r.{form}"
        report(store, admin_key, "--format", form, "--lang", lang, "--out", str(out))
        text = out.read_text(encoding="utf-8")
        assert word in text
        for why in ("for få", "too few", "complementary", "næstmindste"):
            assert why not in text
    data = tmp_path / "r.json"
    report(store, admin_key, "--format", "json", "--out", str(data))
    assert cell(json.loads(data.read_text(encoding="utf-8")), "support", "2026-W10")["n"] is None


def test_thresholds_belong_to_the_store_and_never_go_below_three(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        admin_main(["config", "--store", str(store), "--min-group", "2"])
    for gone in (["--min-group", "7"], ["--raw"], ["--config", "kiosk.toml"]):
        with pytest.raises(SystemExit):
            report(store, admin_key, *gone)
    assert "must be at least 3" in capsys.readouterr().err
    assert admin_main(["config", "--store", str(store)]) == 0
    assert "min_group = 5" in capsys.readouterr().out


def test_windows_take_whole_weeks_and_say_so(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    report(store, admin_key, "--since", "2026-03-04", "--until", "2026-03-05", "--lang", "en")
    out = capsys.readouterr().out
    assert "The dates were widened to whole weeks: 2026-W10..2026-W10" in out
    assert "2026-W10 · Testafdeling  (n=10)" in out
    assert "2026-03 ·" not in out, "a month only partly inside the window is not printed"


def test_terminal_output_carries_no_escape_sequences(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    report(store, admin_key, "--format", "text", "--lang", "en")
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "[31m" not in out and "rød <script>alert(1)</script> [bold red]x[/]" in out
    assert "fewer than 5 answers" in out and "Closed periods only" in out


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
    assert text.startswith("\ufeffperiod;period_label;site;site_label;tool;")
    assert "2026-W10;uge 10 2026;Testafdeling;Testafdeling;support;" in text
    assert ";practical;Praktisk hjælp;;;;;4,8;5;vist" in text


def test_every_format_says_anyone_with_the_public_key_can_add_records(
    store: Path, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = {
        "da": "Alle med den offentlige nøgle kan tilføje svar",
        "en": "Anyone who holds the public key can add records",
    }
    for form, lang in (("text", "en"), ("json", "da"), ("csv", "en"), ("html", "da")):
        out = tmp_path / f"report.{form}"
        capsys.readouterr()
        report(store, admin_key, "--format", form, "--lang", lang, "--out", str(out))
        # CSV keeps its rules beside the data, on standard error (the file is data only).
        printed = capsys.readouterr().err if form == "csv" else out.read_text(encoding="utf-8")
        assert said[lang] in printed, form


def test_a_period_waits_for_every_kiosk_or_its_retirement(
    store: Path, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init_site(tmp_path / "old", admin_key.public_key, "Kontor")
    old = open_site(tmp_path / "old")
    try:
        Submitter(old.store, old.config, old.public_key).submit(
            INSTRUMENTS["support"], {"practical": 5}, day=date(2026, 3, 2)
        )
        export = build_export(old, today=date(2026, 3, 4))
    finally:
        old.close()
    (tmp_path / "old.tkb").write_bytes(export.bundle)
    key = ["--store", str(store), "--key", str(admin_key.pem_path)]
    assert admin_main(["import", *key, str(tmp_path / "old.tkb")]) == 0
    capsys.readouterr()
    report(store, admin_key, "--lang", "en")
    out = capsys.readouterr().out
    assert "2026-W10 and later are not in yet: they wait for an export from 1 kiosk(s)" in out
    assert "2026-W10 ·" not in out
    assert admin_main(["receipt", "--store", str(store)]) == 0
    listed = capsys.readouterr().out.splitlines()
    prefix = next(line.split()[-4] for line in listed if "Kontor" in line)
    assert admin_main(["config", "--store", str(store), "--retire", prefix]) == 0
    capsys.readouterr()
    report(store, admin_key, "--lang", "en")
    out = capsys.readouterr().out
    assert "1 kiosk(s) marked retired" in out and "2026-W10 · Testafdeling" in out
