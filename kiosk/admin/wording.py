"""The words every report format uses, in Danish and English, so the formats say the same."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Trivselskiosk – rapport",
        "generated": "Dannet",
        "rules": "Regler for anonymitet",
        "rule_group": "En celle (værktøj × sted × periode) med færre end {n} svar viser intet tal, "
        "heller ikke sit n.",
        "rule_audit": "Flere celler skjules, indtil det er bevist (heltalsprogrammering), at ingen "
        "skjult celle kan indsnævres til færre end {n} mulige antal – heller ikke ved at "
        "kombinere alle rapporter, der nogensinde er lavet fra denne butik.",
        "rule_text": "Noter vises kun fra et sted × en måned med mindst {n} svar, pr. spørgsmål, "
        "blandet og uden dato.",
        "rule_promise": "Kioskerne har lovet personalet, at svar kun vises samlet for mindst {n} "
        "personer (noter: {t}); rapporten holder løftet, selv om butikken er sat til {m} ({mt}).",
        "rule_closed": "Kun afsluttede perioder: en uge er med, når den er slut, og hver kiosk har "
        "eksporteret efter den (eller er meldt ude af brug).",
        "rule_filters": "Filtre vælger kun celler fra samme tabel; de lægger aldrig tal sammen.",
        "rule_month": "En uge hører til den måned og det år, dens torsdag ligger i (ISO 8601).",
        "rule_forged": "Alle med den offentlige nøgle kan tilføje svar, så tallene gælder pr. "
        "import og kiosk, og et uventet spring i antallet bør undersøges.",
        "hidden": "skjult",
        "as_of": "som udgivet {day}",
        "release": "Udgivelse",
        "covered": "Perioder",
        "open": "{week} og senere er ikke med endnu: de venter på eksport fra {n} kiosk(er)",
        "open_now": "{week} og senere er ikke med endnu: perioden er ikke slut",
        "retired": "{n} kiosk(er) meldt ude af brug",
        "snapped": "Datoerne er udvidet til hele uger: {weeks}",
        "nothing": "Ingen afsluttede perioder endnu.",
        "masked": "skjult",
        "all": "alle",
        "period": "Periode",
        "site": "Sted",
        "item": "Spørgsmål",
        "mean": "Gennemsnit",
        "distribution": "Fordeling",
        "share_low": "Andel ≤3 (skru ned)",
        "share_high": "Andel ≥8 (brug for mere)",
        "total": "Samlet score 0–70 (kun fuldt besvarede)",
        "notes": "Noter (blandet, uden dato)",
        "notes_hidden": "Noter vises kun fra et sted × en måned med mindst {n} svar.",
        "no_answers": "Ingen svar i perioden.",
        "trend": "Udvikling",
        "dialogue": "Arbejdstilsynet forventer, at resultaterne følges op af en dialog på "
        "arbejdspladsen: denne rapport er oplægget til det møde.",
        "plan": "Handleplan – udgangspunkt for dialogen",
        "reflection": "Refleksionsspørgsmål",
        "guldkorn": "De seks guldkorn",
        "prevention": "Eksempler på forebyggelse (bilag 1)",
        "safety_steps": "Sådan skaber vi psykologisk tryghed",
        "chart_n": "n = {n}",
    },
    "en": {
        "title": "Trivselskiosk – report",
        "generated": "Generated",
        "rules": "Anonymity rules",
        "rule_group": "A cell (tool × site × period) with fewer than {n} answers shows no number, "
        "not even its n.",
        "rule_audit": "More cells are hidden until it is proved (integer programming) that no "
        "hidden cell can be narrowed to fewer than {n} possible counts, even by combining every "
        "report ever made from this store.",
        "rule_text": "Notes are shown only from a site × month with at least {n} answers, per "
        "question, shuffled and undated.",
        "rule_promise": "The kiosks promised staff that answers are only shown together for at "
        "least {n} people (notes: {t}); the report keeps that, although the store is set to {m} "
        "({mt}).",
        "rule_closed": "Closed periods only: a week is in once it is over and every kiosk has "
        "exported after it (or is marked retired).",
        "rule_filters": "Filters only select cells of the same table; they never add numbers up.",
        "rule_month": "A week belongs to the month and year its Thursday falls in (ISO 8601).",
        "rule_forged": "Anyone who holds the public key can add records, so counts are per "
        "import and kiosk, and an unexpected jump in them should be questioned.",
        "hidden": "hidden",
        "as_of": "as published {day}",
        "release": "Release",
        "covered": "Periods",
        "open": "{week} and later are not in yet: they wait for an export from {n} kiosk(s)",
        "open_now": "{week} and later are not in yet: the period is not over",
        "retired": "{n} kiosk(s) marked retired",
        "snapped": "The dates were widened to whole weeks: {weeks}",
        "nothing": "No closed periods yet.",
        "masked": "hidden",
        "all": "all",
        "period": "Period",
        "site": "Site",
        "item": "Question",
        "mean": "Mean",
        "distribution": "Distribution",
        "share_low": "Share ≤3 (turn down)",
        "share_high": "Share ≥8 (need more)",
        "total": "Total score 0–70 (complete answers only)",
        "notes": "Notes (shuffled, undated)",
        "notes_hidden": "Notes are shown only from a site × month with at least {n} answers.",
        "no_answers": "No answers in this period.",
        "trend": "Trend",
        "dialogue": "The Working Environment Authority expects results to be followed by a "
        "dialogue at the workplace: this report is the handout for that meeting.",
        "plan": "Action plan – a starting point for the dialogue",
        "reflection": "Questions for reflection",
        "guldkorn": "The six golden nuggets",
        "prevention": "Examples of prevention (annex 1)",
        "safety_steps": "How we build psychological safety",
        "chart_n": "n = {n}",
    },
}


def label(lang: str, key: str, **values: object) -> str:
    """One report text in `lang`, with {placeholders} filled in."""
    return LABELS[lang][key].format(**values)
