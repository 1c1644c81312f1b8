"""Random valid responses for demos and benchmarks, sent through the kiosk's own submit path."""

from __future__ import annotations

import random
from datetime import date, timedelta

from kiosk.instruments import Answer, Instrument, Item
from kiosk.submit import Submitter

SAMPLE_NOTES = (
    "Jeg hentede kaffe til hele vagten, da det brændte på.",
    "Tog mig tid til at vise den nye kollega rundt.",
    "Hjalp med at flytte en tung seng, så ingen fik ondt i ryggen.",
    "Sagde tak for hjælpen i går, højt, på morgenmødet.",
    "I helped a colleague finish the handover so she could go home on time.",
    "Lyttede, da en kollega havde haft en hård samtale med en pårørende.",
)


def random_answer(item: Item, rng: random.Random) -> Answer:
    """Return a random valid answer for one item; optional items are sometimes left out."""
    if not item.required and rng.random() < 0.25:
        return None
    if item.kind == "scale":
        assert item.min is not None and item.max is not None
        return rng.randint(item.min, item.max)
    if item.kind == "choice":
        return rng.choice(item.options).id
    return rng.choice(SAMPLE_NOTES)


def simulate(
    submitter: Submitter,
    instruments: tuple[Instrument, ...],
    count: int,
    *,
    seed: int | None = None,
    weeks: int = 1,
) -> int:
    """Submit `count` random responses spread over the instruments and the last `weeks` weeks.

    Returns:
        How many responses were stored.
    """
    rng = random.Random(seed)
    today = date.today()
    days = [today - timedelta(days=offset) for offset in range(max(1, weeks) * 7)]
    added = 0
    for _ in range(count):
        instrument = rng.choice(instruments)
        answers = {item.id: random_answer(item, rng) for item in instrument.items}
        day = rng.choice(days)
        submitter.submit(instrument, answers, day=day)
        added += 1
    return added
