"""`kiosk run`: the kiosk UI, its restart loop, and the refusal to draw anywhere but a terminal."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from kiosk.cli.options import package_version, resolve_data_dir
from kiosk.cli_common import EXIT_FAILED, CommandError
from kiosk.site import open_site
from kiosk.terminal_layout import layout_problem

CRASH_WINDOW_SECONDS = 60.0
CRASHES_BEFORE_GIVING_UP = 5


def run_ui(folder: Path) -> int:
    """Run the kiosk UI; after an unexpected error, start a clean one on a freshly opened site.

    Restarts back off (1, 2, 4 … seconds); after five crashes within a minute the command
    exits with an error, so a broken kiosk does not spin a core and the service manager's own
    restart limits apply.
    """
    from kiosk.oplog import LogUnavailable, log_event, start_logging
    from screens.app import EXIT_CRASHED, KioskApp

    site = open_site(folder)
    if problem := layout_problem():
        site.close()
        # Said on the terminal too, if there is one: under systemd stderr is the journal.
        if os.isatty(1):
            print(f"kiosk: not started: {problem}", flush=True)
        raise CommandError(f"not started: {problem}")
    try:
        start_logging(folder, version=package_version())
    except LogUnavailable as error:
        site.close()
        raise CommandError(str(error)) from None
    crashes: list[float] = []
    try:
        while True:
            app = KioskApp(site)
            app.run()
            if app.return_code != EXIT_CRASHED:
                return app.return_code or 0
            log_event(folder, "restart", code=EXIT_CRASHED)
            now = time.monotonic()
            crashes = [*(when for when in crashes if now - when < CRASH_WINDOW_SECONDS), now]
            if len(crashes) >= CRASHES_BEFORE_GIVING_UP:
                print(
                    f"kiosk: {len(crashes)} unexpected errors within a minute; stopping. "
                    f"See: kiosk log --data-dir {folder}",
                    file=sys.stderr,
                )
                return EXIT_FAILED
            time.sleep(2.0 ** (len(crashes) - 1))
            # A clean start: nothing the crashed app held in memory is reused.
            site.close()
            site = open_site(folder)
    finally:
        site.close()


def cmd_run(args: argparse.Namespace) -> int:
    """kiosk run: start the kiosk UI on a site."""
    return run_ui(resolve_data_dir(args))
