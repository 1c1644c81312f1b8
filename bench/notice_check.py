"""How long the welcome screen's notice check takes: read notice.tkn and verify it in full.

The welcome screen is drawn again after every answer and checks the site's notice each time
(kiosk/notice.py's load_stored), so this is added to every return to the menu.

    .venv/bin/python bench/notice_check.py [--rounds 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.admin.notice_build import build_notice, sign_notice
from kiosk.admin.plan import Action
from kiosk.instruments import Text
from kiosk.notice import MAX_ACTIONS, load_stored, stored_path
from kiosk.sealing import signing_public_key_of


def main() -> None:
    """Time load_stored on the largest notice: five actions with texts at their limits."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    long = Text("æ" * 240, "e" * 240)
    actions = [
        Action(i, long, long, "w" * 80, date(2026, 4, 1), "open", "support", None, date.today())
        for i in range(1, MAX_ACTIONS + 1)
    ]
    notice = build_notice(
        actions,
        site="Lager",
        valid_from=date(2026, 3, 1),
        valid_until=date(2026, 4, 30),
        now=datetime(2026, 3, 1),
    )
    data = sign_notice(notice, key)
    with tempfile.TemporaryDirectory() as folder:
        stored_path(Path(folder)).write_bytes(data)
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            shown = load_stored(
                Path(folder),
                signing_key=signing_public_key_of(key),
                site_name="Lager",
                min_group=5,
                today=date(2026, 3, 4),
            )
            times.append(time.perf_counter() - start)
            assert shown is not None
    print(f"notice file {len(data)} bytes; {args.rounds} checks")
    print(
        f"median {statistics.median(times) * 1000:.3f} ms, "
        f"p99 {sorted(times)[int(len(times) * 0.99)] * 1000:.3f} ms per check"
    )


if __name__ == "__main__":
    main()
