"""The published numbers as tidy long rows, for CSV and the spreadsheet.

One row per published cell × item × category: period, site ("all" for all sites), tool, item
and category each with its label in the report's language beside the id, then count, share
(per cent of the cell's n), mean and n as numbers. The tool's own row (empty item) holds its
answer count, an item's own row (empty category) its n and mean. A hidden cell is its tool's
row alone; it, a hidden question or a hidden category within a published cell has empty
numbers and status "skjult" / "hidden"; a cell repeating an earlier release says "som udgivet
<day>" / "as published <day>". The rules are not rows: the HTML report and the spreadsheet's
second sheet print them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.admin.handout_model import Cell, Handout, ItemInfo, Period, SiteKey, Tool
from kiosk.admin.handout_words import word
from kiosk.admin.model import ALL
from kiosk.admin.wording import label
from kiosk.sanitize import clean_text

COLUMNS = (
    "period",
    "period_label",
    "site",
    "site_label",
    "tool",
    "tool_label",
    "item",
    "item_label",
    "category",
    "category_label",
    "count",
    "share_percent",
    "mean",
    "n",
    "status",
)

Number = int | float | None


@dataclass(frozen=True)
class Row:
    """One tidy row; numbers stay numbers (None: empty)."""

    texts: tuple[str, ...]
    count: Number
    share_percent: Number
    mean: Number
    n: Number
    status: str

    def values(self) -> list[str | Number]:
        """The row in COLUMNS order."""
        return [*self.texts, self.count, self.share_percent, self.mean, self.n, self.status]


def _status(h: Handout, shown: bool, as_of: str | None = None) -> str:
    if as_of is not None:
        return label(h.lang, "as_of", day=as_of)
    if h.lang == "da":
        return "vist" if shown else "skjult"
    return "shown" if shown else "hidden"


def _item_rows(
    h: Handout, tool: Tool, item: ItemInfo, period: Period, site: SiteKey, base: tuple[str, ...]
) -> Iterator[Row]:
    cell: Cell = tool.cell(item.id, period.key, site)
    head = (*base, item.id, item.label)
    if cell.n is None:
        yield Row((*head, "", ""), None, None, None, None, _status(h, False))
        return
    yield Row((*head, "", ""), None, None, cell.mean, cell.n, _status(h, True, cell.as_of))
    for index, category in enumerate(item.categories):
        count = cell.counts[index] if index < len(cell.counts) else None
        texts = (*head, category.id, category.label)
        if count is None:
            yield Row(texts, None, None, None, cell.n, _status(h, False))
            continue
        share = round(100 * count / cell.n, 1) if cell.n else None
        yield Row(texts, count, share, None, cell.n, _status(h, True, cell.as_of))


def rows(h: Handout) -> Iterator[Row]:
    """Every tidy row of the handout's published cells, tools in menu order."""
    for tool in h.tools:
        items = (*tool.items, *((tool.total,) if tool.total else ()))
        for period in h.periods:
            for site in h.site_keys:
                if (period.key, site) not in tool.answers:
                    continue  # the table has no such cell: nothing to print, not "hidden"
                name = word(h.lang, "all_sites") if site is None else site
                key = ALL if site is None else site
                base = (period.key, period.label(h.lang), key, name, tool.id, tool.title)
                answers = tool.n(period.key, site)
                yield Row(
                    (*base, "", "", "", ""),
                    None,
                    None,
                    None,
                    answers.n,
                    _status(h, answers.n is not None, answers.as_of),
                )
                if answers.n is None:
                    continue
                for item in items:
                    yield from _item_rows(h, tool, item, period, site, base)


def rules_lines(h: Handout) -> list[str]:
    """The anonymity rules in plain words, as the handout ends with them."""
    lang, rules = h.lang, h.rules
    promise = [word(lang, "rule_promise", n=rules.min_group)] if rules.store_setting else []
    return [
        word(lang, "rule_group", n=rules.min_group),
        word(lang, "rule_text", n=rules.min_group_text),
        *promise,
        word(lang, "rule_linked"),
        word(lang, "rule_closed"),
        word(lang, "rule_month"),
        word(lang, "rule_forged"),
    ]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text from a kiosk (a site name) that no spreadsheet runs as a formula."""
    text = clean_text(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _csv_value(value: str | Number, excel_da: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    text = str(value)
    return text.replace(".", ",") if excel_da else text


def render_csv(h: Handout, excel_da: bool = False) -> str:
    """The tidy rows as CSV; with excel_da, semicolons, decimal commas and a BOM, so Danish
    Excel opens it with æ, ø and å intact and numbers as numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel_da else ",", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(h):
        writer.writerow([_csv_value(value, excel_da) for value in row.values()])
    return ("\ufeff" if excel_da else "") + buffer.getvalue()
