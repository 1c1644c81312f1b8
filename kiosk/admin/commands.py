"""The administrator's import, receive, report and receipt commands (`kiosk-admin …`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from itertools import chain
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.admin import report_csv, report_html, report_json, report_text, report_xlsx
from kiosk.admin.adminstore import CACHE_DIR, AdminStore, ImportEntry, StoreConfig
from kiosk.admin.aggregate import Opened
from kiosk.admin.grid import Grid, kind_of, weeks_of_month, weeks_of_year
from kiosk.admin.importer import Importer, Outcome, shown
from kiosk.admin.model import Report, Rules, Selection, Table, select
from kiosk.admin.opencache import (
    CacheUnreadable,
    cache_key,
    open_cache_grouped,
    seal_cache,
)
from kiosk.admin.opening import Failure, Invalid, open_records
from kiosk.admin.plan import Action, list_actions, plan_lines, plan_row
from kiosk.admin.plan_commands import add_plan_commands
from kiosk.admin.publication import publish
from kiosk.admin.receive import receive_and_import
from kiosk.admin.releases import (
    Release,
    read_releases,
    release_of,
    same_numbers,
    write_release,
)
from kiosk.admin.thresholds import effective, promises_of, report_rules, store_thresholds, warnings
from kiosk.admin.video import import_videos, is_video
from kiosk.admin.wording import label
from kiosk.cli_common import EXIT_FAILED, PASSPHRASE_ENV, CommandError, ask_passphrase
from kiosk.config import MIN_GROUP_FLOOR, default_config_dir, load_instruments
from kiosk.durable import StoreError
from kiosk.instruments import Instrument
from kiosk.keyfiles import load_private_key_file
from kiosk.records import Payload, default_catalogue


def load_key(args: argparse.Namespace) -> X25519PrivateKey:
    """Read and decrypt --key (WrongPassphrase and KeyFormatError reach the CLI as one line)."""
    return load_private_key_file(args.key, ask_passphrase(args.key))


def _is_video_file(path: str) -> bool:
    """Whether a command-line source is a video file (by its first bytes, not its name)."""
    if path == "-":
        return False
    try:
        with open(path, "rb") as file:
            return is_video(file.read(12))
    except OSError:
        return False  # the importer says why it cannot be read


def _print_outcome(outcome: Outcome) -> None:
    """One line for an imported bundle, and notes on quarantined or oddly dated records."""
    entry = outcome.entry
    assert entry is not None
    if outcome.already:
        print(f"{outcome.source}: already imported; receipt code {entry.receipt}")
        return
    known = entry.count - entry.new
    print(
        f"{outcome.source}: imported {entry.new - entry.quarantined} new records"
        + (f" ({known} already in the store)" if known else "")
        + f" from site '{report_text.safe(entry.site)}'; receipt code {entry.receipt}"
    )
    if outcome.quarantined:
        reasons = "; ".join(
            f"{count} × {report_text.safe(reason)}"
            for reason, count in outcome.quarantined.most_common(5)
        )
        print(
            f"kiosk-admin: {outcome.source}: {entry.quarantined} record(s) QUARANTINED: kept "
            f"sealed but not counted in any report, because {reasons}",
            file=sys.stderr,
        )
    if outcome.future or outcome.early:
        print(
            f"kiosk-admin: note: {outcome.source}: {outcome.future} record(s) are dated after "
            f"the export and {outcome.early} before the kiosk's first export: the kiosk's "
            "clock was probably wrong when they were made (check it with `kiosk doctor`); "
            "they are counted under the dates they carry.",
            file=sys.stderr,
        )
    if outcome.legacy:
        print(
            f"kiosk-admin: note: {outcome.source} is an export from before receipts needed "
            "the key: its code works only on a kiosk not yet updated. An updated kiosk "
            "exports these records again in a new bundle; import that one for its code.",
            file=sys.stderr,
        )


def cmd_import(args: argparse.Namespace) -> int:
    """kiosk-admin import: check and store bundles, QR frame images, videos or frame text."""
    if args.paths.count("-") > 1:
        raise CommandError("Standard input ('-') can be named only once.")
    if "-" in args.paths and sys.stdin.isatty() and not os.environ.get(PASSPHRASE_ENV):
        raise CommandError(f"Reading frames from standard input needs {PASSPHRASE_ENV} set.")
    private_key = load_key(args)
    failed = skipped = imported = 0
    with AdminStore.open(args.store, create=True) as store:
        importer = Importer(store, private_key)
        videos = [path for path in args.paths if _is_video_file(path)]
        others = [path for path in args.paths if path not in videos]
        outcomes = chain(
            import_videos(importer, [Path(path) for path in videos]), importer.run(others)
        )
        for outcome in outcomes:
            if outcome.error is None:
                imported += 1
                _print_outcome(outcome)
                continue
            if outcome.skipped:
                skipped += 1
                print(f"kiosk-admin: {outcome.source}: skipped: {outcome.error}", file=sys.stderr)
                continue
            failed += 1
            print(f"kiosk-admin: {outcome.source}: not imported: {outcome.error}", file=sys.stderr)
        total = store.record_count
        quarantined = store.quarantined_count
    print(
        f"The admin store {shown(str(args.store))} holds {total - quarantined} records"
        + (f" (and {quarantined} quarantined)." if quarantined else ".")
    )
    if failed or (skipped and not imported):
        print(
            f"kiosk-admin: {failed + skipped} source(s) were not imported; see above.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    """kiosk-admin receive: read the QR stream from a camera (or a video file) and import it."""
    private_key = load_key(args)
    with AdminStore.open(args.store, create=True) as store:
        outcome = receive_and_import(Importer(store, private_key), args.camera)
        if outcome.error is None:
            _print_outcome(outcome)
        else:
            print(f"kiosk-admin: {outcome.source}: not imported: {outcome.error}", file=sys.stderr)
        total = store.record_count
    print(f"The admin store {shown(str(args.store))} holds {total} records.")
    return EXIT_FAILED if outcome.error is not None else 0


def _open_sealed(
    store: AdminStore, entry: ImportEntry, private_key: X25519PrivateKey
) -> list[tuple[bytes, Payload]]:
    """Open an import's sealed records with HPKE; a record that does not open ends the command."""
    quarantined = store.quarantined_ids(entry)
    sealed = [pair for pair in store.sealed_records(entry) if pair[0] not in quarantined]
    result = open_records(private_key, sealed, default_catalogue())
    if isinstance(result, Failure):
        raise CommandError(
            f"A stored record ({result.record_id.hex()}, from bundle {entry.bundle_id}) does "
            f"not open with this key: {result.reason}. Is --key the key the records were "
            "imported with?",
            EXIT_FAILED,
        )
    opened: list[tuple[bytes, Payload]] = []
    for (rid, _), payload in zip(sealed, result, strict=True):
        if isinstance(payload, Invalid):
            raise CommandError(
                f"A stored record ({rid.hex()}, from bundle {entry.bundle_id}) is no longer "
                f"a valid answer ({payload.reason}); were the instrument files changed?",
                EXIT_FAILED,
            )
        opened.append((rid, payload))
    return opened


def opened_records(
    store: AdminStore, private_key: X25519PrivateKey
) -> tuple[list[Opened], list[str]]:
    """Every stored record opened, with its bundle's site, and notes on caches rebuilt.

    Each import's records come from its opened cache; an import whose cache is missing,
    damaged or made with another key is opened from its sealed records instead, and its
    cache rebuilt, so the numbers are the same either way.
    """
    cipher = cache_key(private_key)
    records: list[Opened] = []
    notes: list[str] = []
    for index, entry in enumerate(store.imports()):
        if not entry.segment:
            continue
        blob = store.read_cache(entry)
        try:
            if blob is None:
                raise CacheUnreadable(
                    "its file is missing" if entry.cache else "the import predates the cache"
                )
            grouped = open_cache_grouped(cipher, entry.digest, blob)
            held, stored = sum(n for _, n in grouped), entry.new - entry.quarantined
            if held != stored:
                raise CacheUnreadable(f"it holds {held} records, not {stored}")
        except CacheUnreadable as why:
            opened = _open_sealed(store, entry, private_key)
            grouped = [(payload, 1) for _, payload in opened]
            try:
                store.write_cache(entry, seal_cache(cipher, entry.digest, opened))
                outcome = "rebuilt"
            except StoreError as error:
                outcome = f"not rebuilt ({error})"
            notes.append(
                f"the opened cache of bundle {entry.bundle_id} ({store.folder / CACHE_DIR}) "
                f"was not used: {why}. Its {len(opened)} records were opened from their sealed "
                f"copies instead, and the cache {outcome}."
            )
        # Format-2 records name their own site and kiosk (authenticated); format 1 takes the
        # bundle header's. Equal records share one object (counted by identity, aggregate.py).
        for payload, n in grouped:
            site, kiosk = payload.site or entry.site, payload.kiosk_id or entry.kiosk_id
            records.extend([Opened(payload, site, kiosk, index)] * n)
    return records, notes


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-03-02") from None


def _threshold(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < MIN_GROUP_FLOOR:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_GROUP_FLOOR} (got {value})")
    return value


def _exports(store: AdminStore, retired: tuple[str, ...]) -> tuple[dict[str, date], int]:
    """Each active kiosk's latest export day, and how many known kiosks are retired."""
    latest: dict[str, date] = {}
    for entry in store.imports():
        day = date.fromisoformat(entry.created)
        latest[entry.kiosk_id] = max(day, latest.get(entry.kiosk_id, day))
    gone = {k for k in latest if any(k.startswith(prefix) for prefix in retired)}
    return {k: d for k, d in latest.items() if k not in gone}, len(gone)


def _selection(table: Table, args: argparse.Namespace) -> Selection:
    """The cells the options pick: a site, a kind of period, whole weeks of a window."""
    if args.site is not None and args.site not in table.sites:
        known = ", ".join(report_text.safe(s) for s in table.sites) or "none yet"
        raise CommandError(f"No site {args.site!r} in the closed periods (sites: {known}).")
    if args.since and args.until and args.since > args.until:
        raise CommandError("--since is after --until.")
    in_window, snapped = _window(table, args.since, args.until)
    kinds = {"week": "week", "month": "month", "year": "year", "all": "all"}
    chosen = tuple(p for p in in_window if kind_of(p) in (kinds[args.period], "all"))
    months = tuple(p for p in in_window if kind_of(p) == "month")
    return Selection(args.site, args.period, chosen, months, snapped, args.lang)


def _window(table: Table, since: date | None, until: date | None) -> tuple[list[str], str]:
    """Periods of the table wholly inside [since, until], snapped outward to whole weeks."""
    if since is None and until is None:
        return list(table.periods), ""
    covered = Grid(table.weeks, {w: (i,) for i, w in enumerate(table.weeks)})
    weeks, snapped = covered.covering(since, until)
    inside = set(weeks)
    out = []
    for period in table.periods:
        kind = kind_of(period)
        members = (
            [period]
            if kind == "week"
            else weeks_of_month(period)
            if kind == "month"
            else weeks_of_year(period)
            if kind == "year"
            else list(table.weeks)
        )
        if members and set(members) <= inside:
            out.append(period)
    return out, snapped


def _render(report: Report, fmt: str, excel_da: bool, actions: Sequence[Action] = ()) -> str:
    """One format of the report; the agreed actions go into the handleplan (text, HTML, JSON)."""
    if fmt == "csv":
        return report_csv.render(report, excel_da)
    if fmt == "json":
        data = report_json.as_dict(report)
        data["plan"] = [plan_row(action) for action in actions]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return report_html.render(report, actions)
    text = report_text.render(report)
    if not actions:
        return text
    lines = [label(report.lang, "plan"), *plan_lines(list(actions), report.lang)]
    return text + "\n" + "\n".join(lines) + "\n"


def plan_for(actions: Sequence[Action], site: str | None) -> list[Action]:
    """The actions a report shows: for its site (or every site), open ones first."""
    shown = [a for a in actions if site is None or a.site in (None, site)]
    return sorted(shown, key=lambda a: (a.status == "done", a.id))


def next_release(
    records: list[Opened],
    instruments: dict[str, Instrument],
    rules: Rules,
    releases: list[Release],
    imports: int,
    exports: dict[str, date],
    retired: int,
    today: date,
) -> tuple[Table, Release | None]:
    """The proved table of a store state, and the release to log (None: nothing new)."""
    table, _ = publish(
        records,
        instruments,
        rules,
        releases=releases,
        imports=imports,
        exports=exports,
        retired=retired,
        today=today,
    )
    release = release_of(table, len(releases) + 1, imports)
    if release.cells and not (releases and same_numbers(releases[-1], release)):
        return table, release
    return replace(table, release=len(releases)), None


def render_selection(table: Table, args: argparse.Namespace, actions: Sequence[Action] = ()) -> str:
    """The report the options ask for: a selection of the table's cells, in one format."""
    report = select(table, _selection(table, args))
    return _render(report, args.format, args.excel_da, plan_for(actions, args.site))


def cmd_report(args: argparse.Namespace) -> int:
    """kiosk-admin report: the anonymity-safe report in text, JSON, CSV, HTML or XLSX.

    The whole publication table is built and proved first and appended to the store's
    release log before anything is printed; the options then only select its cells.
    """
    if args.format == "xlsx" and args.out is None:
        raise CommandError("--format xlsx writes a workbook: add --out FILE.xlsx")
    instruments = load_instruments(default_config_dir() / "instruments")
    private_key = load_key(args)
    cipher = cache_key(private_key)
    with AdminStore.open(args.store) as store:
        limits = store_thresholds(store)
        config = limits.config
        records, notes = opened_records(store, private_key)
        actions = list_actions(store, private_key)
        releases = read_releases(store.folder, cipher)
        exports, retired = _exports(store, config.retired)
        table, release = next_release(
            records,
            instruments,
            report_rules(limits),
            releases,
            len(store.imports()),
            exports,
            retired,
            date.today(),
        )
        if release is not None:
            write_release(store.folder, cipher, release)
    for note in notes:
        print(f"kiosk-admin: note: {note}", file=sys.stderr)
    if table.unprovable:
        print(
            f"kiosk-admin: note: {table.unprovable} hidden number(s) were narrowed by earlier "
            "releases made under lower thresholds; they stay hidden.",
            file=sys.stderr,
        )
    if args.format == "xlsx":
        try:
            data = report_xlsx.render(select(table, _selection(table, args)))
        except report_xlsx.SpreadsheetUnavailable as error:
            raise CommandError(str(error)) from None
    else:
        text = render_selection(table, args, actions)
        if args.format == "csv":
            # The rules and coverage, for a person; the CSV itself holds only data.
            report = select(table, _selection(table, args))
            for line in [*report_text.coverage_lines(report), *report_text.rules_lines(report)]:
                print(f"kiosk-admin: {line}", file=sys.stderr)
        if args.out is None:
            sys.stdout.write(text)
            return 0
    try:
        if args.format == "xlsx":
            Path(args.out).write_bytes(data)
        else:
            Path(args.out).write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(
            f"Cannot write {args.out}: {error.strerror or error}", EXIT_FAILED
        ) from None
    print(f"Wrote the {args.format} report to {args.out}")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """kiosk-admin config: show or set the store's thresholds and retired kiosks."""
    with AdminStore.open(args.store) as store:
        config = store.config()
        min_group = args.min_group or config.min_group
        min_text = args.min_group_text or max(config.min_group_text, min_group)
        if min_text < min_group:
            raise CommandError(
                f"--min-group-text ({min_text}) must be at least --min-group ({min_group})."
            )
        retired = [k for k in config.retired if k not in (args.unretire or [])]
        known = {entry.kiosk_id for entry in store.imports()}
        for kiosk in args.retire or []:
            if not any(k.startswith(kiosk) for k in known):
                raise CommandError(f"No kiosk {kiosk!r} has been imported into {args.store}.")
            if kiosk not in retired:
                retired.append(kiosk)
        updated = StoreConfig(min_group, min_text, tuple(retired))
        if updated != config:
            store.write_config(updated)
        promises = promises_of(store.imports())
    limits = effective(updated, promises)
    print(f"min_group = {updated.min_group}")
    print(f"min_group_text = {updated.min_group_text}")
    print(f"retired kiosks = {', '.join(updated.retired) or 'none'}")
    shown_promises = (
        f"'{report_text.safe(p.site)}' {p.min_group}/{p.min_group_text}" for p in promises
    )
    print(f"promised by kiosks = {', '.join(shown_promises) or 'none'}")
    print(f"reports use = {limits.min_group}/{limits.min_group_text}")
    for warning in warnings(limits):
        print(f"kiosk-admin: warning: {warning}", file=sys.stderr)
    return 0


def cmd_receipts(args: argparse.Namespace) -> int:
    """kiosk-admin receipt: list imported bundles with their receipt codes."""
    with AdminStore.open(args.store) as store:
        entries = store.imports()
    if not entries:
        print(f"No bundles have been imported into {args.store} yet.")
        return 0
    print("imported    receipt       site / kiosk / bundle                          records (new)")
    for entry in entries:
        print(
            f"{entry.imported}  {entry.receipt}  {report_text.safe(entry.site)[:24]:<24} "
            f"{report_text.safe(entry.kiosk_id)[:8]} {entry.bundle_id[:8]}  "
            f"{entry.count} ({entry.new})"
        )
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the administrator's sub-commands on the `kiosk-admin` parser."""
    imp = commands.add_parser(
        "import", help="import bundles, QR frame images or frame text ('-': standard input)"
    )
    imp.add_argument("--store", type=Path, required=True, help="the admin store folder")
    imp.add_argument("--key", type=Path, required=True, help="admin-key.pem")
    imp.add_argument(
        "paths", nargs="+", metavar="PATH", help="bundle, image, video or text file, or -"
    )
    imp.set_defaults(handler=cmd_import)

    live = commands.add_parser(
        "receive", help="read the kiosk's QR code live from a webcam and import it when whole"
    )
    live.add_argument("--store", type=Path, required=True, help="the admin store folder")
    live.add_argument("--key", type=Path, required=True, help="admin-key.pem")
    live.add_argument(
        "--camera", default="0", metavar="N|FILE", help="camera number (0: the first) or a video"
    )
    live.set_defaults(handler=cmd_receive)

    rep = commands.add_parser("report", help="write a report that hides groups too small")
    rep.add_argument("--store", type=Path, required=True, help="the admin store folder")
    rep.add_argument("--key", type=Path, required=True, help="admin-key.pem")
    rep.add_argument("--format", choices=("text", "json", "csv", "html", "xlsx"), default="text")
    rep.add_argument("--out", type=Path, default=None, help="write to this file, not stdout")
    rep.add_argument(
        "--period", choices=("week", "month", "year", "all"), default="week", help="kind of period"
    )
    rep.add_argument(
        "--since", type=_day, default=None, help="first day, widened to its whole week"
    )
    rep.add_argument("--until", type=_day, default=None, help="last day, widened to its week")
    rep.add_argument("--site", default=None, help="only this site")
    rep.add_argument("--lang", choices=("da", "en"), default="da")
    rep.add_argument("--excel-da", action="store_true", help="CSV for Danish Excel (; and ,)")
    rep.set_defaults(handler=cmd_report)

    conf = commands.add_parser("config", help="show or set the store's thresholds and retirements")
    conf.add_argument("--store", type=Path, required=True, help="the admin store folder")
    conf.add_argument("--min-group", type=_threshold, default=None, help="fewest answers shown")
    conf.add_argument("--min-group-text", type=_threshold, default=None, help="for notes")
    conf.add_argument("--retire", action="append", metavar="KIOSK", help="kiosk id (prefix)")
    conf.add_argument("--unretire", action="append", metavar="KIOSK", help="undo --retire")
    conf.set_defaults(handler=cmd_config)

    rec = commands.add_parser("receipt", help="list imported bundles and their receipt codes")
    rec.add_argument("--store", type=Path, required=True, help="the admin store folder")
    rec.set_defaults(handler=cmd_receipts)

    add_plan_commands(commands)
