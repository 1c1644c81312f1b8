"""Strict import: forged payloads are quarantined and counted, bad input gets a clear message.

The forger holds the public key (it is on every kiosk), so records that open prove nothing
about their content. Each case here was imported as a valid record before strict import.
"""

from __future__ import annotations

import io
import json
import time
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from conftest import AdminKey
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from PIL import Image

from kiosk import records
from kiosk.admin.adminstore import AdminStore
from kiosk.admin.commands import opened_records
from kiosk.bundle import write_bundle
from kiosk.cli import admin_main
from kiosk.export import build_export, write_qr_pngs
from kiosk.records import canonical_json, pad, shape_tag
from kiosk.sealing import PublicKey, new_record_id, seal
from kiosk.site import Site
from kiosk.submit import Submitter

CATALOGUE = records.default_catalogue()
CHECKIN = CATALOGUE[("checkin", 1)]
SUPPORT = CATALOGUE[("support", 1)]
KIOSK = "0123456789abcdef"
SITE = "Testafdeling"


@pytest.fixture(autouse=True)
def passphrase(admin_key: AdminKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)


def run_import(admin_key: AdminKey, store: Path, *paths: Path | str) -> int:
    return admin_main(
        ["import", "--store", str(store), "--key", str(admin_key.pem_path), *map(str, paths)]
    )


def v2_body(**change: object) -> bytes:
    body: dict[str, object] = {
        "v": 2,
        "k": KIOSK,
        "s": SITE,
        "i": "checkin",
        "iv": 1,
        "h": shape_tag(CHECKIN),
        "d": "2026-W10",
        "a": [7, None, None],
    }
    return pad(canonical_json(body | change))


def v1_body(**change: object) -> bytes:
    body: dict[str, object] = {
        "v": 1,
        "i": "support",
        "iv": 1,
        "d": "2026-W10",
        "l": "da",
        "a": {"practical": 3, "emotional": None, "appraisal": None, "informational": None},
    }
    return pad(canonical_json(body | change))


def seal_v1(public_key: PublicKey, record_id: bytes, plaintext: bytes) -> bytes:
    """A version-1 sealed record, as kiosks before format 2 wrote them."""
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
    info = b"trivselskiosk/record/v\x01" + record_id
    key = X25519PublicKey.from_public_bytes(public_key.raw)
    return b"\x01" + suite.encrypt(plaintext, key, info=info)


FORGED_V2 = {
    "score out of range": v2_body(a=[11, None, None]),
    "score of the wrong type": v2_body(a=["7", None, None]),
    "required score missing": v2_body(a=[None, "ok", None]),
    "unknown instrument": v2_body(i="nope"),
    "unknown version": v2_body(iv=9),
    "note over the limit": v2_body(a=[5, "x" * 281, None]),
    "note with an escape sequence": v2_body(a=[5, "hej \x1b[2J", None]),
    "week 99": v2_body(d="2026-W99"),
    "duplicate keys": pad(
        canonical_json({"a": [7, None, None]})[:-1]
        + b',"a":[1,null,null],"d":"2026-W10","h":"'
        + shape_tag(CHECKIN).encode()
        + b'","i":"checkin","iv":1,"k":"'
        + KIOSK.encode()
        + b'","s":"Testafdeling","v":2}'
    ),
    "site with control characters": v2_body(s="Afd.\x1b]0;x\x07"),
}
FORGED_V1 = {
    "unknown item key": v1_body(a={"practical": 3, "salary": 1}),
    "boolean answer": v1_body(a={"practical": True}),
    "a day that does not exist": v1_body(d="2026-02-30"),
}


def forged_bundle(public_key: PublicKey, created: date = date(2026, 3, 9)) -> bytes:
    entries = []
    for plaintext in FORGED_V2.values():
        rid = new_record_id()
        entries.append((rid, seal(public_key, rid, plaintext)))
    for plaintext in FORGED_V1.values():
        rid = new_record_id()
        entries.append((rid, seal_v1(public_key, rid, plaintext)))
    for score in (3, 5, 9):
        rid = new_record_id()
        valid = records.build(
            CHECKIN, {"score": score}, date(2026, 3, 4), kiosk_id=KIOSK, site=SITE
        )
        entries.append((rid, seal(public_key, rid, valid)))
    rid = new_record_id()
    entries.append((rid, seal_v1(public_key, rid, v1_body())))
    return write_bundle(
        entries, kiosk_id=KIOSK, site=SITE, public_key=public_key, created=created
    ).data


def test_forged_payloads_are_quarantined_counted_and_never_reported(
    admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "forged.tkb").write_bytes(forged_bundle(admin_key.public_key))
    assert run_import(admin_key, tmp_path / "st", tmp_path / "forged.tkb") == 0
    captured = capsys.readouterr()
    quarantined = len(FORGED_V2) + len(FORGED_V1)
    assert "imported 4 new records" in captured.out
    assert f"{quarantined} record(s) QUARANTINED" in captured.err
    assert f"holds 4 records (and {quarantined} quarantined)" in captured.out
    assert "\x1b" not in captured.out + captured.err
    with AdminStore.open(tmp_path / "st") as store:
        assert store.quarantined_count == quarantined
        assert store.record_count == quarantined + 4
        opened, _ = opened_records(store, admin_key.private_key)
        # The same without the opened cache: rebuilt from the sealed records, still strict.
        (entry,) = store.imports()
        (store.folder / "opened" / entry.cache).unlink()
        rebuilt, notes = opened_records(store, admin_key.private_key)
    assert notes and len(rebuilt) == len(opened) == 4
    assert sorted(
        (r.payload.instrument_id, r.payload.answers.get("score") or 0) for r in opened
    ) == [("checkin", 3), ("checkin", 5), ("checkin", 9), ("support", 0)]


def test_a_future_dated_record_and_one_before_the_first_export_are_flagged(
    admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def bundle_of(*days: date, created: date) -> bytes:
        entries = []
        for day in days:
            rid = new_record_id()
            plain = records.build(CHECKIN, {"score": 4}, day, kiosk_id=KIOSK, site=SITE)
            entries.append((rid, seal(admin_key.public_key, rid, plain)))
        return write_bundle(
            entries, kiosk_id=KIOSK, site=SITE, public_key=admin_key.public_key, created=created
        ).data

    (tmp_path / "1.tkb").write_bytes(bundle_of(date(2026, 3, 2), created=date(2026, 3, 9)))
    assert run_import(admin_key, tmp_path / "st", tmp_path / "1.tkb") == 0
    assert "clock" not in capsys.readouterr().err
    later = bundle_of(
        date(1970, 1, 5), date(2150, 6, 1), date(2026, 4, 1), created=date(2026, 4, 6)
    )
    (tmp_path / "2.tkb").write_bytes(later)
    assert run_import(admin_key, tmp_path / "st", tmp_path / "2.tkb") == 0
    err = capsys.readouterr().err
    assert "1 record(s) are dated after the export and 1 before the kiosk's first export" in err


def test_dev_zero_and_a_huge_file_are_refused_at_once(
    admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.tkb"
    with huge.open("wb") as handle:
        handle.write(b"\x89TKB\r\n\x1a\n\x02")
        handle.truncate((1 << 30) + 1)
    started = time.perf_counter()
    assert run_import(admin_key, tmp_path / "st", "/dev/zero", huge) == 1
    assert time.perf_counter() - started < 10
    err = capsys.readouterr().err
    assert "/dev/zero: not a Trivselskiosk bundle, QR image or frame text" in err
    assert "larger than any export bundle" in err


def test_non_utf8_standard_input_and_file_names_get_a_message(
    admin_key: AdminKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import os
    import sys

    class Stdin:
        buffer = io.BytesIO(b"TK:\xff\xfe not utf-8\n")

        def isatty(self) -> bool:
            return False

    monkeypatch.setattr(sys, "stdin", Stdin())
    odd = os.fsdecode(b"caf\xe9.tkb")
    (tmp_path / odd).write_bytes(b"garbage")
    assert run_import(admin_key, tmp_path / "st", "-", str(tmp_path / odd)) == 1
    err = capsys.readouterr().err
    assert "standard input: not a Trivselskiosk bundle" in err
    assert "caf\\xe9.tkb" in err and "Traceback" not in err


def test_a_complete_qr_transfer_from_images_exits_0_despite_an_image_without_a_code(
    site: Site, admin_key: AdminKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    submitter = Submitter(site.store, site.config, site.public_key)
    for score in (2, 4, 6):
        submitter.submit(CHECKIN, {"score": score})
    export = build_export(site)
    write_qr_pngs(export, tmp_path / "frames", version=10)
    blurred = tmp_path / "frames" / "blurred.png"
    Image.new("L", (200, 200), 255).save(blurred)
    assert not zxingcpp.read_barcodes(Image.open(blurred))
    images = sorted(str(p) for p in (tmp_path / "frames").iterdir())
    assert run_import(admin_key, tmp_path / "st", *images) == 0
    captured = capsys.readouterr()
    assert "imported 3 new records" in captured.out
    assert "blurred.png: skipped: " in captured.err
    # Only unusable images: nothing imported, and the exit status says so.
    assert run_import(admin_key, tmp_path / "st2", blurred) == 1


def test_the_shapes_in_the_forged_cases_are_what_the_kiosk_never_writes() -> None:
    """A control: each forged payload differs from a valid one only by its named defect."""
    valid = json.loads(records.unpad(v2_body()))
    assert records.parse(v2_body(), CATALOGUE).answers == {
        "score": valid["a"][0],
        "why_here": None,
        "one_step_up": None,
    }
