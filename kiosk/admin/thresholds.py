"""The thresholds a report applies: the store's setting, never below what a kiosk promised.

A kiosk's welcome screen tells its staff that results are only shown together for at least
`min_group` people; every bundle it builds carries that promise (kiosk/bundle.py) and each
import entry records it. Reports apply one pair for the whole store, the store's setting
(`kiosk-admin config`) raised to the highest promise of any site, so the linked audit stays
one table with one threshold. A promise only ever raises the thresholds: a forged header can
hide more, never show less.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk.admin.adminstore import AdminStore, ImportEntry, StoreConfig
from kiosk.admin.model import Rules
from kiosk.sanitize import clean_text


@dataclass(frozen=True)
class SitePromise:
    """The highest thresholds a site's kiosks promised their staff in any bundle imported."""

    site: str
    min_group: int
    min_group_text: int


@dataclass(frozen=True)
class Thresholds:
    """What every report applies: the store's setting raised to every promise recorded.

    `raised_by` lists the promises above the store's setting (empty when it alone decides).
    """

    min_group: int
    min_group_text: int
    config: StoreConfig
    raised_by: tuple[SitePromise, ...] = ()


def promises_of(entries: Iterable[ImportEntry]) -> tuple[SitePromise, ...]:
    """The highest promise each site's bundles carried, by site name; sites whose bundles
    carried none are left out.

    The highest one ever seen counts: staff were told it about the answers they gave.
    """
    best: dict[str, tuple[int, int]] = {}
    for entry in entries:
        if entry.promised_min_group:
            group, text = best.get(entry.site, (0, 0))
            best[entry.site] = (
                max(group, entry.promised_min_group),
                max(text, entry.promised_min_group_text),
            )
    return tuple(SitePromise(site, *best[site]) for site in sorted(best))


def effective(config: StoreConfig, promises: Sequence[SitePromise]) -> Thresholds:
    """The store's thresholds, never below what any kiosk told its staff."""
    above = tuple(
        p
        for p in promises
        if p.min_group > config.min_group or p.min_group_text > config.min_group_text
    )
    return Thresholds(
        max([config.min_group, *(p.min_group for p in above)]),
        max([config.min_group_text, *(p.min_group_text for p in above)]),
        config,
        above,
    )


def store_thresholds(store: AdminStore) -> Thresholds:
    """The thresholds every report from `store` applies.

    Raises:
        StoreCorrupt: the store config is there but not valid.
    """
    return effective(store.config(), promises_of(store.imports()))


def report_rules(limits: Thresholds) -> Rules:
    """The rules a report applies and prints, with the store's own pair when a promise
    raised it (so the rules can say why)."""
    setting = (limits.config.min_group, limits.config.min_group_text)
    return Rules(limits.min_group, limits.min_group_text, setting if limits.raised_by else None)


def warnings(limits: Thresholds) -> list[str]:
    """Why reports use more than the store's setting: whose promise, and what staff were told."""
    out = []
    for key, set_to, used in (
        ("min_group", limits.config.min_group, limits.min_group),
        ("min_group_text", limits.config.min_group_text, limits.min_group_text),
    ):
        if used <= set_to:
            continue
        whose = ", ".join(
            f"'{clean_text(p.site)}'" for p in limits.raised_by if getattr(p, key) == used
        )
        told = "people" if key == "min_group" else "answers for notes"
        out.append(
            f"{key} is set to {set_to}, but reports will still use {used}: the promise of site "
            f"{whose} ({used}). Its kiosk told staff that answers are only shown together for "
            f"at least {used} {told}, and the answers it sent were given on that promise."
        )
    return out
