"""The report as plain terminal text: every number with its n, hidden cells said plainly.

Anything that came from a kiosk (notes, site names) is stripped of control and escape
characters before it reaches the terminal; nothing is rendered as markup.
"""

from __future__ import annotations

from kiosk.admin.model import ALL, Cell, InstrumentInfo, Measure, Notes, Question, Report
from kiosk.admin.wording import label
from kiosk.sanitize import clean_text


def safe(text: object) -> str:
    """Text from a kiosk made harmless for a terminal: no escapes, no control characters."""
    return clean_text(str(text))


def rules_lines(report: Report) -> list[str]:
    """The anonymity rules in a short human form, as every format prints them."""
    lang, table = report.lang, report.table
    rules = table.rules
    lines = [
        label(lang, "rule_group", n=rules.min_group),
        label(lang, "rule_audit", n=rules.min_group),
        label(lang, "rule_text", n=rules.min_group_text),
    ]
    if rules.store_setting is not None:
        setting, setting_text = rules.store_setting
        lines.append(
            label(
                lang,
                "rule_promise",
                n=rules.min_group,
                t=rules.min_group_text,
                m=setting,
                mt=setting_text,
            )
        )
    for info in table.instruments.values():
        if info.min_group > rules.min_group:
            lines.append(f"{info.title.get(lang)}: {label(lang, 'rule_group', n=info.min_group)}")
    lines += [
        label(lang, "rule_closed"),
        label(lang, "rule_filters"),
        label(lang, "rule_month"),
        label(lang, "rule_forged"),
    ]
    return lines


def coverage_lines(report: Report) -> list[str]:
    """Which periods the table covers, what waits, and how the dates were snapped."""
    lang, table = report.lang, report.table
    out = []
    if table.weeks:
        out.append(f"{label(lang, 'covered')}: {table.weeks[0]} – {table.weeks[-1]}")
    else:
        out.append(label(lang, "nothing"))
    if table.open_from is not None:
        key = "open" if table.waiting_for else "open_now"
        out.append(label(lang, key, week=table.open_from, n=table.waiting_for))
    if table.retired:
        out.append(label(lang, "retired", n=table.retired))
    if report.selection.snapped:
        out.append(label(lang, "snapped", weeks=report.selection.snapped))
    return out


def number(value: float | None, lang: str) -> str:
    """A mean or share as text in the report's language (decimal comma in Danish)."""
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "da" else text


def hidden_text(lang: str) -> str:
    """What a hidden number says: only that it is hidden, never why."""
    return label(lang, "hidden")


def place(cell: Cell, lang: str) -> str:
    """A cell's period and site, as a heading."""
    period = label(lang, "all") if cell.period == ALL else cell.period
    site = label(lang, "all") if cell.site == ALL else safe(cell.site)
    return f"{period} · {site}"


def question_label(question: Question, lang: str) -> str:
    """A question's label in the report's language."""
    return question.label.get(lang)


def distribution_text(measure: Measure, question: Question, lang: str) -> str:
    """'label: count' pairs in the question's order; hidden counts say so."""
    labels = {category.id: category.label.get(lang) for category in question.categories}
    return " | ".join(
        f"{labels.get(cat, cat)}: {hidden_text(lang) if count is None else count}"
        for cat, count in measure.distribution
    )


def _measure_lines(info: InstrumentInfo, measure: Measure, lang: str) -> list[str]:
    question = next(q for q in info.questions if q.id == measure.question)
    heading = question_label(question, lang)
    answered = hidden_text(lang) if measure.n is None else measure.n
    line = f"    {heading} (n={answered})"
    if measure.mean is not None:
        line += f"  {label(lang, 'mean')}: {number(measure.mean, lang)}"
    if question.shares:
        line += f"  {label(lang, 'share_low')}: {number(measure.share_low, lang)}"
        line += f"  {label(lang, 'share_high')}: {number(measure.share_high, lang)}"
    return [line, f"      {distribution_text(measure, question, lang)}"]


def cell_heading(cell: Cell, lang: str) -> str:
    """A cell's heading with its n, or that it is hidden, or which release it repeats."""
    if cell.n is None:
        return f"{place(cell, lang)}: {hidden_text(lang)}"
    stale = f"  [{label(lang, 'as_of', day=cell.as_of)}]" if cell.as_of else ""
    return f"{place(cell, lang)}  (n={cell.n}){stale}"


def notes_heading(note: Notes, info: InstrumentInfo, lang: str) -> str:
    """Which question, site and month a list of notes comes from."""
    question = next(q for q in info.text_questions if q.id == note.question)
    site = safe(note.site)
    return f"{label(lang, 'notes')} – {question.label.get(lang)} · {site} · {note.month}"


def render(report: Report) -> str:
    """The whole report as text lines for a terminal or a .txt file."""
    lang, table = report.lang, report.table
    out = [
        label(lang, "title"),
        f"{label(lang, 'generated')}: {table.generated.isoformat()}  ·  "
        f"{label(lang, 'release')} {table.release}",
        *coverage_lines(report),
        "",
        f"{label(lang, 'rules')}:",
        *(f"  - {line}" for line in rules_lines(report)),
        "",
        label(lang, "dialogue"),
    ]
    for instrument_id, info in table.instruments.items():
        cells = report.cells.get(instrument_id, [])
        out += ["", "=" * 72, info.title.get(lang)]
        if not cells:
            out.append(f"  {label(lang, 'no_answers')}")
        for cell in cells:
            out.append(f"  {cell_heading(cell, lang)}")
            for measure in cell.measures:
                out += _measure_lines(info, measure, lang)
        if info.text_questions:
            notes = report.notes.get(instrument_id, [])
            if not notes:
                out.append(f"  {label(lang, 'notes_hidden', n=info.min_group_text)}")
            for note in notes:
                out.append(f"  {notes_heading(note, info, lang)} (n={len(note.texts)}):")
                out += [f"    • {safe(text)}" for text in note.texts]
    return "\n".join(out) + "\n"
