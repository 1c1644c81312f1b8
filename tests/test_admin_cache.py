"""The opened cache: reports read it instead of opening records twice, and never depend on it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import AdminKey
from tinydb import TinyDB

from kiosk.admin.adminstore import CACHE_DIR, IMPORT_LOG, AdminStore
from kiosk.admin.opencache import CacheUnreadable, cache_key, open_cache
from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export
from kiosk.keyfiles import write_keypair
from kiosk.sealing import generate_private_key
from kiosk.site import Site
from kiosk.store import JournalStorage
from kiosk.submit import Submitter

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
NOTE = "Kaffen er god, men stolen knirker"


@pytest.fixture
def store(site: Site, admin_key: AdminKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An admin store of two imports: check-ins and support answers, then notes."""
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)
    submitter = Submitter(site.store, site.config, site.public_key)
    day = date(2026, 3, 4)
    for score in (1, 4, 6, 7, 9, 10):
        submitter.submit(INSTRUMENTS["checkin"], {"score": score}, day=day)
    for value in (2, 3, 8, 9, 10):
        submitter.submit(INSTRUMENTS["support"], {"practical": value}, day=day)
    (tmp_path / "a.tkb").write_bytes(build_export(site).bundle)
    for _ in range(10):
        submitter.submit(INSTRUMENTS["contribution"], {"tag": "velkommen", "note": NOTE}, day=day)
    (tmp_path / "b.tkb").write_bytes(build_export(site).bundle)
    paths = [str(tmp_path / "a.tkb"), str(tmp_path / "b.tkb")]
    assert admin_main(["import", *key_args(tmp_path / "st", admin_key.pem_path), *paths]) == 0
    return tmp_path / "st"


def key_args(store: Path, pem: Path) -> list[str]:
    return ["--store", str(store), "--key", str(pem)]


def json_report(
    store: Path, pem: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, Any], str]:
    """The JSON report (its ten notes are equal, so their shuffle does not show) and stderr."""
    capsys.readouterr()
    assert admin_main(["report", *key_args(store, pem), "--format", "json"]) == 0
    captured = capsys.readouterr()
    report: dict[str, Any] = json.loads(captured.out)
    return report, captured.err


def cache_files(store: Path) -> list[Path]:
    """Each import's cache file, in import order (whether or not it exists)."""
    with AdminStore.open(store) as opened:
        names = [entry.cache or f"{entry.digest[:32]}.bin" for entry in opened.imports()]
    return [store / CACHE_DIR / name for name in names]


def test_import_writes_one_encrypted_cache_per_import(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    files = cache_files(store)
    assert sorted(files) == sorted((store / CACHE_DIR).iterdir())
    for blob in (file.read_bytes() for file in files):
        assert b"velkommen" not in blob and b"checkin" not in blob and b"score" not in blob
        assert len(blob) % 1024 == 32
    with AdminStore.open(store) as opened:
        entries = opened.imports()
        assert [entry.cache for entry in entries] == [file.name for file in files]
        cipher = cache_key(admin_key.private_key)
        pairs = open_cache(cipher, entries[1].digest, files[1].read_bytes())
        assert {payload.answers["note"] for _, payload in pairs} == {NOTE}
        with pytest.raises(CacheUnreadable):
            open_cache(cipher, entries[0].digest, files[1].read_bytes())
        with pytest.raises(CacheUnreadable):
            open_cache(cache_key(generate_private_key()), entries[1].digest, files[1].read_bytes())


def test_a_missing_cache_gives_the_same_report_and_is_rebuilt(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    cached, quiet = json_report(store, admin_key.pem_path, capsys)
    everything = [
        cell["n"]
        for body in cached["instruments"].values()
        for cell in body["cells"]
        if cell["period"] == "all"
    ]
    assert sum(everything) == 21 and quiet == ""
    assert cached["instruments"]["contribution"]["notes"][0]["texts"] == [NOTE] * 10
    assert cached["instruments"]["checkin"]["cells"][0]["measures"]["score"]["mean"] == 6.17
    first = cache_files(store)[0]
    first.unlink()
    rebuilt, note = json_report(store, admin_key.pem_path, capsys)
    assert rebuilt == cached
    assert "opened cache" in note and "its file is missing" in note and "rebuilt" in note
    assert first.exists()
    again, quiet = json_report(store, admin_key.pem_path, capsys)
    assert again == cached and quiet == ""


def test_a_store_from_before_the_cache_reports_the_same(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    cached, _ = json_report(store, admin_key.pem_path, capsys)
    for file in cache_files(store):
        file.unlink()
    (store / CACHE_DIR).rmdir()
    log = TinyDB(store / IMPORT_LOG, storage=JournalStorage)
    log.table("imports").update(lambda doc: doc.pop("cache"))
    log.close()
    old, note = json_report(store, admin_key.pem_path, capsys)
    assert old == cached
    assert note.count("the import predates the cache") == 2
    assert all(file.exists() for file in cache_files(store))


def test_a_tampered_cache_falls_back_to_the_sealed_records(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    cached, _ = json_report(store, admin_key.pem_path, capsys)
    target = cache_files(store)[1]
    blob = bytearray(target.read_bytes())
    blob[40] ^= 0x01
    target.write_bytes(bytes(blob))
    fallback, note = json_report(store, admin_key.pem_path, capsys)
    assert fallback == cached
    assert "does not decrypt" in note and str(store / CACHE_DIR) in note
    assert target.read_bytes() != bytes(blob)


def test_swapped_caches_are_not_used_for_the_wrong_import(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    cached, _ = json_report(store, admin_key.pem_path, capsys)
    first, second = cache_files(store)
    one, two = first.read_bytes(), second.read_bytes()
    first.write_bytes(two)
    second.write_bytes(one)
    swapped, note = json_report(store, admin_key.pem_path, capsys)
    assert swapped == cached and note.count("does not decrypt") == 2


def test_a_wrong_key_is_a_clear_error_and_leaves_the_cache_alone(
    store: Path, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = [file.read_bytes() for file in cache_files(store)]
    other, _, _ = write_keypair(tmp_path / "other", admin_key.passphrase.encode())
    capsys.readouterr()
    assert admin_main(["report", *key_args(store, other), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert "does not open with this key" in captured.err and "Is --key" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert [file.read_bytes() for file in cache_files(store)] == before


def test_a_crash_before_the_log_entry_leaves_no_cache_behind(
    store: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    cached, _ = json_report(store, admin_key.pem_path, capsys)
    orphan = store / CACHE_DIR / "0123456789abcdef0123456789abcdef.bin"
    orphan.write_bytes(cache_files(store)[0].read_bytes())
    with AdminStore.open(store) as opened:
        assert len(opened.imports()) == 2
    assert not orphan.exists()
    assert json_report(store, admin_key.pem_path, capsys)[0] == cached


def test_a_cache_written_before_format_2_still_reads(admin_key: AdminKey) -> None:
    """Rows of older caches have six fields: no kiosk id, no site; they read as format 1."""
    import json
    import os

    from kiosk.admin.opencache import MAGIC, NONCE_SIZE, PAD_TO, _aad, cache_key, open_cache

    cipher = cache_key(admin_key.private_key)
    rows = [["00" * 16, "checkin", 1, "2026-W10", "da", {"score": 4}]]
    body = json.dumps(rows).encode()
    nonce = os.urandom(NONCE_SIZE)
    blob = MAGIC + nonce + cipher.encrypt(nonce, body + b" " * (-len(body) % PAD_TO), _aad("d"))
    ((rid, payload),) = open_cache(cipher, "d", blob)
    assert rid == bytes(16)
    assert (payload.lang, payload.kiosk_id, payload.site) == ("da", None, None)
