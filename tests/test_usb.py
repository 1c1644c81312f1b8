"""USB export: finding sticks, and writes that are verified whole or leave nothing behind.

The full and read-only stick tests mount a real (tiny) tmpfs, which needs root; they are
skipped with the reason where mounting is not permitted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.bundle import read_bundle
from kiosk.export import export_to_usb
from kiosk.simulate import simulate
from kiosk.site import Site
from kiosk.submit import Submitter
from kiosk.usb import (
    CHUNK_BYTES,
    Drive,
    UsbError,
    choose_target,
    eject,
    find_drives,
    parse_lsblk,
    parse_mountinfo,
    safe_write,
)

Mount = Callable[[str], Path]

LSBLK_NEW = json.dumps(
    {
        "blockdevices": [
            {
                "name": "nvme0n1",
                "path": "/dev/nvme0n1",
                "tran": "nvme",
                "hotplug": False,
                "rm": False,
                "mountpoints": [None],
                "label": None,
                "fsavail": None,
                "ro": False,
                "children": [
                    {
                        "name": "nvme0n1p2",
                        "path": "/dev/nvme0n1p2",
                        "tran": None,
                        "hotplug": False,
                        "rm": False,
                        "mountpoints": ["/", "/home"],
                        "label": "root",
                        "fsavail": 85479157760,
                        "ro": False,
                    }
                ],
            },
            {
                "name": "sda",
                "path": "/dev/sda",
                "tran": "usb",
                "hotplug": True,
                "rm": True,
                "mountpoints": [None],
                "label": None,
                "fsavail": None,
                "ro": False,
                "children": [
                    {
                        "name": "sda1",
                        "path": "/dev/sda1",
                        "tran": None,
                        "hotplug": True,
                        "rm": True,
                        "mountpoints": ["/media/kiosk/TRIVSEL 1"],
                        "label": "TRIVSEL 1",
                        "fsavail": 7_900_000_000,
                        "ro": False,
                    }
                ],
            },
            {
                "name": "sdb",
                "path": "/dev/sdb",
                "tran": "usb",
                "hotplug": True,
                "rm": True,
                "mountpoints": [None],
                "label": "NOT-MOUNTED",
                "fsavail": None,
                "ro": False,
            },
            {
                "name": "zram0",
                "path": "/dev/zram0",
                "tran": None,
                "hotplug": False,
                "rm": False,
                "mountpoints": ["[SWAP]"],
                "label": None,
                "fsavail": None,
                "ro": False,
            },
        ]
    }
)

# util-linux before 2.37: MOUNTPOINT (one string), and flags and sizes as strings.
LSBLK_OLD = json.dumps(
    {
        "blockdevices": [
            {
                "name": "sda",
                "path": "/dev/sda",
                "tran": "sata",
                "hotplug": "0",
                "rm": "0",
                "mountpoint": "/",
                "label": None,
                "fsavail": "1000",
                "ro": "0",
            },
            {
                "name": "mmcblk0",
                "path": "/dev/mmcblk0",
                "tran": None,
                "hotplug": "0",
                "rm": "1",
                "mountpoint": None,
                "label": None,
                "fsavail": None,
                "ro": "0",
                "children": [
                    {
                        "name": "mmcblk0p1",
                        "path": "/dev/mmcblk0p1",
                        "tran": None,
                        "hotplug": "0",
                        "rm": "0",
                        "mountpoint": "/run/media/kiosk/SDCARD",
                        "label": "SDCARD",
                        "fsavail": "52428800",
                        "ro": "1",
                    }
                ],
            },
        ]
    }
)

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 8:17 / /media/kiosk/MY\\040STICK rw,nosuid,nodev,relatime shared:1 - vfat /dev/sdb1 rw
41 27 8:33 / /run/media/anna/BACKUP ro,nosuid master:2 - exfat /dev/sdc1 ro
42 27 0:50 / /media/net rw - nfs server:/export rw
"""


def test_lsblk_finds_only_mounted_removable_drives() -> None:
    assert parse_lsblk(LSBLK_NEW) == [
        Drive(
            path=Path("/media/kiosk/TRIVSEL 1"),
            label="TRIVSEL 1",
            free_bytes=7_900_000_000,
            read_only=False,
            device="/dev/sda1",
        )
    ]


def test_old_lsblk_output_is_read_too() -> None:
    assert parse_lsblk(LSBLK_OLD) == [
        Drive(
            path=Path("/run/media/kiosk/SDCARD"),
            label="SDCARD",
            free_bytes=52428800,
            read_only=True,
            device="/dev/mmcblk0p1",
        )
    ]


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"blockdevices": 3}', "null"])
def test_unreadable_lsblk_output_gives_no_drives(text: str) -> None:
    assert parse_lsblk(text) == []


def test_mountinfo_finds_desktop_mounts_with_escaped_names() -> None:
    drives = parse_mountinfo(MOUNTINFO)
    assert [(d.path, d.read_only, d.device) for d in drives] == [
        (Path("/media/kiosk/MY STICK"), False, "/dev/sdb1"),
        (Path("/run/media/anna/BACKUP"), True, "/dev/sdc1"),
        (Path("/media/net"), False, None),
    ]


def test_find_drives_never_lists_the_system_disk() -> None:
    drives = find_drives()
    assert all(drive.path != Path("/") and drive.path.is_dir() for drive in drives)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder standing in for a stick's mount point."""
    path = tmp_path / "stick"
    path.mkdir()
    return path


def test_safe_write_writes_verifies_and_never_overwrites(folder: Path) -> None:
    data = os.urandom(CHUNK_BYTES * 2 + 17)
    seen: list[tuple[int, int]] = []
    first = safe_write(folder, "trivsel-x", data, lambda done, total: seen.append((done, total)))
    assert first == folder / "trivsel-x.tkb"
    assert first.read_bytes() == data
    assert seen == [(CHUNK_BYTES, len(data)), (2 * CHUNK_BYTES, len(data)), (len(data),) * 2]
    second = safe_write(folder, "trivsel-x", b"other")
    third = safe_write(folder, "trivsel-x", b"third")
    assert (second.name, third.name) == ("trivsel-x-2.tkb", "trivsel-x-3.tkb")
    assert first.read_bytes() == data
    assert sorted(p.name for p in folder.iterdir()) == [
        "trivsel-x-2.tkb",
        "trivsel-x-3.tkb",
        "trivsel-x.tkb",
    ]


@pytest.mark.parametrize("stem", ["", "../up", "a/b", "ærø", ".hidden", "x" * 200])
def test_safe_write_refuses_unsafe_names(folder: Path, stem: str) -> None:
    with pytest.raises(ValueError, match="safe ASCII"):
        safe_write(folder, stem, b"data")


def test_a_missing_stick_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsbError, match=r"No USB stick at .*gone"):
        safe_write(tmp_path / "gone", "x", b"data")


def test_a_stick_pulled_mid_write_leaves_nothing(folder: Path) -> None:
    def pull(done: int, total: int) -> None:
        # The file vanishes under the writer, as on a stick that was pulled and re-plugged.
        for path in folder.iterdir():
            path.unlink()

    with pytest.raises(UsbError, match="stopped answering during the export"):
        safe_write(folder, "x", os.urandom(CHUNK_BYTES + 1), pull)
    assert list(folder.iterdir()) == []


def test_a_failing_progress_callback_leaves_nothing(folder: Path) -> None:
    def cancel(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        safe_write(folder, "x", os.urandom(CHUNK_BYTES + 1), cancel)
    assert list(folder.iterdir()) == []


WRITER = """
import sys, time
from pathlib import Path
from kiosk.usb import safe_write

def slowly(done, total):
    print(done, flush=True)
    time.sleep(2)

safe_write(Path(sys.argv[1]), "killed", bytes(6 * 1024 * 1024), slowly)
"""


def test_a_writer_killed_mid_write_leaves_only_a_partial(folder: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    first_chunk = writer.stdout.readline()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert int(first_chunk) == CHUNK_BYTES
    (left,) = folder.iterdir()
    assert left.name == "killed.tkb.partial"
    assert left.stat().st_size < 6 * 1024 * 1024
    # The next export neither reuses nor overwrites the stale partial.
    assert safe_write(folder, "killed", b"new").name == "killed-2.tkb"
    assert left.exists()


# --- real file systems: a tiny tmpfs as the stick --------------------------------------------


@pytest.fixture
def mount_stick(tmp_path: Path) -> Iterator[Mount]:
    """Mount tmpfs sticks of a given size; skipped where mounting is not permitted."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs stick needs root and mount(8)")
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"stick{len(mounted)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "trivsel-test", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], capture_output=True, check=False)


def remount(point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(point)], check=True)


def fill(point: Path, leave: int) -> Path:
    """Fill the stick until about `leave` bytes are free."""
    stats = os.statvfs(point)
    filler = point / "filler.bin"
    filler.write_bytes(bytes(max(0, stats.f_bavail * stats.f_frsize - leave)))
    return filler


def add_responses(site: Site, count: int) -> None:
    simulate(Submitter(site.store, site.config, site.public_key), site.config.instruments, count)


def store_snapshot(site: Site) -> tuple[object, ...]:
    records = sorted(site.store.iter_records())
    return (records, site.store.count_undelivered(), site.store.export_log())


def test_a_full_stick_is_a_clear_error_and_the_retry_works(site: Site, mount_stick: Mount) -> None:
    add_responses(site, 40)
    stick = mount_stick("1m")
    filler = fill(stick, 16 * 1024)
    before = store_snapshot(site)
    with pytest.raises(UsbError, match=r"The USB stick is full: 16 kB free at .*, the export"):
        export_to_usb(site, stick)
    assert sorted(p.name for p in stick.iterdir()) == ["filler.bin"]
    assert store_snapshot(site) == before

    filler.unlink()
    path, export = export_to_usb(site, stick)
    assert read_bundle(path.read_bytes()).count == export.count == 40
    assert [entry["bundle_id"] for entry in site.store.export_log()] == [export.bundle_id]


def test_a_stick_that_fills_up_during_the_write_leaves_nothing(mount_stick: Mount) -> None:
    stick = mount_stick("4m")
    data = os.urandom(CHUNK_BYTES * 3)

    def someone_else_fills_it(done: int, total: int) -> None:
        if not (stick / "filler.bin").exists():
            fill(stick, 0)

    with pytest.raises(UsbError, match="The USB stick is full"):
        safe_write(stick, "x", data, someone_else_fills_it)
    assert sorted(p.name for p in stick.iterdir()) == ["filler.bin"]
    (stick / "filler.bin").unlink()
    written = safe_write(stick, "x", data)
    assert hashlib.sha256(written.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_a_read_only_stick_is_a_clear_error(site: Site, mount_stick: Mount) -> None:
    add_responses(site, 2)
    stick = mount_stick("1m")
    remount(stick, "ro")
    before = store_snapshot(site)
    with pytest.raises(UsbError, match="is read-only"):
        export_to_usb(site, stick)
    assert store_snapshot(site) == before
    remount(stick, "rw")
    path, _ = export_to_usb(site, stick)
    assert path.exists()


def test_eject_without_a_device_explains_instead_of_failing(tmp_path: Path) -> None:
    message = eject(Drive(tmp_path, None, None, False, None))
    assert "umount" in message and str(tmp_path) in message


def test_a_full_stick_message_never_gives_the_same_size_twice(mount_stick: Mount) -> None:
    """It said "19 MB free, the export needs 19 MB": both sizes must tell the shortfall."""
    stick = mount_stick("1m")
    fill(stick, 16 * 1024)
    free = os.statvfs(stick).f_bavail * os.statvfs(stick).f_frsize
    with pytest.raises(UsbError) as caught:
        safe_write(stick, "x", os.urandom(free + 200))
    found = re.search(r"full: (.+) free at .*, the export needs (.+?) \(", str(caught.value))
    assert found is not None, str(caught.value)
    assert found.group(1) != found.group(2)


def test_a_stick_unmounted_before_the_write_gets_nothing_on_the_kiosk_disk(
    mount_stick: Mount,
) -> None:
    stick = mount_stick("1m")
    target = choose_target(stick)
    subprocess.run(["umount", str(stick)], check=True)
    # The mount point's folder remains, on the kiosk's own disk.
    assert stick.is_dir()
    with pytest.raises(UsbError, match="no longer mounted"):
        safe_write(target, "x", b"sealed records")
    assert list(stick.iterdir()) == []


def test_a_stick_unmounted_during_the_export_is_an_error_and_not_logged(
    site: Site, mount_stick: Mount
) -> None:
    add_responses(site, 3)
    stick = mount_stick("1m")
    before = store_snapshot(site)

    def unmount(done: int, total: int) -> None:
        subprocess.run(["umount", "-l", str(stick)], check=True)

    with pytest.raises(UsbError, match=r"no longer mounted|stopped answering"):
        export_to_usb(site, stick, progress=unmount)
    assert list(stick.iterdir()) == []
    assert store_snapshot(site) == before


def test_an_empty_mount_point_on_the_kiosk_disk_is_refused(site: Site) -> None:
    """The stick was unmounted before the export started: /media/<label> is just a folder."""
    if os.geteuid() != 0:
        pytest.skip("making a folder under /media needs root")
    media = Path("/media")
    made_media = not media.exists()
    point = media / f"trivsel-test-{os.getpid()}"
    point.mkdir(parents=True)
    try:
        add_responses(site, 2)
        before = store_snapshot(site)
        with pytest.raises(UsbError, match="No USB stick is mounted at"):
            export_to_usb(site, point)
        assert list(point.iterdir()) == []
        assert store_snapshot(site) == before
    finally:
        point.rmdir()
        if made_media:
            media.rmdir()


def test_stale_partials_of_ours_are_removed_by_the_next_export(site: Site, folder: Path) -> None:
    add_responses(site, 2)
    ours = folder / "trivsel-testafdeling-2026-03-02-0123abcd.tkb.partial"
    ours_again = folder / "trivsel-testafdeling-2026-03-02-0123abcd-2.tkb.partial"
    someone_elses = folder / "holiday-photos.tkb.partial"
    for path in (ours, ours_again, someone_elses):
        path.write_bytes(b"half a bundle")
    path, _ = export_to_usb(site, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name, someone_elses.name])
