"""Reports of large stores: equal records are read and counted once, weighted, same numbers."""

from __future__ import annotations

import json
import os
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import AdminKey
from tinydb import TinyDB

from kiosk.admin.adminstore import IMPORT_LOG, AdminStore, new_entry
from kiosk.admin.aggregate import Opened
from kiosk.admin.model import Rules
from kiosk.admin.opencache import (
    MAGIC,
    NONCE_SIZE,
    PAD_TO,
    CacheUnreadable,
    _aad,
    cache_key,
    open_cache,
    open_cache_grouped,
    seal_cache,
)
from kiosk.admin.publication import publish, shuffled
from kiosk.config import default_config_dir, load_instruments
from kiosk.durable import StoreCorrupt
from kiosk.records import Payload
from kiosk.store import JournalStorage

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")
TODAY = date(2026, 6, 1)


def payloads(count: int, seed: int = 3) -> list[Payload]:
    """Check-ins and support answers over three sites and ten weeks: many are equal, and
    the small site's weeks are hidden."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        day = date(2026, 1, 5) + timedelta(weeks=rng.randrange(10))
        iso = day.isocalendar()
        period = f"{iso.year}-W{iso.week:02d}"
        site = rng.choices(["Lager", "Kontor", "Vagt"], [48, 48, 4])[0]
        if rng.random() < 0.5:
            note = rng.choice([None, None, "kaffe", "mere ro\nog lys"])
            answers = {"score": rng.randint(1, 10), "why_here": note, "one_step_up": None}
            out.append(Payload("checkin", 1, period, None, answers, "be4c000000000001", site))
        else:
            answers = {"practical": rng.randint(1, 10)}
            out.append(Payload("support", 1, period, None, answers, "be4c000000000002", site))
    return out


def test_the_cache_gives_each_distinct_payload_once_with_its_count(admin_key: AdminKey) -> None:
    cipher = cache_key(admin_key.private_key)
    made = payloads(3000)
    pairs = [(os.urandom(16), payload) for payload in made]
    blob = seal_cache(cipher, "d" * 64, pairs)
    assert open_cache(cipher, "d" * 64, blob) == pairs
    grouped = open_cache_grouped(cipher, "d" * 64, blob)
    expected: dict[str, int] = {}
    for payload in made:
        key = json.dumps(payload.__dict__, sort_keys=True)
        expected[key] = expected.get(key, 0) + 1
    assert {json.dumps(p.__dict__, sort_keys=True): n for p, n in grouped} == expected
    assert len(grouped) == len(expected) < 1500
    with pytest.raises(CacheUnreadable):
        open_cache_grouped(cipher, "e" * 64, blob)


def test_a_first_format_cache_still_reads_grouped(admin_key: AdminKey) -> None:
    cipher = cache_key(admin_key.private_key)
    rows = [["00" * 16, "checkin", 1, "2026-W10", "da", {"score": 4}]] * 2
    body = json.dumps(rows).encode()
    nonce = os.urandom(NONCE_SIZE)
    blob = MAGIC + nonce + cipher.encrypt(nonce, body + b" " * (-len(body) % PAD_TO), _aad("d"))
    grouped = open_cache_grouped(cipher, "d", blob)
    assert sum(n for _, n in grouped) == 2
    assert {p.period for p, _ in grouped} == {"2026-W10"}


def test_shared_record_objects_give_the_same_table_as_one_object_per_record() -> None:
    made = payloads(3000)
    apart = [Opened(p, p.site or "", p.kiosk_id or "", 0) for p in made]
    shared_objects: dict[str, Opened] = {}
    shared = []
    for record in apart:
        key = json.dumps(record.payload.__dict__, sort_keys=True)
        shared.append(shared_objects.setdefault(key, record))
    assert len(shared_objects) < len(shared) // 3
    exports = {"be4c000000000001": TODAY, "be4c000000000002": TODAY}
    tables = [
        publish(records, INSTRUMENTS, Rules(), exports=exports, today=TODAY)[0]
        for records in (apart, shared)
    ]
    assert tables[0].cells == tables[1].cells
    assert any(cell.n is None for cell in tables[0].cells.values())
    notes = [
        sorted((n.instrument, n.site, n.month, n.question, tuple(sorted(n.texts))) for n in t.notes)
        for t in tables
    ]
    assert notes[0] == notes[1] and notes[0]


@pytest.mark.parametrize("rids", ["zz", "ab" * 32, "ab" * 16 + "  " + "cd" * 16, "ab" * 16 + " "])
def test_an_import_log_with_damaged_record_ids_is_refused_at_open(
    tmp_path: Path, rids: str
) -> None:
    ids = [os.urandom(16) for _ in range(3)]
    with AdminStore.open(tmp_path / "st", create=True) as store:
        entry = new_entry(
            bundle_id="0" * 32,
            digest="1" * 64,
            receipt="R",
            kiosk_id="be4c000000000001",
            site="Lager",
            created=TODAY,
            count=3,
        )
        store.add_import(entry, [(rid, b"\x02sealed") for rid in ids], b"cache")
        assert store.record_count == 3
    with AdminStore.open(tmp_path / "st") as store:
        # Read lazily from the log, the ids are still every stored record's.
        assert store.known_ids == set(ids) and store.record_count == 3
    log = TinyDB(tmp_path / "st" / IMPORT_LOG, storage=JournalStorage)
    log.table("imports").update({"rids": rids})
    log.close()
    with pytest.raises(StoreCorrupt, match="malformed import"):
        AdminStore.open(tmp_path / "st")


def test_notes_are_shuffled_into_every_order() -> None:
    texts = ["a", "b", "c"]
    seen = {shuffled(texts) for _ in range(400)}
    assert len(seen) == 6 and all(sorted(order) == texts for order in seen)
    assert shuffled([]) == ()
