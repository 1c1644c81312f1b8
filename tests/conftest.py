"""Shared fixtures: every test runs in its own temporary home, data and config folders."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.bundle import read_bundle
from kiosk.keyfiles import load_private_key, write_keypair
from kiosk.oplog import LOGGER_NAME
from kiosk.receipts import open_challenge
from kiosk.sealing import PublicKey, public_key_of
from kiosk.site import Site, init_site, open_site


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and the XDG folders at a temp dir so no test touches a developer's files."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.delenv("KIOSK_DATA_DIR", raising=False)
    monkeypatch.delenv("KIOSK_ADMIN_PASSPHRASE", raising=False)
    return home


@pytest.fixture(autouse=True)
def detached_logger() -> Iterator[None]:
    """Close the log files a test opened, so no test writes to another test's folder."""
    yield
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


@dataclass
class AdminKey:
    """A real administrator key pair for a test, with its passphrase-protected files."""

    private_key: X25519PrivateKey
    public_key: PublicKey
    pem_path: Path
    pub_path: Path
    passphrase: str

    def receipt(self, bundle: bytes) -> str:
        """The receipt code kiosk-admin prints for a bundle: its challenge opened with the key."""
        read = read_bundle(bundle)
        return open_challenge(self.private_key, read.bound, read.challenge)


PASSPHRASE = "test-passphrase"


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, X25519PrivateKey]:
    """One key pair written by the real keygen code; scrypt is slow, so once per session."""
    pem_path, pub_path, _ = write_keypair(tmp_path_factory.mktemp("keys"), PASSPHRASE.encode())
    return pem_path, pub_path, load_private_key(pem_path.read_bytes(), PASSPHRASE.encode())


@pytest.fixture
def admin_key(tmp_path: Path, key_files: tuple[Path, Path, X25519PrivateKey]) -> AdminKey:
    """The administrator key pair, its files copied into this test's own folder."""
    pem, pub, private_key = key_files
    folder = tmp_path / "admin"
    folder.mkdir(mode=0o700)
    pem_path, pub_path = folder / pem.name, folder / pub.name
    shutil.copy2(pem, pem_path)
    shutil.copy2(pub, pub_path)
    return AdminKey(private_key, public_key_of(private_key), pem_path, pub_path, PASSPHRASE)


@pytest.fixture
def site_dir(tmp_path: Path, admin_key: AdminKey) -> Path:
    """A kiosk site made by `init_site`, pinned to the test's administrator key."""
    folder = tmp_path / "site"
    init_site(folder, admin_key.public_key, "Testafdeling")
    return folder


@pytest.fixture
def site(site_dir: Path) -> Iterator[Site]:
    """The test site, opened (store locked) and closed again afterwards."""
    opened = open_site(site_dir)
    yield opened
    opened.close()
