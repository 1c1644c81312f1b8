"""The action plan (handleplan) printed with every report: the seed's own questions and steps.

Texts are the workshop slides' (Danish) with an English rendering; the prevention examples
come from the exposures instrument itself, so they are listed next to a reported strain.
"""

from __future__ import annotations

from kiosk.instruments import Text

REFLECTION_QUESTIONS = (
    Text(
        da="Hvad gør, at vi står netop her og ikke længere nede af skalaen?",
        en="What makes us stand right here and not further down the scale?",
    ),
    Text(
        da="Hvad ville være hjælpsomt, hvis vi skulle bevæge os et trin op ad?",
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
