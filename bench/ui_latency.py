"""Key press to painted screen: how long the kiosk takes to show a slider step or a moved choice.

The real KioskApp runs headless (App.run_test, 100×30). A key event is posted to the app and
the clock stops at the first screen update, after the key, that shows the new value: the
moment Textual hands the compositor's update to `App._display`, which this bench also turns
into terminal bytes (as a real terminal run does) before stopping the clock. So a figure
covers routing the key, the binding, the reactive and its watcher, layout, render and
compositing, and the wait for Textual's next frame; only the write to a real terminal is
left out.

    .venv/bin/python bench/ui_latency.py --presses 300
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate
from textual.screen import Screen
from textual.widget import Widget

from kiosk.sealing import generate_private_key, public_key_of
from kiosk.site import init_site, open_site
from screens.app import KioskApp
from screens.widgets import ChoiceRow, Slider

WARM_UP = 20
SIZE = (100, 30)


class TimedKiosk(KioskApp):
    """The kiosk with a stopwatch on every screen update it paints."""

    painted: asyncio.Event
    painted_at: float = 0.0
    paint_seconds: float = 0.0

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        started = time.perf_counter()
        super()._display(screen, renderable)
        if renderable is None:
            return
        # Headless Textual skips turning the update into escape sequences; do it here so the
        # figure includes that work, as it would on a real terminal.
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)
        else:
            self.console.render_lines(renderable)
        self.painted_at = time.perf_counter()
        self.paint_seconds = self.painted_at - started
        self.painted.set()


class Sample(NamedTuple):
    """One timed press: key to painted update, and the part of it spent painting."""

    total: float
    paint: float


async def press_and_time(app: TimedKiosk, key: str, shows_it: Callable[[], bool]) -> Sample:
    """Post one key; time it until the first paint after which `shows_it()` holds."""
    app.painted.clear()
    started = time.perf_counter()
    app.post_message(events.Key(key, None))
    while True:
        await app.painted.wait()
        if shows_it():
            return Sample(app.painted_at - started, app.paint_seconds)
        app.painted.clear()


async def sweep(
    app: TimedKiosk,
    presses: int,
    widget: Widget,
    position: Callable[[], int],
    low: int,
    high: int,
) -> list[Sample]:
    """Press right until `high`, then left until `low`, and so on; time every press."""
    samples: list[Sample] = []
    step = 1
    for _ in range(presses + WARM_UP):
        if not low <= position() + step <= high:
            step = -step
        target = position() + step
        key = "right" if step > 0 else "left"

        def reached(wanted: int = target) -> bool:
            return position() == wanted

        samples.append(await press_and_time(app, key, reached))
    assert widget.has_focus, f"focus moved to {app.focused} during the sweep"
    return samples[WARM_UP:]


async def measure(site_dir: Path, presses: int) -> dict[str, list[Sample]]:
    """Time slider steps on the support screen and highlight moves on psych_safety."""
    site = open_site(site_dir)
    results: dict[str, list[Sample]] = {}
    try:
        app = TimedKiosk(site)
        app.painted = asyncio.Event()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2")
            await pilot.pause()
            slider = app.screen.query(Slider).first()
            assert slider.has_focus, f"expected the first slider focused, not {app.focused}"
            await pilot.press("home")
            await pilot.pause()

            def slider_value() -> int:
                assert slider.value is not None
                return slider.value

            results["support: slider step (right/left)"] = await sweep(
                app, presses, slider, slider_value, slider.minimum, slider.maximum
            )

            await app.reset()
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
            row = app.screen.query_one(".choices", ChoiceRow)
            assert row.has_focus, f"expected the answers focused, not {app.focused}"
            # An unanswered row highlights nothing until the first arrow key.
            await pilot.press("right")
            # Moving the highlight chooses nothing, so the question never advances under us.
            results["psych_safety: choice highlight (right/left)"] = await sweep(
                app, presses, row, lambda: row.highlighted or 0, 0, len(row.options) - 1
            )
    finally:
        site.close()
    return results


def milliseconds(samples: list[float]) -> str:
    """Median, p95 and max of a list of seconds, in milliseconds."""
    return (
        f"median {statistics.median(samples) * 1000:6.2f}  p95 "
        f"{percentile(samples, 0.95) * 1000:6.2f}  max {max(samples) * 1000:6.2f} ms"
    )


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    """Make a throwaway site, measure, print median, p95 and max per interaction."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=300, help="timed presses per screen")
    args = parser.parse_args()
    if args.presses < 1:
        parser.error("--presses must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = Path(tmp) / "site"
        init_site(site_dir, public_key_of(generate_private_key()), "Benchmark")
        results = asyncio.run(measure(site_dir, args.presses))
    print(f"headless {SIZE[0]}×{SIZE[1]}, {args.presses} timed presses each")
    for name, samples in results.items():
        print(name)
        print(f"  key to painted update  {milliseconds([sample.total for sample in samples])}")
        print(f"  of which display step  {milliseconds([sample.paint for sample in samples])}")


if __name__ == "__main__":
    main()
