"""The one path from a finished answer to a durable sealed record.

The kiosk's screens and `kiosk simulate` both come through here, so the load generator and
the benchmarks measure exactly what a person's answer goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from kiosk import records
from kiosk.config import SiteConfig
from kiosk.instruments import Answer, Instrument, validate_answers
from kiosk.sanitize import clean_text
from kiosk.sealing import PublicKey, new_record_id, seal
from kiosk.store import RecordStore


def clean_answers(instrument: Instrument, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """Strip control characters from free text and turn empty text into "not answered"."""
    cleaned: dict[str, Answer] = dict(answers)
    for item in instrument.items:
        value = cleaned.get(item.id)
        if item.kind == "text" and isinstance(value, str):
            cleaned[item.id] = clean_text(value, item.max_length) or None
    return cleaned


class Submitter:
    """Seals and stores responses for one site with its pinned administrator key."""

    def __init__(
        self,
        store: RecordStore,
        site: SiteConfig,
        public_key: PublicKey,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.site = site
        self.public_key = public_key
        self._today = today
        self._kiosk_id = store.kiosk_id
        # Every text-free record of this kiosk gets one length, whichever tool was answered.
        self._small = records.small_bucket(
            site.instruments, self._kiosk_id, site.site_name, site.date_granularity
        )

    def submit(
        self,
        instrument: Instrument,
        answers: Mapping[str, Answer],
        *,
        day: date | None = None,
    ) -> bytes:
        """Validate, seal and durably store one response; return its random record id.

        The language the person answered in is not stored: in a small team it could tell who
        answered.

        Args:
            instrument: The instrument answered.
            answers: Answers by item id, as the screen collected them.
            day: The day to record (coarsened); today unless a simulation says otherwise.

        Raises:
            InvalidAnswer: the answers do not fit the instrument.
            StoreError: the record could not be stored; nothing was written.
        """
        valid = validate_answers(instrument, clean_answers(instrument, answers))
        plaintext = records.build(
            instrument,
            valid,
            day or self._today(),
            kiosk_id=self._kiosk_id,
            site=self.site.site_name,
            granularity=self.site.date_granularity,
            # A tool off the menu (tests, simulations) gets the size that fits it alone.
            small=self._small if instrument in self.site.instruments else None,
        )
        record_id = new_record_id()
        self.store.add(record_id, seal(self.public_key, record_id, plaintext))
        return record_id
