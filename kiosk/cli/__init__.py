"""The `kiosk` and `kiosk-admin` commands: their parsers and the dispatch.

Each command group's handlers live in a module of their own: `run` (the kiosk UI and its
restart loop), `demo`, `site_commands`, `export_commands`, `keys`; the admin's import,
report and plan commands in `kiosk.admin.commands`.

Expected failures (a config typo, a wrong passphrase, a locked store) end with one plain
sentence on stderr and exit code 2 (bad input or setup) or 1 (the operation failed); never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.cli.demo import DEMO_PIN, cmd_demo, ensure_demo
from kiosk.cli.export_commands import cmd_export_qr, cmd_export_usb, cmd_purge, cmd_receipt
from kiosk.cli.keys import cmd_fingerprint, cmd_keygen
from kiosk.cli.options import data_dir_argument, package_version
from kiosk.cli.run import cmd_run
from kiosk.cli.site_commands import (
    cmd_check_config,
    cmd_doctor,
    cmd_init,
    cmd_log,
    cmd_notice,
    cmd_pin_signing_key,
    cmd_set_pin,
    cmd_simulate,
)
from kiosk.cli_common import EXIT_FAILED, EXIT_USAGE, CommandError
from kiosk.config import ConfigError
from kiosk.instruments import InvalidAnswer
from kiosk.sealing import SealingError
from kiosk.site import SiteError
from kiosk.store import StoreError

__all__ = ["DEMO_PIN", "admin_main", "admin_parser", "ensure_demo", "kiosk_main", "kiosk_parser"]


def kiosk_parser() -> argparse.ArgumentParser:
    """The `kiosk` command line."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Trivselskiosk: the kiosk side.")
    parser.add_argument("--version", action="version", version=f"kiosk {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="make a kiosk site with the admin's public key")
    data_dir_argument(init)
    init.add_argument("--public-key", required=True, help="admin-key.pub, or its key line")
    init.add_argument("--site", default="Arbejdsplads", help="the site's name in reports")
    init.set_defaults(handler=cmd_init)

    run = commands.add_parser("run", help="start the kiosk")
    data_dir_argument(run)
    run.set_defaults(handler=cmd_run)

    demo = commands.add_parser("demo", help="start the kiosk on a demo site (made on first run)")
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="demo folder (default: demo)")
    demo.set_defaults(handler=cmd_demo)

    sim = commands.add_parser("simulate", help="add random valid responses (demos, benchmarks)")
    data_dir_argument(sim)
    sim.add_argument("--count", type=int, required=True, help="how many responses to add")
    sim.add_argument("--seed", type=int, default=None, help="random seed, for repeatable data")
    sim.add_argument("--weeks", type=int, default=1, help="spread over this many recent weeks")
    sim.set_defaults(handler=cmd_simulate)

    set_pin = commands.add_parser("set-pin", help="set the PIN of the kiosk's admin mode")
    data_dir_argument(set_pin)
    set_pin.set_defaults(handler=cmd_set_pin)

    check = commands.add_parser("check-config", help="validate the site's configuration")
    data_dir_argument(check)
    check.set_defaults(handler=cmd_check_config)

    doctor = commands.add_parser("doctor", help="check the site and this machine, with advice")
    data_dir_argument(doctor)
    doctor.set_defaults(handler=cmd_doctor)

    log = commands.add_parser("log", help="show the end of the kiosk's operational log")
    data_dir_argument(log)
    log.add_argument("--lines", type=int, default=50, help="how many lines (default: 50)")
    log.set_defaults(handler=cmd_log)

    export = commands.add_parser("export", help="export the sealed records (USB file or QR)")
    channels = export.add_subparsers(dest="channel", required=True, metavar="CHANNEL")
    usb = channels.add_parser("usb", help="write a verified bundle file to a USB stick")
    data_dir_argument(usb)
    usb.add_argument("--to", type=Path, required=True, help="the stick's folder (mount point)")
    usb.add_argument("--all", action="store_true", help="every stored record, delivered or not")
    usb.set_defaults(handler=cmd_export_usb)
    qr = channels.add_parser("qr", help="write the bundle as QR frame images (PNG)")
    data_dir_argument(qr)
    qr.add_argument("--png-dir", type=Path, required=True, help="folder for the frame images")
    qr.add_argument("--all", action="store_true", help="every stored record, delivered or not")
    qr.add_argument(
        "--frames", type=int, default=None, help="how many frames (default: 1.4 K + 10)"
    )
    qr.add_argument(
        "--version", dest="qr_version", type=int, default=13, help="QR version (default: 13)"
    )
    qr.set_defaults(handler=cmd_export_qr)

    receipt = commands.add_parser("receipt", help="mark an imported export's records delivered")
    data_dir_argument(receipt)
    receipt.add_argument("code", help="the receipt code kiosk-admin printed, e.g. JCA4-3ZJV-9P")
    receipt.set_defaults(handler=cmd_receipt)

    purge = commands.add_parser("purge", help="delete the records confirmed delivered")
    data_dir_argument(purge)
    purge.set_defaults(handler=cmd_purge)

    notice = commands.add_parser("notice", help="show a signed notice on the welcome screen")
    data_dir_argument(notice)
    notice.add_argument("file", type=Path, nargs="?", help="the notice file (.tkn)")
    notice.add_argument("--remove", action="store_true", help="stop showing the notice")
    notice.set_defaults(handler=cmd_notice)

    pin = commands.add_parser("pin-signing-key", help="trust the admin's key for notices")
    data_dir_argument(pin)
    pin.add_argument("line", help="admin-key.pub, or its tkpub2- line")
    pin.set_defaults(handler=cmd_pin_signing_key)
    return parser


def admin_parser() -> argparse.ArgumentParser:
    """The `kiosk-admin` command line."""
    parser = argparse.ArgumentParser(
        prog="kiosk-admin", description="Trivselskiosk: the administrator's side."
    )
    parser.add_argument("--version", action="version", version=f"kiosk-admin {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="make the administrator's key pair")
    keygen.add_argument("--out", required=True, help="folder for admin-key.pem and admin-key.pub")
    keygen.add_argument(
        "--add-signing-key",
        action="store_true",
        help="give the key pair in --out the signing key for notices (same passphrase)",
    )
    keygen.set_defaults(handler=cmd_keygen)

    fingerprint = commands.add_parser("fingerprint", help="show a public key's fingerprint")
    fingerprint.add_argument("key", help="admin-key.pub, or its key line")
    fingerprint.set_defaults(handler=cmd_fingerprint)

    from kiosk.admin.commands import add_commands

    add_commands(commands)
    return parser


def dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse, run the chosen command, and turn expected failures into one plain message."""
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()
        return code
    except CommandError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return error.exit_code
    except (ConfigError, SiteError, SealingError, InvalidAnswer) as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted; nothing half-written was kept.", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`kiosk log | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


def kiosk_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `kiosk`."""
    return dispatch(kiosk_parser(), argv)


def admin_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `kiosk-admin`."""
    return dispatch(admin_parser(), argv)
