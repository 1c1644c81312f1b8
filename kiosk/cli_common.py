"""What the `kiosk` and `kiosk-admin` command lines share: their error, exit codes and the
environment variable that holds the administrator's passphrase for scripted runs.

Kept apart from both, so neither command line imports the other to say why it stops.
"""

from __future__ import annotations

PASSPHRASE_ENV = "KIOSK_ADMIN_PASSPHRASE"
EXIT_FAILED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A command cannot go on; str() is the message for the person at the terminal."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
