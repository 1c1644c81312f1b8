"""What several commands share: the --data-dir option and the installed version."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kiosk.site import default_data_dir


def package_version() -> str:
    """The installed distribution's version."""
    try:
        return version("trivselskiosk")
    except PackageNotFoundError:
        return "unknown"


def data_dir_argument(parser: argparse.ArgumentParser) -> None:
    """Add --data-dir with the per-user default."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the kiosk site folder (default: $KIOSK_DATA_DIR or ~/.local/share/trivselskiosk)",
    )


def resolve_data_dir(args: argparse.Namespace) -> Path:
    """The --data-dir given, or the default."""
    return args.data_dir if args.data_dir is not None else default_data_dir()
