"""Which charts each tool gets, and the published cells each one is drawn from.

The mapping is the one place where cells become plotted values: a mean is plotted as a mean
on its item's fixed scale, a count as a count, a share as counts ÷ n of the same cell. A hidden
cell passes None along, which the charts draw as "skjult", never as zero.
"""

from __future__ import annotations

from kiosk.admin.charts import (
    SHARE_AXIS,
    Axis,
    Chart,
    CountRow,
    HeatCell,
    Series,
    StackRow,
    columns,
    count_axis,
    count_bars,
    heatmap,
    stacked,
    trend,
)
from kiosk.admin.handout_model import Handout, ItemInfo, SiteKey, Tool, decimal, percent
from kiosk.admin.handout_words import word
from kiosk.admin.summary import position, support_shares

LIKERT_COLOURS = ("#b2182b", "#ef8a62", "#e8e8e8", "#67a9cf", "#2166ac")
SUPPORT_COLOURS = ("#ef8a62", "#d9ead3", "#2166ac")
TOOL_TREND = {"checkin", "psych_safety"}


def scale_axis(scale: tuple[float, float]) -> Axis:
    """The fixed axis of a scale: 1–10 with every step, 0–70 in tens, 0–10 in twos."""
    low, high = scale
    span = high - low
    step = 10.0 if span > 20 else (2.0 if span == 10 else 1.0)
    ticks = []
    value = low
    while value <= high + 1e-9:
        ticks.append(value)
        value += step
    return Axis(low, high, tuple(ticks))


def site_name(handout: Handout, site: SiteKey) -> str:
    """A site key as a label: its name, or "Alle steder"."""
    return word(handout.lang, "all_sites") if site is None else site


def _n_line(handout: Handout, tool: Tool, site: SiteKey) -> str:
    """n per period of the tool (for one site key), "skjult" where hidden."""
    lang = handout.lang
    parts = []
    for period in handout.periods:
        cell = tool.n(period.key, site)
        shown = word(lang, "hidden") if cell.n is None else str(cell.n)
        parts.append(f"{period.short(lang)} {shown}")
    where = site_name(handout, site)
    return f"n ({where}): " + " · ".join(parts)


def _latest_n(handout: Handout, count: int | None) -> str:
    return "n = " + (word(handout.lang, "hidden") if count is None else str(count))


def _trend_by_site(handout: Handout, tool: Tool, item: ItemInfo, title: str) -> Chart:
    assert item.scale is not None
    series = [
        Series(
            site_name(handout, site),
            tuple(tool.cell(item.id, p.key, site).mean for p in handout.periods),
        )
        for site in handout.site_keys
    ]
    labels = [p.short(handout.lang) for p in handout.periods]
    n_text = _n_line(handout, tool, handout.site_keys[-1])
    return trend(
        f"{tool.id}-trend", title, labels, series, scale_axis(item.scale), handout.lang, n_text
    )


def _answers_trend(handout: Handout, tool: Tool) -> Chart:
    series = [
        Series(site_name(handout, site), tuple(tool.n(p.key, site).n for p in handout.periods))
        for site in handout.site_keys
    ]
    largest = max((v for s in series for v in s.values if v is not None), default=0)
    labels = [p.short(handout.lang) for p in handout.periods]
    axis = count_axis(int(largest))
    title = f"{tool.title}: {word(handout.lang, 'answers_trend')}"
    n_text = _n_line(handout, tool, handout.site_keys[-1])
    return trend(f"{tool.id}-trend", title, labels, series, axis, handout.lang, n_text)


def _stack_by_points(tool: Tool, item: ItemInfo, period: str, site: SiteKey) -> StackRow:
    """An item's counts ordered by points, least safety first (reversed items flip)."""
    cell = tool.cell(item.id, period, site)
    if cell.n is None or not cell.counts:
        return StackRow(item.label, None, None)
    order = sorted(range(len(item.categories)), key=lambda i: item.categories[i].points or 0)
    return StackRow(item.label, tuple(cell.counts[i] for i in order), cell.n)


def tool_charts(handout: Handout, tool: Tool) -> list[Chart]:
    """The trend chart and the distribution chart of one tool (latest period, all sites)."""
    lang, latest = handout.lang, handout.latest
    if latest is None:
        return []
    everyone = handout.site_keys[-1]
    when = word(lang, "latest", period=latest.label(lang))
    charts: list[Chart] = []
    if tool.id == "checkin":
        item = tool.items[0]
        charts.append(
            _trend_by_site(handout, tool, item, f"{tool.title}: {word(lang, 'score_trend')}")
        )
        cell = tool.cell(item.id, latest.key, everyone)
        counts: list[int | None] = (
            list(cell.counts) if cell.n is not None else [None] * len(item.categories)
        )
        charts.append(
            columns(
                f"{tool.id}-dist",
                f"{word(lang, 'distribution_1_10')} – {when}",
                [c.label for c in item.categories],
                counts,
                lang,
                _latest_n(handout, cell.n),
            )
        )
    elif tool.id == "psych_safety" and tool.total is not None:
        charts.append(
            _trend_by_site(handout, tool, tool.total, f"{tool.title}: {word(lang, 'total_trend')}")
        )
        rows = [_stack_by_points(tool, item, latest.key, everyone) for item in tool.items]
        rows = [
            StackRow(
                f"{r.label} ({word(lang, 'reversed')})" if i.reversed else r.label, r.counts, r.n
            )
            for r, i in zip(rows, tool.items, strict=True)
        ]
        points = sorted({c.points or 0 for c in tool.items[0].categories})
        names = [word(lang, "points", p=decimal(p, lang, 0)) for p in points]
        names[0], names[-1] = word(lang, "points_low"), word(lang, "points_high")
        n_text = _latest_n(handout, tool.n(latest.key, everyone).n)
        charts.append(
            stacked(
                f"{tool.id}-dist",
                f"{tool.title} – {when}",
                rows,
                names,
                LIKERT_COLOURS,
                lang,
                n_text,
            )
        )
    elif tool.id == "support":
        series = []
        for item in tool.items:
            values = []
            for period in handout.periods:
                shares = support_shares(tool.cell(item.id, period.key, everyone))
                values.append(None if shares is None else shares[2])
            series.append(Series(item.label, tuple(values)))
        labels = [p.short(lang) for p in handout.periods]
        title = f"{tool.title}: {word(lang, 'want_more')}"
        n_text = _n_line(handout, tool, everyone)
        charts.append(trend(f"{tool.id}-trend", title, labels, series, SHARE_AXIS, lang, n_text))
        rows = []
        for item in tool.items:
            cell = tool.cell(item.id, latest.key, everyone)
            shares = support_shares(cell)
            if shares is None or cell.n is None:
                rows.append(StackRow(item.label, None, None))
                continue
            known = [c or 0 for c in cell.counts]
            grouped = (sum(known[0:3]), sum(known[3:7]), sum(known[7:10]))
            rows.append(StackRow(item.label, grouped, cell.n))
        charts.append(
            stacked(
                f"{tool.id}-dist",
                f"{tool.title} – {when}",
                rows,
                word(lang, "support_groups").split("|"),
                SUPPORT_COLOURS,
                lang,
                _latest_n(handout, tool.n(latest.key, everyone).n),
            )
        )
    elif tool.id == "guldkorn":
        item_scale = tool.items[0].scale or (1.0, 5.0)
        series = [
            Series(
                item.label, tuple(tool.cell(item.id, p.key, everyone).mean for p in handout.periods)
            )
            for item in tool.items
        ]
        labels = [p.short(lang) for p in handout.periods]
        title = (
            f"{tool.title}: {word(lang, 'mean_of')} {decimal(item_scale[0], lang, 0)}–"
            f"{decimal(item_scale[1], lang, 0)}"
        )
        charts.append(
            trend(
                f"{tool.id}-trend",
                title,
                labels,
                series,
                scale_axis(item_scale),
                lang,
                _n_line(handout, tool, everyone),
            )
        )
        rows = []
        for item in tool.items:
            cell = tool.cell(item.id, latest.key, everyone)
            rows.append(StackRow(item.label, cell.counts or None, cell.n))
        names = [c.label for c in tool.items[0].categories]
        charts.append(
            stacked(
                f"{tool.id}-dist",
                f"{tool.title} – {when}",
                rows,
                names,
                LIKERT_COLOURS,
                lang,
                _latest_n(handout, tool.n(latest.key, everyone).n),
            )
        )
    elif tool.id == "contribution":
        charts.append(_answers_trend(handout, tool))
        item = tool.items[0]
        rows_c = []
        for site in handout.site_keys:
            cell = tool.cell(item.id, latest.key, site)
            rows_c.append(CountRow(site_name(handout, site), cell.counts or None))
        charts.append(
            count_bars(
                f"{tool.id}-dist",
                f"{word(lang, 'by_tag')} – {latest.label(lang)}",
                rows_c,
                [c.label for c in item.categories],
                lang,
                _latest_n(handout, tool.n(latest.key, everyone).n),
            )
        )
    else:
        charts.append(_answers_trend(handout, tool))
        rows_c = []
        for item in tool.items:
            cell = tool.cell(item.id, latest.key, everyone)
            rows_c.append(CountRow(item.label, cell.counts if cell.n is not None else None))
        categories = [c.label for c in tool.items[0].categories] if tool.items else []
        charts.append(
            count_bars(
                f"{tool.id}-dist",
                f"{word(lang, 'yes_no')} – {when}",
                rows_c,
                categories,
                lang,
                _latest_n(handout, tool.n(latest.key, everyone).n),
            )
        )
    return charts


def _heat_row(handout: Handout, tool: Tool, item: ItemInfo, period: str) -> list[HeatCell]:
    """One heatmap row: the item's latest published value per site, placed on its scale."""
    lang = handout.lang
    cells = []
    for site in handout.site_keys:
        cell = tool.cell(item.id, period, site)
        if tool.id == "support":
            shares = support_shares(cell)
            cells.append(
                HeatCell(None, None)
                if shares is None
                else HeatCell(percent(shares[2], lang), 1 - shares[2], shares[2])
            )
        elif tool.id == "exposures":
            yes = cell.counts[0] if cell.counts and cell.n else None
            cells.append(
                HeatCell(None, None)
                if yes is None or not cell.n
                else HeatCell(percent(yes / cell.n, lang), 1 - yes / cell.n, yes / cell.n)
            )
        elif cell.mean is None or item.scale is None:
            cells.append(HeatCell(None, None))
        else:
            place = min(1.0, max(0.0, position(item, cell.mean)))
            cells.append(HeatCell(decimal(cell.mean, lang), place, cell.mean))
    return cells


def site_heatmap(handout: Handout) -> Chart | None:
    """Tool/item × site for the latest closed period, published cells only."""
    lang, latest = handout.lang, handout.latest
    if latest is None or len(handout.sites) < 2:
        return None
    labels: list[str] = []
    rows: list[list[HeatCell]] = []
    for tool in handout.tools:
        items: list[ItemInfo] = []
        if tool.id == "psych_safety" and tool.total is not None:
            items = [tool.total, *tool.items]
        elif tool.id in ("checkin", "guldkorn", "support", "exposures"):
            items = [i for i in tool.items if i.kind != "total"]
        if items:
            labels.append(tool.title)
            rows.append([])
        for item in items:
            suffix = ""
            if tool.id == "support":
                suffix = f" ({word(lang, 'heat_want_more')})"
            elif tool.id == "exposures":
                suffix = f" ({word(lang, 'heat_yes')})"
            elif item.scale is not None:
                suffix = f" ({decimal(item.scale[0], lang, 0)}–{decimal(item.scale[1], lang, 0)})"
            labels.append(f"{item.label}{suffix}")
            rows.append(_heat_row(handout, tool, item, latest.key))
    if not rows:
        return None
    columns_ = [site_name(handout, s) for s in handout.site_keys]
    title = f"{word(lang, 'sites_title')} – {latest.label(lang)}"
    return heatmap("sites-heat", title, labels, columns_, rows, lang, "")
