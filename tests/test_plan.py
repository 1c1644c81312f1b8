"""The action plan in the admin store: kiosk-admin plan add|list|edit|done, kept encrypted."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import PASSPHRASE, AdminKey

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.plan import PLAN_FILE, list_actions
from kiosk.cli import admin_main
from kiosk.durable import StoreCorrupt
from kiosk.instruments import Text
from kiosk.sealing import generate_private_key


@pytest.fixture
def plan(tmp_path: Path, admin_key: AdminKey, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The store and key options of an empty admin store."""
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE)
    store = tmp_path / "store"
    AdminStore.open(store, create=True).close()
    return ["--store", str(store), "--key", str(admin_key.pem_path)]


def test_actions_are_added_listed_edited_and_closed(
    plan: list[str], admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin_main(["plan", "list", *plan]) == 0
    assert "no actions yet" in capsys.readouterr().out
    first = ["--heard", "Travlt i perioder", "--heard-en", "Busy at times"]
    first += ["--do", "Fast ugemøde", "--who", "Teamleder", "--by", "2026-04-01"]
    assert admin_main(["plan", "add", *plan, *first, "--focus", "support", "--site", "Lager"]) == 0
    second = ["--heard", "Mere ros", "--do", "Ros på tavlen", "--focus", "guldkorn/all/2026-02"]
    assert admin_main(["plan", "add", *plan, *second]) == 0
    assert admin_main(["plan", "done", *plan, "1"]) == 0
    assert admin_main(["plan", "edit", *plan, "2", "--who", "Alle", "--status", "started"]) == 0
    capsys.readouterr()
    assert admin_main(["plan", "list", *plan, "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "[started] 2. Mere ros → Ros på tavlen, who: Alle (guldkorn/all/2026-02)",
        "[done] 1. Busy at times → Fast ugemøde, who: Teamleder, by 2026-04-01 (support)",
    ]
    assert admin_main(["plan", "list", *plan, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["heard"] == {"da": "Travlt i perioder", "en": "Busy at times"}
    assert (rows[0]["status"], rows[0]["by"], rows[1]["focus"]) == (
        "done",
        "2026-04-01",
        "guldkorn/all/2026-02",
    )
    with AdminStore.open(Path(plan[1])) as store:
        actions = list_actions(store, admin_key.private_key)
    assert [(a.id, a.status, a.site) for a in actions] == [
        (1, "done", "Lager"),
        (2, "started", None),
    ]
    assert actions[0].heard == Text("Travlt i perioder", "Busy at times")
    assert actions[0].done_on == date.today() and actions[1].done_on is None


def test_the_plan_is_encrypted_and_needs_the_key(
    plan: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["plan", "add", *plan, "--heard", "Travlt i perioder", "--do", "Ugemøde"]
    assert admin_main([*add, "--focus", "support"]) == 0
    blob = (Path(plan[1]) / PLAN_FILE).read_bytes()
    assert b"Travlt" not in blob and "Ugemøde".encode() not in blob
    with AdminStore.open(Path(plan[1])) as store, pytest.raises(StoreCorrupt, match="another key"):
        list_actions(store, generate_private_key())


def test_bad_input_is_a_message_and_changes_nothing(
    plan: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin_main(["plan", "done", *plan, "7"]) == 2
    assert "no action 7 in the plan (actions: none yet)" in capsys.readouterr().err
    long = "x" * 300
    assert admin_main(["plan", "add", *plan, "--heard", long, "--do", "y", "--focus", "a"]) == 2
    assert "a notice carries at most 240" in capsys.readouterr().err
    assert not (Path(plan[1]) / PLAN_FILE).exists()
    # Control characters (a terminal escape pasted in) are dropped, not stored.
    assert (
        admin_main(["plan", "add", *plan, "--heard", "ok\x1b[2J", "--do", "y", "--focus", "a"]) == 0
    )
    assert "\x1b" not in capsys.readouterr().out


def test_the_reports_handleplan_shows_the_agreed_actions(
    plan: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = ["--heard", "For lidt <script>alert(1)</script> tid", "--do", "Fast ugemøde"]
    hostile += ["--who", "Teamleder", "--by", "2026-04-01", "--focus", "support"]
    assert admin_main(["plan", "add", *plan, *hostile]) == 0
    praise = ["--heard", "Mere ros", "--do", "Ros på tavlen", "--focus", "guldkorn"]
    assert admin_main(["plan", "add", *plan, *praise]) == 0
    assert admin_main(["plan", "done", *plan, "2"]) == 0
    page = tmp_path / "report.html"
    assert admin_main(["report", *plan, "--format", "html", "--out", str(page)]) == 0
    rows = AgreedRows()
    rows.feed(page.read_text())
    assert rows.found == [
        [
            "For lidt <script>alert(1)</script> tid",
            "Fast ugemøde",
            "Teamleder",
            "2026-04-01",
            "Åben",
        ],
        ["Mere ros", "Ros på tavlen", "", "", f"Gjort {date.today().isoformat()}"],
    ]
    assert "<script>" not in page.read_text()
    capsys.readouterr()
    assert admin_main(["report", *plan, "--format", "text", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "[open] 1. For lidt <script>alert(1)</script> tid → Fast ugemøde" in text
    assert text.index("[open] 1.") < text.index("[done] 2.")
    assert admin_main(["report", *plan, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["do"]["da"] for row in data["plan"]] == ["Fast ugemøde", "Ros på tavlen"]


class AgreedRows(HTMLParser):
    """The cells of the handleplan's rows for agreed actions, as a reader sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and ("class", "agreed") in attrs:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.found.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
