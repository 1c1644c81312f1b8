"""The kiosk's operational log: starts, exports, errors. Never an answer, never a time of an answer.

Log lines carry the wall-clock time of operations such as an export. They never name an
instrument or hold a value, so the log cannot be lined up with the sealed records.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "kiosk.log"
LOG_BYTES = 256 * 1024
LOG_BACKUPS = 4


def start_logging(folder: Path) -> Path:
    """Send the "trivselskiosk" logger to a rotating file in the site folder."""
    path = folder / LOG_NAME
    handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("trivselskiosk")
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, RotatingFileHandler) for h in logger.handlers):
        logger.addHandler(handler)
    logger.info("kiosk started")
    return path
