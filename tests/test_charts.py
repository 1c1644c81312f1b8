"""Model to chart: every chart plots exactly the published numbers it is given.

Each mark is read back from the SVG twice: its `data-value`, and its geometry measured against
the chart's fixed axis. Both must equal the input cell, so a chart can never again plot a count
where it says "mean"; a hidden value must appear as a "skjult" box and never as a mark.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from handout_data import build

from kiosk.admin import charts
from kiosk.admin.charts import CountRow, HeatCell, Series, StackRow
from kiosk.admin.handout_charts import scale_axis, site_heatmap, tool_charts
from kiosk.admin.handout_model import Handout
from kiosk.admin.summary import support_shares

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def marks(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == "mark"]


def hidden_marks(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == "hidden-mark"]


def texts(root: ET.Element) -> list[str]:
    """Every line of text drawn in the chart (tspans separately)."""
    out = []
    for el in root.iter(f"{NS}text"):
        spans = list(el.iter(f"{NS}tspan"))
        out += [s.text or "" for s in spans] if spans else [el.text or ""]
    return out


def test_every_chart_is_a_named_image_whose_description_lists_its_values() -> None:
    chart = charts.trend(
        "c1",
        "Hesteskoen",
        ["aug", "sep"],
        [Series("Alle", (6.25, None))],
        scale_axis((1, 10)),
        "da",
        "n = 40",
    )
    root = parse(chart.svg)
    assert root.get("role") == "img"
    title = root.find(f"{NS}title")
    desc = root.find(f"{NS}desc")
    assert title is not None and title.text == "Hesteskoen"
    assert root.get("aria-labelledby") == title.get("id")
    assert desc is not None and desc.text is not None
    assert "aug: 6,2" in desc.text and "sep: skjult" in desc.text
    assert root.get("aria-describedby") == desc.get("id")


def test_trend_points_sit_at_their_value_on_a_fixed_axis_and_hidden_breaks_the_line() -> None:
    values = (5.5, None, 7.25, 6.0)
    chart = charts.trend(
        "t", "T", ["a", "b", "c", "d"], [Series("Alle", values)], scale_axis((1, 10)), "da", ""
    )
    root = parse(chart.svg)
    points = marks(root)
    assert [float(p.get("data-value", "")) for p in points] == [5.5, 7.25, 6.0]
    assert [p.get("data-key") for p in points] == ["a", "c", "d"]
    # geometry: top 10, plot height 100, axis 1–10 whatever the data's range
    for point in points:
        value = float(point.get("data-value", ""))
        assert float(point.get("cy", "")) == pytest.approx(
            10 + 100 * (1 - (value - 1) / 9), abs=0.01
        )
    ticks = texts(root)
    assert "1" in ticks and "10" in ticks, "a 1–10 scale is drawn 1–10, not fitted to the data"
    assert "7,2" in ticks or "7,3" in ticks, "Danish value labels use a decimal comma"
    # the hidden period is not joined over: two polylines would mean a bridged gap
    assert len(root.findall(f".//{NS}polyline")) == 1


def test_stacked_segments_are_each_count_over_n_and_a_hidden_row_is_a_skjult_box() -> None:
    rows = [StackRow("Praktisk hjælp", (3, 10, 7), 20), StackRow("Skjult række", None, None)]
    chart = charts.stacked("s", "S", rows, ["lav", "midt", "høj"], ["#000000"] * 3, "da", "")
    root = parse(chart.svg)
    segments = marks(root)
    assert [round(float(s.get("data-value", "")), 3) for s in segments] == [0.15, 0.5, 0.35]
    widths = [float(s.get("width", "")) for s in segments]
    assert sum(widths) == pytest.approx(charts.WIDTH - 40, abs=0.05)
    for segment, width in zip(segments, widths, strict=True):
        assert width == pytest.approx((charts.WIDTH - 40) * float(segment.get("data-value", "")))
    assert len(hidden_marks(root)) == 1
    assert "skjult" in texts(root)
    assert not any(s.get("data-key") == "Skjult række" for s in segments)


def test_columns_always_draw_every_step_of_the_scale() -> None:
    labels = [str(v) for v in range(1, 11)]
    counts = [0, 0, 0, 0, 2, 5, 9, 4, 0, 0]
    chart = charts.columns("c", "C", labels, counts, "da", "n = 20")
    root = parse(chart.svg)
    bars = marks(root)
    assert [b.get("data-key") for b in bars] == labels
    assert [int(b.get("data-value", "")) for b in bars] == counts
    top = max(float(b.get("height", "")) / c for b, c in zip(bars, counts, strict=True) if c)
    for bar, count in zip(bars, counts, strict=True):
        assert float(bar.get("height", "")) == pytest.approx(top * count)


def test_hidden_exposure_category_is_marked_and_never_a_zero_bar() -> None:
    rows = [CountRow("Vold", (None, 12, 0)), CountRow("Skjult", None)]
    chart = charts.count_bars("x", "X", rows, ["Ja", "Nej", "Vil ikke svare"], "da", "")
    root = parse(chart.svg)
    plotted = [(m.get("data-key"), m.get("data-series"), m.get("data-value")) for m in marks(root)]
    assert plotted == [("Vold", "Nej", "12"), ("Vold", "Vil ikke svare", "0")]
    assert len(hidden_marks(root)) == 4  # Vold·Ja, and all three of the hidden row
    assert texts(root).count("skjult") == 4


def test_heatmap_hidden_cells_say_skjult() -> None:
    cells = [[HeatCell("6,1", 0.57, 6.1), HeatCell(None, None)]]
    chart = charts.heatmap("h", "H", ["Score"], ["A", "B"], cells, "da", "")
    root = parse(chart.svg)
    assert [m.get("data-value") for m in marks(root)] == ["6.1"]
    assert len(hidden_marks(root)) == 1 and "skjult" in texts(root)


@pytest.mark.parametrize(
    "label",
    [
        "Ingen vil bevidst handle på en måde, der underminerer min indsats og mit bidrag",
        "Arbejdsrelateret vold – i og uden for arbejdstid",
        "Enormtlangtsammensatordsomikkemåbrydes i midten",
    ],
)
def test_labels_wrap_at_spaces_and_never_cut_a_word(label: str) -> None:
    rows = [StackRow(label, (1, 2, 2), 5)]
    chart = charts.stacked("w", "W", rows, ["a", "b", "c"], ["#000000"] * 3, "da", "")
    drawn = " ".join(texts(parse(chart.svg)))
    for word in label.split():
        assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", drawn), word


def _by_key(root: ET.Element) -> dict[tuple[str | None, str | None], float]:
    return {
        (m.get("data-series"), m.get("data-key")): float(m.get("data-value", ""))
        for m in marks(root)
    }


@pytest.fixture(scope="module")
def handout() -> Handout:
    return build(hide=[("checkin", "2026-09", "Lager"), ("psych_safety", "2026-08", "Kontor")])


def test_checkin_charts_plot_means_as_means_and_counts_as_counts(handout: Handout) -> None:
    tool = handout.tools[0]
    trend, dist = tool_charts(handout, tool)
    plotted = _by_key(parse(trend.svg))
    for site, name in (("Lager", "Lager"), ("Kontor", "Kontor"), (None, "Alle steder")):
        for period in handout.periods:
            cell = tool.cell("score", period.key, site)
            key = (name, period.short("da"))
            if cell.mean is None:
                assert key not in plotted, "a hidden cell is never plotted"
            else:
                assert plotted[key] == cell.mean
    assert ("Lager", "sep 2026") not in plotted
    latest = tool.cell("score", "2026-10", None)
    assert [int(m.get("data-value", "")) for m in marks(parse(dist.svg))] == list(latest.counts)
    assert f"n = {latest.n}" == dist.n_text


def test_psych_safety_bars_order_answers_by_points_so_reversed_items_read_alike(
    handout: Handout,
) -> None:
    tool = next(t for t in handout.tools if t.id == "psych_safety")
    trend, dist = tool_charts(handout, tool)
    totals = _by_key(parse(trend.svg))
    assert ("Kontor", "aug 2026") not in totals
    assert totals[("Alle steder", "okt 2026")] == tool.cell("total", "2026-10", None).mean
    segments = marks(parse(dist.svg))
    for item in tool.items:
        cell = tool.cell(item.id, "2026-10", None)
        assert cell.n is not None
        order = sorted(range(5), key=lambda i: item.categories[i].points or 0)
        expected = [(cell.counts[i] or 0) / cell.n for i in order]
        mine = [
            float(s.get("data-value", ""))
            for s in segments
            if (s.get("data-key") or "").startswith(item.label)
        ]
        assert mine == pytest.approx(expected)
    assert "negativt udsagn, vendt" in dist.svg


def test_support_shares_come_from_the_same_cell(handout: Handout) -> None:
    tool = next(t for t in handout.tools if t.id == "support")
    trend, dist = tool_charts(handout, tool)
    plotted = _by_key(parse(trend.svg))
    for item in tool.items:
        for period in handout.periods:
            shares = support_shares(tool.cell(item.id, period.key, None))
            assert shares is not None
            assert plotted[(item.label, period.short("da"))] == pytest.approx(shares[2])
    bars = _by_key(parse(dist.svg))
    for item in tool.items:
        cell = tool.cell(item.id, "2026-10", None)
        assert cell.n
        counts = [c or 0 for c in cell.counts]
        assert bars[("Mere (8–10)", item.label)] == pytest.approx(sum(counts[7:]) / cell.n)


def test_exposure_bars_are_the_published_counts(handout: Handout) -> None:
    tool = next(t for t in handout.tools if t.id == "exposures")
    _, dist = tool_charts(handout, tool)
    bars = _by_key(parse(dist.svg))
    for item in tool.items:
        cell = tool.cell(item.id, "2026-10", None)
        for category, count in zip(item.categories, cell.counts, strict=True):
            assert bars[(category.label, item.label)] == count


def test_heatmap_shows_published_means_per_site_and_skjult_for_hidden() -> None:
    handout = build(hide=[("guldkorn", "2026-10", "Kontor")])
    chart = site_heatmap(handout)
    assert chart is not None
    root = parse(chart.svg)
    plotted = _by_key(root)
    tool = next(t for t in handout.tools if t.id == "guldkorn")
    for item in tool.items:
        assert ("Kontor", f"{item.label} (1–5)") not in plotted
        assert (
            plotted[("Lager", f"{item.label} (1–5)")] == tool.cell(item.id, "2026-10", "Lager").mean
        )
    assert len(hidden_marks(root)) >= len(tool.items)
