"""USB export: choose a stick, write a verified bundle file with progress, then eject.

The write runs in a worker thread (`AdminService.export_to_usb`): the file is written as
`.partial`, flushed, renamed and read back before the export is logged. Any failure (no stick,
full, read-only, pulled out) leaves the kiosk's data as it was and shows what to do next.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from kiosk.admin_mode import AdminService
from kiosk.export import ExportError
from kiosk.store import StoreError
from kiosk.usb import Drive, UsbError, eject, find_drives
from screens.admin_texts import Texts, admin_error_text, size_text
from screens.base import KioskTexts


def drive_text(drive: Drive, t: Texts) -> str:
    """How a drive is listed: its name, free space and whether it can be written."""
    free = (
        t("admin_drive_free_unknown")
        if drive.free_bytes is None
        else t("admin_drive_free", size=size_text(drive.free_bytes))
    )
    where = "" if drive.label is None else f" ({drive.path})"
    read_only = f" - {t('admin_drive_read_only')}" if drive.read_only else ""
    return f"{drive.name}{where}: {free}{read_only}"


class UsbExportScreen(KioskTexts, Screen[None]):
    """Lists the mounted USB sticks, writes the export to the chosen one and offers to eject it.

    Args:
        find: how to find the mounted drives (kiosk.usb.find_drives unless testing a folder).
    """

    CSS_PATH = "usb_export.tcss"

    def __init__(self, find: Callable[[], list[Drive]] = find_drives) -> None:
        super().__init__()
        self.find = find
        self.drives: list[Drive] = []
        self.written_to: Drive | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        """Title, the drive list, progress, a message and the actions."""
        with Vertical(id="usb"):
            yield Static(Content(self.t("admin_usb_title")), classes="title")
            yield Static(Content(self.t("admin_usb_looking")), id="usb-lead")
            yield OptionList(id="drives")
            yield ProgressBar(total=None, show_eta=False, id="usb-progress")
            yield Static("", id="usb-message")
            with Horizontal(id="usb-actions"):
                yield Button(self.t("button_back"), id="usb-back")
                yield Button(self.t("admin_usb_refresh"), id="usb-refresh")
                yield Button(self.t("admin_usb_eject"), id="usb-eject")
                yield Button(self.t("admin_usb_write"), id="usb-write", variant="primary")

    def on_mount(self) -> None:
        """Carry the plain theme and look for sticks."""
        if self.app.has_class("-plain"):
            self.add_class("-plain")
        self.query_one("#usb-progress", ProgressBar).display = False
        self.query_one("#usb-eject", Button).display = False
        self.look_for_drives()

    def reply(self, callback: Callable[..., None], *args: Any) -> None:
        """Hand a worker's result to the UI thread, unless the idle reset closed this screen."""

        def deliver() -> None:
            if self.is_attached:
                callback(*args)

        self.app.call_from_thread(deliver)

    def say(self, message: str) -> None:
        """Show what happened, or what to do."""
        self.query_one("#usb-message", Static).update(Content(message))

    def set_busy(self, busy: bool) -> None:
        """Hold every button while the stick is being written or ejected."""
        self.busy = busy
        for button in self.query(Button).results(Button):
            button.disabled = busy
        if not busy:
            self.query_one("#usb-write", Button).disabled = not self.drives

    @on(Button.Pressed, "#usb-refresh")
    @work(thread=True, exclusive=True, group="usb")
    def look_for_drives(self) -> None:
        """Find the mounted sticks (lsblk can take a moment) and list them."""
        drives = self.find()
        self.reply(self.show_drives, drives)

    def show_drives(self, drives: list[Drive]) -> None:
        """List the drives found, the first one chosen."""
        self.drives = drives
        options = self.query_one("#drives", OptionList)
        options.clear_options()
        options.add_options(Option(Content(drive_text(drive, self.t))) for drive in drives)
        lead = self.query_one("#usb-lead", Static)
        if drives:
            lead.update(Content(self.t("admin_usb_choose")))
            options.highlighted = 0
            options.focus()
        else:
            lead.update(Content(self.t("admin_usb_none")))
        self.set_busy(False)

    @on(OptionList.OptionSelected, "#drives")
    @on(Button.Pressed, "#usb-write")
    def write(self) -> None:
        """Write the export to the highlighted stick."""
        index = self.query_one("#drives", OptionList).highlighted
        if self.busy or index is None or not 0 <= index < len(self.drives):
            return
        drive = self.drives[index]
        self.set_busy(True)
        self.query_one("#usb-eject", Button).display = False
        bar = self.query_one("#usb-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.say(self.t("admin_usb_writing", drive=drive.name))
        self.write_export(drive)

    @work(thread=True, exclusive=True, group="usb")
    def write_export(self, drive: Drive) -> None:
        """Build, write and verify the bundle away from the UI thread."""

        def progress(done: int, total: int) -> None:
            self.reply(self.show_progress, done, total)

        service = AdminService(self.kiosk.site)
        try:
            path, export = service.export_to_usb(drive.path, progress=progress)
        except (ExportError, UsbError, StoreError) as error:
            self.reply(self.write_failed, admin_error_text(error, service, self.t))
        else:
            self.reply(self.written, drive, path, export.count)

    def show_progress(self, done: int, total: int) -> None:
        """Move the progress bar."""
        self.query_one("#usb-progress", ProgressBar).update(total=total, progress=done)

    def write_failed(self, message: str) -> None:
        """Say what went wrong; the kiosk's data is unchanged and a retry is one key away."""
        self.query_one("#usb-progress", ProgressBar).display = False
        self.say(message)
        self.set_busy(False)

    def written(self, drive: Drive, path: Path, count: int) -> None:
        """Say what was written and offer to eject."""
        self.written_to = drive
        self.say(self.t("admin_usb_done", count, file=path.name, count=count))
        self.set_busy(False)
        eject_button = self.query_one("#usb-eject", Button)
        eject_button.display = True
        eject_button.focus()

    @on(Button.Pressed, "#usb-eject")
    def start_eject(self) -> None:
        """Unmount the stick that was written."""
        if self.written_to is not None and not self.busy:
            self.set_busy(True)
            self.say(self.t("admin_usb_ejecting", drive=self.written_to.name))
            self.eject_drive(self.written_to)

    @work(thread=True, exclusive=True, group="usb")
    def eject_drive(self, drive: Drive) -> None:
        """Flush and unmount away from the UI thread; say in the kiosk's language whether the
        stick may be pulled out (the core's own words are for the command line)."""
        mounted = os.path.ismount(drive.path)
        eject(drive)
        if mounted and not os.path.ismount(drive.path):
            message = self.t("admin_usb_ejected", drive=drive.name)
        else:
            message = self.t("admin_usb_not_ejected")
        self.reply(self.ejected, message)

    def ejected(self, message: str) -> None:
        """Say whether the stick may be pulled out now."""
        self.say(message)
        self.set_busy(False)
        self.query_one("#usb-eject", Button).display = False

    @on(Button.Pressed, "#usb-back")
    def back(self) -> None:
        """Back to admin mode (not while a write is under way)."""
        if not self.busy:
            self.dismiss(None)
