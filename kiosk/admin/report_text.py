"""The report as plain terminal text: every number with its n, hidden groups said plainly.

Anything that came from a kiosk (notes, site names) is stripped of control and escape
characters before it reaches the terminal; nothing is rendered as markup.
"""

from __future__ import annotations

from typing import Any

from kiosk.admin.wording import label
from kiosk.sanitize import clean_text


def safe(text: object) -> str:
    """Text from a kiosk made harmless for a terminal: no escapes, no control characters."""
    return clean_text(str(text))


def rules_lines(report: dict[str, Any]) -> list[str]:
    """The anonymity rules, as every format prints them."""
    lang, rules = report["lang"], report["rules"]
    return [
        label(lang, "rule_group", n=rules["min_group"]),
        label(lang, "rule_text", n=rules["min_group_text"]),
        label(lang, "rule_complementary"),
        label(lang, "rule_exposure", n_minus=rules["exposure_min_cell"] - 1),
        label(lang, "rule_month"),
        label(lang, "rule_forged"),
    ]


def number(value: float | None, lang: str) -> str:
    """A mean or share as text in the report's language (decimal comma in Danish)."""
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "da" else text


def hidden_text(cell: dict[str, Any], lang: str) -> str:
    """Why a cell is not shown."""
    return label(lang, "too_few" if cell.get("reason") == "too_few" else "complementary")


def place(group: dict[str, Any], lang: str) -> str:
    """A group's period and site, as a heading."""
    period = label(lang, "all") if group["period"] == "all" else group["period"]
    site = label(lang, "all") if group["site"] == "all" else safe(group["site"])
    return f"{period} · {site}"


def distribution_text(cell: dict[str, Any], categories: list[list[str]], lang: str) -> str:
    """'label: count' pairs in the item's order; hidden counts say so."""
    parts = []
    for cat_id, cat_label in categories:
        count = cell["distribution"].get(cat_id)
        parts.append(f"{cat_label}: {label(lang, 'masked') if count is None else count}")
    return " | ".join(parts)


def _item_lines(meta: dict[str, Any], name: str, cell: dict[str, Any], lang: str) -> list[str]:
    heading = label(lang, "total") if name == "total" else meta["items"][name]["label"]
    if cell["suppressed"]:
        return [f"    {heading}: {hidden_text(cell, lang)}"]
    line = f"    {heading} (n={cell['n']})"
    if cell.get("mean") is not None:
        line += f"  {label(lang, 'mean')}: {number(cell['mean'], lang)}"
    if "share_low" in cell:
        line += f"  {label(lang, 'share_low')}: {number(cell['share_low'], lang)}"
        line += f"  {label(lang, 'share_high')}: {number(cell['share_high'], lang)}"
    if name == "total":
        categories = [[key, key] for key in cell["distribution"]]
    else:
        categories = meta["items"][name]["categories"]
    return [line, f"      {distribution_text(cell, categories, lang)}"]


def render(report: dict[str, Any]) -> str:
    """The whole report as text lines for a terminal or a .txt file."""
    lang = report["lang"]
    out = [
        label(lang, "title"),
        f"{label(lang, 'generated')}: {report['generated']}",
        f"{label(lang, 'records')}: {report['records']}  ·  "
        f"{label(lang, 'selected')}: {report['selected']}",
        "",
        f"{label(lang, 'rules')}:",
        *(f"  - {line}" for line in rules_lines(report)),
        "",
        label(lang, "dialogue"),
    ]
    for meta in report["instruments"].values():
        out += ["", "=" * 72, f"{meta['title']}  (n={meta['n'] if meta['n'] is not None else '–'})"]
        if not meta["groups"]:
            out.append(f"  {label(lang, 'no_answers')}")
            continue
        for group in meta["groups"]:
            if group["suppressed"]:
                out.append(f"  {place(group, lang)}: {hidden_text(group, lang)}")
                continue
            out.append(f"  {place(group, lang)}  (n={group['n']})")
            for name, cell in group["items"].items():
                out += _item_lines(meta, name, cell, lang)
            if "total" in group:
                out += _item_lines(meta, "total", group["total"], lang)
        notes = meta["notes"]
        if notes is not None:
            if notes["shown"]:
                out.append(f"  {label(lang, 'notes')} (n={notes['n']}):")
                out += [f"    • {safe(text)}" for text in notes["texts"]]
            else:
                out.append(f"  {label(lang, 'notes_hidden', n=notes['needed'])}")
    return "\n".join(out) + "\n"
