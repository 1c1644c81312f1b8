"""A phone's video of the kiosk's QR export, and a webcam, bring the bundle to the admin store.

The videos are simulated (tests/phone_video.py): the real QR widget's frames as drawn on a
headless screen, filmed by a camera model (perspective, rotation, blur, half contrast, noise,
dropped and torn frames) and encoded with PyAV at a phone's bit rate. The import and receive
commands read them with real decoders and a real admin store.
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from phone_video import Camera, drawn_frames, encode_video

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.commands import opened_records
from kiosk.admin.video import ProgressLine, read_video
from kiosk.cli import admin_main
from kiosk.export import build_export
from kiosk.keyfiles import load_private_key_file, load_public_key_file, write_keypair
from kiosk.qrframes import fragment_count, frame_capacity
from kiosk.qrrender import fit_version
from kiosk.simulate import simulate
from kiosk.site import init_site, open_site
from kiosk.submit import Submitter
from screens.widgets.qr_view import DEFAULT_RATE

PASSPHRASE = "video-test-passphrase"
FROZEN_STORE = Path(__file__).parent / "data" / "store-format-1"
FROZEN_KEY = Path(__file__).parent / "data" / "keys" / "admin-key.pem"
FROZEN_PASSPHRASE = "test-only-passphrase-not-secret"
COLUMNS, ROWS = 120, 40
RECORDS = 4
CAMERA = Camera(width=854, height=480)


@dataclass
class Filmed:
    """A kiosk site's export, the frames its QR view drew, and a phone video of them."""

    key: Path
    bundle: bytes
    k: int
    frames: list[list[str]]
    video: Path


def film(
    frames: list[list[str]],
    path: Path,
    start: int,
    seconds: float | None = None,
    camera: Camera = CAMERA,
    codec: str = "libx264",
    columns: int = COLUMNS,
    rows: int = ROWS,
) -> Path:
    """A phone video of the kiosk showing `frames` from `start` on at its default rate."""
    pictures = camera.pictures(frames[start:], columns, rows, DEFAULT_RATE)
    if seconds is not None:
        limit = round(seconds * camera.fps)
        pictures = (picture for index, picture in enumerate(pictures) if index < limit)
    encode_video(pictures, path, camera, codec)
    return path


@pytest.fixture(scope="module")
def filmed(tmp_path_factory: pytest.TempPathFactory) -> Filmed:
    """A few simulated answers exported from a real site and filmed mid-animation."""
    folder = tmp_path_factory.mktemp("filmed")
    pem, pub, _ = write_keypair(folder / "admin", PASSPHRASE.encode())
    init_site(folder / "site", load_public_key_file(pub), "Videoafdeling")
    site = open_site(folder / "site")
    try:
        simulate(
            Submitter(site.store, site.config, site.public_key),
            site.config.instruments,
            RECORDS,
            seed=11,
        )
        bundle = build_export(site).bundle
    finally:
        site.close()
    version = fit_version(COLUMNS, ROWS)
    assert version is not None
    k = fragment_count(len(bundle), frame_capacity(version))
    frames = asyncio.run(drawn_frames(bundle, COLUMNS, ROWS, k // 2 + k + 8))
    # The admin starts filming some way into the animation, not at its first frame.
    video = film(frames, folder / "capture.mp4", start=k // 2)
    return Filmed(pem, bundle, k, frames, video)


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", PASSPHRASE)


def stored(store: Path) -> int:
    if not store.exists():
        return 0
    with AdminStore.open(store) as opened:
        return opened.record_count


def opened_records_count(store: Path, key: Path, passphrase: str = PASSPHRASE) -> int:
    """How many records the report reads from the store: each one opened with the key.

    (The report itself prints only closed periods, and these answers are of this week.)
    """
    private_key = load_private_key_file(key, passphrase.encode())
    with AdminStore.open(store) as opened:
        records, _ = opened_records(opened, private_key)
    return len(records)


def test_a_phone_video_imports_the_bundle_and_the_report_counts_every_record(
    filmed: Filmed, tmp_path: Path, passphrase: None, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert (
        admin_main(["import", "--store", str(store), "--key", str(filmed.key), str(filmed.video)])
        == 0
    )
    out = capsys.readouterr().out
    assert f"imported {RECORDS} new records" in out
    assert "whole after" in out
    assert stored(store) == RECORDS
    assert opened_records_count(store, filmed.key) == RECORDS
    # The same video again finds the bundle already imported and adds nothing.
    assert (
        admin_main(["import", "--store", str(store), "--key", str(filmed.key), str(filmed.video)])
        == 0
    )
    assert "already imported" in capsys.readouterr().out
    assert stored(store) == RECORDS


def test_a_video_that_ends_too_early_says_how_much_more_and_stores_nothing(
    filmed: Filmed, tmp_path: Path, passphrase: None, capsys: pytest.CaptureFixture[str]
) -> None:
    filmed_seconds = 0.5 * filmed.k / DEFAULT_RATE
    short = film(filmed.frames, tmp_path / "short.mp4", start=0, seconds=filmed_seconds)
    store = tmp_path / "store"
    assert admin_main(["import", "--store", str(store), "--key", str(filmed.key), str(short)]) == 1
    err = capsys.readouterr().err
    assert "short.mp4: not imported: incomplete" in err
    assert f"of {filmed.k} independent QR frames" in err
    found = re.search(r"about (\d+) more frames needed, roughly (\d+) more seconds of filming", err)
    assert found, err
    frames, seconds = int(found[1]), int(found[2])
    # About half the frames are missing; the estimate is of the time the kiosk needs to show them.
    assert filmed.k // 3 <= frames <= filmed.k
    assert frames / DEFAULT_RATE / 2 <= seconds <= 2 * frames / DEFAULT_RATE + 1
    assert "Nothing was stored" in err
    assert stored(store) == 0
    # A second video of the same QR screen, too short on its own (fountain frames only),
    # completes the first when both are imported together.
    rest = film(
        filmed.frames, tmp_path / "rest.mp4", start=filmed.k, seconds=0.8 * filmed.k / DEFAULT_RATE
    )
    assert admin_main(["import", "--store", str(store), "--key", str(filmed.key), str(rest)]) == 1
    assert "rest.mp4: not imported: incomplete" in capsys.readouterr().err
    args = ["import", "--store", str(store), "--key", str(filmed.key), str(short), str(rest)]
    assert admin_main(args) == 0
    assert f"short.mp4, {rest}" in capsys.readouterr().out
    assert stored(store) == RECORDS


class Terminal(io.StringIO):
    """Standard error as a terminal, where the progress line is drawn."""

    def isatty(self) -> bool:
        return True


def test_the_progress_line_counts_pictures_frames_and_the_share_of_the_bundle(
    filmed: Filmed,
) -> None:
    terminal = Terminal()
    result = read_video(filmed.video, ProgressLine("capture.mp4", terminal))
    assert result.bundle == filmed.bundle
    lines = terminal.getvalue().split("\r")
    assert len(lines) >= 2
    last = lines[-1]
    assert last.startswith("capture.mp4 [####################] 100%")
    assert f"{filmed.k}/{filmed.k} independent" in last
    assert f"in {result.counts.pictures} pictures" in last


def test_receive_with_a_video_file_as_its_camera_imports_the_same(
    filmed: Filmed, tmp_path: Path, passphrase: None, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert (
        admin_main(
            [
                "receive",
                "--store",
                str(store),
                "--key",
                str(filmed.key),
                "--camera",
                str(filmed.video),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert f"\aAll {filmed.k} fragments received" in captured.err
    assert f"imported {RECORDS} new records" in captured.out
    assert opened_records_count(store, filmed.key) == RECORDS


def test_receive_from_a_camera_that_is_not_there_says_so(
    filmed: Filmed, tmp_path: Path, passphrase: None, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert (
        admin_main(["receive", "--store", str(store), "--key", str(filmed.key), "--camera", "57"])
        == 1
    )
    assert "camera 57 cannot be opened" in capsys.readouterr().err
    assert stored(store) == 0


def test_hevc_in_mov_and_vp9_in_webm_import_too(
    filmed: Filmed, tmp_path: Path, passphrase: None
) -> None:
    seconds = (filmed.k + 4) / DEFAULT_RATE
    mov = film(filmed.frames, tmp_path / "capture.mov", start=0, seconds=seconds, codec="libx265")
    webm = film(
        filmed.frames, tmp_path / "capture.webm", start=0, seconds=seconds, codec="libvpx-vp9"
    )
    for video in (mov, webm):
        store = tmp_path / f"store-{video.suffix[1:]}"
        assert (
            admin_main(["import", "--store", str(store), "--key", str(filmed.key), str(video)]) == 0
        )
        assert stored(store) == RECORDS


def test_a_damaged_video_is_refused_with_a_reason_and_other_sources_still_import(
    filmed: Filmed, tmp_path: Path, passphrase: None, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(filmed.video.read_bytes()[:4096])
    bundle = tmp_path / "export.tkb"
    bundle.write_bytes(filmed.bundle)
    store = tmp_path / "store"
    assert (
        admin_main(
            ["import", "--store", str(store), "--key", str(filmed.key), str(broken), str(bundle)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "broken.mp4: not imported:" in err
    assert stored(store) == RECORDS


def test_an_old_format_1_bundle_with_1_kib_records_imports_from_a_video(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_ADMIN_PASSPHRASE", FROZEN_PASSPHRASE)
    site = open_site(Path(shutil.copytree(FROZEN_STORE, tmp_path / "site")))
    try:
        bundle = build_export(site, include_delivered=True).bundle
    finally:
        site.close()
    columns, rows = 200, 60
    version = fit_version(columns, rows)
    assert version is not None
    k = fragment_count(len(bundle), frame_capacity(version))
    frames = asyncio.run(drawn_frames(bundle, columns, rows, k + 6))
    camera = Camera(width=1024, height=576)
    video = film(frames, tmp_path / "old.mp4", start=0, camera=camera, columns=columns, rows=rows)
    store = tmp_path / "store"
    assert admin_main(["import", "--store", str(store), "--key", str(FROZEN_KEY), str(video)]) == 0
    assert "imported 12 new records" in capsys.readouterr().out
    assert opened_records_count(store, FROZEN_KEY, FROZEN_PASSPHRASE) == 12
