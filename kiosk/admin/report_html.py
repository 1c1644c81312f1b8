"""The report as one self-contained, printable HTML file: inline CSS, charts as inline SVG.

No script, no external asset, no raw HTML from any record: every text goes through
html.escape. Charts are drawn by matplotlib's Agg/SVG backend, with n under each.
"""

from __future__ import annotations

import html
import io
from typing import Any

from kiosk.admin.actionplan import GULDKORN, REFLECTION_QUESTIONS, SAFETY_STEPS
from kiosk.admin.aggregate import TOTAL
from kiosk.admin.importer import ADMIN_EXTRA
from kiosk.admin.model import ALL, Cell, InstrumentInfo, Measure, Question, Report
from kiosk.admin.report_text import (
    coverage_lines,
    hidden_text,
    notes_heading,
    number,
    place,
    rules_lines,
)
from kiosk.admin.wording import label

CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #111; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #999; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
.hidden { color: #666; font-style: italic; }
.rules, .dialogue { background: #f3f3f3; padding: 0.5rem 1rem; border-left: 4px solid #555; }
.chart figcaption { font-size: 0.9rem; color: #333; }
.notes li { margin: 0.2rem 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.instrument, section.plan { break-inside: avoid-page; }
  .rules, .dialogue { background: none; }
}
"""


class ChartsUnavailable(Exception):
    """matplotlib is missing; the message says how to install it."""


def e(text: object) -> str:
    """Escape any text for HTML, quotes included."""
    return html.escape(str(text), quote=True)


def _bar_svg(labels: list[str], values: list[float], title: str, salt: str) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        raise ChartsUnavailable(f"HTML charts need matplotlib: {ADMIN_EXTRA}") from None
    matplotlib.rcParams["svg.hashsalt"] = salt
    matplotlib.rcParams["svg.fonttype"] = "none"
    figure, axes = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.0))
    axes.barh(range(len(values)), values, color="#4a6fa5")
    axes.set_yticks(range(len(labels)), labels=[label[:48] for label in labels])
    axes.invert_yaxis()
    axes.set_title(title)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def _question(info: InstrumentInfo, question_id: str) -> Question:
    return next(q for q in info.questions if q.id == question_id)


def _chart(info: InstrumentInfo, cell: Cell, lang: str, salt: str) -> str:
    """Means per question of one shown cell (or counts, where there is no mean), with n."""
    labels, values, ns = [], [], []
    for measure in cell.measures:
        if measure.n is None or measure.question == TOTAL:
            continue
        if measure.mean is not None:
            value = float(measure.mean)
        else:
            value = float(next((count for _, count in measure.distribution), 0) or 0)
        labels.append(_question(info, measure.question).label.get(lang))
        values.append(value)
        ns.append(measure.n)
    if not values:
        return ""
    svg = _bar_svg(labels, values, f"{info.title.get(lang)} – {label(lang, 'mean')}", salt)
    caption = ", ".join(f"{e(lab[:30])}: n={n}" for lab, n in zip(labels, ns, strict=True))
    return f'<figure class="chart">{svg}<figcaption>n = {cell.n} · {caption}</figcaption></figure>'


def _measure_html(info: InstrumentInfo, measure: Measure, lang: str) -> str:
    question = _question(info, measure.question)
    heading = question.label.get(lang)
    labels = {category.id: category.label.get(lang) for category in question.categories}
    dist = ", ".join(
        f"{e(labels.get(cat, cat))}: "
        + (f"<span class=hidden>{e(hidden_text(lang))}</span>" if count is None else e(count))
        for cat, count in measure.distribution
    )
    answered = (
        f"<span class=hidden>{e(hidden_text(lang))}</span>" if measure.n is None else measure.n
    )
    extra = ""
    if question.shares:
        low, high = number(measure.share_low, lang), number(measure.share_high, lang)
        low_word, high_word = e(label(lang, "share_low")), e(label(lang, "share_high"))
        extra = f"<br>{low_word}: {e(low)} · {high_word}: {e(high)}"
    return (
        f"<tr><td>{e(heading)}</td><td>{answered}</td>"
        f"<td>{e(number(measure.mean, lang))}{extra}</td><td>{dist}</td></tr>"
    )


def _instrument_html(report: Report, instrument_id: str, info: InstrumentInfo) -> str:
    lang = report.lang
    parts = [f'<section class="instrument"><h2>{e(info.title.get(lang))}</h2>']
    cells = report.cells.get(instrument_id, [])
    if not cells:
        parts.append(f"<p>{e(label(lang, 'no_answers'))}</p>")
    head = (
        ("Spørgsmål", "n", "Gennemsnit", "Fordeling")
        if lang == "da"
        else ("Question", "n", "Mean", "Distribution")
    )
    single_site = len(report.table.sites) == 1
    for index, cell in enumerate(cells):
        title = e(place(cell, lang))
        if cell.n is None:
            parts.append(f'<h3>{title}</h3><p class="hidden">{e(hidden_text(lang))}</p>')
            continue
        stale = f" <small>[{e(label(lang, 'as_of', day=cell.as_of))}]</small>" if cell.as_of else ""
        parts.append(f"<h3>{title} <small>(n = {cell.n})</small>{stale}</h3>")
        if cell.period == ALL and (cell.site == ALL or single_site):
            parts.append(_chart(info, cell, lang, f"{instrument_id}-{index}"))
        rows = [_measure_html(info, measure, lang) for measure in cell.measures]
        header = "".join(f"<th>{h}</th>" for h in head)
        parts.append(f"<table><tr>{header}</tr>{''.join(rows)}</table>")
        if info.prevention_examples:
            reported = any(
                measure.n is not None and (dict(measure.distribution).get("ja") or 0) > 0
                for measure in cell.measures
            )
            if reported:
                items = "".join(f"<li>{e(t.get(lang))}</li>" for t in info.prevention_examples)
                word = e(label(lang, "prevention"))
                parts.append(f"<p><strong>{word}</strong></p><ul>{items}</ul>")
    if info.text_questions:
        notes = report.notes.get(instrument_id, [])
        if not notes:
            needed = label(lang, "notes_hidden", n=info.min_group_text)
            parts.append(f'<p class="hidden">{e(needed)}</p>')
        for note in notes:
            heading = e(notes_heading(note, info, lang))
            items = "".join(f"<li>{e(text)}</li>" for text in note.texts)
            count = f"<small>(n = {len(note.texts)})</small>"
            parts.append(f'<h3>{heading} {count}</h3><ul class="notes">{items}</ul>')
    parts.append("</section>")
    return "".join(parts)


def _plan_html(lang: str) -> str:
    def bullets(texts: tuple[Any, ...]) -> str:
        return "<ul>" + "".join(f"<li>{e(t.get(lang))}</li>" for t in texts) + "</ul>"

    if lang == "da":
        titles = (
            "Handleplan – udgangspunkt for dialogen",
            "Refleksionsspørgsmål",
            "De seks guldkorn",
            "Sådan skaber vi psykologisk tryghed",
        )
    else:
        titles = (
            "Action plan – a starting point for the dialogue",
            "Questions for reflection",
            "The six golden nuggets",
            "How we build psychological safety",
        )
    return (
        f'<section class="plan"><h2>{titles[0]}</h2>'
        f"<h3>{titles[1]}</h3>{bullets(REFLECTION_QUESTIONS)}"
        f"<h3>{titles[2]}</h3>{bullets(GULDKORN)}"
        f"<h3>{titles[3]}</h3>{bullets(SAFETY_STEPS)}</section>"
    )


def render(report: Report) -> str:
    """The whole report as one HTML document."""
    lang, table = report.lang, report.table
    title = e(label(lang, "title"))
    rules = "".join(f"<li>{e(line)}</li>" for line in rules_lines(report))
    dialogue = label(lang, "dialogue")
    counts = (
        f"{e(label(lang, 'generated'))}: {e(table.generated.isoformat())} · "
        f"{e(label(lang, 'release'))} {table.release}<br>"
        + "<br>".join(e(line) for line in coverage_lines(report))
    )
    body = "".join(
        _instrument_html(report, instrument_id, info)
        for instrument_id, info in table.instruments.items()
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f"<h1>{title}</h1><p>{counts}</p>"
        f'<div class="rules"><ul>{rules}</ul></div>'
        f'<p class="dialogue">{e(dialogue)}</p>'
        f"{body}{_plan_html(lang)}</body></html>\n"
    )
