"""The `kiosk` and `kiosk-admin` commands: set-up, clear errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AdminKey

from kiosk.cli import admin_main, kiosk_main
from kiosk.keyfiles import load_private_key
from kiosk.records import parse
from kiosk.sealing import open_sealed
from kiosk.site import open_site

BIN = Path(sys.executable).parent


def test_keygen_init_simulate_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", "a long passphrase")
    assert admin_main(["keygen", "--out", str(tmp_path / "key")]) == 0
    fingerprint = capsys.readouterr().out.split("Fingerprint: ")[1].strip()
    pub = tmp_path / "key" / "admin-key.pub"
    assert admin_main(["fingerprint", str(pub)]) == 0
    assert capsys.readouterr().out.strip() == fingerprint

    site_dir = tmp_path / "site"
    assert kiosk_main(["init", "--data-dir", str(site_dir), "--public-key", str(pub)]) == 0
    assert fingerprint in capsys.readouterr().out
    assert (
        kiosk_main(["simulate", "--data-dir", str(site_dir), "--count", "25", "--seed", "3"]) == 0
    )
    assert "Added 25 simulated responses" in capsys.readouterr().out

    key = load_private_key((tmp_path / "key" / "admin-key.pem").read_bytes(), b"a long passphrase")
    site = open_site(site_dir)
    try:
        stored = list(site.store.iter_records())
    finally:
        site.close()
    assert len(stored) == 25
    enabled = {instrument.id for instrument in site.config.instruments}
    payloads = [parse(open_sealed(key, rec.record_id, rec.sealed)) for rec in stored]
    assert {payload.instrument_id for payload in payloads} <= enabled
    assert all(payload.period.count("-W") == 1 for payload in payloads)


def test_keygen_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", "a long passphrase")
    assert admin_main(["keygen", "--out", str(tmp_path)]) == 0
    before = (tmp_path / "admin-key.pem").read_bytes()
    capsys.readouterr()
    assert admin_main(["keygen", "--out", str(tmp_path)]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert (tmp_path / "admin-key.pem").read_bytes() == before


def test_keygen_without_terminal_or_env_says_how(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin_main(["keygen", "--out", str(tmp_path)]) == 2
    assert "KIOSK_ADMIN_PASSPHRASE" in capsys.readouterr().err
    assert not (tmp_path / "admin-key.pem").exists()


def test_init_refuses_a_mistyped_key_line(
    tmp_path: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    line = admin_key.public_key.line()
    typo = line[:-3] + ("a" if line[-3] != "a" else "b") + line[-2:]
    assert kiosk_main(["init", "--data-dir", str(tmp_path / "s"), "--public-key", typo]) == 2
    assert "typo" in capsys.readouterr().err
    assert not (tmp_path / "s" / "kiosk.toml").exists()


def test_init_accepts_the_key_line_itself_and_refuses_a_second_init(
    tmp_path: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["init", "--data-dir", str(tmp_path / "s"), "--public-key", admin_key.public_key.line()]
    assert kiosk_main([*args, "--site", "Køkkenet"]) == 0
    assert 'name = "Køkkenet"' in (tmp_path / "s" / "kiosk.toml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert kiosk_main(args) == 2
    assert "already a kiosk site" in capsys.readouterr().err


def test_kiosk_refuses_to_start_beside_a_private_key(
    site_dir: Path, admin_key: AdminKey, capsys: pytest.CaptureFixture[str]
) -> None:
    (site_dir / "backup").mkdir()
    (site_dir / "backup" / "key.pem").write_bytes(admin_key.pem_path.read_bytes())
    assert kiosk_main(["simulate", "--data-dir", str(site_dir), "--count", "1"]) == 2
    err = capsys.readouterr().err
    assert "private key" in err and "key.pem" in err


def test_config_typo_is_named_with_file_and_key(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site_dir / "kiosk.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("idle_seconds", "idel_seconds"), encoding="utf-8"
    )
    assert kiosk_main(["check-config", "--data-dir", str(site_dir)]) == 2
    err = capsys.readouterr().err
    assert "kiosk.toml" in err and "idel_seconds" in err and "idle_seconds" in err


def test_not_a_site_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kiosk_main(["run", "--data-dir", str(tmp_path / "nothing")]) == 2
    assert "kiosk init" in capsys.readouterr().err


def test_second_process_gets_a_clear_locked_message(site_dir: Path) -> None:
    site = open_site(site_dir)
    try:
        result = subprocess.run(
            [BIN / "kiosk", "simulate", "--data-dir", str(site_dir), "--count", "1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        site.close()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "in use" in result.stderr


def test_console_scripts_report_versions_and_errors_without_tracebacks(tmp_path: Path) -> None:
    for program in ("kiosk", "kiosk-admin"):
        result = subprocess.run(
            [BIN / program, "--version"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and result.stdout.startswith(program)
    broken = tmp_path / "site"
    broken.mkdir()
    (broken / "kiosk.toml").write_text("[kiosk\n", encoding="utf-8")
    result = subprocess.run(
        [BIN / "kiosk", "check-config", "--data-dir", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        "Traceback" not in result.stderr
        and "kiosk.toml" in result.stderr
        and "line 1" in result.stderr
    )


def test_demo_site_is_made_once_labelled_and_ready_for_admin_mode(tmp_path: Path) -> None:
    from kiosk.cli import DEMO_PIN, ensure_demo
    from kiosk.pin import PinGuard

    kiosk_dir = ensure_demo(tmp_path / "demo")
    readme = (tmp_path / "demo" / "admin" / "DEMO-README.txt").read_text(encoding="utf-8")
    assert "DEMO KEY PAIR" in readme and DEMO_PIN in readme
    site = open_site(kiosk_dir)
    try:
        assert site.config.demo
        assert PinGuard(site.store).check(DEMO_PIN).ok
    finally:
        site.close()
    pem = (tmp_path / "demo" / "admin" / "admin-key.pem").read_bytes()
    assert ensure_demo(tmp_path / "demo") == kiosk_dir
    assert (tmp_path / "demo" / "admin" / "admin-key.pem").read_bytes() == pem
