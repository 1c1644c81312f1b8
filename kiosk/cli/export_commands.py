"""Getting records off the kiosk: `kiosk export usb|qr`, `kiosk receipt`, `kiosk purge`."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli.options import resolve_data_dir
from kiosk.cli_common import EXIT_FAILED, CommandError
from kiosk.site import open_site


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
