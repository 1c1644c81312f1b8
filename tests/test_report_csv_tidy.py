"""Tidy CSV and the xlsx workbook, read back as a spreadsheet user would read them."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from handout_data import build
from openpyxl import load_workbook

from kiosk.admin import report_xlsx, tidy
from kiosk.admin.tidy import COLUMNS


def read_csv(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.fixture(scope="module")
def handout():  # type: ignore[no-untyped-def]
    return build(
        sites=("=HYPERLINK(1)", "Kontor"),
        sizes={"=HYPERLINK(1)": 30, "Kontor": 40},
        hide=[("checkin", "2026-09", "=HYPERLINK(1)")],
    )


def test_one_row_per_cell_item_and_category_with_labels_beside_ids(handout) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(tidy.render_csv(handout))
    assert tuple(rows[0]) == COLUMNS
    checkin = [
        r
        for r in rows
        if r["tool"] == "checkin" and r["period"] == "2026-10" and r["site"] == "Kontor"
    ]
    assert checkin[0]["item"] == "" and checkin[0]["n"].isdigit()
    buckets = [r for r in checkin if r["item"] == "score" and r["category"]]
    assert [r["category"] for r in buckets] == [str(v) for v in range(1, 11)]
    cell = handout.tools[0].cell("score", "2026-10", "Kontor")
    assert [int(r["count"]) for r in buckets] == list(cell.counts)
    for row in buckets:
        assert float(row["share_percent"]) == pytest.approx(
            100 * int(row["count"]) / cell.n, abs=0.05
        )
    summary = next(r for r in checkin if r["item"] == "score" and not r["category"])
    assert float(summary["mean"]) == cell.mean
    psych = next(r for r in rows if r["tool"] == "psych_safety" and r["category"] == "meget_enig")
    assert psych["tool_label"] == "Psykologisk tryghed" and psych["category_label"] == "Meget enig"
    assert psych["period_label"] == "august 2026"


def test_hidden_cells_are_empty_with_status_skjult(handout) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(tidy.render_csv(handout))
    hidden = [
        r
        for r in rows
        if r["tool"] == "checkin" and r["period"] == "2026-09" and "HYPERLINK" in r["site"]
    ]
    assert hidden and all(r["status"] == "skjult" for r in hidden)
    for row in hidden:
        assert row["count"] == row["share_percent"] == row["mean"] == row["n"] == ""
    shown = {r["status"] for r in rows if r["status"] != "skjult"}
    assert shown == {"vist"}


def test_no_rules_among_the_data_and_no_formula_from_a_site_name(handout) -> None:  # type: ignore[no-untyped-def]
    text = tidy.render_csv(handout)
    rows = read_csv(text)
    assert all(len(r) == len(COLUMNS) and None not in r for r in rows)
    assert not any("mindst 5 svar" in value for r in rows for value in r.values())
    assert {r["site"] for r in rows} == {"'=HYPERLINK(1)", "Kontor", "all"}
    assert {r["site_label"] for r in rows} == {"'=HYPERLINK(1)", "Kontor", "Alle steder"}


def test_excel_da_has_semicolons_decimal_commas_and_a_bom(handout) -> None:  # type: ignore[no-untyped-def]
    text = tidy.render_csv(handout, excel_da=True)
    assert text.startswith("\ufeff")
    rows = read_csv(text[1:], delimiter=";")
    means = [r["mean"] for r in rows if r["mean"]]
    assert means and all("," in m or m.isdigit() for m in means)
    assert not any("." in m for m in means)


def test_xlsx_has_a_data_sheet_of_numbers_and_a_rules_sheet(handout) -> None:  # type: ignore[no-untyped-def]
    data = report_xlsx.workbook(handout)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Data", "Regler"]
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == COLUMNS
    csv_rows = read_csv(tidy.render_csv(handout))
    assert sheet.max_row == len(csv_rows) + 1
    mean_col = COLUMNS.index("mean")
    n_col = COLUMNS.index("n")
    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(isinstance(row[mean_col], float) for row in values)
    assert all(row[n_col] is None or isinstance(row[n_col], int) for row in values)
    hidden = [row for row in values if row[COLUMNS.index("status")] == "skjult"]
    assert hidden and all(row[n_col] is None for row in hidden)
    rules = [row[0] for row in book["Regler"].iter_rows(values_only=True)]
    assert any("mindst 5 svar" in str(line) for line in rules)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml, "a site name starting with = is text, not a formula"


def test_english_labels_in_an_english_report() -> None:
    rows = read_csv(tidy.render_csv(build(lang="en")))
    psych = next(r for r in rows if r["tool"] == "psych_safety" and r["category"] == "meget_enig")
    assert psych["category_label"] == "Strongly agree" and psych["period_label"] == "August 2026"
    assert {r["status"] for r in rows} <= {"shown", "hidden"}
    assert any(r["site"] == "all" and r["site_label"] == "All sites" for r in rows)
