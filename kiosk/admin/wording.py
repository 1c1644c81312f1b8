"""The words every report format uses, in Danish and English, so the formats say the same."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Trivselskiosk – rapport",
        "generated": "Dannet",
        "records": "Åbnede svar",
        "selected": "Svar i rapporten",
        "rules": "Regler for anonymitet",
        "rule_group": "Grupper (værktøj × periode × sted) med færre end {n} svar vises ikke.",
        "rule_text": "Fritekst og påvirkninger vises først fra {n} svar; noterne er blandet og "
        "uden dato.",
        "rule_complementary": "Når én gruppe er skjult, skjules også den næstmindste i samme "
        "sum (eller summen), så ingen kan regne den skjulte ud.",
        "rule_exposure": "Påvirkninger: et svar (ja/nej/vil ikke svare) givet af 1–{n_minus} "
        "personer i en gruppe vises ikke.",
        "rule_month": "En uge hører til den måned, dens torsdag ligger i (ISO 8601).",
        "rule_forged": "Alle med den offentlige nøgle kan tilføje svar, så tallene gælder pr. "
        "import og kiosk, og et uventet spring i antallet bør undersøges.",
        "too_few": "for få svar",
        "complementary": "skjult, så en anden skjult gruppe ikke kan regnes ud",
        "masked": "for få",
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
        "notes_hidden": "Noterne vises først fra {n} svar.",
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
        "records": "Records opened",
        "selected": "Answers in this report",
        "rules": "Anonymity rules",
        "rule_group": "Groups (tool × period × site) with fewer than {n} answers are not shown.",
        "rule_text": "Free text and strains are shown only from {n} answers; notes are shuffled "
        "and undated.",
        "rule_complementary": "When one group is hidden, the next smallest in the same sum (or "
        "the sum) is hidden too, so no one can work the hidden one out.",
        "rule_exposure": "Strains: an answer (yes/no/prefer not to say) given by 1–{n_minus} "
        "people in a group is not shown.",
        "rule_month": "A week belongs to the month its Thursday falls in (ISO 8601).",
        "rule_forged": "Anyone who holds the public key can add records, so counts are per "
        "import and kiosk, and an unexpected jump in them should be questioned.",
        "too_few": "too few answers",
        "complementary": "hidden so that another hidden group cannot be worked out",
        "masked": "too few",
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
        "notes_hidden": "Notes are shown only from {n} answers.",
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
