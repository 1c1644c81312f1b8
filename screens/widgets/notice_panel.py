"""The welcome screen's calm panel "Det har I sagt – det gør vi": the site's signed notice.

The panel shows nothing at all unless the site holds a notice that verifies today
(kiosk/notice.py checks it again every time). On a large terminal it shows the notice; on a
small one a single button under the menu opens it on a screen of its own (screens/notice.py).
"""

from __future__ import annotations

from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from kiosk.notice import Notice, load_stored
from screens.host import KioskHost

FULL_WIDTH = 100
FULL_HEIGHT = 40
"""The smallest terminal that shows the whole notice on the welcome screen."""


def current_notice(kiosk: KioskHost) -> Notice | None:
    """The notice the site shows today, checked in full, or None."""
    site = kiosk.site
    notice = load_stored(
        site.folder,
        signing_key=site.signing_key,
        site_name=site.config.site_name,
        min_group=site.config.min_group,
        today=kiosk.today(),
    )
    return notice if notice is not None and notice.showing(kiosk.today()) else None


def _number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "da" else text


def notice_lines(kiosk: KioskHost, notice: Notice) -> list[tuple[str, str]]:
    """The notice as (css class, text) lines in the kiosk's current language."""
    lang, t = kiosk.lang, kiosk.text
    lines: list[tuple[str, str]] = []
    for action in notice.actions:
        status = t(f"notice_status_{action.status}")
        lines.append((f"notice-action -{action.status}", f"{status}: {action.do.get(lang)}"))
        details = [f"{t('notice_heard')}: {action.heard.get(lang)}"]
        if action.who:
            details.append(action.who)
        if action.by is not None:
            details.append(t("notice_by", day=action.by.strftime("%d.%m.%Y")))
        lines.append(("notice-detail", " · ".join(details)))
    for headline in notice.headlines:
        lines.append(
            (
                "notice-result",
                t(
                    "notice_result",
                    label=headline.label.get(lang),
                    mean=_number(headline.mean, lang),
                    n=headline.n,
                    period=headline.period,
                ),
            )
        )
    lines.append(("notice-valid", t("notice_valid", day=notice.valid_until.strftime("%d.%m.%Y"))))
    return lines


def compose_notice(kiosk: KioskHost, notice: Notice) -> ComposeResult:
    """The notice's title and lines, for the panel and the notice screen alike."""
    yield Static(Content(notice.title.get(kiosk.lang)), classes="notice-title")
    for classes, text in notice_lines(kiosk, notice):
        yield Static(Content(text), classes=classes)


class NoticePanel(Vertical):
    """The notice on the welcome screen: whole when there is room, else a button to open it."""

    DEFAULT_CSS = """
    NoticePanel {
        height: auto;
        margin: 1 1 0 1;
    }
    NoticePanel #notice-full {
        height: auto;
        padding: 0 1;
        border-left: thick $primary;
    }
    NoticePanel .notice-title {
        text-style: bold;
    }
    NoticePanel .notice-action {
        margin-top: 1;
    }
    NoticePanel .notice-detail, NoticePanel .notice-valid {
        color: $text-muted;
        padding-left: 2;
    }
    NoticePanel .notice-valid {
        margin-top: 1;
        padding-left: 0;
    }
    NoticePanel #notice-open {
        width: 100%;
        height: auto;
        min-height: 3;
        padding: 0 2;
        content-align: left middle;
        text-align: left;
    }
    NoticePanel.-plain #notice-full, .-plain NoticePanel #notice-full {
        border-left: none;
    }
    NoticePanel.-plain #notice-open, .-plain NoticePanel #notice-open {
        min-height: 1;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="notice-panel")
        self.notice: Notice | None = None

    @property
    def kiosk(self) -> KioskHost:
        """The running kiosk app, typed."""
        return cast("KioskHost", self.app)

    def compose(self) -> ComposeResult:
        """Nothing without a notice; else the whole notice and the button, one of them shown."""
        self.notice = current_notice(self.kiosk)
        if self.notice is None:
            self.display = False
            return
        with Vertical(id="notice-full"):
            yield from compose_notice(self.kiosk, self.notice)
        yield Button(self.kiosk.text("notice_open"), id="notice-open", classes="notice-choice")

    def on_mount(self) -> None:
        """Fit the panel to the terminal now and whenever the layout changes."""
        if self.notice is None:
            return
        self.fit()
        self.screen.screen_layout_refresh_signal.subscribe(self, lambda _screen: self.fit())

    def fit(self) -> None:
        """Show the whole notice on a large terminal, only the button on a small one."""
        width, height = self.app.size
        full = width >= FULL_WIDTH and height >= FULL_HEIGHT
        for widget in self.query("#notice-full"):
            if widget.display != full:
                widget.display = full
        for widget in self.query("#notice-open"):
            if widget.display == full:
                widget.display = not full

    class OpenRequested(Message):
        """The person asked to read the whole notice (on a small terminal)."""

    @on(Button.Pressed, "#notice-open")
    def open_notice(self, event: Button.Pressed) -> None:
        """Ask the screen to open the notice on a screen of its own."""
        event.stop()
        self.post_message(self.OpenRequested())
