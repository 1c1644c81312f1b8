"""Upgrades keep data: a store from the first released format opens and every record opens.

`tests/data/store-format-1/` is frozen (see tests/data/README.md); each test works on a copy.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kiosk import records
from kiosk.keyfiles import load_private_key_file
from kiosk.pin import PinGuard
from kiosk.sealing import open_sealed
from kiosk.site import open_site
from kiosk.store import FORMAT, RecordStore, StoreError

DATA = Path(__file__).parent / "data"
FROZEN_STORE = DATA / "store-format-1"
TEST_KEY = DATA / "keys" / "admin-key.pem"
TEST_PASSPHRASE = b"test-only-passphrase-not-secret"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under `folder`, by relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def old_site(tmp_path: Path) -> Path:
    """A copy of the frozen format-1 site, so the kiosk may lock and repair it freely."""
    return Path(shutil.copytree(FROZEN_STORE, tmp_path / "site"))


def test_the_frozen_store_is_format_1_and_holds_no_private_key() -> None:
    assert json.loads((FROZEN_STORE / "store.json").read_text()) == {"format": 1}
    assert not any(b"PRIVATE KEY" in data for data in snapshot(FROZEN_STORE).values())


def test_format_1_site_opens_and_every_record_opens_with_the_key(old_site: Path) -> None:
    site = open_site(old_site)
    try:
        stored = list(site.store.iter_records())
        assert site.store.count() == 12
        assert site.store.count_undelivered() == 10
        assert site.store.kiosk_id
        assert site.public_key.fingerprint() == "90cf 9c68 c066 fa41"
    finally:
        site.close()
    private_key = load_private_key_file(TEST_KEY, TEST_PASSPHRASE)
    payloads = [records.parse(open_sealed(private_key, r.record_id, r.sealed)) for r in stored]
    assert Counter(p.instrument_id for p in payloads) == {
        "checkin": 3,
        "support": 3,
        "psych_safety": 3,
        "contribution": 3,
    }
    assert Counter(p.period for p in payloads) == {"2025-W10": 4, "2025-W11": 4, "2025-W12": 4}
    assert Counter(p.lang for p in payloads) == {"da": 6, "en": 6}


def test_format_1_state_keeps_the_export_log_and_the_pin(old_site: Path) -> None:
    with RecordStore.open(old_site) as store:
        (export,) = store.export_log()
        assert export["receipt"] == "4ED6-P8R4-GP"
        assert export["count"] == 12
        assert PinGuard(store).check("12345678").ok


def test_format_1_store_takes_new_records_and_reopens(old_site: Path) -> None:
    with RecordStore.open(old_site) as store:
        store.add(b"\x01" * 16, b"sealed-by-the-new-version")
    with RecordStore.open(old_site) as store:
        assert store.count() == 13
    assert json.loads((old_site / "store.json").read_text())["format"] == FORMAT


def test_a_future_format_is_refused_clearly_and_nothing_changes(old_site: Path) -> None:
    (old_site / "store.json").write_text('{"format": 99}\n')
    (old_site / ".lock").write_bytes(b"")
    before = snapshot(old_site)
    with pytest.raises(StoreError) as refused:
        RecordStore.open(old_site)
    message = str(refused.value)
    assert "format 99" in message and str(old_site / "store.json") in message
    after = snapshot(old_site)
    # The lock file is the one thing opening touches: it records who tried, before the check.
    assert {k: v for k, v in after.items() if k != ".lock"} == {
        k: v for k, v in before.items() if k != ".lock"
    }
    assert set(after) == set(before)


def test_the_kiosk_command_names_a_future_format_without_a_traceback(
    old_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import kiosk_main

    (old_site / "store.json").write_text('{"format": 99}\n')
    assert kiosk_main(["simulate", "--data-dir", str(old_site), "--count", "1"]) == 1
    err = capsys.readouterr().err
    assert "format 99" in err and "Traceback" not in err
    assert (old_site / "store.json").read_text() == '{"format": 99}\n'
