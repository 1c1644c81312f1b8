"""The record store on real files: round trips, segments, lock, repair, corruption, full disk."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.journal import encode_line
from kiosk.store import (
    SEGMENT_SIZE,
    RecordStore,
    StoreCorrupt,
    StoreFull,
    StoreLocked,
    StoreMissing,
)

REPO = Path(__file__).resolve().parent.parent


def make_records(count: int, size: int = 1100) -> list[tuple[bytes, bytes]]:
    """Random ids and opaque blobs, as sealing would produce."""
    return [(os.urandom(16), os.urandom(size)) for _ in range(count)]


def stored(store: RecordStore, undelivered_only: bool = False) -> list[tuple[bytes, bytes]]:
    return [(r.record_id, r.sealed) for r in store.iter_records(undelivered_only)]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "kiosk-data"


def test_round_trip_across_segments_and_reopen(data_dir: Path) -> None:
    records = make_records(25, size=40)
    with RecordStore.open(data_dir, create=True, segment_size=10) as store:
        for record_id, sealed in records:
            store.add(record_id, sealed)
        assert store.count() == 25
        assert stored(store) == records
    segments = sorted(os.listdir(data_dir / "records"))
    assert segments == ["seg-000001.jsonl", "seg-000002.jsonl", "seg-000003.jsonl"]
    with RecordStore.open(data_dir, segment_size=10) as store:
        assert store.count() == 25
        assert stored(store) == records
        more = make_records(6, size=40)
        store.add_many(more)
        assert stored(store) == records + more
        assert store.count() == 31


def test_default_segment_size_rolls_over_at_1000(data_dir: Path) -> None:
    records = make_records(SEGMENT_SIZE + 50, size=64)
    with RecordStore.open(data_dir, create=True) as store:
        store.add_many(records[:-3])
        for record_id, sealed in records[-3:]:
            store.add(record_id, sealed)
    assert sorted(os.listdir(data_dir / "records")) == ["seg-000001.jsonl", "seg-000002.jsonl"]
    with RecordStore.open(data_dir) as store:
        assert store.count() == SEGMENT_SIZE + 50
        assert stored(store) == records


def test_nothing_but_opaque_bytes_on_disk(data_dir: Path) -> None:
    with RecordStore.open(data_dir, create=True) as store:
        store.add(b"\x01" * 16, b"opaque-sealed-bytes")
        kiosk_id = store.kiosk_id
    assert (data_dir / "store.json").read_text() == '{"format": 1}\n'
    with RecordStore.open(data_dir) as store:
        assert store.kiosk_id == kiosk_id
    segment = (data_dir / "records" / "seg-000001.jsonl").read_text()
    assert "opaque-sealed-bytes" not in segment  # base64, and no field beyond rid and sealed
    assert '"doc":{"rid":"' + "01" * 16 + '","sealed":"' in segment


def test_open_without_create_refuses_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing, match="not a kiosk store"):
        RecordStore.open(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_second_store_in_same_process_is_locked_out(data_dir: Path) -> None:
    with (
        RecordStore.open(data_dir, create=True),
        pytest.raises(StoreLocked, match=f"pid {os.getpid()}"),
    ):
        RecordStore.open(data_dir)
    RecordStore.open(data_dir).close()


def test_second_process_is_locked_out_until_the_first_dies(data_dir: Path) -> None:
    RecordStore.open(data_dir, create=True).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from pathlib import Path
                from kiosk.store import RecordStore
                store = RecordStore.open(Path({str(data_dir)!r}))
                print("locked", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(StoreLocked, match=f"in use by another program \\(pid {holder.pid}\\)"):
            RecordStore.open(data_dir)
    finally:
        holder.kill()
        holder.wait()
    RecordStore.open(data_dir).close()


def test_torn_tail_is_cut_back_and_the_store_goes_on(data_dir: Path) -> None:
    records = make_records(5, size=100)
    with RecordStore.open(data_dir, create=True) as store:
        store.add_many(records[:3])
        store.add(*records[3])
    segment = data_dir / "records" / "seg-000001.jsonl"
    good_size = segment.stat().st_size
    line = encode_line(3, 2, {"op": "put", "t": "records", "id": "5", "doc": {"rid": "ab"}})
    with segment.open("ab") as f:
        f.write(line + line[:30])  # an unfinished two-line write, then zeros
        f.write(b"\0" * 4096)
    with RecordStore.open(data_dir) as store:
        assert segment.stat().st_size == good_size
        assert stored(store) == records[:4]
        store.add(*records[4])
    with RecordStore.open(data_dir) as store:
        assert stored(store) == records


def test_damage_before_good_lines_is_refused_with_the_file_named(data_dir: Path) -> None:
    with RecordStore.open(data_dir, create=True) as store:
        store.add_many(make_records(3, size=100))
        store.add(*make_records(1, size=100)[0])
    segment = data_dir / "records" / "seg-000001.jsonl"
    data = bytearray(segment.read_bytes())
    data[200] ^= 0x01  # flip a bit in the first, acknowledged line
    segment.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt, match=r"seg-000001\.jsonl is damaged at line 1"):
        RecordStore.open(data_dir)
    assert segment.read_bytes() == bytes(data)  # left as it was, for the rescue


def test_damaged_older_segment_is_refused_when_read(data_dir: Path) -> None:
    with RecordStore.open(data_dir, create=True, segment_size=4) as store:
        store.add_many(make_records(6, size=50))
    older = data_dir / "records" / "seg-000001.jsonl"
    older.write_bytes(older.read_bytes()[:-20])  # an older segment never has a torn tail
    with (
        RecordStore.open(data_dir, segment_size=4) as store,
        pytest.raises(StoreCorrupt, match=r"seg-000001\.jsonl"),
    ):
        list(store.iter_records())


def test_purge_deletes_only_delivered_records(data_dir: Path) -> None:
    records = make_records(23, size=30)
    with RecordStore.open(data_dir, create=True, segment_size=5) as store:
        store.add_many(records)
        delivered = [records[i][0] for i in (0, 1, 2, 3, 4, 7, 21, 22)]
        assert store.mark_delivered([*delivered, os.urandom(16)]) == len(delivered)
        assert store.mark_delivered(delivered[:2]) == 0
        assert store.is_delivered(records[7][0]) and not store.is_delivered(records[8][0])
        assert store.count_undelivered() == 23 - len(delivered)
        kept = [r for r in records if r[0] not in delivered]
        assert stored(store, undelivered_only=True) == kept
    with RecordStore.open(data_dir, segment_size=5) as store:
        assert store.is_delivered(records[21][0])
        assert store.purge_delivered() == len(delivered)
        assert store.count() == len(kept) == store.count_undelivered()
        assert stored(store) == kept
        assert "seg-000001.jsonl" not in os.listdir(data_dir / "records")  # emptied, removed
    with RecordStore.open(data_dir, segment_size=5) as store:
        assert stored(store) == kept
        assert store.count() == len(kept)
        assert not store.is_delivered(records[21][0])
        extra = make_records(1)[0]
        store.add(*extra)
        assert stored(store) == [*kept, extra]


def test_state_helpers_survive_reopen_and_compaction(data_dir: Path) -> None:
    with RecordStore.open(data_dir, create=True, compact_min_dead=8) as store:
        for n in range(40):
            store.set_setting("pause", n)
        store.set_setting("lang", "da")
        store.log_export({"bundle": "b1", "records": 12})
    state = data_dir / "state.jsonl"
    assert len(state.read_bytes().splitlines()) < 20  # superseded lines were compacted away
    with RecordStore.open(data_dir) as store:
        assert store.get_setting("pause") == 39
        assert store.get_setting("lang") == "da"
        assert store.get_setting("missing", "x") == "x"
        assert store.export_log() == [{"bundle": "b1", "records": 12}]


def test_insert_cost_is_one_appended_line(data_dir: Path) -> None:
    with RecordStore.open(data_dir, create=True) as store:
        store.add_many(make_records(500, size=100))
        segment = data_dir / "records" / "seg-000001.jsonl"
        before = segment.stat().st_size
        store.add(b"\x02" * 16, b"z" * 100)
        grown = segment.stat().st_size - before
    assert grown < 300  # one line, not a rewrite of 500 documents


def _mount_tiny_tmpfs(folder: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs a tiny tmpfs, and mounting needs root")
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs here: {done.stderr.strip()}")


def test_full_disk_leaves_the_store_unchanged_and_the_retry_works(tmp_path: Path) -> None:
    disk = tmp_path / "tiny"
    _mount_tiny_tmpfs(disk)
    try:
        data_dir = disk / "store"
        ballast = disk / "ballast"
        with RecordStore.open(data_dir, create=True) as store:
            records = make_records(3, size=1100)
            for record in records:
                store.add(*record)
            with ballast.open("wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 512)
                except OSError:
                    pass
            segment = data_dir / "records" / "seg-000001.jsonl"
            with pytest.raises(StoreFull, match="disk is full"):
                for _ in range(20):  # the file's last page may still have room for a few
                    record = make_records(1, size=1100)[0]
                    before = segment.read_bytes()
                    store.add(*record)
                    records.append(record)
            assert segment.read_bytes() == before
            assert store.count() == len(records)
            ballast.unlink()
            late = make_records(1, size=1100)[0]
            store.add(*late)
            assert stored(store) == [*records, late]
        with RecordStore.open(data_dir) as store:
            assert stored(store) == [*records, late]
    finally:
        subprocess.run(["umount", str(disk)], check=False)
