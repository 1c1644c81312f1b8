"""Signed notices: "Det har I sagt – det gør vi", the action plan shown back on the kiosk.

The administrator signs a small notice for one site with the Ed25519 key named by the
site's pinned `tkpub2-` key line (kiosk/sealing.py); the kiosk shows it only if the signature,
the site, the validity dates and every headline's group size check out. Anything else is
refused with a sentence for a person and a reason word for the operational log; nothing of a
refused notice is kept or shown. The format is specified in docs/formats.md ("Notices").
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.durable import atomic_write
from kiosk.instruments import Text
from kiosk.oplog import log_event
from kiosk.sealing import SigningPublicKey
from kiosk.site import Site

FORMAT = "trivselskiosk-notice"
VERSION = 1
SUFFIX = ".tkn"
STORED_NAME = "notice.tkn"
"""Where a site keeps the notice it shows, beside kiosk.toml."""
SIGNED_PREFIX = b"trivselskiosk/notice/v1\n"
"""Signed bytes: this prefix, then the body bytes exactly as carried (base64) in the file."""
MAX_FILE_BYTES = 64 * 1024
MAX_ACTIONS = 5
MAX_HEADLINES = 3
MAX_DAYS_VALID = 366
STATUSES = ("open", "started", "done")
LIMITS = {"title": 120, "heard": 240, "do": 240, "who": 80, "label": 120, "site": 200}
_SIGNATURE_BYTES = 64
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ISSUED = "%Y-%m-%dT%H:%M:%SZ"


class NoticeRefused(Exception):
    """A notice the kiosk will not show; str() is for a person, `reason` one word for the log."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class NoticeAction:
    """One agreed action: what we heard, what we do, who, by when, and how far it is."""

    heard: Text
    do: Text
    who: str
    by: date | None
    status: str


@dataclass(frozen=True)
class Headline:
    """One published result: a mean over n answers of one question, period and site."""

    instrument: str
    question: str
    period: str
    label: Text
    n: int
    mean: float


@dataclass(frozen=True)
class Notice:
    """What a verified notice says; `issued` orders notices (a newer one replaces an older)."""

    site: str
    issued: datetime
    valid_from: date
    valid_until: date
    title: Text
    actions: tuple[NoticeAction, ...]
    headlines: tuple[Headline, ...] = ()

    def showing(self, today: date) -> bool:
        """Whether the notice is to be shown today."""
        return self.valid_from <= today <= self.valid_until


# --- body: the signed JSON object ---------------------------------------------------------


def _text(text: Text) -> dict[str, str]:
    return {"da": text.da, "en": text.en}


def body_bytes(notice: Notice) -> bytes:
    """The body as the administrator signs it (compact UTF-8 JSON, keys sorted)."""
    body: dict[str, Any] = {
        "site": notice.site,
        "issued": notice.issued.strftime(_ISSUED),
        "valid_from": notice.valid_from.isoformat(),
        "valid_until": notice.valid_until.isoformat(),
        "title": _text(notice.title),
        "actions": [
            {
                "heard": _text(a.heard),
                "do": _text(a.do),
                "who": a.who,
                "by": a.by.isoformat() if a.by else None,
                "status": a.status,
            }
            for a in notice.actions
        ],
        "headlines": [
            {
                "instrument": h.instrument,
                "question": h.question,
                "period": h.period,
                "label": _text(h.label),
                "n": h.n,
                "mean": h.mean,
            }
            for h in notice.headlines
        ],
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def file_bytes(body: bytes, signature: bytes, signer: str) -> bytes:
    """The notice file around a signed body."""
    outer = {
        "format": FORMAT,
        "version": VERSION,
        "signer": signer,
        "body": base64.b64encode(body).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return (json.dumps(outer, indent=1) + "\n").encode("ascii")


class _Malformed(Exception):
    pass


def _fields(obj: Any, names: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != names:
        raise _Malformed(f"{where} must have exactly the fields {', '.join(sorted(names))}")
    return obj


def _string(value: Any, limit: int, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _Malformed(f"{where} must be a non-empty text")
    if len(value) > limit or _CONTROL.search(value):
        raise _Malformed(f"{where} is longer than {limit} characters or holds control characters")
    return value


def _both(value: Any, limit: int, where: str) -> Text:
    fields = _fields(value, {"da", "en"}, where)
    return Text(
        _string(fields["da"], limit, f"{where}.da"), _string(fields["en"], limit, f"{where}.en")
    )


def _day(value: Any, where: str) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _Malformed(f"{where} must be a day like 2026-12-01") from None


def parse_body(body: bytes) -> Notice:
    """Read the signed body; raises NoticeRefused('malformed') if it breaks the format."""
    try:
        data = _fields(json.loads(body.decode("utf-8")), _BODY_FIELDS, "the notice")
        try:
            issued = datetime.strptime(data["issued"], _ISSUED)
        except (TypeError, ValueError):
            raise _Malformed("issued must be a UTC time like 2026-12-01T15:00:00Z") from None
        valid_from = _day(data["valid_from"], "valid_from")
        valid_until = _day(data["valid_until"], "valid_until")
        if not 0 <= (valid_until - valid_from).days <= MAX_DAYS_VALID:
            raise _Malformed(f"valid_until must be 0 to {MAX_DAYS_VALID} days after valid_from")
        actions, headlines = data["actions"], data["headlines"]
        if not isinstance(actions, list) or not 1 <= len(actions) <= MAX_ACTIONS:
            raise _Malformed(f"a notice holds 1 to {MAX_ACTIONS} actions")
        if not isinstance(headlines, list) or len(headlines) > MAX_HEADLINES:
            raise _Malformed(f"a notice holds at most {MAX_HEADLINES} headline results")
        return Notice(
            site=_string(data["site"], LIMITS["site"], "site"),
            issued=issued,
            valid_from=valid_from,
            valid_until=valid_until,
            title=_both(data["title"], LIMITS["title"], "title"),
            actions=tuple(_action(a, i) for i, a in enumerate(actions, 1)),
            headlines=tuple(_headline(h, i) for i, h in enumerate(headlines, 1)),
        )
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise NoticeRefused("malformed", "The notice's body is not UTF-8 JSON.") from None
    except _Malformed as error:
        raise NoticeRefused("malformed", f"The notice is malformed: {error}.") from None


_BODY_FIELDS = {"site", "issued", "valid_from", "valid_until", "title", "actions", "headlines"}


def _action(value: Any, i: int) -> NoticeAction:
    where = f"action {i}"
    data = _fields(value, {"heard", "do", "who", "by", "status"}, where)
    if data["status"] not in STATUSES:
        raise _Malformed(f"{where}: status must be one of {', '.join(STATUSES)}")
    return NoticeAction(
        heard=_both(data["heard"], LIMITS["heard"], f"{where}.heard"),
        do=_both(data["do"], LIMITS["do"], f"{where}.do"),
        who=_string(data["who"], LIMITS["who"], f"{where}.who", empty=True),
        by=None if data["by"] is None else _day(data["by"], f"{where}.by"),
        status=data["status"],
    )


def _headline(value: Any, i: int) -> Headline:
    where = f"headline {i}"
    data = _fields(value, {"instrument", "question", "period", "label", "n", "mean"}, where)
    n, mean = data["n"], data["mean"]
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise _Malformed(f"{where}: n must be a whole number of answers")
    if not isinstance(mean, int | float) or isinstance(mean, bool) or not math.isfinite(mean):
        raise _Malformed(f"{where}: mean must be a number")
    return Headline(
        instrument=_string(data["instrument"], 64, f"{where}.instrument"),
        question=_string(data["question"], 64, f"{where}.question"),
        period=_string(data["period"], 32, f"{where}.period"),
        label=_both(data["label"], LIMITS["label"], f"{where}.label"),
        n=n,
        mean=float(mean),
    )


# --- verifying a file ------------------------------------------------------------------------


def _outer(data: bytes) -> tuple[bytes, bytes, str]:
    if len(data) > MAX_FILE_BYTES:
        raise NoticeRefused(
            "too_large",
            f"This file is {len(data):,} bytes; a notice is at most {MAX_FILE_BYTES:,}.",
        )
    try:
        outer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        outer = None
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise NoticeRefused("format", "This file is not a Trivselskiosk notice.")
    if outer.get("version") != VERSION:
        raise NoticeRefused(
            "format",
            f"This notice has format version {outer.get('version')!r}; this kiosk reads "
            f"version {VERSION}. Update the kiosk, or make the notice with a matching kiosk-admin.",
        )
    try:
        if set(outer) != {"format", "version", "signer", "body", "signature"}:
            raise ValueError
        body = base64.b64decode(outer["body"], validate=True)
        signature = base64.b64decode(outer["signature"], validate=True)
        signer = outer["signer"]
        # One spelling per value: base64's spare bits and a non-text signer are refused.
        if (
            base64.b64encode(body).decode("ascii") != outer["body"]
            or base64.b64encode(signature).decode("ascii") != outer["signature"]
            or not isinstance(signer, str)
        ):
            raise ValueError
    except (ValueError, TypeError, binascii.Error):
        raise NoticeRefused(
            "format", "The notice file is damaged (its fields are not as specified)."
        ) from None
    return body, signature, signer


def verify_notice(
    data: bytes,
    *,
    signing_key: SigningPublicKey | None,
    site_name: str,
    min_group: int,
    today: date,
) -> Notice:
    """Check a notice file completely and return what it says.

    Raises:
        NoticeRefused: with reason format, too_large, no_key, signer, signature, malformed,
            site, expired or small_group.
    """
    body, signature, signer = _outer(data)
    if signing_key is None:
        raise NoticeRefused("no_key", NO_KEY_MESSAGE)
    if signer != signing_key.fingerprint():
        raise NoticeRefused(
            "signer",
            f"The notice is not signed by the administrator this kiosk trusts (it names the "
            f"key {signer[:40]!r}; this kiosk's is {signing_key.fingerprint()}). Nothing was "
            "shown.",
        )
    if len(signature) != _SIGNATURE_BYTES or not signing_key.verify(
        signature, SIGNED_PREFIX + body
    ):
        raise NoticeRefused(
            "signature",
            "The notice's signature does not match its contents: it was changed after it was "
            "signed, damaged, or signed with another key. Nothing was shown; make it again "
            "with kiosk-admin notice.",
        )
    notice = parse_body(body)
    if notice.site != site_name:
        raise NoticeRefused(
            "site",
            f"The notice is for the site {notice.site!r}; this kiosk is {site_name!r}. "
            "Nothing was shown.",
        )
    if today > notice.valid_until:
        raise NoticeRefused(
            "expired",
            f"The notice was valid until {notice.valid_until.isoformat()} and has expired "
            f"(today is {today.isoformat()}). Make a new one with kiosk-admin notice.",
        )
    for headline in notice.headlines:
        if headline.n < min_group:
            raise NoticeRefused(
                "small_group",
                f"The notice carries a result of {headline.n} answers; this kiosk shows no "
                f"number for fewer than {min_group} people. Nothing was shown.",
            )
    return notice


NO_KEY_MESSAGE = (
    "This kiosk has no administrator signing key pinned, so it cannot check a notice. Pin it "
    "once with: kiosk pin-signing-key --data-dir DIR admin-key.pub (the tkpub2- line that "
    "kiosk-admin keygen wrote)."
)


# --- the notice a site keeps ---------------------------------------------------------------


def stored_path(folder: Path) -> Path:
    """Where the site folder keeps its verified notice."""
    return Path(folder) / STORED_NAME


def load_stored(
    folder: Path,
    *,
    signing_key: SigningPublicKey | None,
    site_name: str,
    min_group: int,
    today: date,
) -> Notice | None:
    """The site's notice, checked again in full, or None (none, expired, or no longer valid)."""
    try:
        data = stored_path(folder).read_bytes()
    except OSError:
        return None
    try:
        return verify_notice(
            data, signing_key=signing_key, site_name=site_name, min_group=min_group, today=today
        )
    except NoticeRefused:
        return None


def keep(folder: Path, data: bytes, notice: Notice, current: Notice | None) -> None:
    """Store a verified notice durably, replacing an older one; refuse going back in time."""
    if current is not None and notice.issued < current.issued:
        raise NoticeRefused(
            "older",
            f"The notice was made {notice.issued:%Y-%m-%d %H:%M} UTC, before the one this "
            f"kiosk shows ({current.issued:%Y-%m-%d %H:%M} UTC). Nothing was changed.",
        )
    atomic_write(stored_path(folder), data)


def import_notice(site: Site, data: bytes, today: date) -> Notice:
    """Verify a notice for this site and keep it to show; log the outcome either way.

    Raises:
        NoticeRefused: the notice is not shown (the log names the reason, never its text).
    """
    config = site.config
    try:
        notice = verify_notice(
            data,
            signing_key=site.signing_key,
            site_name=config.site_name,
            min_group=config.min_group,
            today=today,
        )
        current = load_stored(
            site.folder,
            signing_key=site.signing_key,
            site_name=config.site_name,
            min_group=config.min_group,
            today=today,
        )
        keep(site.folder, data, notice, current)
    except NoticeRefused as refused:
        log_event(site.folder, "notice_refused", reason=refused.reason)
        raise
    log_event(
        site.folder,
        "notice_imported",
        actions=len(notice.actions),
        headlines=len(notice.headlines),
        until=notice.valid_until.isoformat(),
    )
    return notice


def remove_notice(site: Site) -> bool:
    """Stop showing the site's notice; whether there was one."""
    path = stored_path(site.folder)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    log_event(site.folder, "notice_removed")
    return True


def find_notice_files(folders: list[Path]) -> list[Path]:
    """Notice files (*.tkn) at the top of each folder (a stick's root), sorted by name."""
    found: list[Path] = []
    for folder in folders:
        try:
            found += sorted(p for p in Path(folder).glob(f"*{SUFFIX}") if p.is_file())
        except OSError:
            continue
    return found


def read_notice_file(path: Path) -> bytes:
    """A notice file's bytes, refusing an oversized one before reading it all."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise NoticeRefused(
            "unreadable", f"Cannot read {path}: {error.strerror or error}. Nothing was changed."
        ) from None
    return data
