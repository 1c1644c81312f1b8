"""The door to admin mode: an unadvertised key (F9), then the admin PIN.

F9 on any kiosk screen calls `KioskApp.action_open_admin`, which asks for the PIN (8 or more
digits, set with `kiosk set-pin`). The right PIN starts the kiosk over, so nothing of the last
person is left under admin mode, and opens the admin screen. Wrong PINs count towards a lockout
that the store keeps across restarts; while locked, the screen shows how long is left.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.pin import MAX_PIN_DIGITS, MIN_PIN_DIGITS, PinGuard, PinResult
from screens.base import KioskTexts


class AdminPinScreen(KioskTexts, ModalScreen[bool]):
    """Asks for the admin PIN, masked; returns True once the right PIN was given."""

    CSS_PATH = "admin_pin.tcss"

    def __init__(self, guard: PinGuard) -> None:
        super().__init__()
        self.guard = guard

    def compose(self) -> ComposeResult:
        """Title, the masked PIN field, a message line and two buttons."""
        with Vertical(id="pin-box"):
            yield Static(Content(self.t("admin_title")), id="pin-title")
            yield Input(
                placeholder=self.t("admin_pin_placeholder", digits=MIN_PIN_DIGITS),
                password=True,
                restrict=r"[0-9]*",
                max_length=MAX_PIN_DIGITS,
                id="pin",
            )
            yield Static("", id="pin-message")
            with Horizontal(id="pin-actions"):
                yield Button(self.t("admin_pin_cancel"), id="pin-cancel")
                yield Button(self.t("admin_pin_open"), id="pin-open", variant="primary")

    def on_mount(self) -> None:
        """Say so if admin mode is not set up; otherwise show any lockout, then wait for the PIN."""
        if not self.guard.is_set():
            self.say(self.t("admin_pin_not_set"))
            self.query_one("#pin", Input).disabled = True
            self.query_one("#pin-open", Button).disabled = True
            self.query_one("#pin-cancel", Button).focus()
            return
        self.show_lockout()

    def say(self, message: str) -> None:
        """Show one line under the PIN field."""
        self.query_one("#pin-message", Static).update(Content(message))

    def show_lockout(self) -> None:
        """Count down a lockout once a second, with the PIN field held until it ends."""
        _, seconds_left = self.guard.lockout()
        locked = seconds_left > 0
        self.query_one("#pin", Input).disabled = locked
        self.query_one("#pin-open", Button).disabled = locked
        if locked:
            self.say(self.t("admin_pin_locked", seconds=round(seconds_left)))
            self.set_timer(min(1.0, seconds_left), self.show_lockout)
        else:
            self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#pin-open")
    def submit(self) -> None:
        """Check the PIN away from the UI thread: the hash takes about a tenth of a second."""
        field = self.query_one("#pin", Input)
        pin, field.value = field.value, ""
        if not pin:
            return
        field.disabled = True
        self.query_one("#pin-open", Button).disabled = True
        self.say(self.t("admin_pin_checking"))
        self.check_pin(pin)

    @work(thread=True, exclusive=True, group="admin-pin")
    def check_pin(self, pin: str) -> None:
        """Check one attempt; the lockout counter is durable before the answer is shown."""
        result = self.guard.check(pin)
        self.app.call_from_thread(self.show_result, result)

    def show_result(self, result: PinResult) -> None:
        """Open admin mode, or say what is wrong."""
        if not self.is_current:
            return
        if result.ok:
            self.dismiss(True)
        elif result.status == "locked":
            self.show_lockout()
        elif result.status == "not_set":
            self.say(self.t("admin_pin_not_set"))
        else:
            left = result.attempts_left
            self.say(
                self.t("admin_pin_wrong_last")
                if left == 1
                else self.t("admin_pin_wrong", left=left)
            )
            self.show_lockout()

    @on(Button.Pressed, "#pin-cancel")
    def cancel(self) -> None:
        """Go back to where the kiosk was."""
        self.dismiss(False)
