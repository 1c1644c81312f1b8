"""The `kiosk` and `kiosk-admin` commands.

Expected failures (a config typo, a wrong passphrase, a locked store) end with one plain
sentence on stderr and exit code 2 (bad input or setup) or 1 (the operation failed); never a
traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kiosk.cli_common import EXIT_FAILED, EXIT_USAGE, PASSPHRASE_ENV, CommandError, ask_passphrase
from kiosk.config import ConfigError
from kiosk.instruments import InvalidAnswer
from kiosk.keyfiles import MIN_PASSPHRASE_CHARS, add_signing_key, write_keypair
from kiosk.sealing import SealingError
from kiosk.site import (
    SiteError,
    default_data_dir,
    init_site,
    load_site_config,
    open_site,
    pin_signing_key,
    read_key_line,
    read_public_key,
)
from kiosk.store import RecordStore, StoreError
from kiosk.terminal_layout import layout_problem

DEMO_PASSPHRASE = "demo-only-passphrase"
DEMO_PIN = "12345678"


def package_version() -> str:
    """The installed distribution's version."""
    try:
        return version("trivselskiosk")
    except PackageNotFoundError:
        return "unknown"


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


CRASH_WINDOW_SECONDS = 60.0
CRASHES_BEFORE_GIVING_UP = 5


def run_ui(folder: Path) -> int:
    """Run the kiosk UI; after an unexpected error, start a clean one on a freshly opened site.

    Restarts back off (1, 2, 4 … seconds); after five crashes within a minute the command
    exits with an error, so a broken kiosk does not spin a core and the service manager's own
    restart limits apply.
    """
    from kiosk.oplog import LogUnavailable, log_event, start_logging
    from screens.app import EXIT_CRASHED, KioskApp

    site = open_site(folder)
    if problem := layout_problem():
        site.close()
        # Said on the terminal too, if there is one: under systemd stderr is the journal.
        if os.isatty(1):
            print(f"kiosk: not started: {problem}", flush=True)
        raise CommandError(f"not started: {problem}")
    try:
        start_logging(folder, version=package_version())
    except LogUnavailable as error:
        site.close()
        raise CommandError(str(error)) from None
    crashes: list[float] = []
    try:
        while True:
            app = KioskApp(site)
            app.run()
            if app.return_code != EXIT_CRASHED:
                return app.return_code or 0
            log_event(folder, "restart", code=EXIT_CRASHED)
            now = time.monotonic()
            crashes = [*(when for when in crashes if now - when < CRASH_WINDOW_SECONDS), now]
            if len(crashes) >= CRASHES_BEFORE_GIVING_UP:
                print(
                    f"kiosk: {len(crashes)} unexpected errors within a minute; stopping. "
                    f"See: kiosk log --data-dir {folder}",
                    file=sys.stderr,
                )
                return EXIT_FAILED
            time.sleep(2.0 ** (len(crashes) - 1))
            # A clean start: nothing the crashed app held in memory is reused.
            site.close()
            site = open_site(folder)
    finally:
        site.close()


def cmd_run(args: argparse.Namespace) -> int:
    """kiosk run: start the kiosk UI on a site."""
    return run_ui(resolve_data_dir(args))


def ensure_demo(root: Path) -> Path:
    """Make the demo site on first use: a demo key pair and a kiosk site, clearly labelled."""
    admin_dir = root / "admin"
    kiosk_dir = root / "kiosk"
    if not (admin_dir / "admin-key.pub").exists():
        admin_dir.mkdir(parents=True, exist_ok=True)
        _, _, fingerprint = write_keypair(admin_dir, DEMO_PASSPHRASE.encode())
        (admin_dir / "DEMO-README.txt").write_text(
            "DEMO KEY PAIR - for trying Trivselskiosk only. Never use it for real answers.\n"
            f"Passphrase of admin-key.pem: {DEMO_PASSPHRASE}\n"
            f"Fingerprint: {fingerprint}\n"
            f"Admin mode on the demo kiosk: press F9, PIN {DEMO_PIN}\n",
            encoding="utf-8",
        )
        print(f"Made a DEMO administrator key pair in {admin_dir} (passphrase: {DEMO_PASSPHRASE})")
    if not (kiosk_dir / "kiosk.toml").exists():
        key_line = read_key_line(str(admin_dir / "admin-key.pub"))
        init_site(kiosk_dir, key_line, "Demo-arbejdsplads", demo=True)
        from kiosk.pin import PinGuard

        with RecordStore.open(kiosk_dir) as store:
            PinGuard(store).set_pin(DEMO_PIN)
        print(f"Made the DEMO kiosk site in {kiosk_dir} (admin mode: F9, PIN {DEMO_PIN})")
    return kiosk_dir


def cmd_demo(args: argparse.Namespace) -> int:
    """kiosk demo: run the kiosk on the demo site, making it first if needed."""
    return run_ui(ensure_demo(args.dir))


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


def cmd_export_usb(args: argparse.Namespace) -> int:
    """kiosk export usb: write the records not yet delivered to a USB stick, verified."""
    from kiosk.export import ExportError, damage_report, export_to_usb
    from kiosk.usb import UsbError

    site = open_site(resolve_data_dir(args))
    try:
        path, export = export_to_usb(site, args.to, include_delivered=args.all)
    except (ExportError, UsbError) as error:
        raise CommandError(str(error), EXIT_FAILED) from None
    finally:
        site.close()
    print(f"Exported {export.count} records to {path}")
    if export.damaged:
        print(damage_report(site, export), file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_export_qr(args: argparse.Namespace) -> int:
    """kiosk export qr: write the records not yet delivered as QR frame images."""
    from kiosk.export import (
        ExportError,
        build_export,
        damage_report,
        record_export,
        write_qr_pngs,
    )
    from kiosk.qrframes import frame_capacity
    from kiosk.usb import UsbError

    try:
        frame_capacity(args.qr_version)
    except ValueError as error:
        raise CommandError(f"--version {args.qr_version}: {error}") from None
    if args.frames is not None and args.frames < 1:
        raise CommandError("--frames must be at least 1.")
    site = open_site(resolve_data_dir(args))
    try:
        export = build_export(site, include_delivered=args.all)
        written = write_qr_pngs(export, args.png_dir, version=args.qr_version, frames=args.frames)
        record_export(site, export, channel="qr")
    except (ExportError, UsbError) as error:
        raise CommandError(str(error), EXIT_FAILED) from None
    except ValueError as error:
        # The bundle needs more frames than a transfer can number at this QR version.
        raise CommandError(
            f"--version {args.qr_version}: {error}. Use a larger QR version (up to 40), or "
            "export to a USB stick (kiosk export usb). Nothing was exported.",
            EXIT_FAILED,
        ) from None
    finally:
        site.close()
    print(f"Wrote {written} QR frame images of {export.count} records to {args.png_dir}")
    if export.damaged:
        print(damage_report(site, export), file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_receipt(args: argparse.Namespace) -> int:
    """kiosk receipt: mark the records of an imported export as delivered."""
    from kiosk.export import ExportError, apply_receipt
    from kiosk.receipts import ReceiptError

    site = open_site(resolve_data_dir(args))
    try:
        result = apply_receipt(site, args.code)
    except (ExportError, ReceiptError) as error:
        raise CommandError(str(error)) from None
    finally:
        site.close()
    if result.already_applied:
        print(
            f"Receipt {result.code} was applied before: its {result.total} records are already "
            "marked delivered. Nothing changed."
        )
    else:
        print(f"Marked {result.marked} records delivered (receipt {result.code}).")
        print("They stay on this kiosk until you run: kiosk purge")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """kiosk purge: delete the records confirmed delivered, and only those."""
    from kiosk.export import purge

    site = open_site(resolve_data_dir(args))
    try:
        deleted = purge(site)
        remaining = site.store.count()
    finally:
        site.close()
    print(f"Deleted {deleted} delivered records; {remaining} records remain on this kiosk.")
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


if __name__ == "__main__":
    sys.exit(kiosk_main())
