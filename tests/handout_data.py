"""A handout's inputs from simulated answers, for the renderer tests (not the anonymity tests).

Answers are drawn per site and month from the real instruments, added up into cells as the
publication table does, and cells under the threshold are hidden (n None), plus any cell the
caller names, so tests can place hidden cells where they want them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import date
from statistics import fmean

from kiosk.admin.handout_items import items_of, total_info
from kiosk.admin.handout_model import (
    HIDDEN,
    Cell,
    Handout,
    NoteList,
    Period,
    PeriodKind,
    Rules,
    SiteKey,
    Tool,
)
from kiosk.admin.handout_words import word
from kiosk.config import default_config_dir, load_instruments
from kiosk.instruments import Answer, Instrument, item_score, total_score

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
MENU = ("checkin", "support", "psych_safety", "contribution", "guldkorn", "exposures")
HOSTILE_NOTES = (
    "<script>document.title='PWNED'</script>",
    '<img src=x onerror="document.body.dataset.pwned=1">',
    "</style><style>body{display:none}</style>",
    '"><svg onload=alert(1)>',
    "Superlangtordsomikkekanbrydesnogenstedsoggårudoverkantenpåentelefon" * 2,
)


def _answer(instrument: Instrument, rng: random.Random, mood: float) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for item in instrument.items:
        if item.kind == "scale":
            assert item.min is not None and item.max is not None
            centre = item.min + (item.max - item.min) * mood
            value = round(rng.gauss(centre, 2))
            out[item.id] = min(item.max, max(item.min, value))
        elif item.kind == "choice":
            if instrument.id == "exposures":
                out[item.id] = rng.choices(["ja", "nej", "vil_ikke_svare"], [2, 7, 1])[0]
            else:
                weights = [
                    1 + (i if mood > 0.5 else len(item.options) - i)
                    for i in range(len(item.options))
                ]
                out[item.id] = rng.choices([o.id for o in item.options], weights)[0]
        else:
            out[item.id] = None
    return out


def _cell(instrument: Instrument, item_id: str, answers: list[dict[str, Answer]]) -> Cell:
    if item_id == "total":
        totals = [t for a in answers if (t := total_score(instrument, a)) is not None]
        return Cell(len(totals), (), round(fmean(totals), 2) if totals else None)
    item = instrument.item(item_id)
    given = [a[item_id] for a in answers if a.get(item_id) is not None]
    if item.kind == "scale":
        assert item.min is not None and item.max is not None
        ids = [str(v) for v in range(item.min, item.max + 1)]
    else:
        ids = [o.id for o in item.options]
    counts = tuple(sum(str(g) == i for g in given) for i in ids)
    scores = [s for g in given if (s := item_score(instrument, item_id, g)) is not None]
    mean = round(fmean(scores), 2) if scores else None
    return Cell(len(given), counts, mean)


def build(
    *,
    lang: str = "da",
    sites: tuple[str, ...] = ("Lager", "Kontor"),
    months: tuple[str, ...] = ("2026-08", "2026-09", "2026-10"),
    sizes: Mapping[str, int] | None = None,
    tools: Iterable[str] = MENU,
    hide: Iterable[tuple[str, str, SiteKey]] = (),
    notes: tuple[str, ...] = (),
    seed: int = 7,
    min_group: int = 5,
    kind: PeriodKind = "month",
) -> Handout:
    """A handout of simulated answers. `hide` names (tool, month, site) cells to hide too."""
    rng = random.Random(seed)
    sizes = sizes or {site: 24 + 14 * index for index, site in enumerate(sites)}
    hidden = set(hide)
    built = []
    for tool_id in tools:
        instrument = INSTRUMENTS[tool_id]
        infos = items_of(instrument, lang)
        total = total_info(instrument, lang)
        names = [i.id for i in infos] + (["total"] if total else [])
        answers: dict[tuple[str, SiteKey], list[dict[str, Answer]]] = {}
        for month in months:
            for index, site in enumerate(sites):
                mood = 0.45 + 0.12 * index + 0.05 * months.index(month)
                count = max(0, round(rng.gauss(sizes[site], 3)))
                rows = [_answer(instrument, rng, mood) for _ in range(count)]
                answers[(month, site)] = rows
                answers.setdefault((month, None), []).extend(rows)
        counts: dict[tuple[str, SiteKey], Cell] = {}
        cells: dict[tuple[str, str, SiteKey], Cell] = {}
        for (month, site), rows in answers.items():
            needed = 10 if tool_id == "exposures" else min_group
            if len(rows) < needed or (tool_id, month, site) in hidden:
                counts[(month, site)] = HIDDEN
                continue
            counts[(month, site)] = Cell(len(rows))
            for name in names:
                cells[(name, month, site)] = _cell(instrument, name, rows)
        note_lists = ()
        if notes and tool_id in ("checkin", "contribution"):
            question = next(i for i in instrument.items if i.kind == "text").label.get(lang)
            tag = None
            if tool_id == "contribution":
                tag = instrument.items[0].options[1].label.get(lang)
            note_lists = (NoteList(question, notes, tag, sites[0], months[-1]),)
        built.append(
            Tool(
                id=tool_id,
                title=instrument.title.get(lang),
                items=infos,
                answers=counts,
                cells=cells,
                total=total,
                notes=note_lists,
                prevention_examples=tuple(t.get(lang) for t in instrument.prevention_examples),
            )
        )
    return Handout(
        lang=lang,
        generated=date(2026, 11, 12),
        periods=tuple(Period(m, kind) for m in months),
        sites=sites,
        tools=tuple(built),
        rules=Rules(min_group, 10),
        coverage=(word(lang, "open", periods=Period("2026-11", "month").label(lang)),),
    )
