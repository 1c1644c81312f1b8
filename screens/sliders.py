"""The sliders form: support needs (four 1–10 sliders), or any instrument of scale items."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from screens.base import InstrumentScreen
from screens.widgets import Slider


class SlidersScreen(InstrumentScreen):
    """All items on one screen, one slider each; an untouched slider is sent as not answered."""

    CSS_PATH = "sliders.tcss"
    # Four sliders with their help need 40 lines: below that the compact layout of small
    # terminals (sliders.tcss, -short) fits them, where the roomier one scrolled at 80×30.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-medium"), (50, "-tall")]  # noqa: RUF012

    def compose_page(self) -> ComposeResult:
        """Heading, one labelled slider per item, actions."""
        lang = self.kiosk.lang
        yield from self.compose_heading()
        with VerticalScroll(id="sliders"):
            for item in self.instrument.items:
                with Vertical(classes="slider-block"):
                    label = item.label.get(lang)
                    if item.help is None:
                        yield Static(Content(label), classes="item-label")
                    else:
                        # With its help, or alone where lines are few (sliders.tcss shows one).
                        full = f"{label} – {item.help.get(lang)}"
                        yield Static(Content(full), classes="item-label with-help")
                        yield Static(Content(label), classes="item-label without-help")
                    assert item.min is not None and item.max is not None
                    value = self.answers[item.id]
                    yield Slider(
                        item.min,
                        item.max,
                        value if isinstance(value, int) else None,
                        anchors=[(at, text.get(lang)) for at, text in item.anchors],
                        unset_label=self.t("not_answered"),
                        id=f"item-{item.id}",
                    )
            yield Static(Content(self.t("slider_hint")), id="hint")
        yield from self.compose_actions()

    def on_mount(self) -> None:
        """Start with the first slider focused."""
        super().on_mount()
        self.focus_first(Slider)

    @on(Slider.Changed)
    def slider_changed(self, event: Slider.Changed) -> None:
        """Keep the answer and allow sending."""
        assert event.control.id is not None
        self.answers[event.control.id.removeprefix("item-")] = event.value
        self.answers_changed()
