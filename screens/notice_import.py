"""Admin mode: import the site's signed notice from a USB stick.

Lists the notice files (*.tkn) at the top of every mounted stick (kiosk.usb's discovery);
the chosen one is verified in full (kiosk/notice.py) before the welcome screen shows it. A
refused notice is named with its reason and logged; nothing of it is kept or shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.admin_mode import AdminService
from kiosk.durable import StoreError
from kiosk.notice import NoticeRefused, find_notice_files
from kiosk.usb import Drive, find_drives
from screens.base import KioskTexts


class NoticeImportScreen(KioskTexts, Screen[None]):
    """Choose a notice file on a stick and show it on the welcome screen once it verifies.

    Args:
        find: how to find the mounted drives (kiosk.usb.find_drives unless testing a folder).
    """

    CSS_PATH = "usb_export.tcss"

    def __init__(self, find: Callable[[], list[Drive]] = find_drives) -> None:
        super().__init__()
        self.find = find
        self.files: list[Path] = []

    def compose(self) -> ComposeResult:
        """Title, the notice files found, a message and the actions."""
        with Vertical(id="usb"):
            yield Static(Content(self.t("admin_notice_title")), classes="title")
            yield Static(Content(self.t("admin_usb_looking")), id="usb-lead")
            yield OptionList(id="notices")
            yield Static("", id="usb-message")
            with Horizontal(id="usb-actions"):
                yield Button(self.t("button_back"), id="notice-import-back")
                yield Button(self.t("admin_usb_refresh"), id="notice-refresh")

    def on_mount(self) -> None:
        """Carry the plain theme; say at once if this kiosk cannot check notices; look."""
        if self.app.has_class("-plain"):
            self.add_class("-plain")
        if not AdminService(self.kiosk.site).can_check_notices():
            self.say(self.t("admin_notice_no_key"))
        self.look_for_notices()

    def say(self, message: str) -> None:
        """Show what happened, or what to do."""
        self.query_one("#usb-message", Static).update(Content(message))

    @on(Button.Pressed, "#notice-refresh")
    @work(thread=True, exclusive=True, group="notice")
    def look_for_notices(self) -> None:
        """Find the mounted sticks and the notice files on them, away from the UI thread."""
        files = find_notice_files([drive.path for drive in self.find()])

        def deliver() -> None:
            if self.is_attached:
                self.show_files(files)

        self.app.call_from_thread(deliver)

    def show_files(self, files: list[Path]) -> None:
        """List the notice files found, the newest name first."""
        self.files = files
        options = self.query_one("#notices", OptionList)
        options.clear_options()
        options.add_options(Option(Content(f"{path.name}  ({path.parent})")) for path in files)
        lead = self.query_one("#usb-lead", Static)
        if files:
            lead.update(Content(self.t("admin_notice_choose")))
            options.highlighted = 0
            options.focus()
        else:
            lead.update(Content(self.t("admin_notice_none")))

    @on(OptionList.OptionSelected, "#notices")
    def import_chosen(self, event: OptionList.OptionSelected) -> None:
        """Verify the chosen notice and keep it to show, or say why it was refused."""
        if not 0 <= event.option_index < len(self.files):
            return
        self.import_file(self.files[event.option_index])

    def import_file(self, path: Path) -> None:
        """Verify one notice file and say the outcome."""
        try:
            notice = AdminService(self.kiosk.site).import_notice(path, self.kiosk.today())
        except NoticeRefused as refused:
            self.say(f"{self.t('admin_notice_refused')}\n{refused}")
            return
        except StoreError as error:
            self.say(str(error))
            return
        title = notice.title.get(self.kiosk.lang)
        self.say(self.t("admin_notice_shown", title=title, day=notice.valid_until.isoformat()))

    @on(Button.Pressed, "#notice-import-back")
    def back(self) -> None:
        """Back to admin mode."""
        self.dismiss(None)
