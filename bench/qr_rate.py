"""Which kiosk frame rate a 30 fps phone camera catches: a timing model of screen and shutter.

The kiosk's timer jitters (σ 4 ms) and the terminal paints a new frame at its next 60 Hz
refresh. The camera takes a picture every 1/30 s (1 % clock jitter), drops 3 % of them, and
exposes each for 1/60 s while its rolling shutter reads the rows out over `readout` seconds: a
frame change inside that window tears the picture, which then reads as nothing. A kiosk frame
is caught when at least one untorn picture shows it. Prints the share of frames caught and the
frames caught per second, for rates and shutter readout times.

Run: .venv/bin/python bench/qr_rate.py [--seconds 300] [--fps 30]
"""

from __future__ import annotations

import argparse
import bisect
import math
import random

RATES = (5, 8, 10, 12, 15, 20)
READOUTS = (0.0, 0.01, 0.02, 0.03)


def caught(
    rate: float,
    *,
    fps: float = 30.0,
    readout: float = 0.02,
    exposure: float = 1 / 60,
    jitter: float = 0.004,
    refresh: float = 1 / 60,
    drop: float = 0.03,
    seconds: float = 300.0,
    seed: int = 1,
) -> float:
    """The share of the frames shown that at least one clean camera picture holds."""
    rng = random.Random(seed)
    shown = [0.0]
    for index in range(1, int(seconds * rate)):
        due = index / rate + rng.gauss(0, jitter)
        shown.append(max(shown[-1], math.ceil(due / refresh) * refresh))
    seen: set[int] = set()
    moment = rng.uniform(0, 1)
    while moment < shown[-1]:
        moment += (1 + rng.gauss(0, 0.01)) / fps
        if rng.random() < drop:
            continue
        index = bisect.bisect_right(shown, moment) - 1
        if index + 1 < len(shown) and shown[index + 1] < moment + exposure + readout:
            continue
        # Two frames due in the same refresh: only the later one ever reaches the screen.
        if index + 1 < len(shown) and shown[index + 1] == shown[index]:
            continue
        seen.add(index)
    return len(seen) / len(shown)


def main() -> None:
    """Print one line per shutter readout time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    print("readout  " + "  ".join(f"{rate:>2}/s: caught, per s" for rate in RATES))
    for readout in READOUTS:
        cells = []
        for rate in RATES:
            share = caught(rate, fps=args.fps, readout=readout, seconds=args.seconds)
            cells.append(f"{share:>10.1%} {share * rate:5.1f}")
        print(f"{readout * 1000:4.0f} ms " + "  ".join(cells))


if __name__ == "__main__":
    main()
