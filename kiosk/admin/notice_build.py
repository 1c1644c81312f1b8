"""Build and sign a site's notice from the action plan (`kiosk-admin notice`).

Headline numbers come only from cells the publication table publishes: `pick_headlines`
takes the table's cells (anything shaped like kiosk/admin/model.py's Cell) and refuses a
hidden one, so every anonymity rule of the report carries over to the notice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.admin.plan import Action
from kiosk.instruments import Text
from kiosk.notice import (
    MAX_ACTIONS,
    MAX_DAYS_VALID,
    SIGNED_PREFIX,
    Headline,
    Notice,
    NoticeAction,
    body_bytes,
    file_bytes,
    parse_body,
)
from kiosk.sealing import signing_public_key_of

DEFAULT_TITLE = Text("Det har I sagt – det gør vi", "You said it – this is what we do")


class NoticeBuildError(Exception):
    """The notice cannot be made as asked; str() says why and what to change."""


class PublishedMeasure(Protocol):
    """One question's numbers in a cell, as the publication table holds them."""

    @property
    def question(self) -> str: ...
    @property
    def n(self) -> int | None: ...
    @property
    def mean(self) -> float | None: ...


class PublishedCell(Protocol):
    """One instrument × site × period cell of the publication table; n None means hidden."""

    @property
    def instrument(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def n(self) -> int | None: ...
    @property
    def measures(self) -> Sequence[PublishedMeasure]: ...


@dataclass(frozen=True)
class HeadlineRequest:
    """A result the administrator wants on the notice: instrument/question/period."""

    instrument: str
    question: str
    period: str

    @classmethod
    def parse(cls, text: str) -> HeadlineRequest:
        """Read 'support/total/2026-11'."""
        parts = text.split("/")
        if len(parts) != 3 or not all(parts):
            raise NoticeBuildError(
                f"--headline {text!r}: write it as instrument/question/period, "
                "e.g. psych_safety/total/2026-11"
            )
        return cls(*parts)


def pick_headlines(
    cells: Iterable[PublishedCell],
    requests: Sequence[HeadlineRequest],
    *,
    site: str,
    labels: Mapping[tuple[str, str], Text],
    min_group: int,
) -> tuple[Headline, ...]:
    """The requested results of `site`, each from a published cell and measure, or refuse.

    A cell or question the table hides ("skjult") is refused, as is one with fewer than
    `min_group` answers or without a mean: a notice never shows what the report would not.
    """
    index = {(c.instrument, c.site, c.period): c for c in cells}
    picked = []
    for want in requests:
        name = f"{want.instrument}/{want.question}/{want.period} at {site!r}"
        cell = index.get((want.instrument, site, want.period))
        if cell is None:
            raise NoticeBuildError(f"The report has no result {name}.")
        measure = next((m for m in cell.measures if m.question == want.question), None)
        if cell.n is None or measure is None or measure.n is None or measure.mean is None:
            raise NoticeBuildError(
                f"The result {name} is hidden in the report (or has no mean); a notice "
                "carries only published numbers."
            )
        if measure.n < min_group:
            raise NoticeBuildError(f"The result {name} has fewer than {min_group} answers.")
        label = labels.get((want.instrument, want.question))
        if label is None:
            raise NoticeBuildError(f"No label is known for {want.instrument}/{want.question}.")
        picked.append(
            Headline(want.instrument, want.question, want.period, label, measure.n, measure.mean)
        )
    return tuple(picked)


def actions_for(actions: Sequence[Action], site: str, chosen: Sequence[int] = ()) -> list[Action]:
    """The actions a site's notice shows: those chosen, else its open ones first, at most five."""
    mine = [a for a in actions if a.site in (None, site)]
    if chosen:
        by_id = {a.id: a for a in mine}
        missing = [n for n in chosen if n not in by_id]
        if missing:
            raise NoticeBuildError(
                f"Action(s) {', '.join(map(str, missing))} are not in the plan for {site!r}."
            )
        mine = [by_id[n] for n in chosen]
    else:
        mine.sort(key=lambda a: (a.status == "done", a.id))
    if not mine:
        raise NoticeBuildError(
            f"The plan has no action for {site!r}: add one with kiosk-admin plan add."
        )
    if len(mine) > MAX_ACTIONS:
        if chosen:
            raise NoticeBuildError(f"A notice shows at most {MAX_ACTIONS} actions.")
        mine = mine[:MAX_ACTIONS]
    return mine


def build_notice(
    actions: Sequence[Action],
    *,
    site: str,
    valid_from: date,
    valid_until: date,
    title: Text = DEFAULT_TITLE,
    headlines: tuple[Headline, ...] = (),
    now: datetime | None = None,
) -> Notice:
    """The notice for one site; texts without an English version show the Danish one."""
    if not 0 <= (valid_until - valid_from).days <= MAX_DAYS_VALID:
        raise NoticeBuildError(
            f"--until must be on or after --from and at most {MAX_DAYS_VALID} days later."
        )
    issued = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return Notice(
        site=site,
        issued=issued,
        valid_from=valid_from,
        valid_until=valid_until,
        title=Text(title.da, title.en or title.da),
        actions=tuple(
            NoticeAction(
                heard=Text(a.heard.da, a.heard.en or a.heard.da),
                do=Text(a.do.da, a.do.en or a.do.da),
                who=a.who,
                by=a.by,
                status=a.status,
            )
            for a in actions
        ),
        headlines=headlines,
    )


def sign_notice(notice: Notice, signing_key: Ed25519PrivateKey) -> bytes:
    """The notice file's bytes, signed; the body is read back first so no invalid one ships."""
    body = body_bytes(notice)
    try:
        parse_body(body)
    except Exception as error:
        raise NoticeBuildError(str(error)) from None
    signature = signing_key.sign(SIGNED_PREFIX + body)
    return file_bytes(body, signature, signing_public_key_of(signing_key).fingerprint())


def write_notice(path: Path, data: bytes) -> None:
    """Write the notice file (never over another file of the same name)."""
    try:
        with Path(path).open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise NoticeBuildError(f"{path} already exists; choose another --out.") from None
    except OSError as error:
        raise NoticeBuildError(f"Cannot write {path}: {error.strerror or error}") from None
