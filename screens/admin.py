"""Admin mode: what the kiosk holds, exports by USB or QR, receipts, and purging delivered records.

Opened only through the admin PIN (screens/admin_pin.py). It shows nothing of any answer:
only counts, the kiosk's identity and the pinned key's fingerprint, which the administrator
compares with `kiosk-admin fingerprint`. Like every kiosk screen it gives way to the idle reset.
"""

from __future__ import annotations

import shutil

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.doctor import implausible_day
from kiosk.export import ExportError, apply_receipt, purge
from kiosk.receipts import ReceiptError
from kiosk.store import SettingValue, StoreError
from screens.admin_texts import Texts, admin_error_text, size_text
from screens.base import KioskScreen, KioskTexts


def export_text(entry: dict[str, SettingValue] | None, t: Texts) -> str:
    """One line about an export-log entry: when, how, how many."""
    if entry is None:
        return t("admin_export_none")
    return t(
        "admin_export_entry",
        count if isinstance(count := entry.get("count"), int) else None,
        created=entry.get("created"),
        channel=str(entry.get("channel", "?")).upper(),
        count=count,
    )


class ConfirmPurgeScreen(KioskTexts, ModalScreen[bool]):
    """Asks before deleting the delivered records; returns True to delete."""

    CSS_PATH = "admin.tcss"

    def __init__(self, delivered: int) -> None:
        super().__init__()
        self.delivered = delivered

    def compose(self) -> ComposeResult:
        """The question and two buttons, keeping as the default."""
        with Vertical(id="confirm-box"):
            yield Static(
                Content(self.t("admin_purge_question", self.delivered, delivered=self.delivered)),
                id="confirm-text",
            )
            with Horizontal(id="confirm-actions"):
                yield Button(self.t("admin_purge_keep"), id="confirm-keep", variant="primary")
                yield Button(self.t("admin_purge_delete"), id="confirm-delete", variant="error")

    def on_mount(self) -> None:
        """Carry the plain theme; focus the safe choice."""
        if self.app.has_class("-plain"):
            self.add_class("-plain")
        self.query_one("#confirm-keep", Button).focus()

    @on(Button.Pressed, "#confirm-delete")
    def delete(self) -> None:
        """Confirm the purge."""
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-keep")
    def keep(self) -> None:
        """Keep the records."""
        self.dismiss(False)


FACTS = (
    ("site", "admin_fact_site"),
    ("kiosk-id", "admin_fact_kiosk_id"),
    ("fingerprint", "admin_fact_fingerprint"),
    ("stored", "admin_fact_stored"),
    ("undelivered", "admin_fact_undelivered"),
    ("last-export", "admin_fact_last_export"),
    ("free-disk", "admin_fact_free_disk"),
)
"""The facts admin mode shows, in order: the id of each value and the text of its label."""


class AdminScreen(KioskScreen):
    """The administrator's view of the kiosk and its export, receipt and purge actions."""

    CSS_PATH = "admin.tcss"

    def compose(self) -> ComposeResult:
        """Top bar, the facts, the actions, the receipt field and a message line."""
        with Horizontal(id="top-bar"):
            yield Static(Content(self.kiosk.config.site_name), id="site-name")
        yield Static("", id="idle-warning")
        with VerticalScroll(id="admin"):
            yield Static(Content(self.t("admin_title")), id="admin-title", classes="title")
            with Grid(id="facts"):
                for key, label in FACTS:
                    yield Static(Content(self.t(label)), classes="fact-label")
                    yield Static("", id=f"fact-{key}", classes="fact-value")
            yield Static("", id="admin-message")
            with Horizontal(id="export-actions", classes="admin-row"):
                yield Button(
                    self.t("admin_export_usb"), id="export-usb", variant="primary", compact=True
                )
                yield Button(
                    self.t("admin_export_qr"), id="export-qr", variant="primary", compact=True
                )
            with Horizontal(id="receipt-row", classes="admin-row"):
                yield Input(
                    placeholder=self.t("admin_receipt_placeholder"),
                    max_length=24,
                    compact=True,
                    id="receipt",
                )
                yield Button(self.t("admin_receipt_enter"), id="apply-receipt", compact=True)
            with Horizontal(id="other-actions", classes="admin-row"):
                yield Button(self.t("admin_notice_import"), id="import-notice", compact=True)
                yield Button(self.t("admin_purge"), id="purge", compact=True)
                yield Button(self.t("admin_leave"), id="leave", compact=True)

    def on_mount(self) -> None:
        """Fill in the facts."""
        super().on_mount()
        self.show_idle_warning(None)
        self.refresh_facts()
        if implausible_day(day := self.kiosk.today()):
            self.say(self.t("admin_clock_wrong", day=day.isoformat()))
        self.query_one("#export-usb", Button).focus()

    def on_screen_resume(self) -> None:
        """Counts and the export log change while an export screen was on top."""
        self.refresh_facts()

    def refresh_facts(self) -> None:
        """Read the counts, the last export and the free disk space again."""
        site = self.kiosk.site
        store = site.store
        log = store.export_log()
        facts = {
            "site": site.config.site_name,
            "kiosk-id": store.kiosk_id,
            "fingerprint": site.public_key.fingerprint(),
            "stored": str(store.count()),
            "undelivered": str(store.count_undelivered()),
            "last-export": export_text(log[-1] if log else None, self.t),
            "free-disk": size_text(shutil.disk_usage(site.folder).free),
        }
        for key, value in facts.items():
            self.query_one(f"#fact-{key}", Static).update(Content(value))

    def say(self, message: str) -> None:
        """Show the outcome of the last action."""
        self.query_one("#admin-message", Static).update(Content(message))

    async def action_toggle_language(self) -> None:
        """F2 changes nothing here: admin mode keeps the language it opened in."""

    @on(Button.Pressed, "#export-usb")
    def export_usb(self) -> None:
        """Open the USB export."""
        from screens.usb_export import UsbExportScreen

        self.app.push_screen(UsbExportScreen())

    @on(Button.Pressed, "#export-qr")
    def export_qr(self) -> None:
        """Open the animated QR export."""
        from screens.qr_export import QrExportScreen

        self.app.push_screen(QrExportScreen())

    @on(Button.Pressed, "#import-notice")
    def import_notice(self) -> None:
        """Import the site's signed notice from a USB stick."""
        from screens.notice_import import NoticeImportScreen

        self.app.push_screen(NoticeImportScreen())

    @on(Input.Submitted, "#receipt")
    @on(Button.Pressed, "#apply-receipt")
    def enter_receipt(self) -> None:
        """Mark the records of the export with this receipt code as delivered."""
        field = self.query_one("#receipt", Input)
        try:
            result = apply_receipt(self.kiosk.site, field.value)
        except (ReceiptError, ExportError, StoreError) as error:
            self.say(admin_error_text(error, self.kiosk.site, self.t))
            return
        field.value = ""
        if result.already_applied:
            self.say(
                self.t("admin_receipt_again", result.total, code=result.code, total=result.total)
            )
        else:
            self.say(
                self.t(
                    "admin_receipt_applied", result.marked, code=result.code, marked=result.marked
                )
            )
        self.refresh_facts()

    @on(Button.Pressed, "#purge")
    def ask_purge(self) -> None:
        """Ask before deleting the delivered records (only those are ever deleted)."""
        store = self.kiosk.site.store
        delivered = store.count() - store.count_undelivered()
        if delivered == 0:
            self.say(self.t("admin_purge_none"))
            return
        self.app.push_screen(ConfirmPurgeScreen(delivered), self.purge_confirmed)

    def purge_confirmed(self, confirmed: bool | None) -> None:
        """Delete the delivered records once confirmed."""
        if not confirmed:
            self.say(self.t("admin_purge_kept"))
            return
        try:
            deleted = purge(self.kiosk.site)
        except StoreError as error:
            self.say(admin_error_text(error, self.kiosk.site, self.t))
        else:
            remaining = self.kiosk.site.store.count()
            self.say(self.t("admin_purged", deleted, deleted=deleted, remaining=remaining))
        self.refresh_facts()

    @on(Button.Pressed, "#leave")
    def leave(self) -> None:
        """Leave admin mode for a fresh welcome screen."""
        # From the app's queue: a screen awaiting its own removal would wait forever.
        self.app.call_next(self.kiosk.reset)
