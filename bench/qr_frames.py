"""QR transfer figures: bytes per frame, frames needed under loss, and frames drawn per second.

Run: .venv/bin/python bench/qr_frames.py [--seeds 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from kiosk.qrframes import (
    FrameDecoder,
    FrameStream,
    binary_capacity,
    encode_frames,
    frame_capacity,
)
from kiosk.qrrender import half_block_lines, qr_matrix


def capacity_table() -> None:
    """Bundle bytes per frame against what the same QR version holds in byte mode."""
    print("version  bytes/frame  binary capacity  share   (error correction M)")
    for version in (5, 10, 13, 23, 30, 40):
        carried, binary = frame_capacity(version), binary_capacity(version)
        print(f"v{version:<7} {carried:>11} {binary:>16} {carried / binary:>6.1%}")


def frames_needed(k: int, loss: float, seed: int) -> int:
    """Frames sent until a receiver losing `loss` of them at random holds the whole bundle."""
    rnd = random.Random(seed)
    size = 32
    bundle = rnd.randbytes(k * size - rnd.randrange(size))
    stream = FrameStream(bundle, size, rnd.randbytes(4))
    decoder = FrameDecoder()
    for seq in range(1000 * k):
        if rnd.random() >= loss and decoder.add(stream.frame(seq)):
            return seq + 1
    raise RuntimeError(f"K={k}, loss {loss:.0%}, seed {seed}: never completed")


def loss_table(seeds: int) -> None:
    """Mean, 95th percentile and worst frames sent per K, over `seeds` random receivers."""
    print(f"\nframes sent until whole, in units of K ({seeds} seeds each)")
    print("   K   loss   mean    p95    max")
    for k in (5, 10, 30, 100):
        for loss in (0.0, 0.1, 0.2, 0.3):
            runs = sorted(frames_needed(k, loss, seed) / k for seed in range(seeds))
            p95 = runs[int(0.95 * (len(runs) - 1))]
            print(f"{k:>4} {loss:>5.0%} {statistics.mean(runs):>6.3f} {p95:>6.3f} {runs[-1]:>6.3f}")


def draw_speed(seconds: float = 3.0) -> None:
    """Frames per second from bundle to frame text, module matrix and half-block lines."""
    print("\nframes drawn per second (frame text + QR matrix + half-block lines)")
    bundle = random.Random(1).randbytes(1_000_000)
    for version in (13, 23):
        stream = encode_frames(bundle, version=version)
        seq, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            # Alternate source and fountain frames, as a long transfer shows both.
            half_block_lines(qr_matrix(stream.frame(seq if seq % 2 else stream.k + seq), version))
            seq += 1
        rate = seq / (time.perf_counter() - start)
        print(f"v{version}: {rate:.1f} frames/s (target ≥ 5)")


def main() -> None:
    """Print every table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    capacity_table()
    loss_table(args.seeds)
    draw_speed()


if __name__ == "__main__":
    main()
