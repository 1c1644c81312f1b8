"""The report as the handout for the dialogue meeting: one self-contained, printable HTML file.

Order: a front page (what it covers, a headline per tool, focus areas, what is hidden), each
tool (trend, distribution, a compact periods × sites grid with "skjult"), the sites compared,
notes by question and tag, the handleplan as a working table, and the anonymity rules.

No script, no external reference (a Content-Security-Policy forbids both, as a second line of
defence), and every text from a kiosk goes through html.escape; site names in the running
header go through CSS hex escapes.
"""

from __future__ import annotations

import html
import secrets
from collections import Counter

from kiosk.admin.actionplan import (
    GUIDANCE,
    IGLO,
    PREVENTION_LEVELS,
    REFLECTION_QUESTIONS,
    SAFETY_STEPS,
)
from kiosk.admin.charts import Chart
from kiosk.admin.handout_charts import site_heatmap, site_name, tool_charts
from kiosk.admin.handout_css import stylesheet
from kiosk.admin.handout_model import Handout, NoteList, Tool
from kiosk.admin.handout_words import word
from kiosk.admin.model import ALL
from kiosk.admin.plan import Action
from kiosk.admin.summary import Focus, focus_areas, headline
from kiosk.admin.tidy import rules_lines

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"
EMPTY_PLAN_ROWS = 4


def e(value: object) -> str:
    """Any text escaped for HTML content and attributes."""
    return html.escape(str(value), quote=True)


def figure(chart: Chart, lang: str) -> str:
    """A chart with its caption (title and n) kept together, and its values to unfold."""
    values = "".join(f"<li>{e(v)}</li>" for v in chart.values)
    n_line = f'<span class="muted">{e(chart.n_text)}</span>' if chart.n_text else ""
    return (
        f'<figure aria-labelledby="{e(chart.id)}-cap">{chart.svg}'
        f'<figcaption id="{e(chart.id)}-cap"><span class="ctitle">{e(chart.title)}</span>'
        f"{n_line}</figcaption>"
        f'<details class="numbers"><summary>{e(word(lang, "numbers"))}</summary>'
        f"<ul>{values}</ul></details></figure>"
    )


def _period_span(h: Handout) -> str:
    lang = h.lang
    if not h.periods:
        return "–"
    first, last = h.periods[0].label(lang), h.periods[-1].label(lang)
    return first if first == last else f"{first} – {last}"


def _answers(h: Handout) -> str:
    """Answers in the covered periods, all sites, summed from published cells only."""
    total, hidden = 0, False
    site = h.site_keys[-1]
    for tool in h.tools:
        for period in h.periods:
            if (period.key, site) not in tool.answers:
                continue
            cell = tool.n(period.key, site)
            if cell.n is None:
                hidden = True
            else:
                total += cell.n
    return word(h.lang, "answers_at_least", n=total) if hidden else str(total)


def _hidden_counts(h: Handout) -> tuple[int, int]:
    """How many of the numbers the report covers are hidden: answer counts, questions inside
    a published cell, and answer categories inside a published question."""
    numbers = hidden = 0
    for tool in h.tools:
        for period in h.periods:
            for site in h.site_keys:
                if (period.key, site) not in tool.answers:
                    continue
                numbers += 1
                if tool.n(period.key, site).n is None:
                    hidden += 1
                    continue
                for item in tool.items:
                    cell = tool.cell(item.id, period.key, site)
                    numbers += 1 + len(cell.counts)
                    hidden += (cell.n is None) + sum(c is None for c in cell.counts)
    return hidden, numbers


def _front(h: Handout, focus: list[Focus]) -> str:
    lang = h.lang
    latest = h.latest.label(lang) if h.latest else "–"
    sites = ", ".join(h.sites) or "–"
    parts = [
        '<section class="front" aria-labelledby="front-h">',
        f'<h1 id="front-h">{e(word(lang, "title"))} – {e(latest)}</h1>',
        f'<p class="lead">{e(word(lang, "handout"))}</p>',
        '<table class="covers wide"><caption>' + e(word(lang, "covers")) + "</caption><tbody>",
        f'<tr><th scope="row">{e(word(lang, "period"))}</th><td>{e(_period_span(h))} '
        f"({len(h.periods)} {e(word(lang, 'closed'))})</td></tr>",
        f'<tr><th scope="row">{e(word(lang, "sites"))}</th><td>{e(sites)}</td></tr>',
        f'<tr><th scope="row">{e(word(lang, "answers"))}</th><td>{e(_answers(h))}</td></tr>',
        f'<tr><th scope="row">{e(word(lang, "generated"))}</th>'
        f"<td>{e(h.generated.isoformat())}</td></tr></tbody></table>",
    ]
    parts.extend(f'<p class="small muted">{e(line)}</p>' for line in h.coverage)
    before = h.previous.label(lang) if h.previous else None
    head = [word(lang, "tool"), word(lang, "result")]
    if before:
        head.append(word(lang, "change", period=before))
    parts.append(
        '<table class="wide overview">'
        f"<caption>{e(word(lang, 'overview', period=latest))}</caption><thead><tr>"
        + "".join(f'<th scope="col">{e(x)}</th>' for x in head)
        + "</tr></thead><tbody>"
    )
    for tool in h.tools:
        result, change = headline(h, tool)
        row = f'<th scope="row">{e(tool.title)}</th><td>{e(result)}</td>'
        if before:
            row += f'<td class="num">{e(change or "–")}</td>'
        parts.append(f"<tr>{row}</tr>")
    parts.append("</tbody></table>")
    parts.append(f"<h2>{e(word(lang, 'focus'))}</h2>")
    parts.append(f'<p class="small">{e(word(lang, "focus_intro", period=latest))}</p>')
    if focus:
        items = "".join(f"<li><b>{e(f.tool.title)}</b>: {e(f.text)}</li>" for f in focus)
        parts.append(f'<ol class="focus">{items}</ol>')
    else:
        parts.append(f"<p>{e(word(lang, 'no_focus'))}</p>")
    hidden, total = _hidden_counts(h)
    line = (
        word(lang, "hidden_line", hidden=hidden, cells=total, n=h.rules.min_group)
        if hidden
        else word(lang, "nothing_hidden", n=h.rules.min_group)
    )
    parts.append(f'<p class="box">{e(line)}</p>')
    parts.append(f'<p class="box">{e(word(lang, "dialogue"))}</p></section>')
    return "".join(parts)


def _scroller(name: str) -> str:
    """The box a wide table scrolls in on a phone: a named region the keyboard can reach."""
    return f'<div class="tablewrap" tabindex="0" role="region" aria-label="{e(name)}">'


def _grid(h: Handout, tool: Tool) -> str:
    """The tool's answers per period × site in one compact table, "skjult" where hidden.

    Each cell names its table cell in `data-cell` (tool, site or "all", period), so a reader
    of the file can tie every printed n to the publication table.
    """
    lang = h.lang
    head = "".join(f'<th scope="col" class="num">{e(site_name(h, s))}</th>' for s in h.site_keys)
    rows, repeated = [], set()
    for period in h.periods:
        cells = []
        for site in h.site_keys:
            if (period.key, site) not in tool.answers:
                cells.append('<td class="num">–</td>')
                continue
            cell = tool.n(period.key, site)
            key = e(f"{tool.id}|{ALL if site is None else site}|{period.key}")
            if cell.n is None:
                text = e(word(lang, "hidden"))
                cells.append(f'<td class="hidden num" data-cell="{key}">{text}</td>')
                continue
            mark = ""
            if cell.as_of is not None:
                repeated.add(cell.as_of)
                mark = "*"
            cells.append(f'<td class="num" data-cell="{key}">{cell.n}{mark}</td>')
        rows.append(f'<tr><th scope="row">{e(period.label(lang))}</th>{"".join(cells)}</tr>')
    note = ""
    if repeated:
        days = ", ".join(sorted(repeated))
        note = f'<p class="small muted">* {e(word(lang, "as_of_note", days=days))}</p>'
    return (
        f"{_scroller(f'{tool.title}: ' + word(lang, 'grid'))}"
        f'<table class="grid"><caption>{e(tool.title)}: '
        f'{e(word(lang, "grid"))}</caption><thead><tr><th scope="col">'
        f"{e(word(lang, 'period'))}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f"</table></div>{note}"
    )


def _explain(h: Handout, tool: Tool) -> str:
    lang = h.lang
    key = {
        "psych_safety": "psych_explained",
        "support": "support_explained",
        "checkin": "checkin_scale",
        "exposures": "exposures_explained",
    }.get(tool.id)
    return f'<p class="small">{e(word(lang, key))}</p>' if key else ""


def _prevention(h: Handout, tool: Tool) -> str:
    """Bilag 1's prevention examples, next to the strains someone said yes to."""
    if not tool.prevention_examples or h.latest is None:
        return ""
    site = h.site_keys[-1]
    reported = [
        item.label
        for item in tool.items
        if (cell := tool.cell(item.id, h.latest.key, site)).n and cell.counts and cell.counts[0]
    ]
    if not reported:
        return ""
    examples = "".join(f"<li>{e(text)}</li>" for text in tool.prevention_examples)
    return (
        f'<div class="box"><h3>{e(word(h.lang, "prevention"))}: {e(", ".join(reported))}</h3>'
        f'<ul class="compact small">{examples}</ul></div>'
    )


def _tool(h: Handout, tool: Tool) -> str:
    charts = "".join(figure(chart, h.lang) for chart in tool_charts(h, tool))
    return (
        f'<section class="tool" id="tool-{e(tool.id)}" aria-labelledby="tool-{e(tool.id)}-h">'
        f'<div class="keep"><h2 id="tool-{e(tool.id)}-h">{e(tool.title)}</h2>{_explain(h, tool)}'
        f'<div class="charts">{charts}</div></div>{_prevention(h, tool)}{_grid(h, tool)}</section>'
    )


def _sites(h: Handout) -> str:
    chart = site_heatmap(h)
    if chart is None or h.latest is None:
        return ""
    lang = h.lang
    intro = word(lang, "sites_intro", period=h.latest.label(lang))
    return (
        '<section class="sites keep" aria-labelledby="sites-h">'
        f'<h2 id="sites-h">{e(word(lang, "sites_title"))}</h2><p class="small">{e(intro)}</p>'
        f"{figure(chart, lang)}</section>"
    )


def _merge_notes(lists: tuple[NoteList, ...]) -> dict[tuple[str, str | None], list[str]]:
    """Notes by question and tag (in the order first met), shuffled within each. The same
    text written more than once is printed once with "(×n)": the list says no more than
    printing each copy would, and a handout stays a handout."""
    merged: dict[tuple[str, str | None], list[str]] = {}
    for notes in lists:
        merged.setdefault((notes.question, notes.tag), []).extend(notes.texts)
    for texts in merged.values():
        secrets.SystemRandom().shuffle(texts)
    return merged


def _notes(h: Handout) -> str:
    lang = h.lang
    parts = [
        '<section class="notes" aria-labelledby="notes-h">'
        f'<h2 id="notes-h">{e(word(lang, "notes_title"))}</h2>'
        f'<p class="small">{e(word(lang, "notes_intro", n=h.rules.min_group_text))}</p>'
    ]
    shown = False
    for tool in h.tools:
        merged = _merge_notes(tool.notes)
        if not merged:
            continue
        shown = True
        parts.append(f"<h3>{e(tool.title)}</h3>")
        for (question, tag), texts in merged.items():
            count = (
                word(lang, "note_count_one")
                if len(texts) == 1
                else word(lang, "notes_count", n=len(texts))
            )
            heading = f"{question} – {tag}" if tag else question
            items = "".join(
                f"<li>{e(text)}"
                + (f' <span class="muted">(×{times})</span>' if times > 1 else "")
                + "</li>"
                for text, times in Counter(texts).items()
            )
            parts.append(
                f'<p class="small"><b>{e(heading)}</b> <span class="muted">({e(count)})</span>'
                f"</p><ul>{items}</ul>"
            )
    if not shown:
        parts.append(f"<p>{e(word(lang, 'no_notes'))}</p>")
    parts.append("</section>")
    return "".join(parts)


def _action_row(action: Action, lang: str) -> str:
    """One agreed action (kiosk-admin plan) as a row of the working table."""
    done_on = action.done_on.isoformat() if action.done_on else ""
    status = word(lang, f"status_{action.status}", day=done_on).strip()
    cells = (
        action.heard.get(lang) or action.heard.da,
        action.do.get(lang) or action.do.da,
        action.who,
        action.by.isoformat() if action.by else "",
        status,
    )
    return '<tr class="agreed">' + "".join(f"<td>{e(cell)}</td>" for cell in cells) + "</tr>"


def _plan(h: Handout, focus: list[Focus]) -> str:
    lang = h.lang
    head = ("problem", "action", "owner", "deadline", "follow_up")
    header = "".join(f'<th scope="col">{e(word(lang, k))}</th>' for k in head)
    rows = []
    for area in focus:
        guide = GUIDANCE.get(area.tool.id)
        hint = ""
        if guide is not None:
            lines = [
                f"{word(lang, 'iglo_level')}: {guide.iglo.get(lang)}",
                f"{word(lang, 'prevention_level')}: {guide.level.get(lang)}",
                *(f"• {step.get(lang)}" for step in guide.steps),
            ]
            hint = "<br>".join(e(line) for line in lines)
        rows.append(
            f"<tr><td><b>{e(area.tool.title)}</b>: {e(area.text)}</td>"
            f'<td class="guide">{hint}</td><td></td><td></td><td></td></tr>'
        )
    rows.extend(_action_row(action, lang) for action in h.actions)
    blank = "<tr><td></td><td></td><td></td><td></td><td></td></tr>"
    rows.extend([blank] * EMPTY_PLAN_ROWS)
    questions = "".join(f"<li>{e(q.get(lang))}</li>" for q in REFLECTION_QUESTIONS)
    levels = "".join(f"<li>{e(level.get(lang))}</li>" for level in PREVENTION_LEVELS)
    steps = "".join(f"<li>{e(step.get(lang))}</li>" for step in SAFETY_STEPS)
    return (
        '<section class="plan plan-section" aria-labelledby="plan-h">'
        f'<h2 id="plan-h">{e(word(lang, "plan_title"))}</h2>'
        f'<p class="small">{e(word(lang, "plan_intro"))}</p>'
        f"{_scroller(word(lang, 'plan_caption'))}"
        f'<table class="wide"><caption>{e(word(lang, "plan_caption"))}'
        "</caption>"
        f'<colgroup><col class="problem"><col class="action"><col class="owner">'
        f'<col class="deadline"><col class="follow"></colgroup>'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<div class="two"><div><h3>{e(word(lang, "reflection"))}</h3>'
        f'<ul class="compact small">{questions}</ul>'
        f'<h3>{e(word(lang, "safety_steps"))}</h3><ul class="compact small">{steps}</ul></div>'
        f'<div><h3>{e(word(lang, "levels"))}</h3><ul class="compact small">{levels}</ul>'
        f'<p class="small">{e(IGLO.get(lang))}</p></div></div></section>'
    )


def _rules(h: Handout) -> str:
    lines = rules_lines(h)
    items = "".join(f"<li>{e(line)}</li>" for line in lines)
    return (
        '<section class="rules" aria-labelledby="rules-h">'
        f'<h2 id="rules-h">{e(word(h.lang, "rules_title"))}</h2><ul class="small">{items}</ul>'
        "</section>"
    )


def render(h: Handout) -> str:
    """The whole handout as one HTML document."""
    lang = h.lang
    focus = focus_areas(h)
    latest = h.latest.label(lang) if h.latest else ""
    sites = ", ".join(site_name(h, s) for s in h.site_keys if s is not None) or "–"
    header = f"{word(lang, 'title')} · {sites} · {latest}"
    body = (
        _front(h, focus)
        + "".join(_tool(h, tool) for tool in h.tools)
        + _sites(h)
        + _notes(h)
        + _plan(h, focus)
        + _rules(h)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{e(word(lang, 'title'))} – {e(latest)}</title>"
        f"<style>{stylesheet(header, word(lang, 'page'), word(lang, 'of'))}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
