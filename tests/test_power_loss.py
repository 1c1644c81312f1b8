"""Simulated power loss: every crash image of the store loads and keeps what was acknowledged.

The same harness, run on TinyDB's default JSONStorage, finds many broken images: proof
that it can fail.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import tinydb.storages
from crashsim import Image, Recorder, crash_images
from tinydb import TinyDB

from kiosk import durable
from kiosk.store import RecordStore


def store_workload(recorder: Recorder, data_dir: Path) -> None:
    """Create a store, add singly and in a batch across segments, set, mark, purge, add."""
    rng = random.Random(5)

    def new_record() -> tuple[bytes, bytes]:
        return rng.randbytes(16), rng.randbytes(rng.randrange(60, 200))

    store = RecordStore.open(data_dir, create=True, segment_size=6, compact_min_dead=4)
    recorder.ack("kiosk", store.kiosk_id)
    added = []
    for _ in range(9):
        record = new_record()
        store.add(*record)
        added.append(record[0])
        recorder.ack("record", record[0])
    batch = [new_record() for _ in range(5)]
    store.add_many(batch)
    for record_id, _ in batch:
        added.append(record_id)
        recorder.ack("record", record_id)
    for value in range(6):
        recorder.ack("setting-attempt", value)
        store.set_setting("pause", value)
        recorder.ack("setting", value)
    delivered = added[:8] + added[12:13]
    store.mark_delivered(delivered)
    for record_id in delivered:
        recorder.ack("delivered", record_id)
    for record_id in delivered:
        recorder.ack("release", record_id)  # from here on purge may remove them
    store.purge_delivered()
    for _ in range(7):
        record = new_record()
        store.add(*record)
        recorder.ack("record", record[0])
    store.close()


def check_store_image(image: Image, data_dir: Path) -> None:
    """The image must open and hold every acknowledged record, mark, setting and kiosk id."""
    acked = [event[1:] for event in image.acks]
    kinds: dict[str, list[Any]] = {}
    for kind, *rest in acked:
        kinds.setdefault(kind, []).append(rest[0])
    released = set(kinds.get("release", []))
    required = set(kinds.get("record", [])) - released
    with RecordStore.open(data_dir, create=not acked, segment_size=6) as store:
        ids = [record.record_id for record in store.iter_records()]
        assert len(ids) == len(set(ids)) == store.count()
        assert required <= set(ids), f"lost {len(required - set(ids))} acknowledged records"
        for record_id in set(kinds.get("delivered", [])) - released:
            assert store.is_delivered(record_id)
        if "kiosk" in kinds:
            assert store.kiosk_id == kinds["kiosk"][0]
        if "setting" in kinds:
            possible = {kinds["setting"][-1], kinds["setting-attempt"][-1]}
            assert store.get_setting("pause") in possible
        late = os.urandom(16)
        store.add(late, b"after the crash")
    with RecordStore.open(data_dir, segment_size=6) as store:
        assert late in {record.record_id for record in store.iter_records()}


def run_images(
    log: list[Any], folder: Path, check: Any, rng: random.Random
) -> tuple[int, list[str]]:
    """Materialize and check every image; return how many and the failures."""
    failures = []
    count = 0
    for image in crash_images(log, rng):
        count += 1
        dest = folder / "image"
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir()
        image.materialize(dest)
        try:
            check(image, dest)
        except Exception as err:
            failures.append(f"point {image.point} ({image.variant}): {type(err).__name__}: {err}")
    return count, failures


def test_every_crash_image_of_the_store_loads_with_all_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(tmp_path / "live")
    recorder.root.mkdir()
    monkeypatch.setattr(durable, "ops", recorder)
    store_workload(recorder, recorder.root / "store")
    monkeypatch.setattr(durable, "ops", durable.FileOps())
    kinds = {event[0] for event in recorder.log}
    assert {"create", "rename", "mkdir", "unlink", "dirsync", "truncate"} <= kinds

    count, failures = run_images(
        recorder.log,
        tmp_path,
        lambda image, dest: check_store_image(image, dest / "store"),
        random.Random(11),
    )
    print(f"store: {count} crash images, {len(failures)} failed")
    assert count > 800
    assert failures == []


def json_workload(recorder: Recorder, path: Path) -> None:
    """The same kind of inserts, through TinyDB's default JSONStorage."""
    db = TinyDB(path)
    for n in range(30):
        db.insert({"n": n, "sealed": "x" * 100})
        recorder.ack("doc", n)
    db.close()


def check_json_image(image: Image, path: Path) -> None:
    required = {event[2] for event in image.acks}
    with TinyDB(path) as db:
        found = {doc["n"] for doc in db.all()}
    assert required <= found, f"lost {len(required - found)} acknowledged documents"


class _RecordingOs:
    """The os module as tinydb.storages sees it, with fsync recorded."""

    def __init__(self, recorder: Recorder) -> None:
        self.fsync = recorder.os_fsync

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def test_the_same_harness_breaks_tinydb_default_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(tmp_path / "live")
    recorder.root.mkdir()
    monkeypatch.setattr(tinydb.storages, "open", recorder.open_file, raising=False)
    monkeypatch.setattr(tinydb.storages, "os", _RecordingOs(recorder))
    json_workload(recorder, recorder.root / "db.json")
    monkeypatch.undo()

    count, failures = run_images(
        recorder.log,
        tmp_path,
        lambda image, dest: check_json_image(image, dest / "db.json"),
        random.Random(11),
    )
    share = len(failures) / count
    print(f"JSONStorage: {count} crash images, {len(failures)} failed ({share:.0%})")
    assert share > 0.2
