"""The welcome screen's promise travels with the answers, and every report keeps it.

A kiosk tells its staff "results are only shown together for at least N people" with N from
its kiosk.toml. Its export bundles carry that promise; the admin store records the highest
one seen per site, and every report applies the store's thresholds raised to every promise,
whatever `kiosk-admin config` says. Real kiosk stores, real bundles, the real importer and
real reports; the attacker's format readers (tests/attacker.py) read what was printed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from attacker import Key, Observations, read_csv, read_html, read_json, read_text
from conftest import AdminKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from helpers.sites import set_setting
from test_bundle import split, with_header

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.importer import Importer
from kiosk.admin.thresholds import promises_of, store_thresholds
from kiosk.bundle import BundleError, Promise, read_bundle, write_bundle
from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export
from kiosk.site import Site, open_site
from kiosk.submit import Submitter

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
SITE = "Testafdeling"
SMALL_WEEK, BIG_WEEK = "2026-W10", "2026-W12"
SMALL_KEY: Key = (0, "support", SITE, SMALL_WEEK, "", "")


@pytest.fixture(autouse=True)
def passphrase(admin_key: AdminKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)


def answer(site: Site, week_day: date, count: int) -> None:
    """`count` support answers on one day, through the kiosk's own submit path."""
    submitter = Submitter(site.store, site.config, site.public_key)
    for value in range(1, count + 1):
        submitter.submit(INSTRUMENTS["support"], {"practical": value}, day=week_day)


def with_small_and_big_week(site: Site) -> None:
    """A group of 4 in week 10 and a group of 9 in week 12 (both in March 2026)."""
    answer(site, date(2026, 3, 4), 4)
    answer(site, date(2026, 3, 18), 9)


def rebuilt(site: Site, admin_key: AdminKey, promise: Promise | None) -> bytes:
    """The site's export rebuilt, as anyone with the public key can, with another promise."""
    real = read_bundle(build_export(site).bundle)
    return write_bundle(
        real.records,
        kiosk_id=real.kiosk_id,
        site=real.site,
        public_key=admin_key.public_key,
        created=real.created,
        promise=promise,
    ).data


def kiosk_admin(*args: str) -> int:
    return admin_main(list(args))


def import_into(store: Path, admin_key: AdminKey, bundle: bytes, name: str) -> None:
    path = store.parent / name
    path.write_bytes(bundle)
    key = str(admin_key.pem_path)
    assert kiosk_admin("import", "--store", str(store), "--key", key, str(path)) == 0


def report(store: Path, admin_key: AdminKey, out: Path, *options: str) -> Path:
    key = str(admin_key.pem_path)
    args = ("report", "--store", str(store), "--key", key, "--out", str(out), *options)
    assert kiosk_admin(*args) == 0
    return out


def xlsx_as_csv(path: Path) -> tuple[str, list[str]]:
    """The workbook's Data sheet as CSV text, and its Rules sheet's lines."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in book["Data"].iter_rows(values_only=True):
        writer.writerow(["" if value is None else value for value in row])
    rules = [str(row[0]) for row in book["Rules"].iter_rows(values_only=True) if row[0]]
    return buffer.getvalue(), rules


def read_every_format(store: Path, admin_key: AdminKey) -> dict[str, tuple[Observations, str]]:
    """Each format's report (English), read back: what it published and its whole text."""
    out: dict[str, tuple[Observations, str]] = {}
    folder = store.parent
    for form in ("text", "json", "csv", "html", "xlsx"):
        seen = Observations()
        path = report(store, admin_key, folder / f"r.{form}", "--format", form, "--lang", "en")
        if form == "xlsx":
            data, rules = xlsx_as_csv(path)
            read_csv(data, 0, seen)
            out[form] = (seen, "\n".join(rules))
            continue
        text = path.read_text(encoding="utf-8")
        if form == "text":
            read_text(text, 0, seen, INSTRUMENTS)
        elif form == "json":
            read_json(text, 0, seen)
        elif form == "csv":
            read_csv(text, 0, seen)
        else:
            read_html(text, 0, seen, INSTRUMENTS)
        out[form] = (seen, text)
    return out


def test_a_store_set_to_3_keeps_a_kiosks_promise_of_5_in_every_format(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert site.config.min_group == 5  # what this kiosk's welcome screen promises
    with_small_and_big_week(site)
    store = tmp_path / "store"
    import_into(store, admin_key, build_export(site).bundle, "a.tkb")
    assert kiosk_admin("config", "--store", str(store), "--min-group", "3") == 0
    capsys.readouterr()
    printed = read_every_format(store, admin_key)
    for form, (seen, text) in printed.items():
        assert SMALL_KEY in seen.hidden, form
        assert not [key for key in seen.numbers if key[3] == SMALL_WEEK], form
        assert not seen.conflicts, form
        if form != "csv":  # the CSV holds only data; its rules go to standard error
            assert "at least 5 people" in text, form
    json_seen, json_text = printed["json"]
    # Hiding the small week does not blank the report: all 13 answers are published.
    assert json_seen.numbers[(0, "support", SITE, "all", "", "")] == 13
    rules = json.loads(json_text)["rules"]
    assert rules == {
        "min_group": 5,
        "min_group_text": 10,
        "store_setting": {"min_group": 3, "min_group_text": 10},
    }
    promise_line = "The kiosks promised staff that answers are only shown together for at least 5"
    assert promise_line in json_text
    assert "although the store is set to 3 (10)" in json_text
    handout_line = "The kiosk promised you that answers are only shown together for at least 5"
    assert handout_line in printed["html"][1] and handout_line in printed["xlsx"][1]
    capsys.readouterr()
    report(store, admin_key, tmp_path / "r.csv", "--format", "csv", "--lang", "en")
    assert promise_line in capsys.readouterr().err
    danish = report(store, admin_key, tmp_path / "da.txt").read_text(encoding="utf-8")
    assert "Kioskerne har lovet personalet, at svar kun vises samlet for mindst 5" in danish
    assert "En celle (værktøj × sted × periode) med færre end 5 svar" in danish


def test_without_a_promise_above_it_the_store_setting_decides_and_no_line_is_printed(
    site: Site, admin_key: AdminKey, tmp_path: Path
) -> None:
    """The control: the same data under the store's 3 when the kiosk promised 3 shows the 4."""
    site.close()
    config = site.folder / "kiosk.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(set_setting(text, "min_group", "3"), encoding="utf-8")
    lower = open_site(site.folder)
    try:
        with_small_and_big_week(lower)
        store = tmp_path / "store"
        import_into(store, admin_key, build_export(lower).bundle, "a.tkb")
    finally:
        lower.close()
    assert kiosk_admin("config", "--store", str(store), "--min-group", "3") == 0
    out = report(store, admin_key, tmp_path / "r.json", "--format", "json", "--lang", "en")
    seen = Observations()
    data = out.read_text(encoding="utf-8")
    read_json(data, 0, seen)
    assert seen.numbers[SMALL_KEY] == 4
    assert json.loads(data)["rules"]["store_setting"] is None
    assert "promised" not in data


def test_config_below_a_promise_is_allowed_but_warns_whose_promise_reports_keep(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(site, date(2026, 3, 4), 6)
    store = tmp_path / "store"
    import_into(store, admin_key, build_export(site).bundle, "a.tkb")
    capsys.readouterr()
    args = ("config", "--store", str(store))
    assert kiosk_admin(*args, "--min-group", "3", "--min-group-text", "6") == 0
    printed = capsys.readouterr()
    assert "min_group = 3" in printed.out and "min_group_text = 6" in printed.out
    assert f"promised by kiosks = '{SITE}' 5/10" in printed.out
    assert "reports use = 5/10" in printed.out
    warnings = [line for line in printed.err.splitlines() if "warning" in line]
    assert len(warnings) == 2
    assert f"reports will still use 5: the promise of site '{SITE}' (5)" in warnings[0]
    assert "told staff" in warnings[0]
    assert f"reports will still use 10: the promise of site '{SITE}' (10)" in warnings[1]
    with AdminStore.open(store) as opened:
        assert (opened.config().min_group, opened.config().min_group_text) == (3, 6)
    # At or above the promise: nothing to warn about.
    assert kiosk_admin(*args, "--min-group", "6", "--min-group-text", "12") == 0
    printed = capsys.readouterr()
    assert "warning" not in printed.err and "reports use = 6/12" in printed.out


def test_the_highest_promise_seen_counts_and_a_lower_one_never_lowers_it(
    site_dir: Path, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    config = site_dir / "kiosk.toml"
    original = config.read_text(encoding="utf-8")
    for index, (group, text) in enumerate(((7, 12), (3, 10))):
        changed = set_setting(
            set_setting(original, "min_group", str(group)), "min_group_text", str(text)
        )
        config.write_text(changed, encoding="utf-8")
        site = open_site(site_dir)
        try:
            answer(site, date(2026, 3, 4 + index), 8)
            import_into(
                store, admin_key, build_export(site, include_delivered=True).bundle, f"{index}.tkb"
            )
        finally:
            site.close()
    with AdminStore.open(store) as opened:
        limits = store_thresholds(opened)
    assert (limits.min_group, limits.min_group_text) == (7, 12)
    # 16 answers in week 10: shown under the promise of 7, with the rule saying 7.
    out = report(store, admin_key, tmp_path / "r.json", "--format", "json", "--lang", "en")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["rules"]["min_group"] == 7
    assert "for at least 7 people" in " ".join(data["rules_text"])


def test_a_promise_never_lowers_the_store_setting(
    site: Site, admin_key: AdminKey, tmp_path: Path
) -> None:
    """A bundle rebuilt by someone with the public key to promise little changes nothing."""
    answer(site, date(2026, 3, 4), 6)
    forged = rebuilt(site, admin_key, Promise(3, 3))
    store = tmp_path / "store"
    import_into(store, admin_key, forged, "forged.tkb")
    with AdminStore.open(store) as opened:
        limits = store_thresholds(opened)
        assert promises_of(opened.imports())[0].min_group == 3
    assert (limits.min_group, limits.min_group_text, limits.raised_by) == (5, 10, ())


def test_a_bundle_from_before_the_promise_still_imports_and_promises_nothing(
    tmp_path: Path,
) -> None:
    """The version-2 worked example of docs/formats.md, byte for byte as older kiosks wrote."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "formats.md").read_text("utf-8")
    block = re.search(r"```bundle-v2\n(.+?)```", text, re.DOTALL)
    assert block
    data = bytes.fromhex("".join(block.group(1).split()))
    assert b'"promise"' not in data
    example_key = X25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"trivselskiosk example key").digest()
    )
    with AdminStore.open(tmp_path / "store", create=True) as store:
        outcome = Importer(store, example_key).import_bundle("example.tkb", data)
        assert outcome.error is None and outcome.entry is not None
        assert outcome.entry.new == 1 and outcome.entry.promised_min_group == 0
        assert promises_of(store.imports()) == ()
    with AdminStore.open(tmp_path / "store") as store:
        limits = store_thresholds(store)
    assert (limits.min_group, limits.min_group_text, limits.raised_by) == (5, 10, ())


def test_an_old_kiosks_bundle_through_the_cli_reports_under_the_store_setting(
    site: Site, admin_key: AdminKey, tmp_path: Path
) -> None:
    """A bundle without the promise (what kiosks wrote before) counts as no promise."""
    with_small_and_big_week(site)
    old = rebuilt(site, admin_key, None)
    assert "promise" not in json.loads(split(old)[1])
    store = tmp_path / "store"
    import_into(store, admin_key, old, "old.tkb")
    assert kiosk_admin("config", "--store", str(store), "--min-group", "3") == 0
    out = report(store, admin_key, tmp_path / "r.json", "--format", "json")
    seen = Observations()
    read_json(out.read_text(encoding="utf-8"), 0, seen)
    assert seen.numbers[SMALL_KEY] == 4


@pytest.mark.parametrize(
    ("promise", "why"),
    [
        ({"min_group": 2, "min_group_text": 10}, "'min_group' a whole number from 3"),
        ({"min_group": 5, "min_group_text": 4}, "'min_group_text' a whole number from min_group"),
        ({"min_group": True, "min_group_text": 10}, "'min_group' a whole number"),
        ({"min_group": 5}, "exactly 'min_group' and 'min_group_text'"),
        ({"min_group": 5, "min_group_text": 10, "x": 1}, "exactly 'min_group'"),
        ("5", "exactly 'min_group'"),
    ],
)
def test_a_promise_no_kiosk_could_make_is_refused_by_name(
    site: Site, promise: Any, why: str
) -> None:
    answer(site, date(2026, 3, 4), 1)
    data = build_export(site).bundle
    header = json.loads(split(data)[1])
    assert header["promise"] == {"min_group": 5, "min_group_text": 10}
    raw = json.dumps(
        header | {"promise": promise}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    with pytest.raises(BundleError, match="header is malformed: 'promise'") as error:
        read_bundle(with_header(data, None, raw=raw))
    assert why in str(error.value)


def test_a_changed_promise_in_a_kiosks_bundle_is_refused_at_import(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header is bound to the receipt challenge: editing it alone does not import."""
    answer(site, date(2026, 3, 4), 6)
    data = build_export(site).bundle
    header = json.loads(split(data)[1]) | {"promise": {"min_group": 9, "min_group_text": 10}}
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    path = tmp_path / "edited.tkb"
    path.write_bytes(with_header(data, None, raw=raw))
    key = str(admin_key.pem_path)
    assert kiosk_admin("import", "--store", str(tmp_path / "s"), "--key", key, str(path)) == 1
    assert "nothing of this bundle was imported" in capsys.readouterr().err


def test_a_kiosks_export_header_holds_only_what_the_design_lists_and_its_promise(
    site: Site,
) -> None:
    """The promise is the welcome screen's own number, which anyone at the kiosk can read."""
    answer(site, date(2026, 3, 4), 1)
    header = json.loads(split(build_export(site).bundle)[1])
    assert set(header) == {
        "format",
        "kiosk_id",
        "site",
        "bundle_id",
        "created",
        "count",
        "fingerprint",
        "promise",
    }
    assert header["promise"] == {
        "min_group": site.config.min_group,
        "min_group_text": site.config.min_group_text,
    }
