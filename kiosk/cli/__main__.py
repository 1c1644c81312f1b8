"""`python -m kiosk.cli`: the `kiosk` command."""

import sys

from kiosk.cli import kiosk_main

sys.exit(kiosk_main())
