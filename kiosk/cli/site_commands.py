"""The kiosk's site commands: init, simulate, set-pin, check-config, doctor, log, notice,
pin-signing-key.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from kiosk.cli.options import resolve_data_dir
from kiosk.cli_common import EXIT_FAILED, CommandError
from kiosk.site import init_site, load_site_config, open_site, pin_signing_key, read_key_line


def cmd_init(args: argparse.Namespace) -> int:
    """kiosk init: make a site folder with the administrator's key pinned."""
    folder = resolve_data_dir(args)
    key_line = read_key_line(args.public_key)
    config_path = init_site(folder, key_line, args.site)
    print(f"Kiosk site '{args.site}' created in {folder}")
    print(f"  config:              {config_path}")
    print(
        f"  administrator key:   {key_line.public_key.fingerprint()}  "
        "(check it against kiosk-admin's)"
    )
    if key_line.signing_key is not None:
        print(f"  notice signing key:  {key_line.signing_key.fingerprint()}")
    print(f"Start it with: kiosk run --data-dir {folder}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """kiosk simulate: add random valid responses through the real submit path."""
    from kiosk.simulate import simulate
    from kiosk.submit import Submitter

    if args.count < 0:
        raise CommandError("--count must be zero or more.")
    site = open_site(resolve_data_dir(args))
    try:
        submitter = Submitter(site.store, site.config, site.public_key)
        added = simulate(
            submitter,
            site.config.instruments,
            args.count,
            seed=args.seed,
            weeks=args.weeks,
        )
    finally:
        site.close()
    print(f"Added {added} simulated responses to {site.folder}")
    return 0


def cmd_set_pin(args: argparse.Namespace) -> int:
    """kiosk set-pin: set the PIN that opens the kiosk's admin mode (while the kiosk is stopped)."""
    from kiosk.pin import PinError, PinGuard, validate_pin

    pin = os.environ.get("KIOSK_PIN")
    if not pin:
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for the PIN: set KIOSK_PIN.")
        pin = getpass.getpass("New admin PIN (at least 8 digits): ")
        if getpass.getpass("The same PIN again: ") != pin:
            raise CommandError("The two PINs differ. Nothing was changed; please try again.")
    try:
        validate_pin(pin)
    except PinError as error:
        raise CommandError(f"{error} Nothing was changed.") from None
    site = open_site(resolve_data_dir(args))
    try:
        PinGuard(site.store).set_pin(pin)
    finally:
        site.close()
    print(f"The admin PIN is set for {site.folder}; any lockout is lifted.")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """kiosk check-config: load and validate the site's config and instruments."""
    config = load_site_config(resolve_data_dir(args))
    names = ", ".join(instrument.id for instrument in config.instruments)
    print(f"{config.source}: OK — site '{config.site_name}', instruments: {names}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """kiosk doctor: check the site and this machine, and say what to do about each failure."""
    from kiosk.doctor import format_report, run_checks

    checks = run_checks(resolve_data_dir(args))
    print(format_report(checks))
    return 0 if all(check.ok for check in checks) else EXIT_FAILED


def cmd_log(args: argparse.Namespace) -> int:
    """kiosk log: show the end of the kiosk's operational log (it never holds an answer)."""
    from kiosk.oplog import read_log

    if args.lines < 1:
        raise CommandError("--lines must be 1 or more.")
    folder = resolve_data_dir(args)
    lines = read_log(folder, lines=args.lines)
    print(
        "\n".join(lines) if lines else f"No log yet in {folder}: the kiosk writes one when it runs."
    )
    return 0


def cmd_pin_signing_key(args: argparse.Namespace) -> int:
    """kiosk pin-signing-key: trust the administrator's signing key for notices."""
    folder = resolve_data_dir(args)
    key_line = read_key_line(args.line)
    changed = pin_signing_key(folder, key_line)
    from kiosk.oplog import log_event

    if changed:
        log_event(folder, "signing_key_pinned")
    fingerprint = key_line.signing_key.fingerprint() if key_line.signing_key else ""
    print(
        f"{'Pinned' if changed else 'Already pinned:'} the administrator's signing key "
        f"{fingerprint} for {folder}; this kiosk now shows notices signed with it."
    )
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    """kiosk notice: verify a signed notice and show it on the welcome screen."""
    from datetime import date

    from kiosk.notice import NoticeRefused, import_notice, read_notice_file, remove_notice

    if (args.file is None) == (not args.remove):
        raise CommandError("Give a notice file, or --remove to stop showing the notice.")
    site = open_site(resolve_data_dir(args))
    try:
        if args.remove:
            removed = remove_notice(site)
            print("The notice was removed." if removed else "There was no notice to remove.")
            return 0
        try:
            notice = import_notice(site, read_notice_file(args.file), date.today())
        except NoticeRefused as refused:
            raise CommandError(f"{args.file}: refused: {refused}", EXIT_FAILED) from None
    finally:
        site.close()
    when = f"from {notice.valid_from.isoformat()} " if notice.valid_from > date.today() else ""
    print(
        f"The notice '{notice.title.da}' ({len(notice.actions)} action"
        f"{'' if len(notice.actions) == 1 else 's'}) is shown on the "
        f"welcome screen {when}until {notice.valid_until.isoformat()}."
    )
    return 0
