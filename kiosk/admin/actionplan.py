"""The action plan (handleplan) printed with every report: the seed's own questions and steps.

Texts are the workshop slides' (Danish) with an English rendering; the prevention examples
come from the exposures instrument itself, so they are listed next to a reported strain.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.instruments import Text

REFLECTION_QUESTIONS = (
    Text(
        da="Hvad gør, at vi står netop her og ikke længere nede ad skalaen?",
        en="What makes us stand right here and not further down the scale?",
    ),
    Text(
        da="Hvad ville være hjælpsomt, hvis vi skulle bevæge os et trin opad?",
        en="What would help us move one step up?",
    ),
    Text(
        da="Hvilke påvirkninger er vi i risiko for at blive udsat for?",
        en="Which strains are we at risk of being exposed to?",
    ),
    Text(
        da="Hvordan forebygges / håndteres disse udfordringer på vores arbejdsplads?",
        en="How are these challenges prevented or handled at our workplace?",
    ),
)

GULDKORN = (
    Text(
        da="Høj indflydelse (kontrol) – hvordan arbejdet udføres, pauser, hvem man arbejder "
        "sammen med",
        en="High influence (control) – how the work is done, breaks, who you work with",
    ),
    Text(
        da="Højt niveau af mening – formål med arbejdet, sammenhæng med andres indsats, kvalitet",
        en="A high level of meaning – the purpose of the work, how it fits with others', quality",
    ),
    Text(
        da="God forudsigelighed – relevante informationer om fremtidige forandringer",
        en="Good predictability – relevant information about future changes and events",
    ),
    Text(
        da="God social støtte – praktisk og følelsesmæssig støtte fra kolleger og ledere",
        en="Good social support – practical and emotional support from colleagues and managers",
    ),
    Text(
        da="Retfærdig belønning – anerkendelse, karriere, løn",
        en="Fair reward – recognition, career, pay",
    ),
    Text(
        da="Passende krav – kvantitative, følelsesmæssige, sociale, kvalitative",
        en="Suitable demands – quantitative, emotional, social, qualitative",
    ),
)

SAFETY_STEPS = (
    Text(
        da="Vær åben og eksplicit om de udfordringer, der ligger foran os",
        en="Be open and explicit about the challenges ahead of us",
    ),
    Text(
        da="Invitér aktivt til input og feedback – med tid til åben dialog i de rette fora",
        en="Invite input and feedback actively – with time for open dialogue in the right fora",
    ),
    Text(
        da="Mød alle input og historier med anerkendelse og oprigtig nysgerrighed – ikke med "
        "afvisning eller forsvar",
        en="Meet every input and story with appreciation and real curiosity – not with "
        "rejection or defence",
    ),
    Text(
        da="»Sæt scenen«: fokus på hvordan – ikke hvad",
        en="“Set the stage”: focus on how, not what",
    ),
    Text(da="Vær ærlig om udfordringer", en="Be honest about challenges"),
    Text(
        da="Vær nysgerrig: invitér til input – også dem, som »kradser«",
        en="Be curious: invite input – also the kind that “scratches”",
    ),
    Text(
        da="»Bordet rundt« – alles stemme er vigtig",
        en="“Round the table” – everyone's voice matters",
    ),
)


@dataclass(frozen=True)
class Guidance:
    """The seed's guidance for a focus area of one tool: at which IGLO level(s) to act, at
    which prevention level, and first steps to try."""

    iglo: Text
    level: Text
    steps: tuple[Text, ...]


IGLO = Text(
    da="IGLO: Individ · Gruppe · Ledelse · Organisation – temaerne i det psykiske arbejdsmiljø "
    "afspejles på alle organisatoriske niveauer.",
    en="IGLO: Individual · Group · Leadership · Organisation – the themes of the psychosocial "
    "work environment show at every level of the organisation.",
)

PREVENTION_LEVELS = (
    Text(
        da="Primær: reducere antallet eller intensiteten af belastninger – fokus på "
        "arbejdsmiljøet og den organisatoriske struktur og kultur.",
        en="Primary: reduce the number or intensity of strains – focus on the work environment "
        "and the organisation's structure and culture.",
    ),
    Text(
        da="Sekundær: organisationens evne til at tage hånd om problemer, når de opstår – "
        "opsporing af mistrivsel, årsagsanalyse og handleplaner.",
        en="Secondary: the organisation's ability to handle problems when they arise – spotting "
        "poor well-being, cause analysis and action plans.",
    ),
    Text(
        da="Tertiær: minimere de skadelige konsekvenser – fokus på den enkelte gennem fx "
        "rådgivning, debriefing og fastholdelse.",
        en="Tertiary: limit the harm – focus on the individual through e.g. counselling, "
        "debriefing and keeping people at work.",
    ),
)

_PRIMARY = Text(da="Primær", en="Primary")
_PRIMARY_SECONDARY = Text(da="Primær og sekundær", en="Primary and secondary")

GUIDANCE: dict[str, Guidance] = {
    "checkin": Guidance(
        iglo=Text(da="Gruppe · Organisation", en="Group · Organisation"),
        level=_PRIMARY,
        steps=REFLECTION_QUESTIONS[:2],
    ),
    "support": Guidance(
        iglo=Text(da="Gruppe · Ledelse", en="Group · Leadership"),
        level=_PRIMARY,
        steps=(GULDKORN[3],),
    ),
    "psych_safety": Guidance(
        iglo=Text(da="Gruppe · Ledelse", en="Group · Leadership"),
        level=_PRIMARY,
        steps=SAFETY_STEPS[:3],
    ),
    "guldkorn": Guidance(
        iglo=Text(da="Ledelse · Organisation", en="Leadership · Organisation"),
        level=_PRIMARY,
        steps=(
            Text(
                da="De seks guldkorn: hvad skal der til for at flytte netop dette guldkorn?",
                en="The six golden nuggets: what would move this nugget?",
            ),
        ),
    ),
    "exposures": Guidance(
        iglo=Text(da="Ledelse · Organisation", en="Leadership · Organisation"),
        level=_PRIMARY_SECONDARY,
        steps=(REFLECTION_QUESTIONS[3],),
    ),
    "contribution": Guidance(
        iglo=Text(da="Individ · Gruppe", en="Individual · Group"),
        level=_PRIMARY,
        steps=(SAFETY_STEPS[6],),
    ),
}
