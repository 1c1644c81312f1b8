"""What admin mode's screens say about sizes and failures, in the kiosk's language.

Shared by the admin screen and its USB and QR export screens, which it opens.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.admin_mode import AdminService
from kiosk.export import ExportError, NothingToExport
from kiosk.receipts import ReceiptError
from kiosk.usb import UsbError

Texts = Callable[..., str]
"""Looks up a UI text by key with its {placeholders} filled: `KioskApp.text`, in effect."""


def size_text(count: int) -> str:
    """Bytes as a short human size: '812 kB', '3.4 GB'."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit in ("B", "kB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def admin_error_text(error: Exception, service: AdminService, t: Texts) -> str:
    """What admin mode says about a failed export, receipt or purge: in the kiosk's language.

    The core's messages are English and written for the command line; admin mode speaks the
    language it opened in and names no commands or flags. Where the core knows more than the
    kind of failure (which stick, how full), that detail follows on its own line. It may ask
    the store (through `service`), so call it from the worker that met the failure.
    """
    if isinstance(error, NothingToExport):
        return t("admin_nothing_new") if service.has_records() else t("admin_nothing_yet")
    if isinstance(error, ReceiptError):
        return t("admin_receipt_mistyped")
    if isinstance(error, ExportError):
        return t("admin_receipt_unknown")
    if isinstance(error, UsbError):
        return f"{t('admin_usb_failed')}\n{error}"
    return t("admin_store_failed")
