"""The handout's own words in Danish and English (the tools' texts come from their TOML)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Trivselsrapport",
        "handout": "Oplæg til dialogmødet om det psykiske arbejdsmiljø",
        "covers": "Rapporten dækker",
        "closed": "afsluttede perioder",
        "sites": "Steder",
        "answers": "Svar",
        "answers_at_least": "mindst {n} (nogle grupper er skjult)",
        "generated": "Dannet",
        "open": "Igangværende perioder er ikke med, før de er slut og alle kiosker har "
        "eksporteret efter dem: {periods}.",
        "overview": "Overblik for {period}",
        "tool": "Værktøj",
        "result": "Resultat",
        "change": "Ændring siden {period}",
        "focus": "Fokusområder",
        "focus_intro": "De laveste scorer og de største fald i {period} (alle steder), "
        "støtte mange vil have mere af, og påvirkninger nogen har svaret ja til.",
        "no_focus": "Ingen af de viste tal skiller sig ud. Brug refleksionsspørgsmålene i "
        "handleplanen.",
        "hidden_line": "{hidden} af {cells} tal er skjult: de bygger på færre end {n} svar "
        "eller ville lade nogen regne en lille gruppe ud. Der står »skjult«, aldrig et tal.",
        "nothing_hidden": "Intet tal er skjult her: alle grupper har mindst {n} svar. En "
        "gruppe med færre ville stå som »skjult«, aldrig som et tal.",
        "dialogue": "Arbejdstilsynet forventer, at resultaterne følges op af en dialog på "
        "arbejdspladsen. Denne rapport er oplægget til det møde.",
        "trend": "Udvikling",
        "latest": "{period}, alle steder",
        "all_sites": "Alle steder",
        "grid": "Svar pr. periode og sted",
        "period": "Periode",
        "hidden": "skjult",
        "as_of_note": "Som udgivet {days}: tallet gentager en tidligere rapport, fordi en "
        "rettelse ville vise, hvor få svar der kom for sent.",
        "numbers": "Tallene i figuren",
        "mean_of": "Gennemsnit",
        "psych_explained": "Hvert udsagn giver 0–10 point, og 10 betyder mest psykologisk "
        "tryghed. Udsagn 1, 3 og 5 er negativt formuleret, så dér giver »Meget uenig« 10 "
        "point: pointene er vendt, så et højt tal altid er godt. Samlet score: 0–70 (kun "
        "svar på alle syv udsagn).",
        "reversed": "negativt udsagn, vendt",
        "points_low": "0 point (mindst tryghed)",
        "points_high": "10 point (mest tryghed)",
        "points": "{p} point",
        "support_explained": "1 er »skru lidt ned«, 10 er »jeg har brug for mere«. Her "
        "samlet: 1–3 skru ned, 4–7 det er fint, 8–10 mere.",
        "support_groups": "Skru ned (1–3)|Det er fint (4–7)|Mere (8–10)",
        "want_more": "Andel der vil have mere (8–10)",
        "checkin_scale": "Skala 1–10: 1 meget dårligt, 10 rigtig godt.",
        "score_trend": "Gennemsnit 1–10",
        "total_trend": "Samlet score 0–70",
        "answers_trend": "Antal svar",
        "distribution_1_10": "Fordeling af svar 1–10",
        "by_tag": "Bidrag pr. mærke",
        "yes_no": "Svar pr. påvirkning",
        "exposures_explained": "Tal vises først fra 10 svar; et svar givet af meget få "
        "personer er skjult.",
        "prevention": "Eksempler på forebyggelse (bilag 1) til de påvirkninger, der er svaret "
        "ja til",
        "sites_title": "Sammenligning af steder",
        "sites_intro": "{period}. Farven viser, hvor på skalaen tallet ligger (orange lavt, blå "
        "højt); for støtte og påvirkninger er det andelen, der vil have mere eller har svaret ja.",
        "heat_want_more": "vil have mere",
        "heat_yes": "ja",
        "notes_title": "Noter",
        "notes_intro": "Noterne er blandet og uden dato. De vises kun fra grupper (sted og "
        "måned) med mindst {n} svar.",
        "notes_count": "{n} noter",
        "note_count_one": "1 note",
        "no_notes": "Ingen noter kan vises.",
        "plan_title": "Handleplan",
        "plan_intro": "Udfyldes på mødet. De første rækker er fokusområderne med forslag fra "
        "materialet; de tomme rækker er til jeres egne punkter.",
        "plan_caption": "Handleplan: problem, handling, ansvarlig, frist og opfølgning",
        "problem": "Problem",
        "action": "Handling",
        "owner": "Ansvarlig",
        "deadline": "Frist",
        "follow_up": "Opfølgning",
        "status_open": "Åben",
        "status_started": "I gang",
        "status_done": "Gjort {day}",
        "iglo_level": "Niveau (IGLO)",
        "prevention_level": "Forebyggelse",
        "reflection": "Refleksionsspørgsmål",
        "levels": "Forebyggelse på tre niveauer",
        "safety_steps": "Sådan skaber vi psykologisk tryghed",
        "rules_title": "Sådan er svarene beskyttet",
        "rule_group": "Et tal vises kun, når det bygger på mindst {n} svar. Ellers står der "
        "»skjult« – aldrig et tal, heller ikke 0.",
        "rule_text": "Noter og påvirkninger vises først fra {n} svar på samme sted i samme "
        "måned. Noterne er blandet og uden dato.",
        "rule_promise": "Kiosken lovede jer, at svar kun vises samlet for mindst {n} personer; "
        "det løfte holder rapporten.",
        "rule_linked": "Nogle tal med nok svar er også skjult, så ingen kan regne en skjult "
        "gruppe ud ved at lægge tal sammen eller trække dem fra – heller ikke ved at "
        "sammenligne flere rapporter.",
        "rule_closed": "Kun afsluttede perioder er med: en periode tæller, når den er slut og "
        "alle kiosker har eksporteret efter den.",
        "rule_month": "En uge hører til den måned, dens torsdag ligger i.",
        "rule_forged": "Alle med den offentlige nøgle kan tilføje svar; et uventet spring i "
        "antallet bør undersøges.",
        "page": "Side",
        "of": "af",
    },
    "en": {
        "title": "Well-being report",
        "handout": "Handout for the dialogue meeting on the psychosocial work environment",
        "covers": "This report covers",
        "closed": "closed periods",
        "sites": "Sites",
        "answers": "Answers",
        "answers_at_least": "at least {n} (some groups are hidden)",
        "generated": "Generated",
        "open": "Periods still running are left out until they are over and every kiosk has "
        "exported after them: {periods}.",
        "overview": "Overview for {period}",
        "tool": "Tool",
        "result": "Result",
        "change": "Change since {period}",
        "focus": "Focus areas",
        "focus_intro": "The lowest scores and biggest drops in {period} (all sites), support "
        "many want more of, and strains someone said yes to.",
        "no_focus": "None of the numbers shown stands out. Use the questions for reflection "
        "in the action plan.",
        "hidden_line": "{hidden} of {cells} numbers are hidden: they rest on fewer than {n} "
        "answers or would let someone work out a small group. They say “hidden”, never a "
        "number.",
        "nothing_hidden": "No number is hidden here: every group has at least {n} answers. A "
        "group with fewer would say “hidden”, never a number.",
        "dialogue": "The Working Environment Authority expects results to be followed by a "
        "dialogue at the workplace. This report is the handout for that meeting.",
        "trend": "Trend",
        "latest": "{period}, all sites",
        "all_sites": "All sites",
        "grid": "Answers per period and site",
        "period": "Period",
        "hidden": "hidden",
        "as_of_note": "As published {days}: the number repeats an earlier report, because "
        "revising it would show how few answers came late.",
        "numbers": "The numbers in the chart",
        "mean_of": "Mean",
        "psych_explained": "Each statement scores 0–10, and 10 means the most psychological "
        "safety. Statements 1, 3 and 5 are worded negatively, so there “Strongly disagree” "
        "scores 10: the points are reversed so that a high number is always good. Total score: "
        "0–70 (answers to all seven statements only).",
        "reversed": "negative statement, reversed",
        "points_low": "0 points (least safety)",
        "points_high": "10 points (most safety)",
        "points": "{p} points",
        "support_explained": "1 is “turn it down a little”, 10 is “I need more”. Grouped "
        "here: 1–3 turn down, 4–7 it's fine, 8–10 more.",
        "support_groups": "Turn down (1–3)|It's fine (4–7)|More (8–10)",
        "want_more": "Share wanting more (8–10)",
        "checkin_scale": "Scale 1–10: 1 very poor, 10 very good.",
        "score_trend": "Mean 1–10",
        "total_trend": "Total score 0–70",
        "answers_trend": "Number of answers",
        "distribution_1_10": "Answers 1–10",
        "by_tag": "Contributions per tag",
        "yes_no": "Answers per strain",
        "exposures_explained": "Numbers are shown from 10 answers up; an answer given by very "
        "few people is hidden.",
        "prevention": "Examples of prevention (annex 1) for the strains someone said yes to",
        "sites_title": "Sites compared",
        "sites_intro": "{period}. The colour shows where on its scale a number lies (orange "
        "low, blue high); for support and strains it is the share wanting more or saying yes.",
        "heat_want_more": "want more",
        "heat_yes": "yes",
        "notes_title": "Notes",
        "notes_intro": "Notes are shuffled and undated. They are shown only from groups (site "
        "and month) with at least {n} answers.",
        "notes_count": "{n} notes",
        "note_count_one": "1 note",
        "no_notes": "No notes can be shown.",
        "plan_title": "Action plan",
        "plan_intro": "To fill in at the meeting. The first rows are the focus areas with "
        "suggestions from the material; the empty rows are for your own points.",
        "plan_caption": "Action plan: problem, action, owner, deadline and follow-up",
        "problem": "Problem",
        "action": "Action",
        "owner": "Owner",
        "deadline": "Deadline",
        "follow_up": "Follow-up",
        "status_open": "Open",
        "status_started": "Started",
        "status_done": "Done {day}",
        "iglo_level": "Level (IGLO)",
        "prevention_level": "Prevention",
        "reflection": "Questions for reflection",
        "levels": "Prevention at three levels",
        "safety_steps": "How we build psychological safety",
        "rules_title": "How the answers are protected",
        "rule_group": "A number is shown only when it rests on at least {n} answers. Otherwise "
        "it says “hidden” – never a number, not even 0.",
        "rule_text": "Notes and strains are shown only from {n} answers at the same site in the "
        "same month. Notes are shuffled and undated.",
        "rule_promise": "The kiosk promised you that answers are only shown together for at "
        "least {n} people; this report keeps that promise.",
        "rule_linked": "Some numbers with enough answers are hidden too, so no one can work out "
        "a hidden group by adding or subtracting numbers – not even by comparing reports.",
        "rule_closed": "Only closed periods are included: a period counts once it is over and "
        "every kiosk has exported after it.",
        "rule_month": "A week belongs to the month its Thursday falls in.",
        "rule_forged": "Anyone who holds the public key can add answers; an unexpected jump in "
        "the counts should be questioned.",
        "page": "Page",
        "of": "of",
    },
}


def word(lang: str, key: str, **values: object) -> str:
    """One handout text in `lang`, with {placeholders} filled in."""
    return WORDS[lang][key].format(**values)
