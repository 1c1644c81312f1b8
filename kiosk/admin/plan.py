"""The action plan kept in the admin store: what we heard, what we do, who, by when, status.

Actions quote results ("what we heard" in a published cell's words), so the plan is kept
like the opened cache: one ChaCha20-Poly1305 file (`plan.bin`) under a key derived from the
administrator's private key, replaced atomically on every change. Reports and notices read
it through `list_actions`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from kiosk.admin.adminstore import AdminStore
from kiosk.admin.opencache import cache_key
from kiosk.durable import StoreCorrupt, atomic_write
from kiosk.instruments import Text
from kiosk.notice import LIMITS, STATUSES
from kiosk.sanitize import clean_text

PLAN_FILE = "plan.bin"
INFO = b"trivselskiosk/admin-plan/v1"
MAGIC = b"TKP1"
NONCE_SIZE = 12
_PAD_TO = 4096


class PlanError(Exception):
    """An action cannot be added or changed; str() says why."""


@dataclass(frozen=True)
class Action:
    """One agreed action of the handleplan.

    Attributes:
        id: a small number, stable for the action's life (`plan edit 3`).
        heard: what we heard, in the words of a published result (Danish, English).
        do: what we do about it.
        who: who is responsible (a role rather than a name is wiser).
        by: the day it should be done by, if agreed.
        status: "open", "started" or "done".
        focus: the report's focus area it answers: an instrument id, or a cell key
            "instrument/site/period".
        site: the site it is for; None for every site.
        created: the day it was added.
        done_on: the day it was marked done.
    """

    id: int
    heard: Text
    do: Text
    who: str
    by: date | None
    status: str
    focus: str
    site: str | None
    created: date
    done_on: date | None = None


def _cipher(private_key: X25519PrivateKey) -> ChaCha20Poly1305:
    return cache_key(private_key, info=INFO)


def plan_row(action: Action) -> dict[str, object]:
    """An action as a JSON-ready dict (days as ISO text), as plan.bin and `plan list --json`."""
    row = asdict(action)
    for name in ("by", "created", "done_on"):
        value = getattr(action, name)
        row[name] = value.isoformat() if value else None
    return row


def _action(row: dict[str, object]) -> Action:
    def day(value: object) -> date | None:
        return date.fromisoformat(str(value)) if value else None

    heard, do = row["heard"], row["do"]
    assert isinstance(heard, dict) and isinstance(do, dict)
    created = day(row["created"])
    assert created is not None
    return Action(
        id=int(str(row["id"])),
        heard=Text(str(heard["da"]), str(heard["en"])),
        do=Text(str(do["da"]), str(do["en"])),
        who=str(row["who"]),
        by=day(row["by"]),
        status=str(row["status"]),
        focus=str(row["focus"]),
        site=None if row["site"] is None else str(row["site"]),
        created=created,
        done_on=day(row["done_on"]),
    )


def list_actions(store: AdminStore, private_key: X25519PrivateKey) -> list[Action]:
    """Every action of the store's plan, in the order they were added (open and done).

    Raises:
        StoreCorrupt: plan.bin exists but does not open with this key or is malformed.
    """
    path = store.folder / PLAN_FILE
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return []
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_SIZE:
        raise StoreCorrupt(f"{path} is not an action plan file")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_SIZE]
    try:
        plain = _cipher(private_key).decrypt(nonce, blob[len(MAGIC) + NONCE_SIZE :], MAGIC)
        return [_action(row) for row in json.loads(plain)]
    except InvalidTag:
        raise StoreCorrupt(
            f"{path} does not open with this key (made with another key, or damaged)"
        ) from None
    except (ValueError, TypeError, KeyError, AssertionError):
        raise StoreCorrupt(f"{path} opens but its contents are malformed") from None


def save_actions(store: AdminStore, private_key: X25519PrivateKey, actions: list[Action]) -> None:
    """Replace the plan with `actions`, durably (old or new plan after a crash, never half)."""
    body = json.dumps([plan_row(a) for a in actions], ensure_ascii=False).encode()
    body += b" " * (-len(body) % _PAD_TO)
    nonce = os.urandom(NONCE_SIZE)
    blob = MAGIC + nonce + _cipher(private_key).encrypt(nonce, body, MAGIC)
    atomic_write(Path(store.folder) / PLAN_FILE, blob)


def checked_text(value: str, limit: int, what: str) -> str:
    """A plan text as notices will carry it: one line, no control characters, not too long."""
    text = " ".join(clean_text(value).split())
    if len(text) > limit:
        raise PlanError(f"{what} has {len(text)} characters; a notice carries at most {limit}.")
    return text


def new_action(
    existing: list[Action],
    *,
    heard: Text,
    do: Text,
    who: str,
    by: date | None,
    focus: str,
    site: str | None,
    today: date,
) -> Action:
    """A new open action, numbered after the highest number so far."""
    if not heard.da or not do.da:
        raise PlanError("An action needs what was heard (--heard) and what we do (--do).")
    return Action(
        id=max((a.id for a in existing), default=0) + 1,
        heard=Text(
            checked_text(heard.da, LIMITS["heard"], "--heard"),
            checked_text(heard.en, LIMITS["heard"], "--heard-en"),
        ),
        do=Text(
            checked_text(do.da, LIMITS["do"], "--do"),
            checked_text(do.en, LIMITS["do"], "--do-en"),
        ),
        who=checked_text(who, LIMITS["who"], "--who"),
        by=by,
        status="open",
        focus=focus,
        site=site,
        created=today,
    )


def with_status(action: Action, status: str, today: date) -> Action:
    """The action with a new status; done actions remember the day."""
    if status not in STATUSES:
        raise PlanError(f"The status is one of {', '.join(STATUSES)}, not {status!r}.")
    return replace(action, status=status, done_on=today if status == "done" else None)


def find(actions: list[Action], number: int) -> int:
    """The position of action `number`; PlanError naming the numbers there are."""
    for position, action in enumerate(actions):
        if action.id == number:
            return position
    numbers = ", ".join(str(a.id) for a in actions) or "none yet"
    raise PlanError(f"There is no action {number} in the plan (actions: {numbers}).")


def plan_lines(actions: list[Action], lang: str) -> list[str]:
    """The plan as report text lines: open actions first, then done ones."""
    words = {
        "da": {"open": "åben", "started": "i gang", "done": "gjort", "by": "senest", "who": "hvem"},
        "en": {"open": "open", "started": "started", "done": "done", "by": "by", "who": "who"},
    }[lang]
    ordered = sorted(actions, key=lambda a: (a.status == "done", a.id))
    lines = []
    for a in ordered:
        by = f", {words['by']} {a.by.isoformat()}" if a.by else ""
        who = f", {words['who']}: {a.who}" if a.who else ""
        heard = a.heard.get(lang) or a.heard.da
        do = a.do.get(lang) or a.do.da
        lines.append(f"[{words[a.status]}] {a.id}. {heard} → {do}{who}{by} ({a.focus})")
    return lines
