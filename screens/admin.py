"""Admin mode: what the kiosk holds, exports by USB or QR, receipts, and purging delivered records.

Opened only through the admin PIN (screens/admin_pin.py). It shows nothing of any answer:
only counts, the kiosk's identity and the pinned key's fingerprint, which the administrator
compares with `kiosk-admin fingerprint`. Like every kiosk screen it gives way to the idle reset.
"""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.admin_mode import AdminFacts, AdminService
from kiosk.export import ExportError, ReceiptResult
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

    busy = False
    """Whether a receipt or purge is running in a worker: further actions wait for it."""

    @property
    def service(self) -> AdminService:
        """Admin mode's one way to the store, the exports and the receipts."""
        return AdminService(self.kiosk.site)

    def on_mount(self) -> None:
        """Say if the clock is surely wrong; focus the USB export."""
        super().on_mount()
        self.show_idle_warning(None)
        if self.service.clock_is_wrong(day := self.kiosk.today()):
            self.say(self.t("admin_clock_wrong", day=day.isoformat()))
        self.query_one("#export-usb", Button).focus()

    @on(events.Mount)
    async def count_on_mount(self) -> None:
        """Fill in the facts, counted in a worker: the screen counts as mounted once they show."""
        await self.refresh_facts().wait()

    def on_screen_resume(self) -> None:
        """Counts and the export log change while an export screen was on top."""
        self.refresh_facts()

    @work(thread=True, exclusive=True, group="admin-facts")
    def refresh_facts(self) -> None:
        """Read the counts, the last export and the free disk space again, off the UI thread."""
        facts = self.service.facts()
        self.app.call_from_thread(self.show_facts, facts)

    def show_facts(self, facts: AdminFacts) -> None:
        """Show the facts a worker read."""
        if not self.is_attached:
            return
        shown = {
            "site": facts.site_name,
            "kiosk-id": facts.kiosk_id,
            "fingerprint": facts.fingerprint,
            "stored": str(facts.stored),
            "undelivered": str(facts.undelivered),
            "last-export": export_text(facts.last_export, self.t),
            "free-disk": size_text(facts.free_disk),
        }
        for key, value in shown.items():
            self.query_one(f"#fact-{key}", Static).update(Content(value))

    def set_busy(self, busy: bool, message: str | None = None) -> None:
        """Mark a receipt or purge as running (or done) and say so."""
        self.busy = busy
        self.set_class(busy, "-working")
        if message is not None:
            self.say(message)

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
        if self.busy:
            return
        self.set_busy(True, self.t("admin_working"))
        self.apply_receipt(self.query_one("#receipt", Input).value)

    @work(thread=True, group="admin-action")
    def apply_receipt(self, code: str) -> None:
        """Apply the receipt off the UI thread; post the outcome back."""
        service = self.service
        try:
            result = service.apply_receipt(code)
        except (ReceiptError, ExportError, StoreError) as error:
            self.app.call_from_thread(
                self.receipt_refused, admin_error_text(error, service, self.t)
            )
        else:
            self.app.call_from_thread(self.receipt_applied, result, service.facts())

    def receipt_refused(self, message: str) -> None:
        """Say why the receipt changed nothing; the typed code stays to be corrected."""
        if self.is_attached:
            self.set_busy(False, message)

    def receipt_applied(self, result: ReceiptResult, facts: AdminFacts) -> None:
        """Say what the receipt marked, clear the field and show the new counts."""
        if not self.is_attached:
            return
        self.query_one("#receipt", Input).value = ""
        if result.already_applied:
            message = self.t(
                "admin_receipt_again", result.total, code=result.code, total=result.total
            )
        else:
            message = self.t(
                "admin_receipt_applied", result.marked, code=result.code, marked=result.marked
            )
        self.set_busy(False, message)
        self.show_facts(facts)

    @on(Button.Pressed, "#purge")
    def ask_purge(self) -> None:
        """Ask before deleting the delivered records (only those are ever deleted)."""
        if self.busy:
            return
        self.busy = True
        self.count_delivered()

    @work(thread=True, group="admin-action")
    def count_delivered(self) -> None:
        """Count the delivered records off the UI thread, then ask about them."""
        delivered = self.service.delivered_count()
        self.app.call_from_thread(self.confirm_purge, delivered)

    def confirm_purge(self, delivered: int) -> None:
        """Ask about this many delivered records, or say there are none."""
        if not self.is_attached:
            return
        self.busy = False
        if delivered == 0:
            self.say(self.t("admin_purge_none"))
            return
        self.app.push_screen(ConfirmPurgeScreen(delivered), self.purge_confirmed)

    def purge_confirmed(self, confirmed: bool | None) -> None:
        """Delete the delivered records once confirmed."""
        if not confirmed:
            self.say(self.t("admin_purge_kept"))
            return
        self.set_busy(True, self.t("admin_working"))
        self.purge()

    @work(thread=True, group="admin-action")
    def purge(self) -> None:
        """Purge off the UI thread (at 50k records it rewrites segments); post the outcome."""
        service = self.service
        try:
            result = service.purge()
        except StoreError as error:
            self.app.call_from_thread(self.purged, admin_error_text(error, service, self.t))
            return
        message = self.t(
            "admin_purged", result.deleted, deleted=result.deleted, remaining=result.remaining
        )
        self.app.call_from_thread(self.purged, message, service.facts())

    def purged(self, message: str, facts: AdminFacts | None = None) -> None:
        """Say what the purge did and show the new counts (read again after a failure)."""
        if not self.is_attached:
            return
        self.set_busy(False, message)
        if facts is None:
            self.refresh_facts()
        else:
            self.show_facts(facts)

    @on(Button.Pressed, "#leave")
    def leave(self) -> None:
        """Leave admin mode for a fresh welcome screen."""
        # From the app's queue: a screen awaiting its own removal would wait forever.
        self.app.call_next(self.kiosk.reset)
