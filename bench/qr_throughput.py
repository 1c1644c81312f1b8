"""Records per minute through the animated QR code, from a simulated phone video, and import speed.

For each terminal size: simulated answers on a fresh site are exported with today's record
format (whatever `build_export` writes, so the same command measures a new record format once
it lands), the real QrView draws the frames (headless), tests/phone_video.py films them at each
kiosk frame rate with a 30 fps phone camera model and encodes H.264 at a phone's bit rate, and
`kiosk.admin.video.read_video` (what `kiosk-admin import capture.mp4` runs) reads the video
until the bundle is whole. Records per minute = records / seconds of video until whole × 60.
Import speed: pictures decoded per second by PyAV alone, and through the whole scan.

Run: .venv/bin/python bench/qr_throughput.py [--records 40] [--rates 5,12]
     [--sizes 80x24,120x40,200x60] [--camera 1280x720]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from phone_video import Camera, collect_frames, encode_video  # type: ignore[import-not-found]

from kiosk.admin.video import decode_pictures, read_video
from kiosk.export import build_export
from kiosk.qrframes import binary_capacity, fragment_count, frame_capacity
from kiosk.qrrender import fit_version
from kiosk.sealing import generate_private_key, public_key_of
from kiosk.simulate import simulate
from kiosk.site import init_site, open_site
from kiosk.submit import Submitter

# Frames the kiosk shows beyond K: the filming starts a third of K into the animation, and the
# camera loses a few; the video is cut when these run out (the scan stops at whole anyway).
START_SHARE = 3
EXTRA_SHARE = 0.4
EXTRA_FRAMES = 20


def make_bundle(folder: Path, records: int) -> bytes:
    """An export bundle of `records` simulated answers from a fresh site."""
    init_site(folder / "site", public_key_of(generate_private_key()), "Benchafdeling")
    site = open_site(folder / "site")
    try:
        simulate(
            Submitter(site.store, site.config, site.public_key),
            site.config.instruments,
            records,
            seed=2026,
        )
        return build_export(site).bundle
    finally:
        site.close()


def decode_speed(video: Path) -> float:
    """Pictures per second PyAV decodes (luma only), without scanning them."""
    began = time.perf_counter()
    count = sum(1 for _ in decode_pictures(video))
    return count / (time.perf_counter() - began)


def run_size(
    bundle: bytes,
    records: int,
    columns: int,
    rows: int,
    rates: list[float],
    camera: Camera,
    folder: Path,
) -> None:
    """Film one terminal size at each rate and print one table row per rate."""
    version = fit_version(columns, rows)
    assert version is not None
    k = fragment_count(len(bundle), frame_capacity(version))
    start = k // START_SHARE
    count = start + k + round(EXTRA_SHARE * k) + EXTRA_FRAMES
    began = time.perf_counter()
    frames = collect_frames(bundle, columns, rows, count)
    drawn = time.perf_counter() - began
    share = frame_capacity(version) / binary_capacity(version)
    print(
        f"{columns}×{rows}: v{version}, {frame_capacity(version)} B/frame ({share:.1%} of byte "
        f"mode), bundle {len(bundle):,} B, K = {k}; {count} frames drawn in {drawn:.0f} s",
        flush=True,
    )
    for rate in rates:
        video = folder / f"capture-{columns}x{rows}-{rate:g}.mp4"
        pictures = encode_video(camera.pictures(frames[start:], columns, rows, rate), video, camera)
        began = time.perf_counter()
        result = read_video(video)
        scanned = time.perf_counter() - began
        decoded = decode_speed(video)
        counts = result.counts
        if result.bundle != bundle:
            print(
                f"  {rate:g}/s: NOT WHOLE after {result.seconds:.1f} s: {result.collector.progress}"
            )
            continue
        per_minute = records / result.seconds * 60
        # Frames the kiosk showed while the video ran, against those read from it.
        caught = result.collector.progress.received / (int(result.seconds * rate) + 1)
        print(
            f"  {rate:>4g}/s  whole after {result.seconds:6.1f} s of video  "
            f"{per_minute:7.0f} records/min  frames caught {caught:5.1%}  "
            f"{counts.read}/{counts.pictures} pictures scanned  "
            f"scan {counts.pictures / scanned:5.0f} pictures/s  decode {decoded:5.0f}/s  "
            f"(video {pictures} pictures, {video.stat().st_size / 1e6:.1f} MB)",
            flush=True,
        )


def main() -> None:
    """Parse the options and run every size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--rates", default="5,12", help="kiosk frame rates, comma-separated")
    parser.add_argument("--sizes", default="80x24,120x40,200x60")
    parser.add_argument("--camera", default="1280x720", help="video width x height")
    args = parser.parse_args()
    width, height = (int(n) for n in args.camera.split("x"))
    camera = Camera(width=width, height=height)
    rates = [float(rate) for rate in args.rates.split(",")]
    print(
        f"{args.records} records; camera {width}×{height} at 30 fps, H.264 "
        f"{camera.bits_per_pixel * width * height * camera.fps / 1e6:.1f} Mbit/s"
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        bundle = make_bundle(folder, args.records)
        for size in args.sizes.split(","):
            columns, rows = (int(n) for n in size.split("x"))
            run_size(bundle, args.records, columns, rows, rates, camera, folder)


if __name__ == "__main__":
    main()
