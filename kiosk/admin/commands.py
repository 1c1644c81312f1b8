"""The administrator's import, report and receipt commands (`kiosk-admin …`)."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the administrator's sub-commands on the `kiosk-admin` parser."""
