"""The administrator's key pair: `kiosk-admin keygen` and `kiosk-admin fingerprint`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from kiosk.cli_common import PASSPHRASE_ENV, CommandError, ask_passphrase
from kiosk.keyfiles import MIN_PASSPHRASE_CHARS, add_signing_key, write_keypair
from kiosk.site import read_public_key


def ask_new_passphrase() -> bytes:
    """A new passphrase from $KIOSK_ADMIN_PASSPHRASE, or asked twice at the terminal."""
    if env := os.environ.get(PASSPHRASE_ENV):
        return env.encode()
    if not sys.stdin.isatty():
        raise CommandError(f"No terminal to ask for a passphrase: set {PASSPHRASE_ENV}.")
    first = getpass.getpass(
        f"New passphrase for the private key (at least {MIN_PASSPHRASE_CHARS} characters): "
    )
    second = getpass.getpass("The same passphrase again: ")
    if first != second:
        raise CommandError("The two passphrases differ. Nothing was written; please try again.")
    return first.encode()


def cmd_keygen(args: argparse.Namespace) -> int:
    """kiosk-admin keygen: make the administrator's key pair (or add its signing key)."""
    out = Path(args.out)
    if args.add_signing_key:
        # The signing key gets the passphrase admin-key.pem already has.
        key_line = add_signing_key(out, ask_passphrase(out / "admin-key.pem"))
        assert key_line.signing_key is not None
        print(f"Signing key (keep it with admin-key.pem): {out / 'admin-signing-key.pem'}")
        print(f"Public key line, now with the signing key: {out / 'admin-key.pub'}")
        print(f"Signing key fingerprint: {key_line.signing_key.fingerprint()}")
        print(f"On each kiosk: kiosk pin-signing-key --data-dir DIR {out / 'admin-key.pub'}")
        return 0
    for name in ("admin-key.pem", "admin-key.pub", "admin-signing-key.pem"):
        if (out / name).exists():
            raise CommandError(f"{out / name} already exists; a key is never overwritten.")
    passphrase = ask_new_passphrase()
    pem_path, pub_path, fingerprint = write_keypair(out, passphrase)
    print(f"Private key (keep it on this computer, never on the kiosk): {pem_path}")
    print(f"Public key (give this to the kiosk):                         {pub_path}")
    signing = out / "admin-signing-key.pem"
    print(f"Signing key for notices (keep it with the private key):      {signing}")
    print(f"Fingerprint: {fingerprint}")
    return 0


def cmd_fingerprint(args: argparse.Namespace) -> int:
    """kiosk-admin fingerprint: show a public key's fingerprint, to compare with the kiosk's."""
    public_key = read_public_key(args.key)
    print(public_key.fingerprint())
    return 0
