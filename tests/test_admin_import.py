"""Import: idempotent, merges kiosks, rejects damaged or foreign files whole, never partially."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import AdminKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.importer import Importer
from kiosk.cli import admin_main
from kiosk.config import default_config_dir, load_instruments
from kiosk.export import build_export
from kiosk.qrframes import encode_frames
from kiosk.sealing import generate_private_key, public_key_of
from kiosk.site import Site, init_site, open_site
from kiosk.submit import Submitter

CHECKIN = load_instruments(default_config_dir() / "instruments")["checkin"]


def fill(site: Site, count: int, score: int = 6) -> bytes:
    """Submit `count` check-ins to the site and return an export bundle of them."""
    submitter = Submitter(site.store, site.config, site.public_key)
    for _ in range(count):
        submitter.submit(CHECKIN, {"score": score}, day=date(2026, 3, 4))
    return build_export(site, include_delivered=True).bundle


@pytest.fixture
def passphrase(admin_key: AdminKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", admin_key.passphrase)


def run_import(admin_key: AdminKey, store: Path, *paths: Path | str) -> int:
    return admin_main(
        ["import", "--store", str(store), "--key", str(admin_key.pem_path)]
        + [str(p) for p in paths]
    )


def stored(store: Path) -> int:
    with AdminStore.open(store) as opened:
        return opened.record_count


def test_the_same_bundle_twice_changes_nothing(
    site: Site,
    admin_key: AdminKey,
    tmp_path: Path,
    passphrase: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = tmp_path / "one.tkb"
    bundle.write_bytes(fill(site, 7))
    assert run_import(admin_key, tmp_path / "store", bundle) == 0
    first = capsys.readouterr().out
    journal = (tmp_path / "store" / "imports.jsonl").read_bytes()
    assert run_import(admin_key, tmp_path / "store", bundle) == 0
    again = capsys.readouterr().out
    assert "imported 7 new records" in first and "already imported" in again
    assert (tmp_path / "store" / "imports.jsonl").read_bytes() == journal
    assert stored(tmp_path / "store") == 7


def test_a_re_export_adds_only_the_new_records(
    site: Site,
    admin_key: AdminKey,
    tmp_path: Path,
    passphrase: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "a.tkb").write_bytes(fill(site, 5))
    (tmp_path / "b.tkb").write_bytes(fill(site, 3))
    assert run_import(admin_key, tmp_path / "store", tmp_path / "a.tkb", tmp_path / "b.tkb") == 0
    assert "imported 3 new records (5 already in the store)" in capsys.readouterr().out
    assert stored(tmp_path / "store") == 8


def test_two_kiosks_with_one_key_are_merged(
    site: Site,
    admin_key: AdminKey,
    tmp_path: Path,
    passphrase: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    init_site(tmp_path / "other", admin_key.public_key, "Køkkenet")
    other = open_site(tmp_path / "other")
    try:
        (tmp_path / "b.tkb").write_bytes(fill(other, 6))
    finally:
        other.close()
    (tmp_path / "a.tkb").write_bytes(fill(site, 5))
    assert run_import(admin_key, tmp_path / "store", tmp_path / "a.tkb", tmp_path / "b.tkb") == 0
    assert admin_main(["receipt", "--store", str(tmp_path / "store")]) == 0
    listing = capsys.readouterr().out
    assert "Testafdeling" in listing and "Køkkenet" in listing
    assert stored(tmp_path / "store") == 11


def test_a_corrupt_bundle_is_rejected_and_the_good_one_imported(
    site: Site,
    admin_key: AdminKey,
    tmp_path: Path,
    passphrase: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = fill(site, 5)
    (tmp_path / "good.tkb").write_bytes(good)
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0x01
    (tmp_path / "bad.tkb").write_bytes(bytes(damaged))
    (tmp_path / "cut.tkb").write_bytes(good[:-100])
    code = run_import(
        admin_key,
        tmp_path / "store",
        tmp_path / "bad.tkb",
        tmp_path / "good.tkb",
        tmp_path / "cut.tkb",
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "bad.tkb: not imported" in err and "cut.tkb: not imported" in err
    assert "Traceback" not in err
    assert stored(tmp_path / "store") == 5


def test_a_bundle_for_another_key_is_refused(
    admin_key: AdminKey, tmp_path: Path, passphrase: None, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = public_key_of(generate_private_key())
    init_site(tmp_path / "foreign", foreign, "Andetsteds")
    other = open_site(tmp_path / "foreign")
    try:
        (tmp_path / "f.tkb").write_bytes(fill(other, 5))
    finally:
        other.close()
    assert run_import(admin_key, tmp_path / "store", tmp_path / "f.tkb") == 1
    assert "sealed to another administrator key" in capsys.readouterr().err
    assert stored(tmp_path / "store") == 0


def test_a_wrong_passphrase_is_one_clear_line(
    site: Site,
    admin_key: AdminKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "a.tkb").write_bytes(fill(site, 5))
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", "not-the-passphrase")
    assert run_import(admin_key, tmp_path / "store", tmp_path / "a.tkb") == 2
    err = capsys.readouterr().err
    assert "passphrase does not open the private key" in err and "Traceback" not in err


def test_too_few_frames_say_how_many_more_are_needed(
    site: Site,
    admin_key: AdminKey,
    tmp_path: Path,
    passphrase: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = encode_frames(fill(site, 12), version=10)
    assert stream.k >= 3
    lines = [stream.frame(seq) for seq in range(stream.k - 2)]
    (tmp_path / "scan.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_import(admin_key, tmp_path / "store", tmp_path / "scan.txt") == 1
    assert "at least 2 more frame(s) needed" in capsys.readouterr().err
    (tmp_path / "more.txt").write_text(
        "\n".join(stream.frame(seq) for seq in range(stream.k, stream.k + 10)), encoding="utf-8"
    )
    assert (
        run_import(admin_key, tmp_path / "store", tmp_path / "scan.txt", tmp_path / "more.txt") == 0
    )
    assert stored(tmp_path / "store") == 12


@pytest.fixture(scope="module")
def fuzz_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """A real bundle and the raw private key it is sealed to, made once for the fuzz test."""
    folder = tmp_path_factory.mktemp("fuzz")
    private_key = generate_private_key()
    init_site(folder / "site", public_key_of(private_key), "Fuzz")
    opened = open_site(folder / "site")
    try:
        bundle = fill(opened, 4)
    finally:
        opened.close()
    from cryptography.hazmat.primitives import serialization

    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return bundle, raw


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_files_are_rejected_cleanly_with_nothing_imported(
    data: st.DataObject, fuzz_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    bundle, raw = fuzz_material
    kind = data.draw(st.sampled_from(["random", "truncated", "flipped"]))
    if kind == "random":
        blob = data.draw(st.binary(max_size=2000))
    elif kind == "truncated":
        blob = bundle[: data.draw(st.integers(0, len(bundle) - 1))]
    else:
        position = data.draw(st.integers(0, len(bundle) - 1))
        blob = (
            bundle[:position]
            + bytes([bundle[position] ^ data.draw(st.integers(1, 255))])
            + bundle[position + 1 :]
        )
    path = tmp_path / f"fuzz-{data.draw(st.integers(0, 10**9))}.tkb"
    path.write_bytes(blob)
    store_dir = path.with_suffix(".store")
    with AdminStore.open(store_dir, create=True) as store:
        outcomes = list(Importer(store, X25519PrivateKey.from_private_bytes(raw)).run([str(path)]))
        assert all(outcome.error for outcome in outcomes)
        assert store.record_count == 0 and store.imports() == []
