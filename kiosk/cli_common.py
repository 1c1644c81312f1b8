"""What the `kiosk` and `kiosk-admin` command lines share: their error, exit codes, and asking
for the administrator's passphrase (or reading it from the environment, for scripted runs).

Kept apart from both, so neither command line imports the other to say why it stops.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

PASSPHRASE_ENV = "KIOSK_ADMIN_PASSPHRASE"
EXIT_FAILED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A command cannot go on; str() is the message for the person at the terminal."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def ask_passphrase(key_path: Path) -> bytes:
    """The private key's passphrase, from $KIOSK_ADMIN_PASSPHRASE or asked once."""
    if env := os.environ.get(PASSPHRASE_ENV):
        return env.encode()
    if not sys.stdin.isatty():
        raise CommandError(
            f"No terminal to ask for the passphrase of {key_path}: set {PASSPHRASE_ENV}."
        )
    return getpass.getpass(f"Passphrase for {key_path}: ").encode()
