"""`kiosk-admin report --format csv|xlsx|html` through the real command: sealed, imported,
reported from the publication table."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import AdminKey
from openpyxl import load_workbook

from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export
from kiosk.site import Site
from kiosk.submit import Submitter

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")


@pytest.fixture
def options(
    site: Site, admin_key: AdminKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Twelve support answers a week for four weeks of March 2026 at one site, imported."""
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)
    submitter = Submitter(site.store, site.config, site.public_key)
    monday = date(2026, 3, 2)
    for week in range(4):
        for value in range(12):
            answers = {"practical": 1 + (value + week) % 10}
            day = monday + timedelta(weeks=week)
            submitter.submit(INSTRUMENTS["support"], answers, day=day)
    (tmp_path / "a.tkb").write_bytes(build_export(site).bundle)
    found = ["--store", str(tmp_path / "st"), "--key", str(admin_key.pem_path)]
    assert admin_main(["import", *found, str(tmp_path / "a.tkb")]) == 0
    return found


def test_csv_is_tidy_xlsx_needs_a_file_and_html_is_the_handout(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert admin_main(["report", *options, "--format", "csv", "--period", "month"]) == 0
    printed = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(printed.out)))
    assert "5" in printed.err and "kiosk-admin: " in printed.err, "the rules, beside the data"
    assert not any("mindst" in value for row in rows for value in row.values() if value)
    march = [r for r in rows if r["period"] == "2026-03" and r["tool"] == "support"]
    assert march[0]["item"] == "" and march[0]["n"] == "48" and march[0]["status"] == "vist"
    practical = [r for r in march if r["item"] == "practical" and r["category"]]
    assert [int(r["count"]) for r in practical] == [5, 6, 6, 6, 5, 4, 4, 4, 4, 4]
    assert all(r["period_label"] == "marts 2026" for r in march)

    assert admin_main(["report", *options, "--format", "xlsx"]) != 0
    assert "--out" in capsys.readouterr().err
    out = tmp_path / "r.xlsx"
    assert admin_main(["report", *options, "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Data", "Regler"]
    header = [c.value for c in next(book["Data"].iter_rows(max_row=1))]
    assert header[:3] == ["period", "period_label", "site"]

    out = tmp_path / "r.html"
    assert (
        admin_main(["report", *options, "--format", "html", "--period", "month", "--out", str(out)])
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert '<section class="front"' in page and "Trivselsrapport – marts 2026" in page
    assert "<script" not in page
    assert 'data-cell="support|Testafdeling|2026-03">48<' in page
