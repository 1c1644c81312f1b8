"""Receipts that need the key, records bound to their kiosk and site, old bundles still read.

The attacker here holds a copy of the export stick (or the QR frames): everything a bundle
shows, but not the private key.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from datetime import date
from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.commands import opened_records
from kiosk.bundle import DIGEST_BYTES, MAGIC, read_bundle
from kiosk.cli import admin_main, kiosk_main
from kiosk.export import ExportError, apply_receipt, build_export, record_export
from kiosk.keyfiles import load_private_key_file
from kiosk.receipts import CHALLENGE_BYTES, legacy_code
from kiosk.records import default_catalogue
from kiosk.site import Site, open_site
from kiosk.store import RecordStore
from kiosk.submit import Submitter

CHECKIN = default_catalogue()[("checkin", 1)]
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def passphrase(admin_key: AdminKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)


def fill(site: Site, count: int) -> None:
    submitter = Submitter(site.store, site.config, site.public_key)
    for score in range(count):
        submitter.submit(CHECKIN, {"score": 1 + score % 10}, day=date(2026, 3, 4))


def run_import(admin_key: AdminKey, store: Path, *paths: Path) -> int:
    return admin_main(
        ["import", "--store", str(store), "--key", str(admin_key.pem_path), *map(str, paths)]
    )


def printed_code(out: str) -> str:
    return out.split("receipt code ")[-1].split()[0].rstrip(";")


def relabelled(data: bytes, **change: object) -> bytes:
    """The bundle with header fields changed and the public trailer recomputed."""
    (length,) = struct.unpack_from(">I", data, len(MAGIC) + 1)
    start = len(MAGIC) + 5
    header = json.loads(data[start : start + length]) | change
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body = data[: start - 4] + struct.pack(">I", len(raw)) + raw + data[start + length : -32]
    return body + hashlib.sha256(body).digest()


def downgraded(data: bytes, **change: object) -> bytes:
    """The bundle rewritten as format 1 (no challenge), header fields changed."""
    bundle = read_bundle(data)
    header = {
        "format": 1,
        "kiosk_id": bundle.kiosk_id,
        "site": bundle.site,
        "bundle_id": bundle.bundle_id,
        "created": bundle.created.isoformat(),
        "count": bundle.count,
        "fingerprint": bundle.fingerprint,
    } | change
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body = MAGIC + b"\x01" + struct.pack(">I", len(raw)) + raw
    for rid, sealed in bundle.records:
        body += rid + struct.pack(">I", len(sealed)) + sealed
    return body + hashlib.sha256(body).digest()


def test_a_copy_of_the_stick_gives_no_code_the_kiosk_accepts(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(site, 5)
    export = build_export(site)
    record_export(site, export, channel="usb")
    # What the stick holder can compute: the old code from the file's SHA-256.
    stolen = legacy_code(hashlib.sha256(export.bundle).digest())
    with pytest.raises(ExportError, match="No export from this kiosk has the receipt code"):
        apply_receipt(site, stolen)
    assert site.store.count_undelivered() == 5
    # The administrator's import opens the challenge and prints the code that works.
    (tmp_path / "a.tkb").write_bytes(export.bundle)
    assert run_import(admin_key, tmp_path / "st", tmp_path / "a.tkb") == 0
    code = printed_code(capsys.readouterr().out)
    assert apply_receipt(site, code).marked == 5


def test_a_bundle_written_but_never_logged_still_gets_a_working_receipt(
    site_dir: Path, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Power goes after the bundle reached the stick, before the export log entry."""
    site = open_site(site_dir)
    fill(site, 3)
    export = build_export(site)
    (tmp_path / "stick.tkb").write_bytes(export.bundle)
    site.close()  # killed: record_export never ran
    assert run_import(admin_key, tmp_path / "st", tmp_path / "stick.tkb") == 0
    code = printed_code(capsys.readouterr().out)
    assert kiosk_main(["receipt", "--data-dir", str(site_dir), code]) == 0
    assert f"Marked 3 records delivered (receipt {code})" in capsys.readouterr().out


def test_a_code_from_before_receipts_needed_the_key_is_refused_clearly(site: Site) -> None:
    fill(site, 2)
    site.store.log_export({"bundle_id": "0" * 32, "receipt": "5ZTE-HAYS-NB", "count": 2})
    with pytest.raises(ExportError, match="before receipts needed the administrator's key"):
        apply_receipt(site, "5ZTE-HAYS-NB")
    assert site.store.count_undelivered() == 2


def test_receipt_rows_keep_no_order_and_forget_delivered_records(
    site: Site, admin_key: AdminKey
) -> None:
    fill(site, 6)
    export = build_export(site)
    (row,) = site.store.state.table("receipts").all()
    ids = row["rids"].split()
    assert ids == sorted(ids) and len(ids) == 6 and row["count"] == 6
    apply_receipt(site, admin_key.receipt(export.bundle))
    (row,) = site.store.state.table("receipts").all()
    assert row["rids"] == "" and row["count"] == 6
    assert apply_receipt(site, admin_key.receipt(export.bundle)).already_applied


def test_an_edited_header_cannot_move_records_to_another_site(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(site, 8)
    genuine = build_export(site).bundle
    (tmp_path / "edited.tkb").write_bytes(relabelled(genuine, site="Other site"))
    assert run_import(admin_key, tmp_path / "st", tmp_path / "edited.tkb") == 1
    assert "receipt challenge does not open" in capsys.readouterr().err
    # Rewritten as an old-format bundle, without the challenge: refused too.
    (tmp_path / "old.tkb").write_bytes(downgraded(genuine, site="Other site"))
    assert run_import(admin_key, tmp_path / "st", tmp_path / "old.tkb") == 1
    assert "format-1 bundle cannot hold format-2 records" in capsys.readouterr().err
    (tmp_path / "genuine.tkb").write_bytes(genuine)
    assert run_import(admin_key, tmp_path / "st", tmp_path / "genuine.tkb") == 0
    assert "imported 8 new records" in capsys.readouterr().out
    with AdminStore.open(tmp_path / "st") as store:
        opened, _ = opened_records(store, admin_key.private_key)
    assert {record.site for record in opened} == {"Testafdeling"}
    assert len(opened) == 8


def test_sites_come_from_the_sealed_records_not_the_header(
    site: Site, admin_key: AdminKey, tmp_path: Path
) -> None:
    """Even a header the importer trusted could not relabel a format-2 record."""
    fill(site, 2)
    data = build_export(site).bundle
    (tmp_path / "a.tkb").write_bytes(data)
    assert run_import(admin_key, tmp_path / "st", tmp_path / "a.tkb") == 0
    with AdminStore.open(tmp_path / "st") as store:
        opened, _ = opened_records(store, admin_key.private_key)
    assert {(r.payload.kiosk_id, r.payload.site) for r in opened} == {
        (site.store.kiosk_id, "Testafdeling")
    }


def test_a_changed_challenge_or_a_dropped_record_gives_no_import(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(site, 3)
    data = bytearray(build_export(site).bundle)
    (length,) = struct.unpack_from(">I", data, len(MAGIC) + 1)
    challenge = len(MAGIC) + 5 + length
    data[challenge + 40] ^= 1
    body = bytes(data[:-DIGEST_BYTES])
    (tmp_path / "x.tkb").write_bytes(body + hashlib.sha256(body).digest())
    assert run_import(admin_key, tmp_path / "st", tmp_path / "x.tkb") == 1
    assert "nothing of this bundle was imported" in capsys.readouterr().err
    assert not (tmp_path / "st" / "records").exists() or not any(
        (tmp_path / "st" / "records").iterdir()
    )
    assert CHALLENGE_BYTES == 80


def test_a_format_1_bundle_of_the_frozen_store_still_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Old 1 KiB-record bundles, from a kiosk not yet updated, import with their language."""
    site_copy = Path(shutil.copytree(DATA / "store-format-1", tmp_path / "site"))
    with RecordStore.open(site_copy) as store:
        stored = [(r.record_id, r.sealed) for r in store.iter_records()]
        kiosk_id = store.kiosk_id
    assert {len(sealed) for _, sealed in stored} == {1073}
    header = {
        "format": 1,
        "kiosk_id": kiosk_id,
        "site": "Testdata format 1",
        "bundle_id": "ab" * 16,
        "created": "2025-03-24",
        "count": len(stored),
        "fingerprint": "90cf 9c68 c066 fa41",
    }
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    body = MAGIC + b"\x01" + struct.pack(">I", len(raw)) + raw
    for rid, sealed in stored:
        body += rid + struct.pack(">I", len(sealed)) + sealed
    (tmp_path / "old.tkb").write_bytes(body + hashlib.sha256(body).digest())
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", "test-only-passphrase-not-secret")
    key = DATA / "keys" / "admin-key.pem"
    args = ["import", "--store", str(tmp_path / "st"), "--key", str(key), str(tmp_path / "old.tkb")]
    assert admin_main(args) == 0
    captured = capsys.readouterr()
    assert "imported 12 new records" in captured.out
    assert "before receipts needed the key" in captured.err
    private_key = load_private_key_file(key, b"test-only-passphrase-not-secret")
    with AdminStore.open(tmp_path / "st") as store:
        opened, _ = opened_records(store, private_key)
    assert {r.site for r in opened} == {"Testdata format 1"}
    assert sorted(r.payload.lang or "" for r in opened) == ["da"] * 6 + ["en"] * 6


def test_a_damaged_receipt_row_stops_no_other_receipt(site: Site, admin_key: AdminKey) -> None:
    fill(site, 2)
    export = build_export(site)
    table = site.store.state.table("receipts")
    table.insert({"check": 5, "rids": "not hex", "count": "x"})
    table.insert({"check": "ab" * 32, "rids": "zz"})
    assert apply_receipt(site, admin_key.receipt(export.bundle)).marked == 2
    # A row whose bundle id is damaged still marks its records; the log says "unknown".
    fill(site, 1)
    other = build_export(site)
    row_id = max(doc.doc_id for doc in table.all())
    table.update({"bundle_id": "\x1b[2J"}, doc_ids=[row_id])
    assert apply_receipt(site, admin_key.receipt(other.bundle)).marked == 1
    with pytest.raises(ExportError, match="No export from this kiosk"):
        apply_receipt(site, "JCA4-3ZJV-9P")
