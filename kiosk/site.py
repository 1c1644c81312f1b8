"""A kiosk site folder: its config with the pinned administrator key, and its store.

`kiosk init` makes one; `kiosk run`, `kiosk simulate` and the other commands open one. The
folder holds `kiosk.toml` (the embedded default with the site name and the administrator's
public key filled in) and the sealed-record store. It must never hold a private key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import ConfigError, SiteConfig, default_config_dir, load_site
from kiosk.durable import atomic_write
from kiosk.keyfiles import load_key_line_file
from kiosk.keyscan import find_private_keys
from kiosk.sealing import KeyLine, PublicKey, SealingError, SigningPublicKey, parse_key_line
from kiosk.store import RecordStore

SITE_CONFIG = "kiosk.toml"


class SiteError(Exception):
    """A site folder cannot be made or used; str() says why and what to do."""


@dataclass
class Site:
    """An opened site: its config, the pinned administrator key, and the locked store.

    `signing_key` is the administrator's Ed25519 key when the pinned line is a `tkpub2-`
    one; a site pinned before signing keys has none and shows no notice until it is pinned.
    """

    folder: Path
    config: SiteConfig
    public_key: PublicKey
    store: RecordStore
    signing_key: SigningPublicKey | None = None

    def close(self) -> None:
        """Release the store and its lock."""
        self.store.close()


def default_data_dir() -> Path:
    """Where a site lives unless --data-dir says otherwise: $KIOSK_DATA_DIR or the XDG data dir."""
    if env := os.environ.get("KIOSK_DATA_DIR"):
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "trivselskiosk"


def read_public_key(source: str) -> PublicKey:
    """Read the administrator's public key from a file path or from the key line itself."""
    return read_key_line(source).public_key


def read_key_line(source: str) -> KeyLine:
    """Read a key line (either version) from a file path or from the line itself."""
    path = Path(source)
    try:
        if path.is_file():
            return load_key_line_file(path)
        return parse_key_line(source)
    except SealingError as error:
        raise SiteError(f"The administrator's public key was not accepted: {error}") from None
    except OSError as error:
        raise SiteError(f"Could not read the public key file {path}: {error.strerror}") from None


def toml_string(value: str) -> str:
    """Quote a value as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


SITE_HEADER = """\
# Trivselskiosk – the settings of this site, written by `kiosk init`.
#
# Every key is here with the value the kiosk starts with; change what this site needs. A key
# you delete falls back to the same default. Unknown keys are refused (with a suggestion if it
# looks like a typo), so a misspelt setting never goes unnoticed. Check your changes with
# `kiosk check-config`.
"""


def site_config_text(public_key: PublicKey | KeyLine, site_name: str, *, demo: bool) -> str:
    """Return the embedded default kiosk.toml with this site's name, key and demo flag set.

    Its opening comment, which speaks of the embedded demo site, becomes one about this site.
    """
    text = (default_config_dir() / SITE_CONFIG).read_text(encoding="utf-8")
    _, found, settings = text.partition("\n[site]")
    if not found:
        raise SiteError("The embedded kiosk.toml has no [site] table to fill in.")
    text = SITE_HEADER + "\n[site]" + settings
    replacements = {
        "name": toml_string(site_name),
        "demo": "true" if demo else "false",
        "public_key": toml_string(public_key.line()),  # a KeyLine keeps its version
    }
    for key, value in replacements.items():
        text, count = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", text, count=1)
        if count != 1:
            raise SiteError(f"The embedded kiosk.toml has no '{key}' line to fill in.")
    return text


def init_site(
    folder: Path, public_key: PublicKey | KeyLine, site_name: str, *, demo: bool = False
) -> Path:
    """Create a site in `folder`: its kiosk.toml and an empty store. Never overwrites a site.

    A `tkpub2-` key line pins the signing key of notices along with the sealing key.

    Returns:
        The path of the new kiosk.toml.
    """
    config_path = folder / SITE_CONFIG
    if config_path.exists():
        raise SiteError(
            f"{config_path} already exists: this folder is already a kiosk site. "
            "Choose another --data-dir, or edit that file to change the site."
        )
    if not site_name.strip():
        raise SiteError("The site name must not be empty.")
    folder.mkdir(parents=True, exist_ok=True)
    refuse_private_keys(folder)
    text = site_config_text(public_key, site_name.strip(), demo=demo)
    atomic_write(config_path, text.encode("utf-8"))
    try:
        load_site(config_path)
    except ConfigError:
        config_path.unlink()
        raise
    RecordStore.open(folder, create=True).close()
    return config_path


def refuse_private_keys(*folders: Path) -> None:
    """Raise SiteError if a private key lies in any of the folders: the kiosk must not hold one."""
    found = find_private_keys(*folders)
    if found:
        listing = "\n  ".join(str(path) for path in found[:5])
        raise SiteError(
            "A private key lies in the kiosk's folders, where anyone with the disk could use it "
            f"to read every answer:\n  {listing}\n"
            "Move it to the administrator's own computer (or delete it), then start again."
        )


def load_site_config(folder: Path) -> SiteConfig:
    """Load the site's kiosk.toml, with a clear error if the folder is not a site."""
    config_path = folder / SITE_CONFIG
    if not config_path.is_file():
        raise SiteError(
            f"{folder} is not a kiosk site (no {SITE_CONFIG}). "
            f"Make one with: kiosk init --data-dir {folder} --public-key admin-key.pub"
        )
    return load_site(config_path)


def open_site(folder: Path) -> Site:
    """Open a site for use: config valid, key pinned, no private key near it, store locked."""
    config = load_site_config(folder)
    refuse_private_keys(folder, config.source.parent, default_config_dir())
    if not config.public_key:
        raise SiteError(
            f"{config.source}: admin.public_key is empty. Pin the administrator's public key "
            "line (from admin-key.pub) there, or make the site with kiosk init."
        )
    try:
        key_line = parse_key_line(config.public_key)
    except SealingError as error:
        raise SiteError(f"{config.source}: admin.public_key: {error}") from None
    store = RecordStore.open(folder)
    return Site(folder, config, key_line.public_key, store, key_line.signing_key)


def pin_signing_key(folder: Path, key_line: KeyLine) -> bool:
    """Pin the administrator's signing key: admin.public_key becomes the `tkpub2-` line.

    The line must name the sealing key already pinned, so only the same administrator's
    key can be added this way. Takes the store's lock, so the kiosk must be stopped.

    Returns:
        False if exactly this key was pinned already (nothing changed).
    """
    if key_line.signing_key is None:
        raise SiteError(
            "This is a 'tkpub1-' line, which has no signing key. Give the 'tkpub2-' line from "
            "admin-key.pub (make one with: kiosk-admin keygen --add-signing-key --out DIR)."
        )
    site = open_site(folder)
    try:
        if key_line.public_key != site.public_key:
            raise SiteError(
                f"This line names another administrator key (fingerprint "
                f"{key_line.public_key.fingerprint()}) than the one this site seals answers to "
                f"({site.public_key.fingerprint()}). Nothing was changed."
            )
        if key_line.signing_key == site.signing_key:
            return False
        source = site.config.source
        text = source.read_text(encoding="utf-8")
        text, count = re.subn(
            r"(?m)^public_key\s*=.*$", f"public_key = {toml_string(key_line.line())}", text, count=1
        )
        if count != 1:
            raise SiteError(f"{source} has no 'public_key = …' line to update.")
        atomic_write(source, text.encode("utf-8"))
        load_site(source)
    finally:
        site.close()
    return True
