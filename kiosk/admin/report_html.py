"""The report as one self-contained, printable HTML file: inline CSS, charts as inline SVG.

No script, no external asset, no raw HTML from any record: every text goes through
html.escape. Charts are drawn by matplotlib's Agg/SVG backend, with n under each.
"""

from __future__ import annotations

import html
import io
from typing import Any

from kiosk.admin.actionplan import GULDKORN, REFLECTION_QUESTIONS, SAFETY_STEPS
from kiosk.admin.importer import ADMIN_EXTRA
from kiosk.admin.report_text import hidden_text, number, place, rules_lines
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


def _chart(meta: dict[str, Any], group: dict[str, Any], lang: str, salt: str) -> str:
    """Means per question of one shown group (or counts, where there is no mean), with n."""
    labels, values, ns = [], [], []
    for name, cell in group["items"].items():
        if cell["suppressed"]:
            continue
        if cell.get("mean") is not None:
            value = float(cell["mean"])
        else:
            value = float(next(iter(cell["distribution"].values())) or 0)
        labels.append(meta["items"][name]["label"])
        values.append(value)
        ns.append(cell["n"])
    if not values:
        return ""
    svg = _bar_svg(labels, values, f"{meta['title']} – {label(lang, 'mean')}", salt)
    caption = ", ".join(f"{e(lab[:30])}: n={n}" for lab, n in zip(labels, ns, strict=True))
    return (
        f'<figure class="chart">{svg}<figcaption>n = {group["n"]} · {caption}</figcaption></figure>'
    )


def _cell_html(meta: dict[str, Any], name: str, cell: dict[str, Any], lang: str) -> str:
    heading = (
        meta["items"][name]["label"]
        if name != "total"
        else ("Samlet score 0–70" if lang == "da" else "Total score 0–70")
    )
    if cell["suppressed"]:
        why = e(hidden_text(cell, lang))
        return f'<tr><td>{e(heading)}</td><td colspan="3" class="hidden">{why}</td></tr>'
    if name == "total":
        categories = [[key, key] for key in cell["distribution"]]
    else:
        categories = meta["items"][name]["categories"]
    dist = ", ".join(
        f"{e(cat_label)}: "
        + (
            "<span class=hidden>–</span>"
            if cell["distribution"].get(cat) is None
            else e(cell["distribution"][cat])
        )
        for cat, cat_label in categories
    )
    extra = ""
    if "share_low" in cell:
        low, high = number(cell["share_low"], lang), number(cell["share_high"], lang)
        low_word, high_word = e(label(lang, "share_low")), e(label(lang, "share_high"))
        extra = f"<br>{low_word}: {e(low)} · {high_word}: {e(high)}"
    return (
        f"<tr><td>{e(heading)}</td><td>{cell['n']}</td>"
        f"<td>{e(number(cell.get('mean'), lang))}{extra}</td><td>{dist}</td></tr>"
    )


def _instrument_html(instrument_id: str, meta: dict[str, Any], lang: str) -> str:
    n = "–" if meta["n"] is None else meta["n"]
    parts = [f'<section class="instrument"><h2>{e(meta["title"])} <small>(n = {n})</small></h2>']
    if not meta["groups"]:
        return parts[0] + f"<p>{e(label(lang, 'no_answers'))}</p></section>"
    head = (
        ("Spørgsmål", "n", "Gennemsnit", "Fordeling")
        if lang == "da"
        else ("Question", "n", "Mean", "Distribution")
    )
    for index, group in enumerate(meta["groups"]):
        title = e(place(group, lang))
        if group["suppressed"]:
            parts.append(f'<h3>{title}</h3><p class="hidden">{e(hidden_text(group, lang))}</p>')
            continue
        parts.append(f"<h3>{title} <small>(n = {group['n']})</small></h3>")
        is_total = group["period"] == "all" or len(meta["periods"]) == 1
        if is_total and (group["site"] == "all" or len(meta["sites"]) == 1):
            parts.append(_chart(meta, group, lang, f"{instrument_id}-{index}"))
        rows = [_cell_html(meta, name, cell, lang) for name, cell in group["items"].items()]
        if "total" in group:
            rows.append(_cell_html(meta, "total", group["total"], lang))
        header = "".join(f"<th>{h}</th>" for h in head)
        parts.append(f"<table><tr>{header}</tr>{''.join(rows)}</table>")
        if instrument_id == "exposures" and meta["prevention_examples"]:
            reported = any(
                not cell["suppressed"] and (cell["distribution"].get("ja") or 0) > 0
                for cell in group["items"].values()
            )
            if reported:
                title_p = (
                    "Eksempler på forebyggelse (bilag 1)"
                    if lang == "da"
                    else ("Examples of prevention (annex 1)")
                )
                items = "".join(f"<li>{e(text)}</li>" for text in meta["prevention_examples"])
                parts.append(f"<p><strong>{title_p}</strong></p><ul>{items}</ul>")
    notes = meta["notes"]
    if notes is not None:
        if notes["shown"]:
            word = e(label(lang, "notes"))
            items = "".join(f"<li>{e(text)}</li>" for text in notes["texts"])
            parts.append(
                f'<h3>{word} <small>(n = {notes["n"]})</small></h3><ul class="notes">{items}</ul>'
            )
        else:
            parts.append(
                f'<p class="hidden">{e(label(lang, "notes_hidden", n=notes["needed"]))}</p>'
            )
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


def render(report: dict[str, Any]) -> str:
    """The whole report as one HTML document."""
    lang = report["lang"]
    title = e(label(lang, "title"))
    rules = "".join(f"<li>{e(line)}</li>" for line in rules_lines(report))
    dialogue = label(lang, "dialogue")
    counts = (
        f"{e(label(lang, 'records'))}: {report['records']} · "
        f"{e(label(lang, 'selected'))}: {report['selected']} · "
        f"{e(label(lang, 'generated'))}: {e(report['generated'])}"
    )
    body = "".join(
        _instrument_html(instrument_id, meta, lang)
        for instrument_id, meta in report["instruments"].items()
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f"<h1>{title}</h1><p>{counts}</p>"
        f'<div class="rules"><ul>{rules}</ul></div>'
        f'<p class="dialogue">{e(dialogue)}</p>'
        f"{body}{_plan_html(lang)}</body></html>\n"
    )
