"""Exports, receipts and purge on a real site: incremental, confirmed, and never losing data."""

from __future__ import annotations

import base64
import json
import random
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from conftest import AdminKey
from PIL import Image

from kiosk.bundle import read_bundle
from kiosk.cli import kiosk_main
from kiosk.export import (
    ExportError,
    NothingToExport,
    apply_receipt,
    build_export,
    default_frame_count,
    export_to_usb,
    purge,
    record_export,
    site_slug,
    write_qr_pngs,
)
from kiosk.qrframes import FrameDecoder, FrameStream, encode_frames
from kiosk.receipts import ReceiptError, code_of_value
from kiosk.records import parse
from kiosk.sealing import open_sealed
from kiosk.simulate import simulate
from kiosk.site import Site, open_site
from kiosk.submit import Submitter

DAY = date(2026, 3, 2)


def add_responses(site: Site, count: int, seed: int = 1) -> None:
    """Store `count` real sealed responses through the kiosk's own submit path."""
    submitter = Submitter(site.store, site.config, site.public_key)
    simulate(submitter, site.config.instruments, count, seed=seed)


def stored_ids(site: Site) -> set[bytes]:
    return {record.record_id for record in site.store.iter_records()}


def test_a_bundle_holds_the_stored_records_and_opens_with_the_admin_key(
    site: Site, admin_key: AdminKey
) -> None:
    add_responses(site, 6)
    export = build_export(site, today=DAY)
    bundle = read_bundle(export.bundle)
    assert bundle.count == export.count == 6
    assert {rid for rid, _ in bundle.records} == stored_ids(site) == set(export.record_ids)
    assert bundle.kiosk_id == site.store.kiosk_id
    assert bundle.site == "Testafdeling"
    assert bundle.fingerprint == admin_key.public_key.fingerprint()
    assert bundle.created == DAY
    assert bundle.bundle_id == export.bundle_id
    for record_id, sealed in bundle.records:
        assert parse(open_sealed(admin_key.private_key, record_id, sealed)).instrument_id
    assert admin_key.receipt(export.bundle)
    assert export.file_stem == f"trivsel-testafdeling-2026-03-02-{export.bundle_id[:8]}"


def test_building_an_export_changes_nothing(site: Site) -> None:
    add_responses(site, 4)
    build_export(site)
    build_export(site, include_delivered=True)
    assert site.store.export_log() == []
    assert site.store.count() == site.store.count_undelivered() == 4


def test_export_receipt_export_again_gives_only_new_records(
    site: Site, admin_key: AdminKey
) -> None:
    add_responses(site, 5, seed=1)
    first = build_export(site)
    record_export(site, first, channel="usb")
    code = admin_key.receipt(first.bundle)
    # The kiosk keeps no receipt code, only a hash of it.
    assert code not in str(site.store.export_log())

    # Without a receipt, the next export still carries everything not confirmed.
    add_responses(site, 3, seed=2)
    assert build_export(site).count == 8

    result = apply_receipt(site, code.lower().replace("-", " "))
    assert (result.code, result.total, result.marked) == (code, 5, 5)
    assert not result.already_applied

    second = build_export(site)
    assert second.count == 3
    assert set(second.record_ids).isdisjoint(first.record_ids)
    assert set(second.record_ids) | set(first.record_ids) == stored_ids(site)
    assert build_export(site, include_delivered=True).count == 8


def test_applying_a_receipt_twice_is_harmless_and_says_so(site: Site, admin_key: AdminKey) -> None:
    add_responses(site, 3)
    export = build_export(site)
    record_export(site, export, channel="qr")
    assert apply_receipt(site, admin_key.receipt(export.bundle)).marked == 3
    again = apply_receipt(site, admin_key.receipt(export.bundle))
    assert again.already_applied and again.total == 3
    assert site.store.count_undelivered() == 0


def test_an_unknown_or_mistyped_receipt_is_a_clear_error(site: Site, admin_key: AdminKey) -> None:
    add_responses(site, 2)
    logged = build_export(site)
    record_export(site, logged, channel="usb")
    unknown = code_of_value(b"\x5a" * 5)
    with pytest.raises(ExportError, match=f"has the receipt code {unknown}"):
        apply_receipt(site, unknown)
    chars = admin_key.receipt(logged.bundle).replace("-", "")
    typo = chars[:3] + ("A" if chars[3] != "A" else "B") + chars[4:]
    with pytest.raises(ReceiptError, match="typo"):
        apply_receipt(site, typo)
    assert site.store.count_undelivered() == 2


def test_nothing_to_export_says_why(site: Site, admin_key: AdminKey) -> None:
    with pytest.raises(NothingToExport, match="no records yet"):
        build_export(site)
    add_responses(site, 2)
    export = build_export(site)
    record_export(site, export, channel="usb")
    apply_receipt(site, admin_key.receipt(export.bundle))
    with pytest.raises(NothingToExport, match="--all"):
        build_export(site)


def test_purge_deletes_only_delivered_records(site: Site, admin_key: AdminKey) -> None:
    add_responses(site, 4, seed=1)
    assert purge(site) == 0
    export = build_export(site)
    record_export(site, export, channel="usb")
    add_responses(site, 3, seed=2)
    later = stored_ids(site) - set(export.record_ids)
    apply_receipt(site, admin_key.receipt(export.bundle))
    assert purge(site) == 4
    assert stored_ids(site) == later
    assert purge(site) == 0


def receipt_ids_on_disk(site: Site) -> list[list[bytes]]:
    """The record ids of every receipt row in state.jsonl, superseded lines too."""
    found = []
    for line in (site.folder / "state.jsonl").read_bytes().splitlines():
        entry = json.loads(line[9:])
        if entry["t"] == "receipts" and entry["op"] == "put":
            found.append([bytes.fromhex(rid) for rid in entry["doc"]["rids"].split()])
    return found


def test_the_kiosk_keeps_no_submission_order_and_forgets_purged_ids(
    site: Site, admin_key: AdminKey
) -> None:
    add_responses(site, 30)
    in_order = [record.record_id for record in site.store.iter_records()]
    export = build_export(site)
    record_export(site, export, channel="usb")
    assert receipt_ids_on_disk(site) == [sorted(in_order)]
    assert sorted(in_order) != in_order
    apply_receipt(site, admin_key.receipt(export.bundle))
    assert purge(site) == 30
    assert receipt_ids_on_disk(site) == [[]]
    state = (site.folder / "state.jsonl").read_bytes()
    assert not any(rid.hex().encode() in state for rid in in_order)


def test_purge_drops_the_ordered_ids_an_older_export_log_kept(
    site: Site, admin_key: AdminKey
) -> None:
    add_responses(site, 5)
    in_order = [record.record_id for record in site.store.iter_records()]
    legacy = base64.b64encode(b"".join(in_order)).decode("ascii")
    site.store.log_export({"bundle_id": "ab" * 16, "count": 5, "record_ids": legacy})
    purge(site)
    assert legacy.encode() not in (site.folder / "state.jsonl").read_bytes()
    assert all("record_ids" not in entry for entry in site.store.export_log())


def test_exports_never_delete(site: Site, tmp_path: Path) -> None:
    add_responses(site, 5)
    before = stored_ids(site)
    (tmp_path / "stick").mkdir()
    for number in range(3):
        export_to_usb(site, tmp_path / "stick", include_delivered=number == 2)
    assert stored_ids(site) == before
    assert site.store.count_undelivered() == 5
    assert len(site.store.export_log()) == 3


def test_usb_export_writes_a_bundle_whose_receipt_the_kiosk_recognises(
    site: Site, tmp_path: Path, admin_key: AdminKey
) -> None:
    add_responses(site, 4)
    stick = tmp_path / "stick"
    stick.mkdir()
    path, export = export_to_usb(site, stick)
    assert path.parent == stick and path.name == f"{export.file_stem}.tkb"
    assert [p.name for p in stick.iterdir()] == [path.name]
    data = path.read_bytes()
    assert read_bundle(data).count == 4
    # The administrator's side derives the code from the file and the private key.
    assert apply_receipt(site, admin_key.receipt(data)).marked == 4


def test_usb_export_to_a_missing_stick_leaves_no_log_entry(site: Site, tmp_path: Path) -> None:
    from kiosk.usb import UsbError

    add_responses(site, 2)
    with pytest.raises(UsbError, match="No USB stick"):
        export_to_usb(site, tmp_path / "not-mounted")
    assert site.store.export_log() == []


def decoder_k(bundle: bytes) -> int:
    return encode_frames(bundle, version=15).k


def test_qr_pngs_decode_back_to_the_bundle(site: Site, tmp_path: Path) -> None:
    add_responses(site, 2)
    export = build_export(site)
    folder = tmp_path / "frames"
    written = write_qr_pngs(export, folder, version=15)
    files = sorted(folder.iterdir())
    assert len(files) == written
    assert files[0].name == f"{export.file_stem}-0001.png"
    assert written > decoder_k(export.bundle)
    decoder = FrameDecoder()
    for path in files:
        found = zxingcpp.read_barcodes(Image.open(path))
        assert len(found) == 1
        if decoder.add(found[0].text):
            break
    assert decoder.is_complete
    assert decoder.result() == export.bundle


def frames_until_whole(k: int, loss: float, seed: int) -> int:
    """Frames sent until a receiver that loses `loss` of them at random holds the bundle."""
    rnd = random.Random(seed)
    stream = FrameStream(rnd.randbytes(k * 16), 16, rnd.randbytes(4))
    decoder = FrameDecoder()
    seq = 0
    while True:
        seq += 1
        if rnd.random() >= loss and decoder.add(stream.frame(seq - 1)):
            return seq


@pytest.mark.parametrize("k", [5, 30, 100])
def test_default_frame_count_survives_a_fifth_lost(k: int) -> None:
    frames = default_frame_count(k)
    whole = sum(frames_until_whole(k, 0.2, seed) <= frames for seed in range(200))
    assert whole >= 198


def test_qr_pngs_never_overwrite(site: Site, tmp_path: Path) -> None:
    from kiosk.usb import UsbError

    add_responses(site, 1)
    export = build_export(site)
    assert write_qr_pngs(export, tmp_path, version=10, frames=2) == 2
    with pytest.raises(UsbError, match="Could not write the QR frames"):
        write_qr_pngs(export, tmp_path, version=10, frames=2)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Ærø Plejehjem", "aeroe-plejehjem"), ("Café  Øst!", "cafe-oest"), ("人", "site")],
)
def test_site_slug_is_plain_ascii(name: str, slug: str) -> None:
    assert site_slug(name) == slug


def test_cli_export_receipt_purge(
    site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], admin_key: AdminKey
) -> None:
    site = open_site(site_dir)
    try:
        add_responses(site, 3)
    finally:
        site.close()
    stick = tmp_path / "stick"
    stick.mkdir()
    data_dir = ["--data-dir", str(site_dir)]

    assert kiosk_main(["export", "usb", *data_dir, "--to", str(stick)]) == 0
    (path,) = stick.iterdir()
    assert capsys.readouterr().out.strip() == f"Exported 3 records to {path}"

    code = admin_key.receipt(path.read_bytes())
    assert kiosk_main(["purge", *data_dir]) == 0
    assert "Deleted 0 delivered records; 3 records remain" in capsys.readouterr().out
    assert kiosk_main(["receipt", *data_dir, code]) == 0
    assert f"Marked 3 records delivered (receipt {code})" in capsys.readouterr().out
    assert kiosk_main(["receipt", *data_dir, code]) == 0
    assert "applied before" in capsys.readouterr().out
    assert kiosk_main(["purge", *data_dir]) == 0
    assert "Deleted 3 delivered records; 0 records remain" in capsys.readouterr().out

    assert kiosk_main(["export", "usb", *data_dir, "--to", str(stick)]) == 1
    assert "no records yet" in capsys.readouterr().err


def test_cli_errors_are_one_sentence(
    site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = open_site(site_dir)
    try:
        add_responses(site, 1)
    finally:
        site.close()
    data_dir = ["--data-dir", str(site_dir)]
    assert kiosk_main(["receipt", *data_dir, "K7QM-2XPA"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk: a receipt code has 10") and "Traceback" not in err
    assert kiosk_main(["export", "usb", *data_dir, "--to", str(tmp_path / "gone")]) == 1
    assert "No USB stick" in capsys.readouterr().err
    assert (
        kiosk_main(["export", "qr", *data_dir, "--png-dir", str(tmp_path), "--version", "0"]) == 2
    )
    assert "--version 0" in capsys.readouterr().err


def test_cli_refuses_while_the_kiosk_holds_the_store(
    site: Site, site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kiosk_main(["purge", "--data-dir", str(site_dir)]) == 1
    assert "in use by another program" in capsys.readouterr().err


def test_cli_export_qr(site_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = open_site(site_dir)
    try:
        add_responses(site, 2)
    finally:
        site.close()
    frames = tmp_path / "frames"
    argv = ["export", "qr", "--data-dir", str(site_dir), "--png-dir", str(frames)]
    assert kiosk_main([*argv, "--frames", "3", "--version", "20"]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 3 QR frame images of 2 records to {frames}"
    assert len(list(frames.glob("*.png"))) == 3
    site = open_site(site_dir)
    try:
        assert [entry["channel"] for entry in site.store.export_log()] == ["qr"]
    finally:
        site.close()
